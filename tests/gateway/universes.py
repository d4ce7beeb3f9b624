"""Universes the serve tests open with."""

from __future__ import annotations

from typing import Any

BREAKER_UNIVERSE: dict[str, Any] = {
    "description": "one index member worth the whole SET Index",
    "rules": {"dynamic_price_band_pct": 0},
    "indices": [{"name": "SET", "prev_close": "1500.00"}],
    "instruments": [{"symbol": "BIG", "prev_close": "100.00", "listed_shares": 1_000_000,
                     "index_member": ["SET"]},
                    {"symbol": "PTT", "prev_close": "31.00"}]}
"""A trade of BIG 8% under its close takes the SET Index down 8%: the circuit breaker's
first level."""
