"""Bad input never crashes or exhausts the machine (issue 9): every file the command line reads
(scenario; members, trades as CSV, JSON and JSON Lines, holdings and day instructions; TOML
rule files; state files), generated valid-looking or garbage, ends in success or in exit status
2 with one `error[CODE]: sentence` and no traceback, within a bounded address space.

The property runs the real `siamex` entry point (`siamex.cli.main`) in this process with its
address space capped 2 GiB above what the process already holds, so a reader that allocates
without bound fails with MemoryError, which the test reports; a few cases of the issue also run
as real child processes under the same cap.
"""

from __future__ import annotations

import json
import os
import re
import resource
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from siamex.clearing.foundations.parameters import CLEARING_PARAMETERS
from siamex.cli import main
from siamex.rulebook.parameters import PARAMETERS

ROOT = Path(__file__).resolve().parents[1]
E1 = ROOT / "examples" / "clearing"
HEADROOM = 2 << 30  # bytes of address space a command may add
ERROR_LINE = re.compile(r"error\[[A-Z_]+\]: \S")
# The highest price a scenario can write (units.PRICE_DIGITS): the book's memory follows the
# levels in use, so even this price's range of hundreds of billions of ticks runs.
MAX_SCENARIO_PRICE = 999_999_999_999_99
SETTINGS = settings(max_examples=60, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
REPLAYS = settings(SETTINGS, max_examples=25)  # a replay takes ten times a clearing run

SMALL_DAY = {"date": "2026-11-20", "seed": 7,
             "instruments": [{"symbol": "AOT", "prev_close": "64.00", "listed_shares": 1000000}],
             "actions": [{"at": "10:05:00", "op": "new", "id": "b1", "member": "M1",
                          "account": "A1", "symbol": "AOT", "side": "buy", "qty": 100,
                          "price": "64.25"},
                         {"at": "10:06:00", "op": "new", "id": "s1", "member": "M2",
                          "account": "B1", "symbol": "AOT", "side": "sell", "qty": 100,
                          "price": "64.00", "validity": "gtc"}]}
INSTRUCTIONS = {
    "prices": {"X": "30.00", "Y": "100.00"}, "risk_pct": {"X": "6.58"},
    "stress_losses": {"A": "0", "B": "0", "C": "0"}, "sbl_fee_pct": "1",
    "collateral_quotes": {"X": {"kind": "set_listed_share", "price": "30.00",
                                "haircut_pct": "30"}},
    "collateral": [{"member": "B", "op": "deposit", "asset": "THB", "qty": "1000.00",
                    "at": "2021-04-12T09:00:00", "ref": "c1"},
                   {"member": "B", "op": "deposit", "asset": "X", "qty": 100,
                    "at": "2021-04-12T09:30:00", "ref": "c2"}],
    "contributions": [{"member": "B", "amount": "100.00", "ref": "initial"}],
    "lending_offers": [{"lender": "A", "security": "Y", "qty": 100}],
    "buy_in_offers": [{"seller": "C", "security": "Y", "qty": 100, "price": "100.00"}],
    "human_errors": [{"member": "A", "security": "X"}],
    "month_end": "2021-04"}


def _address_space() -> int:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[0]) * resource.getpagesize()


