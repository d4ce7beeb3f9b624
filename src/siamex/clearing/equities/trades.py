"""The trades TCH clears, and the readers that take them in all or nothing.

A day can hold millions of trades, so a load is a `TradeBatch`: one NumPy array per field,
with members' accounts, securities and dates stored as small integer codes. Iterating a batch
gives `Trade` records, the readable form the tests and the corrections use.

Every reader (`siamex replay` JSON Lines, the CSV and JSON trade files of docs/clearing.md)
checks every row, collects a reason for each bad one, and loads nothing if any row is bad:
half a day's trades would net to obligations nobody owes.
"""

from __future__ import annotations

import csv
import datetime as dt
from array import array
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass
from enum import Enum
from operator import itemgetter
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from siamex.clearing.foundations.files import decode_json, read_json
from siamex.clearing.foundations.limits import MAX_AMOUNT, MAX_SHARES
from siamex.clearing.foundations.members import Account, MemberRegistry
from siamex.clearing.foundations.parameters import DEFAULT_CLEARING_RULES, ClearingRules
from siamex.errors import ErrorCode, SiamexError
from siamex.rulebook.calendar import OutsideCalendar, is_trading_day, trading_day_offset
from siamex.trading.enums import Board
from siamex.units import InvalidValue, format_price, parse_date, parse_price, shown

__all__ = [
    "BOARDS",
    "TRADE_COLUMNS",
    "BoardType",
    "Int8s",
    "Int32s",
    "Int64s",
    "RowProblem",
    "Trade",
    "TradeBatch",
    "TradeFileError",
    "read_trades",
    "security_key",
    "settlement_date",
    "split_security",
    "trades_from_csv",
    "trades_from_json",
    "trades_from_replay",
]


class BoardType(Enum):
    """The board a security settles on, each its own instrument in netting (2.2, derived)."""

    LOCAL = "local"
    FOREIGN = "foreign"
    NVDR = "nvdr"


_SUFFIX = {BoardType.LOCAL: "", BoardType.FOREIGN: "-F", BoardType.NVDR: "-R"}

# The exchange boards in code order; trade reports are the off-hour, big-lot and foreign ones.
BOARDS: tuple[Board, ...] = tuple(Board)
_REPORT_BOARDS = frozenset({Board.OFF_HOUR, Board.BIG_LOT, Board.FOREIGN})  # set-trading 2.3, 5
_BOARD_CODE = {board.value: code for code, board in enumerate(BOARDS)}

# The columns of a CSV trade file and the fields of a JSON one, in order (docs/clearing.md).
TRADE_COLUMNS = ("trade_id", "trade_date", "symbol", "board", "price", "qty", "buy_member",
                 "buy_account", "sell_member", "sell_account", "buy_order_id", "sell_order_id")
_DEFAULTS = {"board": "main", "buy_order_id": "", "sell_order_id": ""}


def security_key(symbol: str, board_type: BoardType) -> str:
    """Return the netting key of a security on a board: PTT, PTT-F, PTT-R (2.2)."""
    return symbol + _SUFFIX[board_type]


def split_security(key: str) -> tuple[str, BoardType]:
    """Split a netting key into its symbol and board type (the inverse of `security_key`)."""
    for board_type in (BoardType.FOREIGN, BoardType.NVDR):
        suffix = _SUFFIX[board_type]
        if key.endswith(suffix) and len(key) > len(suffix):
            return key[: -len(suffix)], board_type
    return key, BoardType.LOCAL


def settlement_date(trade_date: dt.date, rules: ClearingRules = DEFAULT_CLEARING_RULES) -> dt.date:
    """Return the net settlement date: T plus `settlement_cycle_days` SET business days."""
    # decision C1; clearing-spec.md 3.1: T+2 on the SET calendar
    return trading_day_offset(trade_date, rules.settlement_cycle_days)


@dataclass(frozen=True, slots=True)
class Trade:
    """One matched trade as executed: price in satang, quantity in shares (2.2)."""

    trade_id: str
    trade_date: dt.date
    settlement_date: dt.date
    symbol: str
    board_type: BoardType
    qty: int
    price: int
    buyer: Account
    seller: Account
    board: Board = Board.MAIN
    buy_order_id: str = ""
    sell_order_id: str = ""

    @property
    def value(self) -> int:
        """The traded value in satang."""
        return self.qty * self.price

    @property
    def security(self) -> str:
        """The netting key: symbol with its board type."""
        return security_key(self.symbol, self.board_type)

    @property
    def trade_report(self) -> bool:
        """Whether the trade is a trade report (off-hour, big-lot or foreign board)."""
        return self.board in _REPORT_BOARDS


