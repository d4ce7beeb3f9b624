"""A member's order-routing system as a broker would write one, to be certified by the
exchange's script (issue 17; docs/certify.md; the contract in the certification's brief): it
takes a harness's acts (log on, enter, amend and cancel orders, engage its kill switch),
checks each order against its own pre-trade risk controls (PTRM) before anything is sent, and
answers the asks from what its own records hold. It knows siamex only as a broker would: FIX
4.4 (fix_client.py), the drop copy's WebSocket and the market-data feed (market_data.py).

One fault can be built in (`faults`), so that certification is shown to catch it:
`ignore_credit_limit` (the credit-limit control never refuses), `wrong_tick` (its tick table
says 0.1 from 25 baht up: 30.25 goes out as 30.2), `no_kill_cancel` (the kill switch stops new
orders but cancels nothing) and `reset_on_reconnect` (a reconnect logs on with MsgSeqNum 1 and
ResetSeqNumFlag 141=Y, so what the exchange sent meanwhile is never recovered).

Decisions:
- Each act waits for the exchange's answer to what it sent (an ExecutionReport or an
  OrderCancelReject) before the next, so an amend then a cancel name the order by the ClOrdID
  the exchange knows it by; an act without an answer within the timeout raises SessionError.
- The tick helper writes a price at the precision of its band's tick in the member's table,
  rounding down. SET's ticks all have two decimals, so the right table sends every price as
  entered, an off-tick one too (the exchange judges ticks, and a case may want it refused).
- An order without a price is valued at the security's ceiling (previous close + 30%), the
  most a buy of it can cost; it is not price-checked.
- The credit limit counts every buy order's value sent during the day, as the contract says:
  a cancel or a fill gives nothing back; an amend uses the increase in value.
- A refused amend leaves the order as it was and records the control as its reject code.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal
from typing import Any, Final

import simplefix

from tests.certify.fix_client import FixClient, SessionError, utc_now
from tests.certify.market_data import DropCopy, feed_last_price

__all__ = ["FAULTS", "SET_TICKS", "WRONG_TICKS", "Order", "ReferenceMember", "RiskControls",
           "SessionError", "wire_price"]

FAULTS: Final = frozenset({"ignore_credit_limit", "wrong_tick", "no_kill_cancel",
                           "reset_on_reconnect"})
TickTable = tuple[tuple[Decimal, Decimal], ...]
SET_TICKS: Final[TickTable] = tuple((Decimal(low), Decimal(tick)) for low, tick in (
    ("0", "0.01"), ("2", "0.02"), ("5", "0.05"), ("10", "0.10"), ("25", "0.25"),
    ("100", "0.50"), ("200", "1.00"), ("400", "2.00")))
"""The lower bound of each band and its tick (the contract's SET tick sizes)."""
WRONG_TICKS: Final[TickTable] = (*SET_TICKS[:4], (Decimal("25"), Decimal("0.1")))
"""The `wrong_tick` fault's table: 0.1 from 25 baht up."""

_SIDES: Final = {"buy": "1", "sell": "2", "short": "5"}
_VALIDITY: Final = {"day": "0", "ioc": "3", "fok": "4"}
_ORD_TYPES: Final = {"limit": "2", "market": "1", "mtl": "K"}
_STATUS: Final = {"0": "new", "1": "partially_filled", "2": "filled", "4": "cancelled",
                  "8": "rejected", "C": "expired"}
_RESTING: Final = frozenset({"new", "partially_filled"})
_CEILING: Final = Decimal("1.30")  # the contract's test market: prev close +-30%


def wire_price(price: Decimal, table: TickTable) -> str:
    """Write `price` for Price (44) at the precision of its band's tick in `table`."""
    tick = next(tick for low, tick in reversed(table) if price >= low)
    return str(price.quantize(tick, rounding=ROUND_DOWN))


@dataclass
class Order:
    """An order as the member's own book keeps it."""

    ref: str
    symbol: str
    side: str
    qty: int
    type: str
    price: Decimal | None
    validity: str
    trader: str
    account: str
    clordid: str = ""
    """The ClOrdID the exchange knows the order by now (the last accepted replace's)."""
    status: str = "pending"
    filled: int = 0
    reject_code: str = ""
    waiting: str = ""
    """The ClOrdID of a request sent and not answered yet."""


@dataclass
class RiskControls:
    """The member's pre-trade risk controls, set from the script's `declare`."""

    credit_limit: dict[str, Decimal]
    max_order_value: Decimal
    max_order_volume: int
    price_check_bp: int
    prev_close: dict[str, Decimal]
    ignore_credit_limit: bool = False
    used: dict[str, Decimal] = field(default_factory=dict)
    """Each account's buy value sent today, which its credit limit bounds."""

    @classmethod
    def declared(cls, declare: Mapping[str, Any], securities: Mapping[str, Any],
                 ignore_credit_limit: bool = False) -> RiskControls:
        return cls({account: Decimal(limit) for account, limit in
                    declare["credit_limit"].items()},
                   Decimal(declare["max_order_value"]), int(declare["max_order_volume"]),
                   int(declare["price_check_bp"]),
                   {symbol: Decimal(security["prev_close"]) for symbol, security in
                    securities.items()}, ignore_credit_limit)

    def value(self, symbol: str, qty: int, price: Decimal | None) -> Decimal:
        """An order's value; an unpriced one's at the ceiling, the most it can cost."""
        if price is None:
            price = self.prev_close.get(symbol, Decimal(0)) * _CEILING
        return price * qty

    def refusal(self, order: Order, qty: int, price: Decimal | None, added: Decimal) -> str:
        """The control that refuses the order (or its amend to `qty` at `price`, adding
        `added` to its account's buy value), or "" when every control lets it through."""
        value = self.value(order.symbol, qty, price)
        if qty > self.max_order_volume:
            return "MAX_ORDER_VOLUME"
        if value > self.max_order_value:
            return "MAX_ORDER_VALUE"
        prev = self.prev_close.get(order.symbol)
        if price is not None and prev is not None \
                and abs(price - prev) * 10_000 > prev * self.price_check_bp:
            return "PRICE_CHECK"
        limit = self.credit_limit.get(order.account)
        if order.side == "buy" and limit is not None and not self.ignore_credit_limit \
                and self.used.get(order.account, Decimal(0)) + added > limit:
            return "CREDIT_LIMIT"
        return ""

    def take(self, order: Order, added: Decimal) -> None:
        """Count a buy's value against its account's credit once it is sent."""
        if order.side == "buy":
            self.used[order.account] = self.used.get(order.account, Decimal(0)) + added


class ReferenceMember:
    """The member's system: `act(step_act)` does an act, `answer(ask)` answers an ask."""

    def __init__(self, fix_address: tuple[str, int], member_info: Mapping[str, Any],
                 declare: Mapping[str, Any], faults: frozenset[str] = frozenset(), *,
                 securities: Mapping[str, Any], http_base: str,
                 feed_address: tuple[str, int], timeout: float = 5.0) -> None:
        unknown = faults - FAULTS
        if unknown:
            raise ValueError(f"unknown fault(s): {', '.join(sorted(unknown))}")
        self.faults = faults
        self.info = member_info
        self.timeout = timeout
        self.fix = FixClient(fix_address, member_info["sender_comp_id"],
                             member_info["username"], member_info["password"], self._report)
        self.risk = RiskControls.declared(declare, securities, "ignore_credit_limit" in faults)
        self.ticks = WRONG_TICKS if "wrong_tick" in faults else SET_TICKS
        self.drop_copy = DropCopy(http_base, member_info["token"])
        self.feed_address = feed_address
        self.orders: dict[str, Order] = {}
        self.kill_switch = False
        self._refs: dict[str, str] = {}
        self._ids = 0

    def act(self, act: Mapping[str, Any]) -> None:
        """Do one act of a step (the contract's "Acts")."""
        kind = act["do"]
        if kind == "logon":
            self.fix.logon(self.timeout)
        elif kind == "logout":
            self.fix.logout(self.timeout)
        elif kind == "reconnect":
            self.fix.logon(self.timeout, reset="reset_on_reconnect" in self.faults)
        elif kind == "order":
            self.order(act)
        elif kind == "amend":
            self.amend(act["ref"], act.get("qty"), act.get("price"))
        elif kind == "cancel":
            self.cancel(act["ref"])
        elif kind == "kill_switch":
            self.engage_kill_switch()
        elif kind == "release_kill_switch":
            self.kill_switch = False
        else:
            raise ValueError(f"unknown act {kind!r}")

    def order(self, act: Mapping[str, Any]) -> Order:
        """Enter an order: refused by the member's own controls (never sent) or sent (D)."""
        price = Decimal(act["price"]) if act.get("price") is not None else None
        order = Order(act["ref"], act["symbol"], act["side"], int(act["qty"]), act["type"],
                      price, act.get("validity", "day"), act["trader"], act["account"])
        self.orders[order.ref] = order
        value = self.risk.value(order.symbol, order.qty, price)
        refusal = "KILL_SWITCH" if self.kill_switch else \
            self.risk.refusal(order, order.qty, price, value)
        if refusal:
            order.status, order.reject_code = "rejected", refusal
            return order
        fields = [(1, order.account), (55, order.symbol), (54, _SIDES[order.side]),
                  (38, str(order.qty)), *_type_fields(order)]
        if price is not None:
            fields.append((44, wire_price(price, self.ticks)))
        order.clordid = self._request(order, "D", fields)
        self.risk.take(order, value)
        self._answered(order)
        return order

    def amend(self, ref: str, qty: int | None, price: str | None) -> None:
        """Replace (G) an order's quantity and/or price, after the controls check the new
        terms; a refusal leaves the order as it was."""
        order = self.orders[ref]
        new_qty = order.qty if qty is None else int(qty)
        new_price = order.price if price is None else Decimal(price)
        added = max(Decimal(0), self.risk.value(order.symbol, new_qty, new_price)
                    - self.risk.value(order.symbol, order.qty, order.price))
        refusal = self.risk.refusal(order, new_qty, new_price, added)
        if refusal:
            order.reject_code = refusal
            return
        fields = [(41, order.clordid), (1, order.account), (55, order.symbol),
                  (54, _SIDES[order.side]), (38, str(new_qty)), *_type_fields(order)]
        if new_price is not None:
            fields.append((44, wire_price(new_price, self.ticks)))
        self._request(order, "G", fields)
        self.risk.take(order, added)
        self._answered(order)

    def cancel(self, ref: str) -> None:
        """Cancel (F) an order by the ClOrdID the exchange knows it by."""
        order = self.orders[ref]
        self._request(order, "F", [(41, order.clordid), (55, order.symbol),
                                   (54, _SIDES[order.side])])
        self._answered(order)

    def engage_kill_switch(self) -> None:
        """Refuse every new order and cancel every resting one (the `no_kill_cancel` fault
        cancels nothing); return once each cancel is answered."""
        self.kill_switch = True
        if "no_kill_cancel" in self.faults:
            return
        resting = [order for order in self.orders.values() if order.status in _RESTING]
        for order in resting:
            self._request(order, "F", [(41, order.clordid), (55, order.symbol),
                                       (54, _SIDES[order.side])])
        for order in resting:
            self._answered(order)

    def answer(self, ask: Mapping[str, Any]) -> str:
        """Answer an ask (the contract's "Asks") from the member's own records."""
        what = ask["what"]
        if what == "drop_copy_last_trade":
            self.drop_copy.catch_up(quiet=0.3, timeout=self.timeout)
            return self.drop_copy.last_trade_no
        if what == "feed_last_price":
            return feed_last_price(self.feed_address, self.info["username"],
                                   self.info["password"], ask["symbol"], self.timeout)
        order = self.orders.get(ask["ref"])
        if order is None:
            return "unknown"
        if what == "status":
            return order.status
        if what == "filled_qty":
            return str(order.filled)
        if what == "reject_code":
            return order.reject_code
        raise ValueError(f"unknown ask {what!r}")

    def settle(self, quiet: float = 0.25) -> None:
        """Read the session until nothing is awaited and nothing arrives for `quiet`
        seconds: what the exchange did between steps may still be on its way."""
        deadline = time.monotonic() + self.timeout
        while self.fix.connected and time.monotonic() < deadline:
            seen = len(self.fix.log)
            self.fix.pump(quiet)
            waiting = self.fix.recovering or any(o.waiting for o in self.orders.values())
            if len(self.fix.log) == seen and not waiting:
                return

    def pump(self, timeout: float) -> None:
        """Read and act on what the exchange sends within `timeout`."""
        if self.fix.connected:
            self.fix.pump(timeout)
        else:
            time.sleep(timeout)

    def close(self) -> None:
        self.fix.drop()

    def _request(self, order: Order, msg_type: str, fields: list[tuple[int, str]]) -> str:
        self._ids += 1
        clordid = f"{order.ref}-{self._ids}"
        self._refs[clordid] = order.ref
        order.waiting = clordid
        self.fix.send(msg_type, [(11, clordid), *fields, (60, utc_now())],
                      trader=order.trader)
        return clordid

    def _answered(self, order: Order) -> None:
        if not self.fix.wait(lambda: not order.waiting, self.timeout):
            raise SessionError(f"no answer to {order.waiting} of order {order.ref}")

    def _report(self, message: simplefix.FixMessage) -> None:
        """Apply an ExecutionReport (8) or OrderCancelReject (9) to the order it names."""
        clordid, orig = _text(message, 11), _text(message, 41)
        ref = self._refs.get(clordid) or self._refs.get(orig)
        if ref is None:
            return
        order = self.orders[ref]
        if order.waiting == clordid:
            order.waiting = ""
        code = _text(message, 5010)
        if code:
            order.reject_code = code
        if _text(message, 35) != "8":
            return  # a refused cancel or replace leaves the order as it was
        order.status = _STATUS.get(_text(message, 39), order.status)
        order.filled = int(_text(message, 14) or order.filled)
        if _text(message, 150) == "5":
            order.clordid = clordid
            order.qty = int(_text(message, 38) or order.qty)
            price = _text(message, 44)
            order.price = Decimal(price) if price else order.price


def _text(message: simplefix.FixMessage, tag: int) -> str:
    value = message.get(tag)
    return value.decode() if isinstance(value, bytes) else ""


def _type_fields(order: Order) -> list[tuple[int, str]]:
    """OrdType (40) and TimeInForce (59): ATO and ATC are market orders at the open or close
    (docs/fix.md, "SET order fields")."""
    if order.type in ("ato", "atc"):
        return [(40, "1"), (59, "2" if order.type == "ato" else "7")]
    return [(40, _ORD_TYPES[order.type]), (59, _VALIDITY[order.validity])]
