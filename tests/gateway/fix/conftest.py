"""The store factory each session test starts with: one MemoryStore per CompID pair."""

from __future__ import annotations

import pytest

from siamex.gateway.fix.store import memory_stores
from tests.gateway.fix.client import Stores


@pytest.fixture
def stores() -> Stores:
    return memory_stores()