Int32s = npt.NDArray[np.int32]
Int64s = npt.NDArray[np.int64]
Int8s = npt.NDArray[np.int8]


@dataclass(frozen=True, eq=False)
class TradeBatch:
    """A load of trades, one array per field; codes index the tuples beside them.

    `buyer` and `seller` index `registry.accounts`, `trade_date` indexes `dates` (whose net
    settlement dates are `settlement_dates`), `security` indexes `securities` (netting keys),
    `board` indexes `BOARDS`. Trade ids are unique within a batch: the readers refuse a
    repeat.
    """

    registry: MemberRegistry
    trade_ids: list[str]
    dates: tuple[dt.date, ...]
    settlement_dates: tuple[dt.date, ...]
    securities: tuple[str, ...]
    trade_date: Int32s
    security: Int32s
    board: Int8s
    qty: Int64s
    price: Int64s
    buyer: Int32s
    seller: Int32s
    buy_order_ids: list[str]
    sell_order_ids: list[str]

    def __len__(self) -> int:
        return len(self.trade_ids)

    def trade(self, row: int) -> Trade:
        """Return the trade in a row as a record."""
        accounts = self.registry.accounts
        symbol, board_type = split_security(self.securities[self.security[row]])
        day = int(self.trade_date[row])
        return Trade(self.trade_ids[row], self.dates[day], self.settlement_dates[day], symbol,
                     board_type, int(self.qty[row]), int(self.price[row]),
                     accounts[self.buyer[row]], accounts[self.seller[row]],
                     BOARDS[self.board[row]], self.buy_order_ids[row], self.sell_order_ids[row])

    def __iter__(self) -> Iterator[Trade]:
        return (self.trade(row) for row in range(len(self)))


@dataclass(frozen=True, slots=True)
class RowProblem:
    """Why one row of a trade file was refused; `row` is its line (or position in JSON)."""

    row: int
    reason: str


_SHOWN_PROBLEMS = 20


class TradeFileError(SiamexError):
    """A trade file with bad rows: every one is listed in `problems`, and nothing is loaded."""

    def __init__(self, source: str, unit: str, problems: list[RowProblem]) -> None:
        self.problems = tuple(problems)
        shown = "; ".join(f"{unit} {p.row}: {p.reason}" for p in problems[:_SHOWN_PROBLEMS])
        more = len(problems) - _SHOWN_PROBLEMS
        tail = f"; and {more} more" if more > 0 else ""
        super().__init__(ErrorCode.TRADE_FILE,
                         f"{source}: {len(problems)} bad trade(s), nothing loaded: {shown}{tail}")


