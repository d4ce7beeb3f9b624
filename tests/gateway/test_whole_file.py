"""A file written whole replaces the old one at once (siamex.gateway.whole_file)."""

from __future__ import annotations

from pathlib import Path

from siamex.gateway.whole_file import write_whole


def test_a_file_is_replaced_whole_and_no_partial_file_stays(tmp_path: Path) -> None:
    path = tmp_path / "report.json"
    path.write_bytes(b"old")
    write_whole(path, b"new and longer")
    assert path.read_bytes() == b"new and longer"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json"]


def test_a_partial_file_left_by_a_crash_is_written_over(tmp_path: Path) -> None:
    (tmp_path / "report.json.partial").write_bytes(b"half")
    write_whole(tmp_path / "report.json", b"whole")
    assert (tmp_path / "report.json").read_bytes() == b"whole"
    assert not (tmp_path / "report.json.partial").exists()
