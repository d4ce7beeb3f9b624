"""The clearing state: each record read back as written, refused when the store holds
something else under its name, and read or written nowhere but through its Document."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from siamex.clearing.foundations.members import AccountType
from siamex.clearing.foundations.state import (
    FAILS,
    LOANS,
    MATURITY,
    SETTLED,
    Decision,
    FailRecord,
    FailStatus,
    FineRow,
    Loan,
    LoanEntry,
    LoanStatus,
    fail_id,
)
from siamex.clearing.foundations.store import MemoryStore
from siamex.errors import ErrorCode, SiamexError

SOURCE = Path(__file__).resolve().parents[3] / "src" / "siamex" / "clearing"
DAY = dt.date(2021, 4, 12)
LOAN = Loan(start=DAY, due=dt.date(2021, 4, 20), borrower="S", account_type=AccountType.CLIENT,
            security="X", lender="L", lender_account_type=AccountType.PORTFOLIO, qty=300)


def _fail(**changes: object) -> FailRecord:
    fields: dict[str, object] = {
        "sd": DAY, "member": "S", "account_type": AccountType.CLIENT, "security": "X",
        "qty": 300, "value": 3_000_000, "close": 10_000, "status": FailStatus.OPEN,
        "human_error": False}
    return FailRecord(**{**fields, **changes})  # type: ignore[arg-type]


def test_a_record_reads_back_as_it_was_written() -> None:
    store = MemoryStore()
    cured = _fail(status=FailStatus.COVERED, cured_on=DAY, fines=[FineRow("other", 50_000)])
    FAILS.put(store, {cured.id: cured})
    assert FAILS.get(store) == {fail_id(DAY, "S", AccountType.CLIENT, "X"): cured}


def test_a_record_absent_is_none_and_does_not_exist() -> None:
    store = MemoryStore()
    assert SETTLED.get(store, DAY) is None
    assert not SETTLED.exists(store, DAY)
    SETTLED.put(store, DAY, DAY)
    assert SETTLED.exists(store, DAY)


def test_a_decision_keeps_its_kind_a_loan_or_an_amount() -> None:
    store = MemoryStore()
    MATURITY.put(store, Decision(LOAN), LOAN)
    assert MATURITY.get(store, LOAN) == Decision(LOAN)
    MATURITY.put(store, Decision(0), LOAN)
    assert MATURITY.get(store, LOAN) == Decision(0)


def test_the_loan_is_one_record_wherever_it_is_kept() -> None:
    store = MemoryStore()
    entry = LoanEntry(**{f: getattr(LOAN, f) for f in LOAN.__struct_fields__},
                      status=LoanStatus.OPEN)
    LOANS.put(store, {LOAN.key: entry})
    stored = store.get_document(LOANS.name())
    assert stored is not None and '"type":"client"' in stored
    assert LOANS.get(store) == {LOAN.key: entry}
    assert LOAN.key == "sbl:2021-04-12:S:client:X:L:portfolio"


def test_the_same_record_is_written_as_the_same_text() -> None:
    one, two = MemoryStore(), MemoryStore()
    first, second = _fail(), _fail(security="Y")
    FAILS.put(one, {first.id: first, second.id: second})
    FAILS.put(two, {second.id: second, first.id: first})
    assert one.get_document(FAILS.name()) == two.get_document(FAILS.name())


@pytest.mark.parametrize("text", ["not json", "[]", '{"x": {"sd": "2021-04-12"}}',
                                  '{"x": {"sd": "2021-04-12", "member": "S", "type": "nope"}}'])
def test_a_record_that_does_not_decode_refuses_the_store(text: str) -> None:
    store = MemoryStore()
    store.put_document(FAILS.name(), text)
    with pytest.raises(SiamexError) as refused:
        FAILS.get(store)
    assert refused.value.code is ErrorCode.CLEARING_STATE
    assert FAILS.name() in refused.value.message


@given(st.lists(st.tuples(st.dates(), st.sampled_from(list(AccountType)),
                          st.integers(0, 2**62), st.booleans()), max_size=5))
def test_generated_fails_read_back(rows: list[tuple[dt.date, AccountType, int, bool]]) -> None:
    store = MemoryStore()
    records = [_fail(sd=sd, account_type=kind, qty=qty, human_error=human,
                     error_count=1 if human else None) for sd, kind, qty, human in rows]
    FAILS.put(store, {r.id: r for r in records})
    assert FAILS.get(store) == {r.id: r for r in records}


def test_only_the_state_module_and_the_stores_touch_documents() -> None:
    owners = {"foundations/state.py", "foundations/store.py", "foundations/store_sqlite.py",
              "foundations/store_postgres.py", "foundations/unit_of_work.py"}
    touching = sorted(str(path.relative_to(SOURCE)) for path in SOURCE.rglob("*.py")
                      if re.search(r"\b(get|put)_document\b",
                                   path.read_text(encoding="utf-8")))
    assert set(touching) <= owners, touching
