"""The exchange's member connectivity: FIX order entry, the registry of members, ORSs and traders,
pre-trade risk and the kill switch, the audit trail, and `siamex serve` that runs them live."""
