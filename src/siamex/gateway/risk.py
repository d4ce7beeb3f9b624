"""Exchange-side pre-trade risk management (PTRM): limits and kill switches per scope.

SET requires of every order channel a credit / exposure limit, a maximum value and a maximum
volume per order, an order price check and a kill switch that stops new orders and cancels those
already sent (set-trading-rules.md 10, items 1-5); SET CONNECT offers them at the exchange too.
Here each limit may be set on a member, an ORS, a trader or an account (an account within its
member), and an order is checked against the limits of all four of its scopes.

Decisions:

- Exposure of a scope = the value of its resting orders (limit price x remaining quantity) plus
  the value it traded that day, buys and sells added gross: a credit line is used by what the
  member may have to pay or deliver, and a sell is not trusted to offset a buy before clearing.
  An order without a limit price (market, ATO, ATC) is valued at a price the caller passes, the
  day's ceiling (`order_value`), so that its fill can cost no more than its exposure says.
- Checks run in the order KILL_SWITCH, MAX_ORDER_VOLUME, MAX_ORDER_VALUE, PRICE_CHECK,
  CREDIT_LIMIT, and each over the scopes account, trader, ORS, member; the first one broken is
  the refusal, and its text names the scope, the limit and the value.
- An amend is checked as a change: its new total quantity and value against the per-order limits,
  its new price against the price check, and its added resting value against the credit limit;
  an amend that adds no exposure passes the credit limit even where exposure exceeds a lowered
  limit, since it only reduces risk.
- The price check passes a price at most `price_band_bp` basis points from the reference (the
  security's last trade price, else its previous close, both given by the caller), bounds
  included. An order without a price, or a security without a reference, is not price-checked.
- A day's traded value is cleared by `start_day` (called on the engine's journaled StartDay);
  resting GTC and GTD orders keep their exposure across days.

The book is pure and integer-only: the caller tells it of accepted, amended, traded and finished
orders (engine events, themselves from journaled commands), and the limits and kill switches
change only by journaled commands (risk_commands).
"""

from __future__ import annotations

import msgspec

from siamex.gateway.refusals import Refusal, RefusalCode, RiskError
from siamex.gateway.risk_commands import RiskKill, RiskSetLimits, ScopeKind
from siamex.units import shown

__all__ = ["Limits", "OrderContext", "RiskBook", "RiskError", "Scope", "format_thb",
           "order_value", "scope_of"]

_BP = 10_000  # basis points in one
_LARGEST = 2**63 - 1  # a limit must fit the journal's and the stores' 64-bit integers
_KILLABLE = (ScopeKind.MEMBER, ScopeKind.ORS, ScopeKind.TRADER)  # 10.5: not per account


def format_thb(satang: int) -> str:
    """Write satang as the refusal texts show money: "1,234.50 THB"."""
    whole, frac = divmod(abs(satang), 100)
    return f"{'-' if satang < 0 else ''}{whole:,}.{frac:02d} THB"


def order_value(qty: int, price: int | None, ceiling: int, multiplier: int = 1) -> int:
    """Value an order for risk in satang: at its limit price, or at the day's ceiling when it
    has none; a TFEX series' price times its contract multiplier (THB per point, decision 112)."""
    return qty * (ceiling if price is None else price) * multiplier


class Scope(msgspec.Struct, frozen=True, array_like=True):
    """A member, or one of its ORSs, traders or accounts (`id` empty for the member)."""

    kind: ScopeKind
    member: str
    id: str = ""

    def describe(self) -> str:
        """Name the scope in a refusal's text."""
        if self.kind is ScopeKind.MEMBER:
            return f"member {self.member}"
        label = "ORS" if self.kind is ScopeKind.ORS else self.kind.value
        return f"{label} {self.id} of member {self.member}"


class Limits(msgspec.Struct, frozen=True, omit_defaults=True):
    """A scope's limits; None is no limit. Satang, shares and basis points."""

    credit: int | None = None
    max_value: int | None = None
    max_volume: int | None = None
    price_band_bp: int | None = None


_NO_LIMITS = Limits()


class OrderContext(msgspec.Struct, frozen=True, array_like=True):
    """Who sent an order and for which account: the four scopes it is checked in."""

    member: str
    ors: str
    trader: str
    account: str

    def scopes(self) -> tuple[Scope, Scope, Scope, Scope]:
        """Return the order's scopes in checking order: account, trader, ORS, member."""
        return (Scope(ScopeKind.ACCOUNT, self.member, self.account),
                Scope(ScopeKind.TRADER, self.member, self.trader),
                Scope(ScopeKind.ORS, self.member, self.ors),
                Scope(ScopeKind.MEMBER, self.member))


class _Resting(msgspec.Struct, frozen=True, array_like=True):
    key: str
    ctx: OrderContext
    value: int


class _ScopeLimits(msgspec.Struct, frozen=True, array_like=True):
    scope: Scope
    limits: Limits


class _ScopeValue(msgspec.Struct, frozen=True, array_like=True):
    scope: Scope
    value: int