class _Builder:
    """Check rows one by one into growing columns, remembering every bad row's reasons.

    Most rows repeat dates, securities, prices and accounts already seen, so each of those is
    checked once and its code kept; a row whose every value is known goes straight in, and
    only a row with something new or wrong is examined field by field.
    """

    def __init__(self, registry: MemberRegistry, securities: Collection[str] | None,
                 rules: ClearingRules) -> None:
        self.registry = registry
        self.known = securities
        self.rules = rules
        self.problems: list[RowProblem] = []
        self.first_row: dict[str, int] = {}
        self.buy_order_ids: list[str] = []
        self.sell_order_ids: list[str] = []
        self.trade_date, self.security = array("i"), array("i")
        self.buyer, self.seller = array("i"), array("i")
        self.board = array("b")
        self.qty, self.price = array("q"), array("q")
        self.date_list: list[dt.date] = []
        self.settle_list: list[dt.date] = []
        self.security_list: list[str] = []
        # the codes of values already found good
        self.dates: dict[object, int] = {}
        self.securities: dict[tuple[object, object], tuple[int, int]] = {}
        self.prices: dict[object, int] = {}
        self.accounts: dict[tuple[object, object], int] = {}
        self.add = self._adder()

    def _adder(self) -> Callable[..., None]:
        """Return `add(row, *fields)`: append a good row, record why a bad one is bad.

        A closure over the builder's tables, so the hot path reads locals, not attributes.
        """
        dates, securities, prices, accounts = (self.dates.get, self.securities.get,
                                               self.prices.get, self.accounts.get)
        first_row, diagnose = self.first_row, self._diagnose
        appends = (self.trade_date.append, self.security.append, self.board.append,
                   self.qty.append, self.price.append, self.buyer.append, self.seller.append,
                   self.buy_order_ids.append, self.sell_order_ids.append)
        (add_date, add_security, add_board, add_qty, add_price, add_buyer, add_seller,
         add_buy_order, add_sell_order) = appends

        def add(row: int, trade_id: object, trade_date: object, symbol: object, board: object,
                price: object, qty: object, buy_member: object, buy_account: object,
                sell_member: object, sell_account: object, buy_order_id: object = "",
                sell_order_id: object = "") -> None:
            day = dates(trade_date)
            security = securities((symbol, board))
            satang = prices(price)
            buyer = accounts((buy_member, buy_account))
            seller = accounts((sell_member, sell_account))
            shares = _quantity(qty)
            if (day is None or security is None or satang is None or buyer is None
                    or seller is None or not 0 < shares <= MAX_SHARES
                    or shares * satang > MAX_AMOUNT
                    or type(trade_id) is not str or not trade_id or trade_id in first_row
                    or type(buy_order_id) is not str or type(sell_order_id) is not str):
                diagnose(row, trade_id, trade_date, symbol, board, price, qty, buy_member,
                         buy_account, sell_member, sell_account, buy_order_id, sell_order_id)
                return
            first_row[trade_id] = row
            add_date(day)
            add_security(security[0])
            add_board(security[1])
            add_qty(shares)
            add_price(satang)
            add_buyer(buyer)
            add_seller(seller)
            add_buy_order(buy_order_id)
            add_sell_order(sell_order_id)

        return add

    def _diagnose(self, row: int, trade_id: object, trade_date: object, symbol: object,
                  board: object, price: object, qty: object, buy_member: object,
                  buy_account: object, sell_member: object, sell_account: object,
                  buy_order_id: object, sell_order_id: object) -> None:
        """Check a row field by field, learning its good values; add it if all are good."""
        reasons = [reason for reason in (
            self._trade_id(trade_id), self._date(trade_date), self._security(symbol, board),
            self._price(price), self._account(buy_member, buy_account, "buy"),
            self._account(sell_member, sell_account, "sell")) if reason]
        shares = _quantity(qty)
        # decision 71: what a 64-bit store column holds, with headroom for sums
        if shares <= 0:
            reasons.append(f"quantity must be a whole number above zero, got {shown(qty)}")
        elif shares > MAX_SHARES:
            reasons.append(f"quantity must be at most {MAX_SHARES:,} shares, got {shown(qty)}")
        elif shares * self.prices.get(price, 0) > MAX_AMOUNT:
            reasons.append("the trade's value is beyond what the clearing house records "
                           f"({format_price(MAX_AMOUNT)} THB)")
        if type(buy_order_id) is not str or type(sell_order_id) is not str:
            reasons.append("buy_order_id and sell_order_id must be strings")
        if reasons:
            self.problems.append(RowProblem(row, "; ".join(reasons)))
        else:
            self.add(row, trade_id, trade_date, symbol, board, price, qty, buy_member,
                     buy_account, sell_member, sell_account, buy_order_id, sell_order_id)

    def _trade_id(self, trade_id: object) -> str:
        if type(trade_id) is not str or not trade_id:
            return "trade_id must be a non-empty string"
        if trade_id in self.first_row:
            return f"trade_id {trade_id} repeats row {self.first_row[trade_id]}"
        return ""

    def _date(self, text: object) -> str:
        if text in self.dates:
            return ""
        if type(text) is not str:
            return f"trade_date must be a date string, got {shown(text)}"
        try:
            day = parse_date(text)
        except InvalidValue:
            return f"trade_date {shown(text)} is not a date YYYY-MM-DD"
        try:
            if not is_trading_day(day):
                return f"trade_date {text} is not an SET trading day"
            settles = settlement_date(day, self.rules)
        except OutsideCalendar as exc:
            return f"trade_date: {exc}"
        self.dates[text] = len(self.date_list)
        self.date_list.append(day)
        self.settle_list.append(settles)
        return ""

    def _security(self, symbol: object, board: object) -> str:
        if (symbol, board) in self.securities:
            return ""
        board_code = _BOARD_CODE.get(board) if type(board) is str else None
        if board_code is None:
            return f"board must be one of {', '.join(_BOARD_CODE)}, got {board!r}"
        if type(symbol) is not str or not symbol:
            return "symbol must be a non-empty string"
        base, board_type = split_security(symbol)
        on_foreign_board = BOARDS[board_code] is Board.FOREIGN
        # a trade on the foreign board is a trade of the -F security (2.2)
        if on_foreign_board and board_type is BoardType.LOCAL:
            board_type = BoardType.FOREIGN
        if on_foreign_board and board_type is not BoardType.FOREIGN:
            return f"{symbol} cannot trade on the foreign board"
        key = security_key(base, board_type)
        if self.known is not None and key not in self.known:
            return f"unknown security {key}"
        if key not in self.security_list:
            self.security_list.append(key)
        self.securities[(symbol, board)] = (self.security_list.index(key), board_code)
        return ""

    def _price(self, text: object) -> str:
        if text in self.prices:
            return ""
        if type(text) is not str:
            return f"price must be a decimal string such as \"33.25\", got {text!r}"
        try:
            satang = parse_price(text)
        except InvalidValue as exc:
            return f"bad price: {exc}"
        if satang <= 0:
            return f"bad price {text}: a price is above zero"
        self.prices[text] = satang
        return ""

    def _account(self, member: object, account: object, side: str) -> str:
        if (member, account) in self.accounts:
            return ""
        if type(member) is not str or type(account) is not str:
            return f"{side}_member and {side}_account must be strings"
        code = self.registry.account_code(member, account)
        if code is not None:
            self.accounts[(member, account)] = code
            return ""
        if any(a.member == member for a in self.registry.accounts):
            return f"unknown {side} account {account} of member {member}"
        return f"unknown {side} member {member}"

    def batch(self, source: str, unit: str) -> TradeBatch:
        """Return the load, or raise TradeFileError listing every bad row."""
        if self.problems:
            raise TradeFileError(source, unit, self.problems)
        return TradeBatch(
            self.registry, list(self.first_row), tuple(self.date_list),
            tuple(self.settle_list), tuple(self.security_list),
            np.array(self.trade_date, dtype=np.int32), np.array(self.security, dtype=np.int32),
            np.array(self.board, dtype=np.int8), np.array(self.qty, dtype=np.int64),
            np.array(self.price, dtype=np.int64), np.array(self.buyer, dtype=np.int32),
            np.array(self.seller, dtype=np.int32), self.buy_order_ids, self.sell_order_ids)


