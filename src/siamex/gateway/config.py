"""`siamex serve`'s configuration: a TOML file of the exchange's ports, members, ORSs,
traders, accounts, limits and the tokens of operators and risk officers.

The file seeds a new data folder: its registry and limits become the journal's first commands
(so a replay rebuilds them); once the journal holds them, later changes go through the
operations endpoint and the file is no longer read for them (decision 84). `siamex serve --init`
writes a sample (`SAMPLE`). Prices and money are decimal strings in baht ("5000000.00"), never
TOML floats; a field the file does not know is refused, so a typo never passes silently.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from siamex.errors import ErrorCode, SiamexError
from siamex.units import InvalidValue, parse_date, parse_price, parse_time_of_day

__all__ = ["SAMPLE", "AccountConfig", "ClearingConfig", "LimitConfig", "MemberConfig",
           "OrsConfig", "ServeConfig", "TraderConfig", "load_config", "parse_config"]


@dataclass(frozen=True)
class AccountConfig:
    id: str
    type: str = "client"


@dataclass(frozen=True)
class MemberConfig:
    id: str
    name: str
    market_data: bool
    risk_officer_token: str | None
    self_match_prevention: bool
    accounts: tuple[AccountConfig, ...]


@dataclass(frozen=True)
class OrsConfig:
    id: str
    member: str
    status: str
    sender_comp_id: str | None
    username: str | None
    password: str | None


@dataclass(frozen=True)
class TraderConfig:
    id: str
    member: str
    ors: tuple[str, ...]
    approved: bool
    accounts: tuple[str, ...] | None


@dataclass(frozen=True)
class LimitConfig:
    """Limits of one scope of a member (the member itself, or its ORS, trader or account
    `id`); money in satang, the price check in basis points."""

    member: str
    scope: str
    id: str
    credit_limit: int | None
    max_order_value: int | None
    max_order_volume: int | None
    price_check_bp: int | None


@dataclass(frozen=True)
class ClearingConfig:
    """The end-of-day clearing run's opening holdings (docs/drop-copy.md): a holdings file
    (docs/clearing.md), else each member's `opening_cash` (satang) and `opening_shares` of
    every listed security in each account type."""

    holdings: str | None = None
    opening_cash: int = 100_000_000_000
    opening_shares: int = 10_000_000


@dataclass(frozen=True)
class ServeConfig:
    host: str = "127.0.0.1"
    fix_port: int = 9878
    http_port: int = 8080
    comp_id: str = "SIAMEX"
    speed: int = 1
    date: str | None = None
    start: int | None = None
    password_iterations: int = 600_000
    operator_tokens: tuple[str, ...] = ()
    members: tuple[MemberConfig, ...] = ()
    ors: tuple[OrsConfig, ...] = ()
    traders: tuple[TraderConfig, ...] = ()
    limits: tuple[LimitConfig, ...] = ()
    feed_port: int = 9879
    clearing: ClearingConfig = ClearingConfig()
    feed_entitlement: bool = False
    """Whether the feed admits only an ORS's username and password whose member holds the
    market-data entitlement (docs/itch.md); off, the feed is public, for teaching and demos."""


def _fail(where: str, message: str) -> SiamexError:
    return SiamexError(ErrorCode.CONFIG_FILE, f"{where}: {message}")


class _Table:
    """One TOML table read field by field, each type checked, the unknown refused."""

    def __init__(self, raw: Any, where: str, known: set[str]) -> None:
        if not isinstance(raw, dict):
            raise _fail(where, "must be a table")
        unknown = sorted(set(raw) - known)
        if unknown:
            raise _fail(where, f"unknown field(s) {', '.join(unknown)}")
        self.raw = raw
        self.where = where

    def text(self, key: str, default: str | None = None, *, required: bool = False
             ) -> str | None:
        value = self.raw.get(key, default)
        if value is None and required:
            raise _fail(self.where, f"{key} is required")
        if value is not None and (not isinstance(value, str) or not value.strip()):
            raise _fail(self.where, f"{key} must be a non-empty string")
        return value

    def name(self, key: str) -> str:
        value = self.text(key, required=True)
        assert value is not None
        return value

    def flag(self, key: str, default: bool) -> bool:
        value = self.raw.get(key, default)
        if not isinstance(value, bool):
            raise _fail(self.where, f"{key} must be true or false")
        return value

    def whole(self, key: str, default: int | None, low: int, high: int) -> int | None:
        value = self.raw.get(key, default)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise _fail(self.where, f"{key} must be a whole number from {low} to {high}")
        return value

    def money(self, key: str) -> int | None:
        value = self.text(key)
        if value is None:
            return None
        try:
            return parse_price(value, 14)
        except InvalidValue as exc:
            raise _fail(self.where, f"{key}: {exc}") from None

    def names(self, key: str) -> tuple[str, ...] | None:
        value = self.raw.get(key)
        if value is None or value == "*":
            return None
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise _fail(self.where, f"{key} must be a list of ids, or \"*\" for all")
        return tuple(value)


def _rows(raw: dict[str, Any], key: str) -> list[Any]:
    rows = raw.get(key, [])
    if not isinstance(rows, list):
        raise _fail(key, "must be an array of tables ([[...]])")
    return rows


def _member(raw: Any, n: int) -> MemberConfig:
    t = _Table(raw, f"members[{n}]", {"id", "name", "market_data", "risk_officer_token",
                                      "self_match_prevention", "accounts"})
    accounts = []
    for i, item in enumerate(_rows(t.raw, "accounts")):
        a = _Table(item, f"members[{n}].accounts[{i}]", {"id", "type"})
        kind = a.text("type", "client") or "client"
        if kind not in ("client", "proprietary", "market_maker"):
            raise _fail(a.where, "type must be client, proprietary or market_maker")
        accounts.append(AccountConfig(a.name("id"), kind))
    member = t.name("id")
    return MemberConfig(member, t.text("name", member) or member, t.flag("market_data", True),
                        t.text("risk_officer_token"), t.flag("self_match_prevention", False),
                        tuple(accounts))


def _ors(raw: Any, n: int) -> OrsConfig:
    t = _Table(raw, f"ors[{n}]", {"id", "member", "status", "sender_comp_id", "username",
                                  "password"})
    status = t.text("status", "approved") or "approved"
    if status not in ("applied", "tested", "approved"):
        raise _fail(t.where, "status must be applied, tested or approved")
    return OrsConfig(t.name("id"), t.name("member"), status, t.text("sender_comp_id"),
                     t.text("username"), t.text("password"))


def _trader(raw: Any, n: int) -> TraderConfig:
    t = _Table(raw, f"traders[{n}]", {"id", "member", "ors", "approved", "accounts"})
    ors = t.names("ors")
    if not ors:
        raise _fail(t.where, "ors must list the ORSs the trader uses")
    return TraderConfig(t.name("id"), t.name("member"), ors, t.flag("approved", True),
                        t.names("accounts"))


def _limit(raw: Any, n: int) -> LimitConfig:
    t = _Table(raw, f"limits[{n}]", {"member", "scope", "id", "credit_limit",
                                     "max_order_value", "max_order_volume", "price_check_bp"})
    scope = t.text("scope", "member") or "member"
    if scope not in ("member", "ors", "trader", "account"):
        raise _fail(t.where, "scope must be member, ors, trader or account")
    scope_id = t.text("id") or ""
    if (scope == "member") == bool(scope_id):
        raise _fail(t.where, "id names the ORS, trader or account, and only those")
    return LimitConfig(t.name("member"), scope, scope_id, t.money("credit_limit"),
                       t.money("max_order_value"),
                       t.whole("max_order_volume", None, 1, 10**12),
                       t.whole("price_check_bp", None, 1, 100_000))


def _clearing(raw: Any) -> ClearingConfig:
    t = _Table(raw, "clearing", {"holdings", "opening_cash", "opening_shares"})
    default = ClearingConfig()
    cash = t.money("opening_cash")
    return ClearingConfig(t.text("holdings"), default.opening_cash if cash is None else cash,
                          t.whole("opening_shares", default.opening_shares, 0, 10**12) or 0)


def parse_config(text: str) -> ServeConfig:
    """Read the configuration's TOML text."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _fail("config", f"not valid TOML: {exc}") from None
    top = _Table(raw, "config", {"exchange", "operators", "members", "ors", "traders",
                                 "limits", "clearing"})
    ex = _Table(raw.get("exchange", {}), "exchange", {
        "host", "fix_port", "http_port", "feed_port", "comp_id", "speed", "date", "start",
        "password_iterations", "feed_entitlement"})
    ops = _Table(raw.get("operators", {}), "operators", {"tokens"})
    date = ex.text("date")
    start = ex.text("start")
    try:
        if date is not None:
            parse_date(date)
        start_us = parse_time_of_day(start) if start is not None else None
    except InvalidValue as exc:
        raise _fail("exchange", str(exc)) from None
    return ServeConfig(
        ex.text("host", "127.0.0.1") or "127.0.0.1",
        ex.whole("fix_port", 9878, 0, 65535) or 0, ex.whole("http_port", 8080, 0, 65535) or 0,
        ex.text("comp_id", "SIAMEX") or "SIAMEX", ex.whole("speed", 1, 1, 86_400) or 1,
        date, start_us, ex.whole("password_iterations", 600_000, 1, 10_000_000) or 1,
        ops.names("tokens") or (),
        tuple(_member(m, i) for i, m in enumerate(_rows(top.raw, "members"))),
        tuple(_ors(o, i) for i, o in enumerate(_rows(top.raw, "ors"))),
        tuple(_trader(t, i) for i, t in enumerate(_rows(top.raw, "traders"))),
        tuple(_limit(t, i) for i, t in enumerate(_rows(top.raw, "limits"))),
        feed_port=ex.whole("feed_port", 9879, 0, 65535) or 0,
        clearing=_clearing(raw.get("clearing", {})),
        feed_entitlement=ex.flag("feed_entitlement", False))


