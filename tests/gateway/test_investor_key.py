"""The exchange's key for pseudonyms: made once, 32 random bytes only its owner may read, the
same on every later start; a key file that others may read or that is not a key is refused
(decision 180)."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from siamex.errors import ErrorCode, SiamexError
from siamex.gateway.investor_key import KEY_BYTES, KEY_FILE, investor_key


def test_the_first_start_makes_a_key_only_its_owner_may_read(tmp_path: Path) -> None:
    key = investor_key(tmp_path)
    path = tmp_path / KEY_FILE
    assert len(key) == KEY_BYTES and path.read_bytes() == key
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == [KEY_FILE]


def test_every_later_start_reads_the_same_key(tmp_path: Path) -> None:
    assert investor_key(tmp_path) == investor_key(tmp_path)


def test_two_folders_get_two_keys(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    assert investor_key(tmp_path / "a") != investor_key(tmp_path / "b")


def test_half_a_key_left_by_a_crash_before_its_rename_is_not_used(tmp_path: Path) -> None:
    (tmp_path / f"{KEY_FILE}.new").write_bytes(b"half")
    key = investor_key(tmp_path)
    assert len(key) == KEY_BYTES and not (tmp_path / f"{KEY_FILE}.new").exists()


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o620])
def test_a_key_others_may_read_or_write_is_refused(tmp_path: Path, mode: int) -> None:
    investor_key(tmp_path)
    (tmp_path / KEY_FILE).chmod(mode)
    with pytest.raises(SiamexError) as refused:
        investor_key(tmp_path)
    assert refused.value.code is ErrorCode.DATA_FOLDER and "chmod 600" in refused.value.message


@pytest.mark.parametrize("content", [b"", b"x" * (KEY_BYTES - 1), b"x" * (KEY_BYTES + 1)])
def test_a_key_file_that_is_not_32_bytes_is_refused(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / KEY_FILE
    path.write_bytes(content)
    path.chmod(0o600)
    with pytest.raises(SiamexError) as refused:
        investor_key(tmp_path)
    assert refused.value.code is ErrorCode.DATA_FOLDER
    assert path.read_bytes() == content  # never replaced: a new key renames everyone


def test_a_folder_in_the_keys_place_is_refused(tmp_path: Path) -> None:
    (tmp_path / KEY_FILE).mkdir(mode=0o700)
    with pytest.raises(SiamexError) as refused:
        investor_key(tmp_path)
    assert refused.value.code is ErrorCode.DATA_FOLDER
