"""The flagged-investor list (S-14MEASURES): pseudonymous ids and reasons only, valid from the
day flagged through flagged_on + flagged_investor_days, once per investor and reason."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from siamex.errors import ErrorCode, SiamexError
from siamex.measures.flagged import (
    FLAGGED_COLUMNS,
    FlaggedEntry,
    FlagRecord,
    flag_records_from_json,
    flagged_csv,
    flagged_list,
    load_flag_records,
    reason_sentence,
    screening_records,
)
from siamex.trading.commands import AdvanceTime, Command, NewOrder
from siamex.trading.enums import Side
from siamex.trading.events import Event, Rejected
from siamex.trading.rejects import Reject
from siamex.units import day_start

D = dt.date(2026, 12, 1)
A, B = "INV-aaaaaaaaaaaaaaaaaaaa", "INV-bbbbbbbbbbbbbbbbbbbb"


def _day(n: int) -> dt.date:
    return D + dt.timedelta(days=n)


@pytest.mark.parametrize(("on", "listed"), [(-1, False), (0, True), (30, True), (31, False)])
def test_an_entry_is_valid_from_the_day_flagged_through_30_days_after(on: int,
                                                                      listed: bool) -> None:
    entries = flagged_list([(A, "wash", D)], _day(on), 30)
    assert entries == ([FlaggedEntry(A, "wash", D, _day(30))] if listed else [])


def test_the_same_investor_and_reason_is_listed_once_with_its_latest_flagging() -> None:
    records: list[FlagRecord] = [(A, "wash", D), (A, "wash", _day(10)), (A, "wash", _day(40)),
                                 (A, "push", D), (B, "wash", "2026-12-05")]
    assert flagged_list(records, _day(20), 30) == [
        FlaggedEntry(A, "push", D, _day(30)),
        FlaggedEntry(A, "wash", _day(10), _day(40)),
        FlaggedEntry(B, "wash", _day(4), _day(34))]


def test_members_see_only_the_id_the_reason_and_the_dates() -> None:
    entry = flagged_list([(A, "layering", D)], D, 30)[0].as_json()
    assert entry == {"investor": A, "reason": "layering", "sentence": reason_sentence("layering"),
                     "flagged_on": "2026-12-01", "valid_until": "2026-12-31"}
    assert "layering or spoofing" in entry["sentence"]
    assert reason_sentence("new_rule") == "inappropriate orders (new_rule)"


def test_an_account_linked_to_no_investor_goes_only_to_its_own_member() -> None:
    records = [("M1/A1", "wash", D), (A, "wash", D)]
    assert [e.investor for e in flagged_list(records, D, 30)] == [A]
    assert [e.investor for e in flagged_list(records, D, 30, member="M1")] == [A, "M1/A1"]
    assert [e.investor for e in flagged_list(records, D, 30, member="M11")] == [A]


def test_an_entry_flagged_on_the_calendar_s_last_days_ends_with_it() -> None:
    last = dt.date.max
    assert flagged_list([(A, "wash", last)], last, 30)[0].valid_until == last


def test_screening_refusals_become_records_with_their_rule() -> None:
    ts = day_start(D) + 10 * 3_600_000_000
    order = NewOrder(ts, "o1", "M1", "A1", "AOT", Side.SELL, 100, short=True)
    other = NewOrder(ts, "o2", "M1", "A2", "AOT", Side.SELL, 100, short=True)
    pairs: list[tuple[Command, list[Event]]] = [
        (order, [Rejected(ts, "o1", Reject.SCREENED, "screened (push): sell at 60.00 is ...")]),
        (other, [Rejected(ts, "o2", Reject.SCREENED, "refused by screening")]),
        (AdvanceTime(ts), [Rejected(ts, "o3", Reject.SCREENED, "screened (wash): ...")]),
        (NewOrder(ts, "o4", "M1", "A1", "AOT", Side.SELL, 100),
         [Rejected(ts, "o4", Reject.NO_SECURITIES, "screened (wash)")])]
    links = {("M1", "A1"): A}
    records = list(screening_records(pairs, lambda m, a: links.get((m, a), f"{m}/{a}")))
    assert records == [(A, "push", D), ("M1/A2", "screened", D)]


def test_the_csv_has_one_row_per_entry() -> None:
    text = flagged_csv(flagged_list([(A, "split", D)], D, 30))
    assert list(csv.reader(io.StringIO(text))) == [
        list(FLAGGED_COLUMNS), [A, "split", reason_sentence("split"), "2026-12-01",
                                "2026-12-31"]]


def test_an_alerts_file_is_a_list_or_an_object_of_alerts_with_more_fields(tmp_path: Path
                                                                          ) -> None:
    alerts = [{"rule": "wash", "investor": A, "date": "2026-12-01", "symbol": "AOT",
               "evidence": [{"id": "o1"}]}]
    assert flag_records_from_json(alerts) == [(A, "wash", D)]
    screened = [{"date": "2026-12-02", "investor": B, "reason": "SCREENED",
                 "text": "screened (push): buy at 36.00 is 7.46% above 33.50"}]
    path = tmp_path / "alerts.json"
    path.write_text(json.dumps({"days": ["2026-12-01"], "alerts": alerts,
                                "screened": screened}))
    assert load_flag_records(path) == [(A, "wash", D), (B, "push", _day(1))]


@pytest.mark.parametrize(("data", "says"), [
    ({"alerts": {}}, "a JSON array of alerts"),
    ([1], "alert 1 is not an object"),
    ([{"investor": "", "rule": "wash", "date": "2026-12-01"}], "alert 1: investor"),
    ([{"investor": A, "rule": "Wash!", "date": "2026-12-01"}], "alert 1: rule"),
    ([{"investor": A, "rule": "wash", "date": "2026-02-30"}], "not a calendar date"),
    ([{"investor": A, "rule": "wash"}], "alert 1: date"),
    ({"alerts": [], "screened": [{"investor": A, "date": "2026-12-01"}]},
     "screened order 1: text"),
    ({"alerts": [], "screened": 3}, "a JSON array of alerts"),
])
def test_a_bad_alerts_file_is_refused_whole_naming_the_alert(tmp_path: Path, data: Any,
                                                             says: str) -> None:
    path = tmp_path / "alerts.json"
    path.write_text(json.dumps(data))
    with pytest.raises(SiamexError) as refused:
        load_flag_records(path)
    assert refused.value.code is ErrorCode.MEASURES_STATE
    assert says in refused.value.message and str(path) in refused.value.message


_json = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=12),
                     lambda inner: st.lists(inner, max_size=3)
                     | st.dictionaries(st.sampled_from(["alerts", "screened", "investor", "rule",
                                                      "date", "text"]),
                                       inner, max_size=4))


@settings(max_examples=200, deadline=None, derandomize=True)
@given(raw=st.binary(max_size=200) | _json.map(lambda v: json.dumps(v).encode()))
def test_garbage_is_refused_as_an_alerts_file(tmp_path_factory: Any, raw: bytes) -> None:
    path = tmp_path_factory.mktemp("alerts") / "alerts.json"
    path.write_bytes(raw)
    try:
        records = load_flag_records(path)
    except SiamexError as refused:
        assert refused.code is ErrorCode.MEASURES_STATE
    else:
        flagged_list(records, D, 30)