def load_config(path: Path) -> ServeConfig:
    """Read a configuration file."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SiamexError(ErrorCode.FILE_NOT_FOUND,
                          f"cannot read {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise _fail(str(path), "not UTF-8 text") from None
    return parse_config(text)


SAMPLE = """\
# siamex serve: a sample configuration (written by `siamex serve --init`).
# It seeds a new data folder; afterwards change members, ORSs, traders and limits through
# the operations endpoint (docs/serve.md). Money is a decimal string in baht.

[exchange]
host = "127.0.0.1"       # loopback only unless you mean it
fix_port = 9878          # FIX 4.4 acceptor; 0 picks a free port
http_port = 8080         # operations endpoint; 0 picks a free port
feed_port = 9879         # market-data feed (ITCH-style over SoupBinTCP-like TCP); 0: free
# feed_entitlement = true  # the feed admits only an entitled member's ORS username/password
comp_id = "SIAMEX"       # the exchange's CompID (TargetCompID of every member session)
speed = 1                # 60 runs the session schedule 60 times faster than the wall clock
# date = "2026-12-01"    # replay this date's schedule instead of today's
# start = "09:45"        # ... from this Bangkok time of day

[operators]
tokens = ["operator-secret-change-me"]

[[members]]
id = "M01"
name = "Sample Securities Public Company Limited"
market_data = true
risk_officer_token = "m01-risk-secret-change-me"
accounts = [
  { id = "C0001", type = "client" },
  { id = "C0002", type = "client" },
  { id = "P0001", type = "proprietary" },
]

