"""The vendored rule vectors stay identical to the shared ones."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import VECTORS

SHARED = Path(__file__).resolve().parents[2] / "shared" / "vectors" / "trading.json"


@pytest.mark.skipif(not SHARED.exists(), reason="shared/ is not beside this checkout")
def test_vendored_vectors_match_the_shared_file() -> None:
    assert VECTORS.read_bytes() == SHARED.read_bytes()
