"""The credit data exchange: members' credit lines to their clients and the collateral behind
them, so that one collateral cannot raise lines at several brokers unseen (S-14MEASURES, the
measure after the case in which it did; docs/credit-data.md).

Each member reports the line it gives each client account and what backs it; before granting
or raising a line it asks for the client's aggregate at the other members. The registry is
pure (no clock, no key, no I/O): the investor arrives as its pseudonym and each collateral
reference as its keyed hash (`asset_ref`, computed at the edge with the exchange's key), so the
same asset matches across members while nobody, the registry included, reads it.

What a member learns about other members' clients is an aggregate and nothing else (decision
178): the investor's total lines and collateral value at the other members, how many members
they are, and how many of the investor's collateral items are pledged more than once. Never a
member's name, an account, or one line's figures; `double_pledges`, with members and accounts,
is for the exchange's own operators. It refuses no order and changes no trade, so it has no
rulebook switch (decision 183).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from collections.abc import Iterable
from typing import Any, Final

import msgspec

from siamex.errors import ErrorCode, SiamexError
from siamex.measures.credit_commands import Collateral, CollateralKind
from siamex.units import is_text, shown

__all__ = ["MAX_AMOUNT", "MAX_COLLATERAL", "CreditAggregate", "CreditRegistry", "DoublePledge",
           "Pledge", "asset_ref", "normal_reference"]

MAX_COLLATERAL: Final = 20
"""The most collateral items behind one line (decision 182): a line backed by more is
reported in fewer, larger items, and a report stays small."""
MAX_AMOUNT: Final = 10**16 - 1
"""The largest line or collateral value in satang: 14 whole-baht digits, as a member's credit
limit (siamex.gateway.operations_bodies.MONEY_DIGITS; decision 182)."""
_ID = re.compile(r"[!-~]{1,64}\Z")  # printable ASCII, as the registry's ids and pseudonyms
_ASSET_DOMAIN = b"siamex credit asset\x00"  # keeps an asset's hash apart from a pseudonym's
_ASSET_HEX = 24
_DROPPED = ("C", "P", "Z")  # control and format, punctuation, separators (decision 179)

_AssetKey = tuple[str, str]
_LineKey = tuple[str, str]


def normal_reference(reference: str) -> str:
    """The form of a collateral reference that is compared: NFKC, case-folded, without
    spaces, punctuation or control characters, so that "KBANK 123-4-56789-0" and
    "kbank 1234567890" name one deposit (decision 179)."""
    folded = unicodedata.normalize("NFKC", reference).casefold()
    return "".join(c for c in folded if not unicodedata.category(c).startswith(_DROPPED))


def asset_ref(key: bytes, kind: CollateralKind, reference: str) -> str:
    """The keyed hash that names a collateral asset in the exchange: HMAC-SHA256 under the
    exchange's key of its kind and normalised reference, so two members' reports of one
    asset match and the reference is never kept (decision 179)."""
    if not is_text(reference):
        raise SiamexError(ErrorCode.CREDIT_REPORT, "a collateral reference must be text")
    normal = normal_reference(reference)
    if not normal:
        raise SiamexError(ErrorCode.CREDIT_REPORT,
                          "a collateral reference needs at least one letter or digit")
    message = _ASSET_DOMAIN + kind.value.encode("ascii") + b"\x00" + normal.encode("utf-8")
    return "AST-" + hmac.new(key, message, hashlib.sha256).hexdigest()[:_ASSET_HEX]


class CreditAggregate(msgspec.Struct, frozen=True):
    """What a member may know of an investor's credit: its own lines and collateral for the
    investor, the totals at the other members and how many members they are, and how many of
    the investor's collateral items are pledged at more than one line (`double_pledged`), of
    which `own_double_pledged` are among the asking member's own. Money in satang."""

    investor: str
    own_lines: int
    own_collateral: int
    other_members: int
    other_lines: int
    other_collateral: int
    double_pledged: int
    own_double_pledged: int


class Pledge(msgspec.Struct, frozen=True):
    """One line an asset is pledged behind, for the exchange's operators: `ts` is the time of
    the report that pledged it."""

    member: str
    account: str
    investor: str
    line: int
    value: int
    ts: int


class DoublePledge(msgspec.Struct, frozen=True):
    """An asset pledged behind more than one line, with every line it backs."""

    kind: CollateralKind
    asset: str
    pledges: tuple[Pledge, ...]


