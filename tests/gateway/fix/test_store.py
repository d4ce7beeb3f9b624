"""Message stores: one behaviour for the memory and the file store; the file store survives a
reopen and a kill -9, drops a torn last record and refuses damage before it."""

from __future__ import annotations

import struct
import subprocess
import sys
import textwrap
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from siamex.gateway.fix.store import (
    CorruptStore,
    FileStore,
    MemoryStore,
    MessageStore,
    memory_stores,
    store_name,
)

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(params=["memory", "file"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[MessageStore]:
    if request.param == "memory":
        yield MemoryStore()
    else:
        with FileStore(tmp_path, "BROKER1", "SIAMEX") as file_store:
            yield file_store


def test_a_new_store_starts_both_sequences_at_one(store: MessageStore) -> None:
    assert (store.next_in(), store.next_out(), store.last_ref()) == (1, 1, None)
    assert store.get(1, 100) == []


def test_saving_a_message_advances_the_outgoing_sequence(store: MessageStore) -> None:
    store.save(1, b"one", ref=7)
    store.set_next_out(3)  # 2 was a session message: not stored
    store.save(3, b"three")
    store.set_next_in(5)
    assert (store.next_in(), store.next_out(), store.last_ref()) == (5, 4, 7)
    assert store.get(1, 3) == [(1, b"one"), (3, b"three")]
    assert store.get(2, 2) == []
    assert store.get(2, 10**9) == [(3, b"three")]
    assert store.get(0, 1) == [(1, b"one")]


def test_the_last_ref_is_the_last_message_that_carried_one(store: MessageStore) -> None:
    store.save(1, b"a", ref=3)
    store.save(2, b"b", ref=9)
    store.save(3, b"c")
    assert store.last_ref() == 9


def test_reset_starts_again_but_keeps_the_last_ref(store: MessageStore) -> None:
    store.save(1, b"a", ref=4)
    store.set_next_in(9)
    store.reset()
    assert (store.next_in(), store.next_out(), store.last_ref()) == (1, 1, 4)
    assert store.get(1, 10) == []
    store.save(1, b"again")
    assert store.get(1, 1) == [(1, b"again")]


def test_memory_stores_give_a_pair_the_same_store_each_time() -> None:
    stores = memory_stores()
    assert stores("A", "SIAMEX") is stores("A", "SIAMEX")
    assert stores("A", "SIAMEX") is not stores("B", "SIAMEX")


def _fill(store: FileStore) -> None:
    store.save(1, b"8=FIX.4.4\x01one", ref=11)
    store.set_next_out(3)
    store.save(3, b"three\x00\xff", ref=12)
    store.set_next_in(6)


def _state(store: FileStore) -> tuple[int, int, int | None, list[tuple[int, bytes]]]:
    return store.next_in(), store.next_out(), store.last_ref(), store.get(1, 100)


def test_a_reopened_file_store_holds_what_was_saved(tmp_path: Path) -> None:
    with FileStore(tmp_path, "BROKER1", "SIAMEX", fsync=True) as store:
        _fill(store)
        before = _state(store)
    with FileStore(tmp_path, "BROKER1", "SIAMEX") as again:
        assert _state(again) == before
        again.save(4, b"four")
    with FileStore(tmp_path, "BROKER1", "SIAMEX") as third:
        assert third.get(4, 4) == [(4, b"four")]


def test_a_reset_survives_a_reopen(tmp_path: Path) -> None:
    with FileStore(tmp_path, "BROKER1", "SIAMEX", fsync=True) as store:
        _fill(store)
        store.reset()
        store.save(1, b"new")
    with FileStore(tmp_path, "BROKER1", "SIAMEX") as again:
        assert _state(again) == (1, 2, 12, [(1, b"new")])


def _records(tmp_path: Path) -> tuple[bytes, list[int]]:
    """Fill a store, noting the file size after each record."""
    sizes = []
    with FileStore(tmp_path, "BROKER1", "SIAMEX") as store:
        sizes.append(store.path.stat().st_size)
        for step in (lambda: store.save(1, b"one", ref=1), lambda: store.set_next_out(3),
                     lambda: store.save(3, b"three", ref=2), lambda: store.set_next_in(6)):
            step()
            sizes.append(store.path.stat().st_size)
        return store.path.read_bytes(), sizes


_STATES = [(1, 1, None, []), (1, 2, 1, [(1, b"one")]), (1, 3, 1, [(1, b"one")]),
           (1, 4, 2, [(1, b"one"), (3, b"three")]), (6, 4, 2, [(1, b"one"), (3, b"three")])]


def test_a_torn_last_record_is_dropped_at_every_byte(tmp_path: Path) -> None:
    data, sizes = _records(tmp_path)
    path = tmp_path / store_name("BROKER1", "SIAMEX")
    for cut in range(sizes[0], len(data) + 1):
        path.write_bytes(data[:cut])
        whole = max(i for i, size in enumerate(sizes) if size <= cut)
        with FileStore(tmp_path, "BROKER1", "SIAMEX") as store:
            assert _state(store) == _STATES[whole]
            store.set_next_in(8)  # appends after the cut, not after the torn bytes
        with FileStore(tmp_path, "BROKER1", "SIAMEX") as store:
            assert store.next_in() == 8


def test_zeros_after_the_last_record_are_dropped(tmp_path: Path) -> None:
    data, _ = _records(tmp_path)
    path = tmp_path / store_name("BROKER1", "SIAMEX")
    path.write_bytes(data + bytes(100))
    with FileStore(tmp_path, "BROKER1", "SIAMEX") as store:
        assert _state(store) == _STATES[-1]


def test_damage_before_the_last_record_is_refused(tmp_path: Path) -> None:
    data, sizes = _records(tmp_path)
    path = tmp_path / store_name("BROKER1", "SIAMEX")
    damaged = bytearray(data)
    damaged[sizes[1] - 2] ^= 0xFF
    path.write_bytes(bytes(damaged))
    with pytest.raises(CorruptStore, match="damaged"):
        FileStore(tmp_path, "BROKER1", "SIAMEX")
    assert path.read_bytes() == bytes(damaged)


def test_a_record_of_unknown_kind_is_refused(tmp_path: Path) -> None:
    data, _ = _records(tmp_path)
    payload = b"X" + bytes(8)
    record = struct.pack("<II", zlib.crc32(payload, len(payload)), len(payload)) + payload
    (tmp_path / store_name("BROKER1", "SIAMEX")).write_bytes(data + record)
    with pytest.raises(CorruptStore, match="unknown kind"):
        FileStore(tmp_path, "BROKER1", "SIAMEX")


def test_a_kill_minus_nine_loses_nothing_written(tmp_path: Path) -> None:
    script = textwrap.dedent(f"""
        import os, signal
        from pathlib import Path
        from siamex.gateway.fix.store import FileStore
        store = FileStore(Path({str(tmp_path)!r}), "BROKER1", "SIAMEX")
        for seq in range(1, 201):
            store.save(seq, b"message %d" % seq, ref=seq * 10)
        store.set_next_in(42)
        os.kill(os.getpid(), signal.SIGKILL)
    """)
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT)
    assert result.returncode == -9
    with FileStore(tmp_path, "BROKER1", "SIAMEX") as store:
        assert (store.next_in(), store.next_out(), store.last_ref()) == (42, 201, 2000)
        assert store.get(200, 200) == [(200, b"message 200")]


@pytest.mark.parametrize(("sender", "target", "name"), [
    ("BROKER1", "SIAMEX", "BROKER1.SIAMEX.fixstore"),
    ("../etc", "x", "%2E%2E%2Fetc.x.fixstore"),
    ("a.b", "c", "a%2Eb.c.fixstore"),
    ("a", "b.c", "a.b%2Ec.fixstore"),
    ("ทด", "S", "%E0%B8%97%E0%B8%94.S.fixstore"),
    ("a%2E", "b", "a%252E.b.fixstore"),
    ("A-B_1", "S", "A-B_1.S.fixstore"),
])
def test_store_names_escape_everything_but_safe_characters(sender: str, target: str,
                                                           name: str) -> None:
    assert store_name(sender, target) == name


def test_a_missing_folder_is_created(tmp_path: Path) -> None:
    with FileStore(tmp_path / "fix" / "stores", "BROKER1", "SIAMEX") as store:
        store.save(1, b"one")
    assert (tmp_path / "fix" / "stores" / "BROKER1.SIAMEX.fixstore").exists()


def test_file_stores_of_different_pairs_are_different_files(tmp_path: Path) -> None:
    with FileStore(tmp_path, "a.b", "c") as one, FileStore(tmp_path, "a", "b.c") as two:
        one.save(1, b"one")
        assert two.get(1, 1) == []
