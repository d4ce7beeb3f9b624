"""The ledger store, in memory, in SQLite and in PostgreSQL: the same behaviour from each.

Atomic, idempotent commits of postings and documents together; a reopened store derives the
same balances; state documents round-trip; an exception or a killed process in the middle of
a commit leaves nothing of it; a unit of work stages a step's writes and commits them once.
"""

from __future__ import annotations

import datetime as dt
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from siamex.clearing.foundations import store as store_module
from siamex.clearing.foundations.ledger import (
    CASH,
    DEPOSITORY,
    SECURITIES,
    TCH,
    THB,
    Account,
    AccountType,
    ConflictingTransaction,
    Ledger,
    Leg,
    Outcome,
    Transaction,
    UnbalancedTransaction,
    transfer,
)
from siamex.clearing.foundations.store import LedgerStore, MemoryStore
from siamex.clearing.foundations.store_open import open_store
from siamex.clearing.foundations.store_postgres import PostgresStore
from siamex.clearing.foundations.store_sqlite import SqliteStore
from siamex.clearing.foundations.unit_of_work import UnitOfWork

Opener = Callable[[], LedgerStore]

DAY1 = dt.date(2026, 11, 24)
DAY2 = dt.date(2026, 11, 25)
TSD_PTT = Account("TSD", DEPOSITORY, None, "PTT-F")
BANK = Account("SCB", DEPOSITORY, None, THB)
M1_PTT = Account("M1", SECURITIES, AccountType.PORTFOLIO, "PTT-F")
M2_PTT = Account("M2", SECURITIES, AccountType.CLIENT, "PTT-F")
TCH_PTT = Account(TCH, SECURITIES, None, "PTT-F")
M1_CASH = Account("M1", CASH, None, THB)
M2_CASH = Account("M2", CASH, None, THB)
TCH_CASH = Account(TCH, CASH, None, THB)

OPENING = [
    Transaction("open:M1:PTT-F", DAY1, "opening balance", transfer(TSD_PTT, M1_PTT, 1000)),
    Transaction("open:M2:THB", DAY1, "opening balance", transfer(BANK, M2_CASH, 4_000_000)),
]
SETTLEMENT = [
    Transaction("settle:2026-11-25:round1:M1:PTT-F", DAY2, "round 1 delivery",
                transfer(M1_PTT, TCH_PTT, 400)),
    Transaction("settle:2026-11-25:round1:M2:THB", DAY2, "round 1 payment",
                transfer(M2_CASH, TCH_CASH, 1_600_000)),
    Transaction("settle:2026-11-25:round1:credit", DAY2, "round 1 credit",
                (*transfer(TCH_PTT, M2_PTT, 400), *transfer(TCH_CASH, M1_CASH, 1_600_000))),
]


