"""Build siamex, compiling the hot paths (the engine's, the measures' gate in front of it, and
the gateway's from a FIX message to its ExecutionReport) with mypyc where a C compiler is
available.

The compiled modules are the same Python source (mypyc, which ships with mypy): 3-4x faster,
with identical behaviour. Set SIAMEX_PURE=1 to skip compilation; if compilation fails (no C
compiler), the build goes on with the pure-Python modules and says so.
"""

from __future__ import annotations

import os
import sys

from setuptools import setup
from setuptools.command.build_ext import build_ext

COMPILED = [
    "src/siamex/rulebook/ticks.py",
    "src/siamex/trading/balance.py",
    "src/siamex/trading/order.py",
    "src/siamex/trading/holdings.py",
    "src/siamex/trading/book.py",
    "src/siamex/trading/matching.py",
    "src/siamex/trading/auction.py",
    "src/siamex/trading/equilibrium.py",
    "src/siamex/trading/phases.py",
    "src/siamex/trading/instrument.py",
    "src/siamex/trading/checks.py",
    "src/siamex/trading/index.py",
    "src/siamex/trading/price_band.py",
    "src/siamex/trading/circuit_breaker.py",
    "src/siamex/trading/day.py",
    "src/siamex/trading/operations.py",
    "src/siamex/trading/trade_reports.py",
    "src/siamex/trading/overnight.py",
    "src/siamex/trading/engine.py",
    "src/siamex/measures/screening.py",
    "src/siamex/journal/log.py",
    "src/siamex/journal/replay.py",
    "src/siamex/gateway/service.py",
    "src/siamex/gateway/exchange.py",
    "src/siamex/gateway/orders.py",
    "src/siamex/gateway/audit_sink.py",
    "src/siamex/gateway/fix/codec.py",
    "src/siamex/gateway/fix/session.py",
    "src/siamex/gateway/fix/orders.py",
]


class OptionalBuildExt(build_ext):
    """Build the compiled modules, or fall back to pure Python when that is impossible."""

    def run(self) -> None:
        try:
            super().run()
        except Exception as exc:  # noqa: BLE001 - any build failure means: stay pure
            print(f"siamex: compiling the engine failed ({exc}); using pure Python",
                  file=sys.stderr)

    def build_extension(self, ext: object) -> None:
        try:
            super().build_extension(ext)  # type: ignore[arg-type]
        except Exception as exc:  # noqa: BLE001
            print(f"siamex: compiling {getattr(ext, 'name', ext)} failed ({exc}); "
                  "using pure Python", file=sys.stderr)


def _extensions() -> list[object]:
    if os.environ.get("SIAMEX_PURE") == "1":
        return []
    try:
        from mypyc.build import mypycify
    except ImportError:
        return []
    return list(mypycify(COMPILED, opt_level="3"))


setup(ext_modules=_extensions(), cmdclass={"build_ext": OptionalBuildExt})