[[members]]
id = "M02"
name = "Example Brokerage Company Limited"
risk_officer_token = "m02-risk-secret-change-me"
accounts = [{ id = "C0001", type = "client" }]

[[ors]]
id = "M01-ORS1"
member = "M01"
status = "approved"      # applied, tested or approved: only an approved ORS may log on
sender_comp_id = "M01ORS1"
username = "m01ors1"
password = "m01-fix-secret-change-me"

[[ors]]
id = "M02-ORS1"
member = "M02"
sender_comp_id = "M02ORS1"
username = "m02ors1"
password = "m02-fix-secret-change-me"

[[traders]]
id = "M01T1"             # FIX SenderSubID (50) of every order the trader enters
member = "M01"
ors = ["M01-ORS1"]
accounts = "*"           # every account of the member, or a list of account ids

[[traders]]
id = "M01T2"
member = "M01"
ors = ["M01-ORS1"]
accounts = ["C0002"]

[[traders]]
id = "M02T1"
member = "M02"
ors = ["M02-ORS1"]

[[limits]]
member = "M01"           # scope = "member" by default; or "ors", "trader", "account" with id
credit_limit = "50000000.00"
max_order_value = "5000000.00"
max_order_volume = 1000000
price_check_bp = 1000    # 10% from the last price (or the previous close)

[[limits]]
member = "M02"
credit_limit = "20000000.00"
max_order_value = "2000000.00"
max_order_volume = 500000

[clearing]               # the clearing run at each day's close (docs/drop-copy.md)
opening_cash = "1000000000.00"   # each member's cash at the clearing house's first run
opening_shares = 10000000        # ... and shares of every listed security per account type
# holdings = "holdings.json"     # or the opening holdings from a file (docs/clearing.md)
"""
