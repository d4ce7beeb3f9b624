"""The Thailand Clearing House (TCH) for equities: novation, netting, DvP settlement, collateral,
fails and their remedies, the clearing fund and its waterfall (shared/spec/clearing-spec.md).

Money is integer satang (0.01 THB) throughout, percentages are `Fraction`s, and every rounding
is written down where it happens (siamex.clearing.money). The calculators are pure: no clock,
no I/O; the ledger's store is the one narrow interface to a database.
"""
