"""TCH's clearing-level margin, SPAN-like (clearing-spec.md 4.5, 7.2): the 16 scenarios
(`scenarios`), Black-76 for options (`black76`), the series as margined (`series`), one risk
array per series (`risk_arrays`), the requirement of many portfolios as columns
(`requirement`) and of one, underlying by underlying (`portfolio`, `breakdown`). The
parameters are rulebook data (`siamex.rulebook.margin`); docs/margin.md has the method."""

from siamex.clearing.derivatives.margin.breakdown import (
    MarginBreakdown,
    MarketMargin,
    UnderlyingMargin,
)
from siamex.clearing.derivatives.margin.portfolio import portfolio_margin
from siamex.clearing.derivatives.margin.requirement import (
    MarginColumns,
    MarginPositions,
    MarketColumns,
    UnderlyingColumns,
    margin_requirements,
)
from siamex.clearing.derivatives.margin.risk_arrays import RiskArrays, risk_arrays
from siamex.clearing.derivatives.margin.scenarios import SCENARIO_COUNT, Scenario, scenarios
from siamex.clearing.derivatives.margin.series import MarginSeries, margin_series

__all__ = [
    "SCENARIO_COUNT",
    "MarginBreakdown",
    "MarginColumns",
    "MarginPositions",
    "MarginSeries",
    "MarketColumns",
    "MarketMargin",
    "RiskArrays",
    "Scenario",
    "UnderlyingColumns",
    "UnderlyingMargin",
    "margin_requirements",
    "margin_series",
    "portfolio_margin",
    "risk_arrays",
    "scenarios",
]
