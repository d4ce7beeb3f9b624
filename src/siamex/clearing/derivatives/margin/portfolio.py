"""One portfolio's margin from a mapping of symbols to net contracts: for a report, a check or
a test, on the same path as a run over millions (requirement.py)."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

import numpy as np

from siamex.clearing.derivatives.margin.breakdown import MarginBreakdown
from siamex.clearing.derivatives.margin.requirement import MarginPositions, margin_requirements
from siamex.clearing.derivatives.margin.risk_arrays import RiskArrays, risk_arrays
from siamex.clearing.derivatives.margin.series import MarginSeries
from siamex.errors import ErrorCode, SiamexError
from siamex.rulebook.margin import MarginTable

__all__ = ["portfolio_margin"]


def portfolio_margin(positions: Mapping[str, int],
                     series: Sequence[MarginSeries] | RiskArrays, table: MarginTable, *,
                     super_products: Collection[str] = frozenset(), uncovered: int = 0,
                     unsettled_mtm: int = 0) -> MarginBreakdown:
    """The margin of one portfolio holding `positions` (symbol -> net contracts, a short
    below 0). `series` are the run's series, or their risk arrays already built (with this
    table); a symbol not among them is refused with MARGIN_FILE."""
    arrays = series if isinstance(series, RiskArrays) else risk_arrays(series, table)
    index = {one.symbol: i for i, one in enumerate(arrays.series)}
    unknown = sorted(set(positions) - set(index))
    if unknown:
        raise SiamexError(ErrorCode.MARGIN_FILE, f"cannot margin {', '.join(unknown)}: not "
                          "among the series given")
    symbols = list(positions)
    columns = margin_requirements(
        MarginPositions(np.zeros(len(symbols), np.int64),
                        np.array([index[s] for s in symbols], np.int64),
                        np.array([positions[s] for s in symbols], np.int64)),
        arrays, portfolios=1, super_products=super_products,
        uncovered=np.array([uncovered], np.int64),
        unsettled_mtm=np.array([unsettled_mtm], np.int64))
    return columns.breakdown(0)
