"""Risk: the three daily measures and what a pledge is worth (`measures`), their inputs per
member (`exposures`) and the risk collateral TCH holds over the ledger (`collateral`)."""