def _quantity(value: object) -> int:
    """Return a whole number of shares, or 0 when the value is not one; a number of more
    digits than any quantity has is read as one share too many, without converting it."""
    if type(value) is str:
        if not (value.isdigit() and value.isascii()):
            return 0
        return int(value) if len(value) <= 20 else MAX_SHARES + 1
    return value if type(value) is int else 0


def _scalars(row: int, values: list[Any], builder: _Builder) -> bool:
    """Refuse a JSON row with a list or object where a value belongs."""
    nested = [name for name, value in zip(TRADE_COLUMNS, values, strict=True)
              if isinstance(value, list | dict)]
    if nested:
        builder.problems.append(RowProblem(row, f"{', '.join(nested)} must be a plain value"))
    return not nested


def trades_from_csv(lines: Iterable[str], registry: MemberRegistry, *,
                    securities: Collection[str] | None = None,
                    rules: ClearingRules = DEFAULT_CLEARING_RULES,
                    source: str = "trade file") -> TradeBatch:
    """Read a CSV trade file (docs/clearing.md): a header line, then one trade per line."""
    reader = csv.reader(lines)
    try:
        return _csv_rows(reader, registry, securities, rules, source)
    except csv.Error as exc:  # a field beyond the csv module's limit (131,072 characters)
        raise SiamexError(ErrorCode.TRADE_FILE,
                          f"{source}: line {reader.line_num}: not CSV: {exc}") from None


def _csv_rows(reader: Iterator[list[str]], registry: MemberRegistry,
              securities: Collection[str] | None, rules: ClearingRules,
              source: str) -> TradeBatch:
    header = next(reader, None)
    if header is None:
        raise SiamexError(ErrorCode.TRADE_FILE, f"{source}: empty file, no header line")
    missing = [c for c in TRADE_COLUMNS if c not in header and c not in _DEFAULTS]
    unknown = [c for c in header if c not in TRADE_COLUMNS]
    if missing or unknown or len(set(header)) != len(header):
        raise SiamexError(ErrorCode.TRADE_FILE,
                          f"{source}: line 1: the header must name the columns "
                          f"{', '.join(TRADE_COLUMNS)} once each (board and order ids optional);"
                          f" missing {missing}, unknown {unknown}")
    width = len(header)
    # a missing optional column reads its default from the padding put after the row
    pick = itemgetter(*[header.index(c) if c in header else width + n
                        for n, c in enumerate(TRADE_COLUMNS)])
    padding = [_DEFAULTS.get(c, "") for c in TRADE_COLUMNS] if width < len(TRADE_COLUMNS) else []
    builder = _Builder(registry, securities, rules)
    add = builder.add
    for line, row in enumerate(reader, 2):
        if not row:
            continue
        if len(row) != width:
            builder.problems.append(RowProblem(line, f"{len(row)} fields, the header has {width}"))
            continue
        add(line, *pick(row + padding if padding else row))
    return builder.batch(source, "line")


