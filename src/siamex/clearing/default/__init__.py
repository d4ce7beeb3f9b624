"""Default management: the Clearing Fund (`fund`), the order in which resources absorb a loss
(`waterfall`) and a member's default posted over the ledger (`declaration`)."""
