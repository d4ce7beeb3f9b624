"""Shared test helpers: the rule vectors and a small engine harness."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

VECTORS = Path(__file__).parent / "vectors" / "trading.json"


@pytest.fixture(scope="session")
def vectors() -> dict[str, Any]:
    """The rule vectors of shared/vectors/trading.json (vendored; see tests/vectors/README)."""
    data: dict[str, Any] = json.loads(VECTORS.read_text())
    return data
