"""The Thailand Clearing House (TCH): novation, netting, DvP settlement, collateral, fails and
their remedies, the clearing fund and its waterfall (shared/spec/clearing-spec.md).

Packages, each importing only those listed before it (tests/test_layers.py checks):
`foundations` (money, the ledger and its stores, keys, members, the clearing rulebook, the
accounts every part posts to), `default` (the Clearing Fund, the waterfall, a member's
default), `risk` (the daily measures, risk collateral and its call), `billing` (fees, fines,
the month's end), `equities` (trades to settlement, PSMS, fails and their remedies, SBL),
`reports` (what a day did, per member) and `day` (a clearing day's instructions and steps).

Money is integer satang (0.01 THB) throughout, percentages are `Fraction`s, and every rounding
is written down where it happens (`foundations.money`). The calculators are pure: no clock,
no I/O; the ledger's store is the one narrow interface to a database.
"""
