"""The largest quantity and amount a clearing-house file may give (decision 71).

Why bounds at all: the ledger keeps quantities and satang in signed 64-bit columns (SQLite's
INTEGER, PostgreSQL's BIGINT, NumPy's int64 in netting), whose largest value is
9,223,372,036,854,775,807. A reader refuses anything larger than these maxima, so a value the
stores cannot hold never gets past the edge, and every balance, net position or day's total
summed from values within them still fits: the largest amount fits 92,233 times over.
"""

from __future__ import annotations

__all__ = ["MAX_AMOUNT", "MAX_SHARES", "STORE_MAX"]

STORE_MAX = 2**63 - 1  # a signed 64-bit store column

# 100,000,000,000,000.00 THB in satang: above the whole SET's market value (about 17 trillion
# THB), and 92,233 such amounts sum within a store column
MAX_AMOUNT = 10**16

# 1,000,000,000,000 shares: 35 times the largest listed company's share count (PTT, 28.6
# billion), and 9,223,372 such quantities sum within a store column
MAX_SHARES = 10**12