def trades_from_json(data: Any, registry: MemberRegistry, *,
                     securities: Collection[str] | None = None,
                     rules: ClearingRules = DEFAULT_CLEARING_RULES,
                     source: str = "trade file") -> TradeBatch:
    """Read a parsed JSON trade file: {"trades": [{field: value, ...}, ...]}."""
    if not isinstance(data, dict) or not isinstance(data.get("trades"), list):
        raise SiamexError(ErrorCode.TRADE_FILE,
                          f"{source}: a JSON trade file is an object with a `trades` list")
    builder = _Builder(registry, securities, rules)
    for number, entry in enumerate(data["trades"], 1):
        if not isinstance(entry, dict):
            builder.problems.append(RowProblem(number, "a trade is a JSON object"))
            continue
        unknown = sorted(set(entry) - set(TRADE_COLUMNS))
        if unknown:
            builder.problems.append(RowProblem(number, f"unknown field {', '.join(unknown)}"))
            continue
        values = [entry.get(c, _DEFAULTS.get(c)) for c in TRADE_COLUMNS]
        if not _scalars(number, values, builder):
            continue
        builder.add(number, *values)
    return builder.batch(source, "trade")


def trades_from_replay(lines: Iterable[str | bytes], registry: MemberRegistry, *,
                       securities: Collection[str] | None = None,
                       rules: ClearingRules = DEFAULT_CLEARING_RULES,
                       source: str = "replay output") -> TradeBatch:
    """Read the `trade` events of `siamex replay` JSON Lines; each `day` event sets T.

    Odd-lot trades and trade reports clear like every other trade; the engine's `trade_no`
    is the trade id.
    """
    builder = _Builder(registry, securities, rules)
    trade_date: str | None = None
    for line, text in enumerate(lines, 1):
        if not text.strip():
            continue
        try:
            event = decode_json(text)
        except ValueError:  # not JSON, too deep, or not Unicode text
            builder.problems.append(RowProblem(line, "not a JSON line"))
            continue
        kind = event.get("event") if isinstance(event, dict) else None
        if kind == "day":
            trade_date = event.get("date")
        elif kind == "trade":
            if trade_date is None:
                builder.problems.append(RowProblem(line, "a trade before any `day` event"))
                continue
            values = [str(event.get("trade_no", "")), trade_date, event.get("symbol"),
                      event.get("board"), event.get("price"), event.get("qty"),
                      event.get("buy_member"), event.get("buy_account"),
                      event.get("sell_member"), event.get("sell_account"),
                      _order_of(event, "buy"), _order_of(event, "sell")]
            if _scalars(line, values, builder):
                builder.add(line, *values)
    return builder.batch(source, "line")


def _order_of(event: dict[str, Any], side: str) -> Any:
    """Name a trade's order on one side: its client id, and the engine's order number after it
    when there is one, since an id may be used again once its order has finished (decision 11)
    and the clearing fee is charged per order. A trade report has no order number."""
    order_id = event.get(f"{side}_id", "")
    number = event.get(f"{side}_order_no")
    if isinstance(order_id, str) and type(number) is int and number > 0:
        return f"{order_id}#{number}"
    return order_id


def read_trades(path: Path, registry: MemberRegistry, *,
                securities: Collection[str] | None = None,
                rules: ClearingRules = DEFAULT_CLEARING_RULES) -> TradeBatch:
    """Read a trade file by its suffix: .csv, .json, or .jsonl (`siamex replay` output)."""
    kind = path.suffix.lower()
    if kind not in (".csv", ".json", ".jsonl"):
        raise SiamexError(ErrorCode.TRADE_FILE,
                          f"{path}: a trade file ends in .csv, .json or .jsonl")
    if kind == ".json":
        return trades_from_json(read_json(path, ErrorCode.TRADE_FILE), registry,
                                securities=securities, rules=rules, source=str(path))
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            if kind == ".csv":
                return trades_from_csv(handle, registry, securities=securities, rules=rules,
                                       source=str(path))
            return trades_from_replay(handle, registry, securities=securities, rules=rules,
                                      source=str(path))
    except OSError as exc:
        raise SiamexError(ErrorCode.FILE_NOT_FOUND, f"cannot read {path}: {exc.strerror}"
                          ) from None
    except UnicodeDecodeError as exc:
        raise SiamexError(ErrorCode.TRADE_FILE, f"{path}: not UTF-8 text: {exc}") from None