@contextmanager
def _bounded() -> Iterator[None]:
    """Cap the address space `HEADROOM` above its size now, for the duration."""
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    resource.setrlimit(resource.RLIMIT_AS, (_address_space() + HEADROOM, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def _check(args: list[str]) -> int:
    """Run the command; it must succeed, or exit 2 with one error line and no traceback."""
    with _bounded():
        result = CliRunner().invoke(main, args)
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"{type(result.exception).__name__}: {result.exception}")
    assert result.exit_code in (0, 2), result.output
    assert "Traceback" not in result.stderr
    if result.exit_code == 2:
        assert ERROR_LINE.match(result.stderr), result.stderr
        assert result.stderr.count("\n") == 1, result.stderr
    event(f"exit {result.exit_code} {result.stderr[:result.stderr.find(']') + 1]}")
    return result.exit_code


# -- generated values -----------------------------------------------------------------------

def _deep(depth: int) -> Any:
    value: Any = 1
    for _ in range(depth):
        value = [value]
    return value


NASTY = st.one_of(
    st.sampled_from([None, True, False, 0, -1, 2**63, -(2**63) - 1, 10**30, 1.5, float("1e300"),
                     "", "9" * 5000, "-" + "9" * 5000, "1e999999", "20261120", "2026-W47-5",
                     "2026-11-20", "2021-04-12", "2021-04-12T10:00:00", "2021-04-12T10:00:00+07:00",
                     "10:00", "25:99", "64.00", "0.001", "-1.00", "NaN", "\ud800", "x\udfff",
                     "\x00", "ไทย", [], {}, [1, 2], {"a": 1}, _deep(500)]),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.text(max_size=12),
    st.lists(st.integers(min_value=-3, max_value=3), max_size=3),
)
GARBAGE = st.one_of(
    st.binary(max_size=200),
    st.sampled_from([b"", b"\xff\xfe\x00", b"{\"a\": \"\xe9\"}", b"[" * 200_000,
                     b"{\"a\":" * 100_000, b"9" * 10_000, b"\"\\ud800\"", b"null", b"[]",
                     b"{}"]),
)


def _paths(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every place in a JSON document a value could be replaced or removed."""
    yield path
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths(item, (*path, index))


def _replace(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        return {**value, head: _replace(value[head], rest, new) if rest else new}
    return [_replace(item, rest, new) if n == head else item for n, item in enumerate(value)]


def _remove(value: Any, path: tuple[Any, ...]) -> Any:
    head, rest = path[0], path[1:]
    if not rest:
        if isinstance(value, dict):
            return {k: v for k, v in value.items() if k != head}
        return [item for n, item in enumerate(value) if n != head]
    if isinstance(value, dict):
        return {**value, head: _remove(value[head], rest)}
    return [_remove(item, rest) if n == head else item for n, item in enumerate(value)]


@st.composite
def mutated(draw: st.DrawFn, base: Any, skip: frozenset[str] = frozenset()) -> Any:
    """A document with a few of its values replaced by nasty ones, removed, or added."""
    document = base
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        paths = [p for p in _paths(document) if not skip & {str(k) for k in p}]
        path = draw(st.sampled_from(paths))
        action = draw(st.sampled_from(["replace", "remove", "add"]))
        target = [p for p in paths if isinstance(_at(document, p), dict)]
        if action == "remove" and path:
            document = _remove(document, path)
        elif action == "add" and target:
            where = draw(st.sampled_from(target))
            key = draw(st.sampled_from(["extra", "qty", "date", "price", "at", "rules"]))
            document = _replace(document, (*where, key), draw(NASTY))
        else:
            document = _replace(document, path, draw(NASTY))
    return document


def _at(value: Any, path: tuple[Any, ...]) -> Any:
    for key in path:
        value = value[key]
    return value


def _encode(document: Any) -> bytes:
    """JSON text, lone surrogates kept as escapes as a hostile file would hold them."""
    return json.dumps(document).encode()


def _file(tmp: Path, name: str, data: bytes | str) -> str:
    path = tmp / name
    path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8", "surrogatepass"))
    return str(path)


# -- scenarios ------------------------------------------------------------------------------

PRICES = st.integers(min_value=1, max_value=MAX_SCENARIO_PRICE).map(
    lambda satang: f"{satang // 100}.{satang % 100:02d}")


@st.composite
def scenarios(draw: st.DrawFn) -> Any:
    symbols = draw(st.lists(st.sampled_from(["AOT", "PTT", "NEW"]), min_size=1, max_size=3,
                            unique=True))
    instruments = [{"symbol": s, "prev_close": draw(PRICES), "listed_shares": 10**9}
                   if s != "NEW" else {"symbol": s, "ipo_price": draw(PRICES)}
                   for s in symbols]
    actions = [{"at": f"{draw(st.integers(9, 17)):02d}:{draw(st.integers(0, 59)):02d}:00",
                "op": draw(st.sampled_from(["new", "new", "amend", "cancel"])),
                "id": f"o{n}", "member": "M1", "account": "A1",
                "symbol": draw(st.sampled_from(symbols)),
                "side": draw(st.sampled_from(["buy", "sell"])),
                "qty": draw(st.integers(1, 10_000)) * 100, "price": draw(PRICES)}
               for n in range(draw(st.integers(0, 6)))]
    actions.sort(key=lambda a: a["at"])
    return {"date": "2026-11-20", "seed": 1, "instruments": instruments, "actions": actions}


SCENARIO_SKIP: frozenset[str] = frozenset()


@REPLAYS
@given(st.one_of(scenarios().map(_encode),
                 scenarios().flatmap(lambda s: mutated(s, SCENARIO_SKIP)).map(_encode),
                 GARBAGE))
def test_a_generated_scenario_replays_or_is_refused(tmp_path_factory: Any, data: bytes) -> None:
    tmp = tmp_path_factory.mktemp("scenario")
    path = _file(tmp, "day.json", data)
    _check(["replay", path, "--save-state", str(tmp / "state.json")])
    _check(["compare", path, "--b-set", "price_limit_pct=15"])


# -- rule files -----------------------------------------------------------------------------

def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value) if value == value and abs(value) != float("inf") else "nan"
    if isinstance(value, str):
        return json.dumps(value)  # a TOML basic string reads JSON's escapes
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return "{" + ", ".join(f"{json.dumps(k)} = {_toml_value(v)}" for k, v in value.items()) + "}"


def rule_files(parameters: Any) -> st.SearchStrategy[bytes]:
    names = st.sampled_from([p.name for p in parameters] + ["no_such_rule"])
    defaults = st.sampled_from([(p.name, p.default) for p in parameters])
    entry = st.one_of(st.tuples(names, NASTY.filter(lambda v: v is not None)), defaults)
    toml = st.lists(entry, max_size=4).map(
        lambda pairs: "".join(f"{name} = {_toml_value(value)}\n"
                              for name, value in dict(pairs).items()).encode(
            "utf-8", "surrogatepass"))
    return st.one_of(toml, GARBAGE)


@REPLAYS
@given(rule_files(PARAMETERS))
def test_a_generated_rule_file_runs_or_is_refused(tmp_path_factory: Any, data: bytes) -> None:
    tmp = tmp_path_factory.mktemp("rules")
    day = _file(tmp, "day.json", json.dumps(SMALL_DAY))
    _check(["replay", day, "--rules", _file(tmp, "rules.toml", data)])


@SETTINGS
@given(rule_files(CLEARING_PARAMETERS))
def test_a_generated_clearing_rule_file_runs_or_is_refused(tmp_path_factory: Any,
                                                          data: bytes) -> None:
    tmp = tmp_path_factory.mktemp("clearing-rules")
    _check(["clearing", "run", "--members", str(E1 / "members.json"),
            "--trades", str(E1 / "trades.csv"), "--holdings", str(E1 / "holdings.json"),
            "--store", ":memory:", "--json", "--rules", _file(tmp, "rules.toml", data)])


# -- state files ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def state() -> Any:
    out = ROOT / "build" / "bad-input-state.json"
    out.parent.mkdir(exist_ok=True)
    CliRunner().invoke(main, ["replay", str(ROOT / "examples" / "normal-day.json"),
                              "--save-state", str(out)])
    return json.loads(out.read_text())


STATE_SKIP: frozenset[str] = frozenset()


@SETTINGS
@given(st.data())
def test_a_generated_state_file_carries_over_or_is_refused(tmp_path_factory: Any, state: Any,
                                                          data: st.DataObject) -> None:
    tmp = tmp_path_factory.mktemp("state")
    document = data.draw(st.one_of(mutated(state, STATE_SKIP).map(_encode), GARBAGE))
    day = dict(SMALL_DAY, date="2026-11-23")
    _check(["replay", _file(tmp, "day.json", json.dumps(day)),
            "--state", _file(tmp, "state.json", document)])


# -- clearing files -------------------------------------------------------------------------

def _json(name: str) -> Any:
    return json.loads((E1 / name).read_text())


TRADES = [dict(zip(_csv[0], row, strict=True)) for _csv in
          [[line.split(",") for line in (E1 / "trades.csv").read_text().splitlines()]]
          for row in _csv[1:]]


def _csv_text(trades: Any) -> str:
    if not isinstance(trades, list) or not trades or not isinstance(trades[0], dict):
        return json.dumps(trades)
    header = list(trades[0])
    return "\n".join([",".join(header), *(",".join(str(t.get(c, "")) if isinstance(t, dict)
                                                   else str(t) for c in header)
                                          for t in trades)]) + "\n"


def _jsonl_text(trades: Any) -> str:
    lines = [json.dumps({"event": "day", "date": "2021-04-08"})]
    for n, t in enumerate(trades if isinstance(trades, list) else [trades], 1):
        fields = t if isinstance(t, dict) else {"x": t}
        lines.append(json.dumps({"event": "trade", "trade_no": n, **{
            {"buy_order_id": "buy_id", "sell_order_id": "sell_id"}.get(k, k): v
            for k, v in fields.items()}}))
    return "\n".join(lines) + "\n"


@st.composite
def clearing_files(draw: st.DrawFn) -> dict[str, bytes]:
    """The E1 files and a day's instructions, one of them mutated or garbage."""
    files = {"members.json": _encode(_json("members.json")),
             "holdings.json": _encode(_json("holdings.json")),
             "instructions.json": _encode(INSTRUCTIONS)}
    target = draw(st.sampled_from(["members.json", "holdings.json", "instructions.json",
                                   "trades.csv", "trades.json", "trades.jsonl"]))
    trades: Any = TRADES
    if target.startswith("trades"):
        trades = draw(mutated(TRADES))
    elif draw(st.booleans()):
        files[target] = draw(GARBAGE)
    else:
        files[target] = _encode(draw(mutated(json.loads(files[target]))))
    kind = target.partition(".")[2] if target.startswith("trades") else "csv"
    text = {"csv": _csv_text, "json": lambda t: json.dumps({"trades": t}),
            "jsonl": _jsonl_text}[kind](trades)
    files[f"trades.{kind}"] = text.encode("utf-8", "surrogatepass")
    if target.startswith("trades") and draw(st.booleans()):
        files[target] = draw(GARBAGE)
    return files


@SETTINGS
@given(clearing_files())
def test_generated_clearing_files_clear_or_are_refused(tmp_path_factory: Any,
                                                       files: dict[str, bytes]) -> None:
    tmp = tmp_path_factory.mktemp("clearing")
    paths = {name: _file(tmp, name, data) for name, data in files.items()}
    trades = next(path for name, path in paths.items() if name.startswith("trades"))
    _check(["clearing", "run", "--members", paths["members.json"], "--trades", trades,
            "--holdings", paths["holdings.json"], "--instructions", paths["instructions.json"],
            "--store", str(tmp / "tch.db"), "--date", "2021-04-12", "--json"])


# -- the issue's cases, in a real child process ---------------------------------------------

def _limit() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (4 << 30, resource.getrlimit(resource.RLIMIT_AS)[1]))


def _siamex(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "siamex.cli", *args], capture_output=True,
                          text=True, timeout=120, preexec_fn=_limit, check=False,
                          env={**os.environ, "PYTHONWARNINGS": "ignore"})