@pytest.fixture(params=["memory", "sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The store's target: ":memory:", a SQLite file, or a fresh PostgreSQL database."""
    if request.param == "memory":
        return ":memory:"
    if request.param == "sqlite":
        return str(tmp_path / "ledger.sqlite")
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
def reopen(backend: str) -> Iterator[Opener]:
    """Open the store again, as a restarted process would (memory: the same object)."""
    opened: list[LedgerStore] = []
    memory = MemoryStore()

    def opener() -> LedgerStore:
        store = memory if backend == ":memory:" else open_store(backend)
        opened.append(store)
        return store

    yield opener
    for store in opened:
        store.close()


@pytest.fixture
def store(reopen: Opener) -> LedgerStore:
    return reopen()


@pytest.fixture(params=["sqlite", "postgresql"])
def sql_backend(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A store target that outlives its process."""
    if request.param == "sqlite":
        return str(tmp_path / "ledger.sqlite")
    url: str = request.getfixturevalue("postgres_url")
    return url


def test_public_names_are_the_store_interface() -> None:
    assert set(store_module.__all__) == {"LedgerStore", "LegRow", "MemoryStore",
                                         "account_from_row", "sort_out",
                                         "transactions_from_rows"}


def test_open_store_keeps_memory_in_memory_and_anything_else_in_a_sqlite_file(
    tmp_path: Path,
) -> None:
    with open_store(":memory:") as memory:
        assert type(memory) is MemoryStore
    with open_store(tmp_path / "a.sqlite") as sqlite, open_store(str(tmp_path / "b")) as other:
        assert type(sqlite) is SqliteStore
        assert type(other) is SqliteStore
    assert (tmp_path / "b").exists()


def test_open_store_opens_a_postgresql_url_in_postgresql(postgres_url: str) -> None:
    with open_store(postgres_url) as postgres:
        assert type(postgres) is PostgresStore
    with open_store(postgres_url.replace("postgresql://", "postgres://", 1)) as postgres:
        assert type(postgres) is PostgresStore


def test_appended_transactions_read_back_in_order_with_their_legs(store: LedgerStore) -> None:
    assert store.append_all(OPENING + SETTLEMENT) == [Outcome.APPLIED] * 5
    assert store.transactions() == OPENING + SETTLEMENT
    assert store.transactions(since=DAY2) == SETTLEMENT
    assert store.transactions(since=dt.date(2026, 11, 26)) == []


def test_keyed_reads_the_transactions_of_one_key_prefix_in_order(store: LedgerStore) -> None:
    store.append_all(OPENING + SETTLEMENT)
    odd = [Transaction(key, DAY2, "odd key", transfer(BANK, M2_CASH, 1))
           for key in ("settle:2026-11-25:r%", "settle:2026-11-25:r_x", "settle:2026-11-25:rü",
                       "settle:2026-11-25;r")]
    store.append_all(odd)
    assert store.keyed("settle:2026-11-25:round1:") == SETTLEMENT
    assert store.keyed("settle:2026-11-25:r%") == [odd[0]]  # % and _ are not wildcards
    assert store.keyed("settle:2026-11-25:r_") == [odd[1]]
    assert [tx.key for tx in store.keyed("settle:2026-11-25:r")] == [
        *(tx.key for tx in SETTLEMENT), *(tx.key for tx in odd[:3])]
    assert store.keyed("nothing") == []


def test_balances_are_derived_from_the_stored_legs(store: LedgerStore) -> None:
    store.append_all(OPENING)
    for tx in SETTLEMENT:
        store.append(tx)
    assert store.balances() == Ledger.from_transactions(OPENING + SETTLEMENT).balances() == {
        TSD_PTT: -1000, M1_PTT: 600, M2_PTT: 400,
        BANK: -4_000_000, M2_CASH: 2_400_000, M1_CASH: 1_600_000,
    }


def test_an_empty_store_has_no_transactions_or_balances(store: LedgerStore) -> None:
    assert store.append_all([]) == []
    assert store.transactions() == []
    assert store.balances() == {}


def test_appending_a_key_again_stores_nothing_twice(store: LedgerStore) -> None:
    store.append_all(OPENING)
    balances = store.balances()
    assert store.append(OPENING[0]) is Outcome.ALREADY_APPLIED
    assert store.append_all(OPENING + SETTLEMENT[:1]) == [
        Outcome.ALREADY_APPLIED, Outcome.ALREADY_APPLIED, Outcome.APPLIED]
    assert store.append_all(SETTLEMENT[:1]) == [Outcome.ALREADY_APPLIED]
    assert store.transactions() == OPENING + SETTLEMENT[:1]
    assert store.balances()[M2_CASH] == balances[M2_CASH]


def test_a_key_repeated_within_a_batch_is_stored_once(store: LedgerStore) -> None:
    assert store.append_all([OPENING[0], OPENING[0]]) == [
        Outcome.APPLIED, Outcome.ALREADY_APPLIED]
    assert store.transactions() == OPENING[:1]


def test_a_conflicting_key_rejects_the_whole_batch(store: LedgerStore) -> None:
    store.append_all(OPENING)
    changed = OPENING[0]._replace(legs=transfer(TSD_PTT, M1_PTT, 999))
    with pytest.raises(ConflictingTransaction):
        store.append_all([*SETTLEMENT, changed])
    with pytest.raises(ConflictingTransaction):
        store.append_all([SETTLEMENT[0], SETTLEMENT[0]._replace(reason="other")])
    assert store.transactions() == OPENING
    assert store.append_all(SETTLEMENT) == [Outcome.APPLIED] * 3


def test_an_unbalanced_transaction_rejects_the_whole_batch(store: LedgerStore) -> None:
    bad = Transaction("bad", DAY1, "typo", (*transfer(TSD_PTT, M1_PTT, 5),
                                            *transfer(BANK, M1_CASH, 5)[:1]))
    with pytest.raises(UnbalancedTransaction):
        store.append_all([*OPENING, bad])
    assert store.transactions() == []


def test_a_reopened_store_derives_the_same_balances(reopen: Opener) -> None:
    first = reopen()
    first.append_all(OPENING)
    first.append_all(SETTLEMENT)
    expected = first.balances()
    first.close()
    second = reopen()
    assert second.balances() == expected
    assert Ledger.from_transactions(second.transactions()).balances() == expected
    assert second.append_all(OPENING + SETTLEMENT) == [Outcome.ALREADY_APPLIED] * 5


def test_state_documents_round_trip_and_are_replaced_by_name(reopen: Opener) -> None:
    store = reopen()
    assert store.get_document("state:2026-11-25") is None
    store.put_document("state:2026-11-25", '{"round": 1, "done": ["M1:PTT-F"]}')
    store.put_document("state:2026-11-25", '{"round": 2, "note": "ผ่าน"}')
    store.put_document("state:2026-11-24", "{}")
    store.close()
    again = reopen()
    assert again.get_document("state:2026-11-25") == '{"round": 2, "note": "ผ่าน"}'
    assert again.get_document("state:2026-11-24") == "{}"


def test_a_day_resumed_after_a_crash_settles_nothing_twice(reopen: Opener) -> None:
    # The pattern a settlement engine follows: post a step, then record it as done. A crash
    # between the two makes the restarted engine post the step again, which changes nothing.
    first = reopen()
    first.append_all(OPENING)
    first.append_all(SETTLEMENT[:2])
    first.put_document("state:2026-11-25", '{"done": 1}')
    first.append_all(SETTLEMENT[2:])  # ... and the process dies before recording step 2
    first.close()
    restarted = reopen()
    assert restarted.get_document("state:2026-11-25") == '{"done": 1}'
    assert restarted.append_all(SETTLEMENT[2:]) == [Outcome.ALREADY_APPLIED]
    restarted.put_document("state:2026-11-25", '{"done": 2}')
    assert restarted.balances() == Ledger.from_transactions(OPENING + SETTLEMENT).balances()


def test_an_exception_after_some_legs_are_written_leaves_nothing(
    sql_backend: str, monkeypatch: pytest.MonkeyPatch,
) -> None:
    store = open_store(sql_backend)
    store.append_all(OPENING)
    write_legs = type(store)._insert_legs  # type: ignore[attr-defined]

    def write_then_fail(self: LedgerStore, *args: Any) -> None:
        write_legs(self, *args)
        raise OSError("disk gone")

    monkeypatch.setattr(type(store), "_insert_legs", write_then_fail)
    with pytest.raises(OSError, match="disk gone"):
        store.append_all(SETTLEMENT)
    monkeypatch.undo()
    assert store.transactions() == OPENING
    assert store.append_all(SETTLEMENT) == [Outcome.APPLIED] * 3
    store.close()


_CRASH = """
import datetime as dt, os, sys
from siamex.clearing.foundations.ledger import CASH, DEPOSITORY, THB, Account, Transaction, transfer
from siamex.clearing.foundations.store_open import open_store
from siamex.clearing.foundations.unit_of_work import UnitOfWork

store = open_store(sys.argv[1])
write_legs = type(store)._insert_legs

def write_then_die(self, *args):
    write_legs(self, *args)
    os._exit(17)  # no rollback, no close: as if the power went

type(store)._insert_legs = write_then_die
day = dt.date(2026, 11, 25)
bank, cash = Account("SCB", DEPOSITORY, None, THB), Account("M9", CASH, None, THB)
store.append_all([Transaction(f"crash:{n}", day, "crash", transfer(bank, cash, 100 + n))
                  for n in range(3)])
"""


def test_a_process_killed_in_the_middle_of_an_append_leaves_nothing(sql_backend: str) -> None:
    with open_store(sql_backend) as store:
        store.append_all(OPENING)
    died = subprocess.run([sys.executable, "-c", _CRASH, sql_backend], capture_output=True,
                          text=True, timeout=60, check=False)
    assert died.returncode == 17, died.stderr
    with open_store(sql_backend) as store:
        assert store.transactions() == OPENING
        assert store.balances() == Ledger.from_transactions(OPENING).balances()
        assert store.append_all(SETTLEMENT) == [Outcome.APPLIED] * 3


# ---- postings and documents in one commit ----------------------------------------------------

def test_a_commit_keeps_postings_and_documents_together(reopen: Opener) -> None:
    store = reopen()
    assert store.commit(OPENING, {"state:opening": "2026-11-24", "state:list": "[]"}) == [
        Outcome.APPLIED, Outcome.APPLIED]
    assert store.commit(OPENING[:1], {"state:list": '["a"]'}) == [Outcome.ALREADY_APPLIED]
    assert store.commit() == []
    store.close()
    again = reopen()
    assert again.transactions() == OPENING
    assert again.get_document("state:opening") == "2026-11-24"
    assert again.get_document("state:list") == '["a"]'


def test_a_refused_commit_keeps_none_of_its_documents(store: LedgerStore) -> None:
    store.commit(OPENING)
    changed = OPENING[0]._replace(legs=transfer(TSD_PTT, M1_PTT, 999))
    with pytest.raises(ConflictingTransaction):
        store.commit([*SETTLEMENT, changed], {"state:2026-11-25": "done"})
    assert store.get_document("state:2026-11-25") is None
    assert store.transactions() == OPENING


def test_an_exception_after_the_documents_are_written_leaves_nothing_of_the_commit(
    sql_backend: str, monkeypatch: pytest.MonkeyPatch,
) -> None:
    store = open_store(sql_backend)
    store.commit(OPENING, {"state:opening": "2026-11-24"})
    write_documents = type(store)._put_documents  # type: ignore[attr-defined]

    def write_then_fail(self: LedgerStore, *args: Any) -> None:
        write_documents(self, *args)
        raise OSError("disk gone")

    monkeypatch.setattr(type(store), "_put_documents", write_then_fail)
    with pytest.raises(OSError, match="disk gone"):
        store.commit(SETTLEMENT, {"state:opening": "changed", "state:2026-11-25": "done"})
    monkeypatch.undo()
    assert store.transactions() == OPENING
    assert store.get_document("state:opening") == "2026-11-24"
    assert store.get_document("state:2026-11-25") is None
    store.close()


_KILLED = """
import datetime as dt, os, signal, sys
from siamex.clearing.foundations.ledger import CASH, DEPOSITORY, THB, Account, Transaction, transfer
from siamex.clearing.foundations.store_open import open_store

store = open_store(sys.argv[1])
write_documents = type(store)._put_documents

def write_then_die(self, *args):
    write_documents(self, *args)
    os.kill(os.getpid(), signal.SIGKILL)  # the postings and the documents are written

type(store)._put_documents = write_then_die
day = dt.date(2026, 11, 25)
bank, cash = Account("SCB", DEPOSITORY, None, THB), Account("M9", CASH, None, THB)
store.commit([Transaction(f"crash:{n}", day, "crash", transfer(bank, cash, 100 + n))
              for n in range(3)], {"state:opening": "changed", "state:2026-11-25": "done"})
"""


def test_a_process_killed_in_the_middle_of_a_commit_leaves_nothing_of_it(
        sql_backend: str) -> None:
    with open_store(sql_backend) as store:
        store.commit(OPENING, {"state:opening": "2026-11-24"})
    died = subprocess.run([sys.executable, "-c", _KILLED, sql_backend], capture_output=True,
                          text=True, timeout=60, check=False)
    assert died.returncode == -signal.SIGKILL, died.stderr
    with open_store(sql_backend) as store:
        assert store.transactions() == OPENING
        assert store.get_document("state:opening") == "2026-11-24"
        assert store.get_document("state:2026-11-25") is None


def test_stored_finds_the_transactions_of_the_keys_given(store: LedgerStore) -> None:
    store.commit(OPENING + SETTLEMENT)
    keys = [tx.key for tx in SETTLEMENT] + ["absent", "settle:2026-11-25:round1"]
    assert store.stored(keys) == {tx.key: tx for tx in SETTLEMENT}
    assert store.stored([]) == {}
    assert store.posted(OPENING[1].key) == OPENING[1]
    assert store.posted("open:M2") is None  # a key, not a prefix


# ---- a step's unit of work ------------------------------------------------------------------

def test_a_unit_of_work_shows_its_writes_to_its_reads_and_commits_them_once(
        store: LedgerStore, monkeypatch: pytest.MonkeyPatch) -> None:
    store.commit(OPENING, {"state:opening": "2026-11-24"})
    commits: list[tuple[list[str], list[str]]] = []
    commit = type(store).commit

    def counted(self: LedgerStore, transactions: Any = (), documents: Any = None) -> Any:
        commits.append(([tx.key for tx in transactions], sorted(documents or {})))
        return commit(self, transactions, documents)

    monkeypatch.setattr(type(store), "commit", counted)
    with UnitOfWork(store) as step:
        assert step.append_all(SETTLEMENT[:2]) == [Outcome.APPLIED] * 2
        assert step.append(OPENING[0]) is Outcome.ALREADY_APPLIED
        step.put_document("state:2026-11-25", "round 1")
        step.put_document("state:opening", "2026-11-24")  # as stored: not written again
        assert step.get_document("state:2026-11-25") == "round 1"
        assert step.balances() == Ledger.from_transactions(OPENING + SETTLEMENT[:2]).balances()
        assert step.transactions() == OPENING + SETTLEMENT[:2]
        assert step.transactions(since=DAY2) == SETTLEMENT[:2]
        assert step.keyed("settle:2026-11-25:") == SETTLEMENT[:2]
        assert step.keyed_legs("settle:", TCH) == [
            (SETTLEMENT[0].key, M1_PTT, -400), (SETTLEMENT[1].key, M2_CASH, -1_600_000)]
        assert step.stored([OPENING[0].key, SETTLEMENT[0].key]) == {
            OPENING[0].key: OPENING[0], SETTLEMENT[0].key: SETTLEMENT[0]}
        assert store.transactions() == OPENING  # nothing reaches the store before the end
        assert store.get_document("state:2026-11-25") is None
    assert commits == [([tx.key for tx in SETTLEMENT[:2]], ["state:2026-11-25"])]
    assert store.transactions() == OPENING + SETTLEMENT[:2]
    assert store.get_document("state:2026-11-25") == "round 1"
    with UnitOfWork(store) as step:  # a step that changes nothing writes nothing
        step.append_all(SETTLEMENT[:2])
        step.put_document("state:2026-11-25", "round 1")
    assert len(commits) == 1


def test_a_unit_of_work_that_raises_commits_nothing(store: LedgerStore) -> None:
    store.commit(OPENING)
    with pytest.raises(RuntimeError, match="died"), UnitOfWork(store) as step:
        step.commit(SETTLEMENT, {"state:2026-11-25": "done"})
        raise RuntimeError("died")
    assert store.transactions() == OPENING
    assert store.get_document("state:2026-11-25") is None
    with pytest.raises(RuntimeError, match="ended"):
        step.append(SETTLEMENT[0])


def test_a_unit_of_work_refuses_a_conflict_as_the_store_would(store: LedgerStore) -> None:
    store.commit(OPENING)
    with UnitOfWork(store) as step:
        step.append(SETTLEMENT[0])
        with pytest.raises(ConflictingTransaction):
            step.append_all([SETTLEMENT[1], OPENING[0]._replace(reason="other")])
        with pytest.raises(ConflictingTransaction):
            step.append(SETTLEMENT[0]._replace(reason="other"))
        with pytest.raises(UnbalancedTransaction):
            step.append(SETTLEMENT[1]._replace(legs=(*SETTLEMENT[1].legs, Leg(M1_CASH, 1))))
        assert step.transactions() == [*OPENING, SETTLEMENT[0]]
    assert store.transactions() == [*OPENING, SETTLEMENT[0]]


def test_a_unit_of_work_within_another_commits_into_it(store: LedgerStore) -> None:
    store.commit(OPENING)
    with UnitOfWork(store) as step:
        with UnitOfWork(step) as part:
            part.commit(SETTLEMENT[:1], {"state:part": "done"})
        assert step.transactions() == [*OPENING, SETTLEMENT[0]]
        assert store.transactions() == OPENING
        with pytest.raises(RuntimeError), UnitOfWork(step) as failed:
            failed.commit(SETTLEMENT[1:], {"state:failed": "done"})
            raise RuntimeError
        assert step.get_document("state:failed") is None
    assert store.transactions() == [*OPENING, SETTLEMENT[0]]
    assert store.get_document("state:part") == "done"
