"""A certification script: the versioned file format (`format = "siamex-certify/1"`) of the
exchange's test script for a member's order-routing system (docs/certify.md, "The script").

A script names the candidate member, what its own pre-trade controls must be set to (`declare`),
the test market's securities and a list of cases. A case is a list of steps; a step is what the
exchange does first (`exchange`), what the member is told (`instruct`, and `act` for a harness),
then what must cross the FIX session (`expect`, in order), must not (`never`), must hold in the
exchange afterwards (`check`) and what the member's system must show (`ask`, `answer`), all
within `within` seconds of the member saying it is done. The loader refuses a file that does not
follow the format, with the path of the first wrong field (CERTIFY_SCRIPT), so a typo in a
script never makes a case pass that should not.
"""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Literal

import msgspec

from siamex.errors import ErrorCode, SiamexError
from siamex.gateway.certify_script import SCRIPT_FILE, script_bytes
from siamex.units import InvalidValue, parse_date, parse_price, parse_time_of_day

__all__ = ["ACTS", "ASKS", "CHECKS", "EXCHANGE_ACTIONS", "FORMAT", "Case", "Declared", "Expect",
           "LoadedScript", "MemberTable", "Script", "Security", "Step", "bundled_script",
           "load_script", "parse_script"]

FORMAT: Final = "siamex-certify/1"

ACTS: Final[dict[str, frozenset[str]]] = {
    "logon": frozenset(), "logout": frozenset(), "reconnect": frozenset(),
    "order": frozenset({"ref", "symbol", "side", "qty", "type", "validity", "trader",
                        "account"}),
    "amend": frozenset({"ref"}), "cancel": frozenset({"ref"}),
    "kill_switch": frozenset(), "release_kill_switch": frozenset(),
}
"""Each act a member's system can be told to do, with the keys it must carry."""
_ACT_KEYS: Final = frozenset({"do", "ref", "symbol", "side", "qty", "type", "price",
                              "validity", "trader", "account"})
ASKS: Final[dict[str, frozenset[str]]] = {
    "status": frozenset({"ref"}), "filled_qty": frozenset({"ref"}),
    "reject_code": frozenset({"ref"}), "drop_copy_last_trade": frozenset(),
    "feed_last_price": frozenset({"symbol"}),
}
EXCHANGE_ACTIONS: Final = frozenset({"plant", "halt", "resume", "skip_to", "disconnect",
                                     "entitlement", "wait_ms"})
CHECKS: Final = frozenset({"no_resting_orders"})