class _State(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    limits: list[_ScopeLimits]
    killed: list[Scope]
    orders: list[_Resting]
    traded: list[_ScopeValue]


def _scope_key(scope: Scope) -> tuple[str, str, str]:
    return scope.kind.value, scope.member, scope.id


def _price_bounds(reference: int, band_bp: int) -> tuple[int, int]:
    """The lowest and highest price within `band_bp` of the reference, exactly (bounds in)."""
    low = -(-reference * (_BP - band_bp) // _BP)  # rounded up: a price below is outside
    return max(low, 0), reference * (_BP + band_bp) // _BP


class RiskBook:
    """The limits, kill switches and exposures of every scope, and the orders resting in them."""

    __slots__ = ("_killed", "_limits", "_orders", "_resting", "_scopes", "_traded")

    def __init__(self) -> None:
        self._limits: dict[Scope, Limits] = {}
        self._killed: set[Scope] = set()
        self._orders: dict[str, tuple[OrderContext, int]] = {}
        self._resting: dict[Scope, int] = {}
        self._traded: dict[Scope, int] = {}
        self._scopes: dict[OrderContext, tuple[Scope, Scope, Scope, Scope]] = {}
        """Each context's scopes, built once: a member has few traders and accounts."""

    def _scopes_of(self, ctx: OrderContext) -> tuple[Scope, Scope, Scope, Scope]:
        found = self._scopes.get(ctx)
        if found is None:
            found = self._scopes[ctx] = ctx.scopes()
        return found

    # Checks

    def check(self, ctx: OrderContext, value: int, qty: int, price: int | None,
              reference: int | None) -> Refusal | None:
        """Refuse a new order that breaks a limit of one of its scopes, or pass it (None).

        `value` is `order_value` of the order, `price` its limit price (None without one) and
        `reference` the security's last trade price, else its previous close.
        """
        return self._check(ctx, value, qty, price, reference, value)

    def check_amend(self, order_key: str, value: int, qty: int, price: int | None,
                    reference: int | None, *, resting: int) -> Refusal | None:
        """Refuse an amend that breaks a limit, given the order's new total quantity and value
        and its new resting value; only what it adds to the resting value is credit-checked.

        An order that no longer rests passes: the engine refuses its amend (UNKNOWN_ORDER).
        """
        held = self._orders.get(order_key)
        if held is None:
            return None
        ctx, before = held
        return self._check(ctx, value, qty, price, reference, resting - before)

    def _check(self, ctx: OrderContext, value: int, qty: int, price: int | None,
               reference: int | None, added: int) -> Refusal | None:
        scopes = self._scopes_of(ctx)
        if self._killed:
            for scope in scopes:  # 10.5: a kill switch stops every new order of its scope
                if scope in self._killed:
                    return Refusal(RefusalCode.KILL_SWITCH,
                                   f"the kill switch of {scope.describe()} is on: no new orders")
        if not self._limits:
            return None
        limits = [(scope, self._limits.get(scope, _NO_LIMITS)) for scope in scopes]
        for scope, lim in limits:  # 10.3
            if lim.max_volume is not None and qty > lim.max_volume:
                return Refusal(RefusalCode.MAX_ORDER_VOLUME,
                               f"maximum volume per order of {scope.describe()}: "
                               f"{lim.max_volume:,} shares, order {qty:,} shares")
        for scope, lim in limits:  # 10.2
            if lim.max_value is not None and value > lim.max_value:
                return Refusal(RefusalCode.MAX_ORDER_VALUE,
                               f"maximum value per order of {scope.describe()}: "
                               f"{format_thb(lim.max_value)}, order {format_thb(value)}")
        if price is not None and reference is not None:
            for scope, lim in limits:  # 10.4
                if lim.price_band_bp is None:
                    continue
                low, high = _price_bounds(reference, lim.price_band_bp)
                if not low <= price <= high:
                    return Refusal(RefusalCode.PRICE_CHECK,
                                   f"price check of {scope.describe()}: {lim.price_band_bp:,} bp "
                                   f"around the reference {format_thb(reference)} allows "
                                   f"{format_thb(low)} to {format_thb(high)}, price "
                                   f"{format_thb(price)}")
        if added > 0:
            for scope, lim in limits:  # 10.1
                would_be = self.exposure(scope) + added
                if lim.credit is not None and would_be > lim.credit:
                    return Refusal(RefusalCode.CREDIT_LIMIT,
                                   f"credit limit of {scope.describe()}: {format_thb(lim.credit)}"
                                   f", exposure would be {format_thb(would_be)}")
        return None

    # What happened to orders

    def on_accepted(self, order_key: str, ctx: OrderContext, value: int) -> None:
        """Hold an accepted order's resting value (`order_value`) in its scopes."""
        if order_key in self._orders:
            raise ValueError(f"order {shown(order_key)} is already resting")
        self._orders[order_key] = (ctx, 0)
        self._set_resting(order_key, value)

    def on_amended(self, order_key: str, resting: int) -> None:
        """Hold an amended order's new resting value."""
        self._set_resting(order_key, resting)

    def on_trade(self, order_key: str, value: int, resting: int) -> None:
        """Add a fill's traded value to the order's scopes and hold what still rests.

        `resting` is the order's value after the fill (at its limit price or valuation price,
        which the fill's own price may better); nothing resting ends the order.
        """
        ctx, _ = self._orders[order_key]
        for scope in self._scopes_of(ctx):
            self._traded[scope] = self._traded.get(scope, 0) + value
        if resting:
            self._set_resting(order_key, resting)
        else:
            self.on_done(order_key)

    def on_done(self, order_key: str) -> None:
        """Release an order that no longer rests: cancelled, expired or filled. An order
        already released is left alone, so that a fill and its order's end may both say so."""
        if order_key in self._orders:
            self._set_resting(order_key, 0)
            del self._orders[order_key]

    def _set_resting(self, order_key: str, value: int) -> None:
        ctx, before = self._orders[order_key]
        self._orders[order_key] = (ctx, value)
        for scope in self._scopes_of(ctx):
            total = self._resting.get(scope, 0) + value - before
            if total:
                self._resting[scope] = total
            else:
                self._resting.pop(scope, None)

    def start_day(self) -> None:
        """Begin a trading day: nothing traded yet; resting orders keep their exposure."""
        self._traded.clear()

    # Limits and kill switches

    def set_limits(self, command: RiskSetLimits) -> None:
        """Replace a scope's limits, or raise `RiskError` and change nothing."""
        scope = scope_of(command)
        limits = Limits(command.credit, command.max_value, command.max_volume,
                        command.price_band_bp)
        for name in ("credit", "max_value", "max_volume", "price_band_bp"):
            limit = getattr(limits, name)
            if limit is not None and not 0 <= limit <= _LARGEST:
                raise RiskError(RefusalCode.INVALID,
                                f"{name} {shown(limit)} must be a whole number from 0 to "
                                f"{_LARGEST:,}")
        if limits == _NO_LIMITS:
            self._limits.pop(scope, None)
        else:
            self._limits[scope] = limits

    def kill(self, command: RiskKill) -> list[str]:
        """Turn a kill switch on or off; on, return the scope's resting orders to cancel."""
        scope = scope_of(command)
        if scope.kind not in _KILLABLE:
            raise RiskError(RefusalCode.INVALID,
                            "a kill switch is a member's, an ORS's or a trader's")
        if not command.on:
            self._killed.discard(scope)
            return []
        self._killed.add(scope)
        return self.resting_orders(scope)

    # Queries

    def limits(self, scope: Scope) -> Limits:
        """Return a scope's limits (all None where none is set)."""
        return self._limits.get(scope, _NO_LIMITS)

    def killed(self, scope: Scope) -> bool:
        """Tell whether a scope's kill switch is on."""
        return scope in self._killed

    def exposure(self, scope: Scope) -> int:
        """Return a scope's exposure: resting value plus the day's traded value, in satang."""
        return self._resting.get(scope, 0) + self._traded.get(scope, 0)

    def resting_orders(self, scope: Scope) -> list[str]:
        """Return the keys of the orders resting in a scope, sorted."""
        return sorted(key for key, (ctx, _) in self._orders.items()
                      if scope in self._scopes_of(ctx))

    def scopes_of(self, member: str) -> list[Scope]:
        """Return the member's scopes the book holds anything of (limits, a kill switch or
        exposure), sorted; a scope it holds nothing of has no limits and no exposure."""
        held = {*self._limits, *self._killed, *self._resting, *self._traded}
        return sorted((s for s in held if s.member == member), key=_scope_key)

    # Snapshot

    def snapshot(self) -> dict[str, object]:
        """Return the book as plain JSON-able data, sorted, for a state hash."""
        state = _State(
            [_ScopeLimits(s, lim) for s, lim in sorted(self._limits.items(),
                                                        key=lambda item: _scope_key(item[0]))],
            sorted(self._killed, key=_scope_key),
            [_Resting(key, ctx, value) for key, (ctx, value) in sorted(self._orders.items())],
            [_ScopeValue(s, v) for s, v in sorted(self._traded.items(),
                                                  key=lambda item: _scope_key(item[0]))])
        data: dict[str, object] = msgspec.to_builtins(state, order="sorted")
        return data

    @classmethod
    def restore(cls, data: dict[str, object]) -> RiskBook:
        """Rebuild a book from its snapshot; resting totals are summed again from the orders."""
        state = msgspec.convert(data, _State)
        book = cls()
        book._limits = {item.scope: item.limits for item in state.limits}
        book._killed = set(state.killed)
        book._traded = {item.scope: item.value for item in state.traded}
        for order in state.orders:
            book.on_accepted(order.key, order.ctx, order.value)
        return book


def scope_of(command: RiskSetLimits | RiskKill) -> Scope:
    """Read a command's scope; an id is required for all but the member itself."""
    member_only = command.kind is ScopeKind.MEMBER
    if not command.member or bool(command.id) == member_only:
        raise RiskError(RefusalCode.INVALID,
                        "name the member, and the ORS, trader or account unless the scope is "
                        "the member itself")
    return Scope(command.kind, command.member, command.id)
