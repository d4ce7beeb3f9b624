"""Derivatives clearing (TFEX): accounts and positions, post-trade changes, daily
mark-to-market and final settlement (clearing-spec.md 4.1-4.4), beside equities on the same
foundations."""
