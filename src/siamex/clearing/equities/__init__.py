"""Equities clearing: trades in, novation into legs against TCH, net settlement obligations out.

`trades` reads the day's trades all or nothing, `novation` turns each into a buy leg and a sell
leg against TCH (with gross settlement, corrections and give-ups until their cut-offs), and
`netting` sums the legs into what each member delivers, receives, pays and is paid
(clearing-spec.md 3.1-3.4, decisions C1 and C2).
"""

from siamex.clearing.equities.netting import (
    CashObligation,
    NetPositions,
    SecuritiesObligation,
    net,
    net_columns,
    net_legs,
)
from siamex.clearing.equities.novation import (
    GiveUp,
    Leg,
    LegColumns,
    NovationBook,
    SettlementMode,
    Side,
    SideColumns,
    novate,
)
from siamex.clearing.equities.trades import (
    BoardType,
    RowProblem,
    Trade,
    TradeBatch,
    TradeFileError,
    read_trades,
    security_key,
    settlement_date,
    split_security,
    trades_from_csv,
    trades_from_json,
    trades_from_replay,
)

__all__ = [
    "BoardType",
    "CashObligation",
    "GiveUp",
    "Leg",
    "LegColumns",
    "NetPositions",
    "NovationBook",
    "RowProblem",
    "SecuritiesObligation",
    "SettlementMode",
    "Side",
    "SideColumns",
    "Trade",
    "TradeBatch",
    "TradeFileError",
    "net",
    "net_columns",
    "net_legs",
    "novate",
    "read_trades",
    "security_key",
    "settlement_date",
    "split_security",
    "trades_from_csv",
    "trades_from_json",
    "trades_from_replay",
]
