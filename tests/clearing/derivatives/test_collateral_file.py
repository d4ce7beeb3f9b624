"""A day's TFEX collateral requests and quotes as a file section (clearing-spec.md 4.8)."""

from __future__ import annotations

import json
from fractions import Fraction
from typing import Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from siamex.clearing.derivatives.collateral_file import (
    CollateralEntries,
    Lot,
    collateral_from_entries,
    collateral_from_text,
)
from siamex.clearing.derivatives.collateral_state import CollateralOp
from siamex.clearing.derivatives.collateral_value import BondQuote
from siamex.errors import ErrorCode, SiamexError
from siamex.rulebook.derivatives_collateral import AssetKind

HOUR = 3_600_000_000
MINUTE = 60_000_000


def section() -> dict[str, Any]:
    return {
        "quotes": {
            "fx_rates": {"USD": "36.50"},
            "shares": {"A": "50", "B": "20.25"},
            "bonds": {"LB26": {"kind": "thai_govt_bond", "price": "1012.345678"}},
            "haircuts": {"A": 30, "B": "20"},
        },
        "requests": [
            {"op": "withdraw", "ref": "w1", "member": "M1", "time": "11:30", "asset": "THB",
             "quantity": "250000.00"},
            {"op": "exchange", "ref": "x1", "member": "M1", "time": "09:40",
             "withdraw": [{"asset": "A", "quantity": "10000"}],
             "deposit": [{"asset": "USD", "quantity": "10093.73"}]},
            {"op": "deposit", "ref": "d1", "member": "M2", "time": "09:40", "asset": "B",
             "quantity": "21875"},
        ],
    }


def refused(data: dict[str, Any]) -> str:
    with pytest.raises(SiamexError) as caught:
        collateral_from_text(json.dumps(data))
    assert caught.value.code is ErrorCode.COLLATERAL_FILE
    return caught.value.message


def test_a_section_reads_into_quotes_and_requests_in_time_order() -> None:
    day = collateral_from_text(json.dumps(section()))
    assert day.quotes.fx_rates == {"USD": Fraction("36.5")}
    assert day.quotes.shares == {"A": 50, "B": Fraction("20.25")}
    assert day.quotes.bonds == {"LB26": BondQuote(AssetKind.THAI_GOVT_BOND,
                                                  Fraction("1012.345678"))}
    assert day.quotes.haircuts == {"A": 30, "B": 20}
    # by time, the file's order at one time
    assert [r.ref for r in day.requests] == ["x1", "d1", "w1"]
    exchange, deposit, withdrawal = day.requests
    assert exchange.op is CollateralOp.EXCHANGE
    assert exchange.time == 9 * HOUR + 40 * MINUTE
    assert exchange.withdraw == (Lot("A", 1_000_000),)
    assert exchange.deposit == (Lot("USD", 1_009_373),)
    assert (deposit.op, deposit.deposit, deposit.withdraw) == (CollateralOp.DEPOSIT,
                                                               (Lot("B", 2_187_500),), ())
    assert withdrawal.withdraw == (Lot("THB", 25_000_000),)


def test_the_section_embeds_in_another_file_as_a_struct() -> None:
    class DayFile(msgspec.Struct, forbid_unknown_fields=True):
        date: str
        collateral: CollateralEntries = CollateralEntries()

    parsed = msgspec.json.decode(json.dumps({"date": "2026-11-24", "collateral": section()}),
                                 type=DayFile)
    assert len(collateral_from_entries(parsed.collateral).requests) == 3
    empty = msgspec.json.decode(b'{"date": "2026-11-24"}', type=DayFile)
    assert collateral_from_entries(empty.collateral).requests == ()


def _set(data: dict[str, Any], path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    target: Any = data
    for step in path[:-1]:
        target = target[step]
    if value is None:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return data


@pytest.mark.parametrize(("path", "value", "said"), [
    (("requests", 0, "op"), "lend", "$.requests[0].op"),
    (("requests", 0, "colour"), "red", "unknown field"),
    (("requests", 0, "time"), "25:00", "collateral.requests[1].time"),
    (("requests", 0, "quantity"), "0", "requests[1].quantity must be"),
    (("requests", 0, "quantity"), "-5", "requests[1].quantity must be"),
    (("requests", 0, "quantity"), "1.005", "at most two decimals"),
    (("requests", 0, "quantity"), "1e6", "requests[1].quantity must be"),
    (("requests", 0, "quantity"), "1000000000000000", "requests[1].quantity must be"),
    (("requests", 0, "asset"), "thb", "requests[1].asset"),
    (("requests", 0, "ref"), "", "requests[1].ref"),
    (("requests", 0, "member"), " M1", "requests[1].member"),
    (("requests", 1, "deposit"), [], "requests[2]: an exchange"),
    (("requests", 1, "deposit"), [{"asset": "A", "quantity": "1"}], "each asset once"),
    (("requests", 1, "withdraw", 0, "quantity"), "1.5.0", "requests[2].withdraw[1].quantity"),
    (("quotes", "fx_rates", "THB"), "1", "fx_rates"),
    (("quotes", "fx_rates", "USD"), "0", "fx_rates.USD"),
    (("quotes", "fx_rates", "USD"), "36.1234567", "fx_rates.USD"),
    (("quotes", "shares", "USD"), "1", "quoted twice"),
    (("quotes", "shares", "LB26"), "1", "quoted twice"),
    (("quotes", "bonds", "LB26", "kind"), "corporate_bond", "bonds"),
    (("quotes", "haircuts", "A"), 120, "haircuts.A"),
    (("quotes", "haircuts", "A"), 12.5, "got `float`"),
])
def test_a_faulty_entry_refuses_the_section_naming_it(path: tuple[Any, ...], value: Any,
                                                      said: str) -> None:
    message = refused(_set(section(), path, value))
    assert said in message, message


def test_a_ref_used_twice_by_a_member_refuses_the_section() -> None:
    data = section()
    data["requests"].append(dict(data["requests"][0], time="09:00"))
    assert "M1 uses the ref w1 twice" in refused(data)
    data["requests"][-1]["member"] = "M2"
    assert len(collateral_from_text(json.dumps(data)).requests) == 4  # another member's ref


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.sampled_from(("op", "ref", "member", "time", "asset", "quantity", "quotes",
                         "requests", "withdraw", "deposit", "shares")), inner, max_size=4),
    max_leaves=12)


@settings(max_examples=150, deadline=None, derandomize=True)
@given(st.one_of(st.binary(max_size=64), _json.map(json.dumps)))
def test_garbage_is_refused_with_collateral_file(raw: bytes | str) -> None:
    try:
        collateral_from_text(raw)
    except SiamexError as exc:
        assert exc.code is ErrorCode.COLLATERAL_FILE