class _Entry(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A member's report for one client account, as it stands."""

    member: str
    account: str
    investor: str
    line: int
    collateral: tuple[Collateral, ...]
    ts: int


class _State(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    lines: list[_Entry]


def _refuse(text: str) -> SiamexError:
    return SiamexError(ErrorCode.CREDIT_REPORT, text)


def _check_id(kind: str, value: str) -> None:
    if _ID.match(value) is None:
        raise _refuse(f"{kind} {shown(value)} must be 1-64 printable ASCII characters")


def _check_amount(kind: str, value: int, least: int) -> None:
    if isinstance(value, bool) or value < least or value > MAX_AMOUNT:
        raise _refuse(f"{kind} {shown(value)} must be a whole number of satang from {least} to "
                      f"{MAX_AMOUNT:,}")


def _asset(item: Collateral) -> _AssetKey:
    return item.kind.value, item.asset


def _checked(member: str, account: str, investor: str, line: int,
             collateral: Iterable[Collateral], ts: int) -> _Entry:
    """The entry a report makes, or the error naming what is wrong with it (decision 182)."""
    _check_id("member", member)
    _check_id("account", account)
    _check_id("investor", investor)
    _check_amount("a line", line, 0)
    items = tuple(sorted(collateral, key=_asset))
    if len(items) > MAX_COLLATERAL:
        raise _refuse(f"a line has at most {MAX_COLLATERAL} collateral items, not {len(items)}")
    if line == 0 and items:  # decision 177: a withdrawn line holds no collateral
        raise _refuse("a line of 0 withdraws the line: it has no collateral")
    for item in items:
        _check_id("an asset", item.asset)
        _check_amount("a collateral value", item.value, 1)
    if len({_asset(item) for item in items}) != len(items):
        raise _refuse("the same collateral is listed twice in one line")
    return _Entry(member, account, investor, line, items, ts)


class CreditRegistry:
    """Every member's reported lines, by member and account, with the investor and asset
    indexes the queries need."""

    __slots__ = ("_by_investor", "_lines", "_pledges")

    def __init__(self) -> None:
        self._lines: dict[_LineKey, _Entry] = {}
        self._by_investor: dict[str, set[_LineKey]] = {}
        self._pledges: dict[_AssetKey, set[_LineKey]] = {}

    # -- the member's report ----------------------------------------------------------------

    def report(self, member: str, account: str, investor: str, line: int,
               collateral: Iterable[Collateral], ts: int) -> None:
        """Set the line `member` gives its client `account` (satang, 0 withdraws it) and its
        collateral, replacing what was reported before for the account (decision 177); or
        raise SiamexError(CREDIT_REPORT) and change nothing."""
        entry = _checked(member, account, investor, line, collateral, ts)
        key = (member, account)
        old = self._lines.get(key)
        if old is not None:
            self._unindex(key, old)
        self._lines[key] = entry
        self._by_investor.setdefault(investor, set()).add(key)
        for item in entry.collateral:
            self._pledges.setdefault(_asset(item), set()).add(key)

    def _unindex(self, key: _LineKey, entry: _Entry) -> None:
        holders = self._by_investor[entry.investor]
        holders.discard(key)
        if not holders:
            del self._by_investor[entry.investor]
        for item in entry.collateral:
            lines = self._pledges[_asset(item)]
            lines.discard(key)
            if not lines:
                del self._pledges[_asset(item)]

    # -- queries ----------------------------------------------------------------------------

    def investor_of(self, member: str, account: str) -> str | None:
        """The investor a member last reported for its account, or None if it never did:
        a withdrawn line keeps the account the investor's (decision 177)."""
        entry = self._lines.get((member, account))
        return entry.investor if entry is not None else None

    def query(self, member: str, investor: str) -> CreditAggregate:
        """What `member` may know of `investor`'s credit across the exchange (decision 178)."""
        own_lines = own_collateral = other_lines = other_collateral = 0
        others: set[str] = set()
        assets: set[_AssetKey] = set()
        own_assets: set[_AssetKey] = set()
        for key in self._by_investor.get(investor, ()):
            entry = self._lines[key]
            pledged = {_asset(item) for item in entry.collateral}
            value = sum(item.value for item in entry.collateral)
            assets |= pledged
            if entry.member == member:
                own_lines += entry.line
                own_collateral += value
                own_assets |= pledged
            else:
                other_lines += entry.line
                other_collateral += value
                if entry.line:
                    others.add(entry.member)
        double = {asset for asset in assets if len(self._pledges[asset]) > 1}
        return CreditAggregate(investor, own_lines, own_collateral, len(others), other_lines,
                               other_collateral, len(double), len(double & own_assets))

    def double_pledges(self) -> list[DoublePledge]:
        """Every asset pledged behind more than one line, with the lines: for the exchange's
        operators only, since it names members and accounts."""
        found = []
        for (kind, asset), keys in sorted(self._pledges.items()):
            if len(keys) < 2:
                continue
            pledges = []
            for key in sorted(keys):
                entry = self._lines[key]
                value = next(i.value for i in entry.collateral if _asset(i) == (kind, asset))
                pledges.append(Pledge(entry.member, entry.account, entry.investor, entry.line,
                                      value, entry.ts))
            found.append(DoublePledge(CollateralKind(kind), asset, tuple(pledges)))
        return found

    # -- state ------------------------------------------------------------------------------

    def state(self) -> dict[str, Any]:
        """Every report as plain data, sorted by member and account: the same reports give
        the same state, whatever their order."""
        state = _State([self._lines[key] for key in sorted(self._lines)])
        data: dict[str, Any] = msgspec.to_builtins(state)
        return data

    @classmethod
    def from_state(cls, data: object) -> CreditRegistry:
        """Rebuild a registry from `state()`; a state it cannot hold is MEASURES_STATE."""
        try:
            state = msgspec.convert(data, _State)
            registry = cls()
            for entry in state.lines:
                if (entry.member, entry.account) in registry._lines:
                    raise _refuse(f"account {entry.member}/{entry.account} is there twice")
                registry.report(entry.member, entry.account, entry.investor, entry.line,
                                entry.collateral, entry.ts)
        except (msgspec.ValidationError, SiamexError) as exc:
            text = exc.message if isinstance(exc, SiamexError) else str(exc)
            raise SiamexError(ErrorCode.MEASURES_STATE,
                              f"the credit registry's state: {text}") from None
        return registry