@pytest.mark.parametrize(("content", "args", "code"), [
    (b"[" * 100_000 + b"]" * 100_000, (), "SCENARIO_SYNTAX"),
    (b'{"date": "2026-11-20", "description": "\xe9"}', (), "SCENARIO_SYNTAX"),
    (json.dumps(SMALL_DAY).encode(), ("--set", "auction_tick_allowance=1000000000000"),
     "INVALID_PARAMETER"),
    (json.dumps(SMALL_DAY).encode(), ("--set", "price_limit_pct=" + "9" * 5000),
     "INVALID_PARAMETER"),
])
def test_the_issues_replays_exit_2_with_a_code_in_a_child_process(
        tmp_path: Path, content: bytes, args: tuple[str, ...], code: str) -> None:
    done = _siamex("replay", _file(tmp_path, "day.json", content), *args)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr.startswith(f"error[{code}]: ") and "Traceback" not in done.stderr


def _high_day(prev_close: str, bid: str, offer: str) -> bytes:
    """A day at a very high price: a bid and an offer far apart cross in the opening auction,
    then trade again at the touch."""
    order = {"op": "new", "member": "M1", "account": "A1", "symbol": "BIG", "qty": 100}
    return json.dumps({
        "date": "2026-11-20", "seed": 7, "auction_times": {"open1": "10:00:00"},
        "instruments": [{"symbol": "BIG", "prev_close": prev_close}],
        "actions": [dict(order, at="09:45:00", id="b", side="buy", price=bid),
                    dict(order, at="09:46:00", id="s", side="sell", price=offer),
                    dict(order, at="10:30:00", id="b2", side="buy", price=bid),
                    dict(order, at="10:31:00", id="s2", side="sell", price=offer)],
    }).encode()


@pytest.mark.parametrize(("prev_close", "bid", "offer"), [
    ("999999999998.00", "999999999998.00", "700000000000.00"),  # the largest price (decision 74)
    ("999999999.99", "1299999998.00", "700000000.00"),  # its ceiling, its floor
    ("100000000.00", "130000000.00", "70000000.00"),
])
def test_the_highest_prices_trade_in_a_bounded_address_space(tmp_path: Path, prev_close: str,
                                                              bid: str, offer: str) -> None:
    # the day's range is up to hundreds of billions of ticks; the book keeps only the levels
    # in use, so the replay runs under the 4 GiB cap of _siamex
    done = _siamex("replay", _file(tmp_path, "day.json", _high_day(prev_close, bid, offer)))
    assert done.returncode == 0, done.stderr
    trades = [json.loads(line) for line in done.stdout.splitlines() if '"trade"' in line]
    assert len(trades) == 2