class Expect(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A FIX message that must (or, under `never`, must not) cross: its direction, MsgType and
    fields. A field's value is matched exactly (numbers as numbers), `$name` as a value bound
    before, `*` as any value, `-` as absent, `~X` as anything but X (absent included); `bind`
    keeps the matched message's fields under names for later steps."""

    dir: Literal["in", "out"]
    type: str
    fields: dict[str, str] = {}
    bind: dict[str, str] = {}
    note: str = ""


class Step(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    instruct: str
    exchange: list[dict[str, Any]] = []
    act: list[dict[str, Any]] = []
    expect: list[Expect] = []
    never: list[Expect] = []
    check: list[str] = []
    ask: dict[str, str] | None = None
    answer: str | None = None
    within: float = 5.0


class Case(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    id: str
    title: str
    rule: str
    step: list[Step]


class MemberTable(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """The candidate: who logs on, and with what, in the test market."""

    id: str
    ors: str
    sender_comp_id: str
    username: str
    password: str
    token: str
    traders: list[str]
    unapproved_traders: list[str]
    accounts: list[str]


class Declared(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """What the member's own pre-trade risk controls must be set to for the run."""

    credit_limit: dict[str, str]
    max_order_value: str
    max_order_volume: int
    price_check_bp: int


class Security(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    prev_close: str
    short_eligible: bool = False
    index_member: list[str] = []
    listed_shares: int = 100_000_000


class Market(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    date: str
    start: str
    index_close: str
    rules: dict[str, int] = {}


class Script(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    format: str
    name: str
    version: str
    description: str
    member: MemberTable
    declare: Declared
    market: Market
    securities: dict[str, Security]
    case: list[Case]


@dataclass(frozen=True)
class LoadedScript:
    """A script checked whole, with the SHA-256 of the bytes it was read from."""

    script: Script
    sha256: str


def _fail(where: str, message: str) -> SiamexError:
    return SiamexError(ErrorCode.CERTIFY_SCRIPT, f"{where}: {message}")


_ORDER_VALUES: Final = {"side": ("buy", "sell", "short"),
                        "type": ("limit", "market", "mtl", "ato", "atc"),
                        "validity": ("day", "ioc", "fok")}
_PLANT_KEYS: Final = frozenset({"plant", "symbol", "qty", "price", "type"})


def _qty(value: Any, where: str) -> None:
    # not bool (an int to Python), not float: json.dumps and msgspec write some floats apart,
    # and the report's signature covers the acts (docs/certify.md, "The signature")
    if type(value) is not int or value <= 0:
        raise _fail(where, "a quantity is a whole number of shares above 0")


def _symbol(value: Any, where: str, symbols: frozenset[str]) -> None:
    if not isinstance(value, str) or value not in symbols:
        raise _fail(where, f"{value!r} is not one of the script's securities")


def _check_act(act: dict[str, Any], where: str, symbols: frozenset[str]) -> None:
    kind = act.get("do")
    if not isinstance(kind, str) or kind not in ACTS:
        raise _fail(where, f"do must be one of {', '.join(sorted(ACTS))}")
    unknown = set(act) - _ACT_KEYS
    if unknown:
        raise _fail(where, f"unknown key(s) {', '.join(sorted(unknown))}")
    missing = ACTS[kind] - set(act)
    if missing:
        raise _fail(where, f"{kind} needs {', '.join(sorted(missing))}")
    for key in ("ref", "trader", "account"):
        if key in act and (not isinstance(act[key], str) or not act[key]):
            raise _fail(f"{where}.{key}", "a name is a text")
    for key, allowed in _ORDER_VALUES.items():
        if key in act and act[key] not in allowed:
            raise _fail(f"{where}.{key}", f"{key} is one of {', '.join(allowed)}")
    if "symbol" in act:
        _symbol(act["symbol"], f"{where}.symbol", symbols)
    if "qty" in act:
        _qty(act["qty"], f"{where}.qty")
    if "price" in act:
        _price(act["price"], f"{where}.price")
    if kind == "order" and ("price" in act) != (act["type"] == "limit"):
        raise _fail(where, "a limit order has a price, any other order none")
    if kind == "amend" and not {"price", "qty"} & set(act):
        raise _fail(where, "amend needs a price or a qty")


def _price(value: Any, where: str) -> int:
    if not isinstance(value, str):
        raise _fail(where, "a price is a decimal string such as \"10.00\"")
    try:
        return parse_price(value)
    except InvalidValue as exc:
        raise _fail(where, str(exc)) from None


def _check_plant(action: dict[str, Any], where: str, symbols: frozenset[str]) -> None:
    unknown = set(action) - _PLANT_KEYS
    if unknown:
        raise _fail(where, f"unknown key(s) {', '.join(sorted(unknown))}")
    kind = action.get("type", "limit")
    if action["plant"] not in ("buy", "sell") or kind not in ("limit", "ato", "atc") or \
            ("price" in action) != (kind == "limit"):
        raise _fail(where, "plant = \"buy\" or \"sell\", with symbol, qty and a price "
                           "(or type = \"ato\" or \"atc\" and no price)")
    _symbol(action.get("symbol"), f"{where}.symbol", symbols)
    _qty(action.get("qty"), f"{where}.qty")
    if "price" in action:
        _price(action["price"], f"{where}.price")


def _check_exchange(action: dict[str, Any], where: str, symbols: frozenset[str]) -> None:
    kinds = set(action) & EXCHANGE_ACTIONS
    if len(kinds) != 1:
        raise _fail(where, f"an exchange action is one of {', '.join(sorted(EXCHANGE_ACTIONS))}")
    kind = kinds.pop()
    value = action[kind]
    if kind == "plant":
        _check_plant(action, where, symbols)
        return
    if len(action) != 1:
        raise _fail(where, f"{kind} takes no other key")
    if kind in ("halt", "resume"):
        _symbol(value, f"{where}.{kind}", symbols)
    elif kind == "skip_to":
        try:
            parse_time_of_day(value)
        except (InvalidValue, TypeError):
            raise _fail(where, "skip_to is a Bangkok time of day, HH:MM[:SS]") from None
    elif kind == "disconnect" and value != "member":
        raise _fail(where, "disconnect = \"member\"")
    elif kind == "entitlement" and not isinstance(value, bool):
        raise _fail(where, "entitlement = true or false")
    elif kind == "wait_ms" and (type(value) is not int or not 0 <= value <= 60_000):
        raise _fail(where, "wait_ms is a whole number of milliseconds, at most 60000")


def _check_names(step: Step, where: str, bound: set[str]) -> None:
    """Every `$NAME` must be bound before it is read (by an earlier step, or an earlier
    expectation of this one): a misspelt name would make a `never` match nothing."""
    def read(value: str | None, at: str) -> None:
        if value is not None and value.startswith("~"):
            value = value[1:]
        if value is not None and value.startswith("$") and value[1:] not in bound:
            raise _fail(at, f"{value} is not bound before it is used")
    for n, expect in enumerate(step.expect):
        for value in expect.fields.values():
            read(value, f"{where}.expect[{n}]")
        bound.update(expect.bind)
    for n, expect in enumerate(step.never):
        for value in expect.fields.values():
            read(value, f"{where}.never[{n}]")
    read(step.answer, f"{where}.answer")


def _check_step(step: Step, where: str, symbols: frozenset[str], bound: set[str]) -> None:
    for n, act in enumerate(step.act):
        _check_act(act, f"{where}.act[{n}]", symbols)
    for n, action in enumerate(step.exchange):
        _check_exchange(action, f"{where}.exchange[{n}]", symbols)
    if step.ask is not None:
        kind = step.ask.get("what")
        if kind not in ASKS or not ASKS[kind] <= set(step.ask):
            raise _fail(f"{where}.ask", f"what must be one of {', '.join(sorted(ASKS))}, "
                                        "with its keys")
        if step.answer is None:
            raise _fail(where, "an ask needs the answer it expects")
    elif step.answer is not None:
        raise _fail(where, "an answer needs the ask it answers")
    unknown = set(step.check) - CHECKS
    if unknown:
        raise _fail(f"{where}.check", f"unknown check(s) {', '.join(sorted(unknown))}")
    if not 0 < step.within <= 120:
        raise _fail(f"{where}.within", "within is from 0 to 120 seconds")
    for expect in (*step.expect, *step.never):
        bad = [tag for tag in (*expect.fields, *expect.bind.values()) if not tag.isdigit()]
        if bad:
            raise _fail(where, f"FIX tags are numbers: {', '.join(bad)}")
    _check_names(step, where, bound)


def _check(script: Script) -> None:
    if script.format != FORMAT:
        raise _fail("format", f"this siamex reads {FORMAT!r}, not {script.format!r}")
    seen: set[str] = set()
    symbols = frozenset(script.securities)
    bound: set[str] = set()
    for n, case in enumerate(script.case):
        if case.id in seen:
            raise _fail(f"case[{n}].id", f"{case.id!r} is used twice")
        seen.add(case.id)
        if not case.step:
            raise _fail(f"case[{n}]", "a case has at least one step")
        for m, step in enumerate(case.step):
            _check_step(step, f"case[{n}].step[{m}]", symbols, bound)
    for symbol, security in script.securities.items():
        _price(security.prev_close, f"securities.{symbol}.prev_close")
    _price(script.market.index_close, "market.index_close")
    try:
        parse_date(script.market.date)
        parse_time_of_day(script.market.start)
    except InvalidValue as exc:
        raise _fail("market", str(exc)) from None


def parse_script(data: bytes, where: str) -> LoadedScript:
    """Read and check a script's bytes (`where` names them in errors)."""
    try:
        raw = tomllib.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise _fail(where, f"not a TOML file: {exc}") from None
    try:
        script = msgspec.convert(raw, Script)
    except msgspec.ValidationError as exc:
        raise _fail(where, str(exc)) from None
    _check(script)
    return LoadedScript(script, hashlib.sha256(data).hexdigest())


def load_script(path: Path) -> LoadedScript:
    """Read a script file."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SiamexError(ErrorCode.FILE_NOT_FOUND, f"{path}: {exc.strerror}") from None
    return parse_script(data, str(path))


def bundled_script() -> LoadedScript:
    """The exchange's script that ships with siamex (the one its registry takes reports of)."""
    return parse_script(script_bytes(), SCRIPT_FILE)
