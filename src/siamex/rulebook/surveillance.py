"""The thresholds of the post-trade surveillance alerts, named, with defaults, meaning and source.

Pillar 3 for `siamex surveil` (docs/surveillance.md): each alert rule reads its numbers from
`SurveillanceRules`, never a literal, and `--set name=value` overrides one by its name. SET
publishes the patterns it watches (S-14MEASURES: orders that push the price, layering, wash
trades, marking the close, split orders) but not the thresholds, so every default here is
inferred ("[I]"), chosen so that a clean generated day raises few alerts while each planted
pattern is found (the rates are measured by `siamex bench surveil`). The pre-trade screening's
own three numbers (screen_price_pct, screen_cancel_limit, screen_cancel_seconds) belong to the
trading day and live in the trading rulebook with its `order_screening` switch.
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from typing import Any

from siamex.rulebook.parameters import Parameter, read_overrides
from siamex.rulebook.values import Reader, integer, names, percent
from siamex.units import InvalidValue

__all__ = ["ALERT_RULES", "DEFAULT_SURVEILLANCE_RULES", "SURVEILLANCE_PARAMETERS",
           "SurveillanceRules"]

ALERT_RULES = ("push", "layering", "wash", "close", "split")
"""The alert rules, in the order a report lists alerts that start at the same instant."""

_SOURCE = "S-14MEASURES; docs/surveillance.md [I]"
_SECONDS = integer(1, 86_400)  # up to a whole day
_ORDERS = integer(1, 10_000)
_SHARES = integer(1, 1_000_000_000)


def _alert_rules(value: Any, name: str) -> frozenset[str]:
    chosen: frozenset[str] = names(value, name)
    unknown = sorted(chosen - set(ALERT_RULES))
    if unknown:
        raise InvalidValue(f"{name}: no alert rule named {', '.join(unknown)} "
                           f"(the rules: {', '.join(ALERT_RULES)})")
    return chosen


SURVEILLANCE_PARAMETERS: tuple[Parameter, ...] = (
    Parameter("alert_rules", list(ALERT_RULES), "rules",
              "The alert rules that run; leave one out to turn it off.",
              _SOURCE, Reader(_alert_rules, "a list of " + ", ".join(ALERT_RULES))),
    Parameter("push_move_pct", 3, "%",
              "Push: an investor's aggressive trades moved the price at least this far, from "
              "the last price before its first one in the window to its last one, in the "
              "direction it traded.",
              _SOURCE, percent(0, 100)),
    Parameter("push_min_orders", 2, "orders",
              "Push: ... by at least this many aggressive orders (one order sweeping a thin "
              "book is the screening's concern, not a push).",
              _SOURCE, _ORDERS),
    Parameter("push_window_seconds", 300, "seconds",
              "Push: the longest time from the first to the last of those aggressive trades.",
              _SOURCE, _SECONDS),
    Parameter("push_share_pct", 50, "% of volume",
              "Push: ... and they were at least this share of the security's main-board "
              "volume from the first to the last of them.",
              _SOURCE, percent(0, 100)),
    Parameter("layering_min_orders", 3, "orders",
              "Layering: at least this many orders of an investor on one side of a security, "
              "each cancelled unfilled, alive while it traded on the other side.",
              _SOURCE, _ORDERS),
    Parameter("layering_seconds", 60, "seconds",
              "Layering: an order counts when the investor cancelled it at most this long "
              "after entering it.",
              _SOURCE, _SECONDS),
    Parameter("wash_min_qty", 1, "shares",
              "Wash: trades of one investor with itself at one instant in one security are "
              "reported when together at least this many shares.",
              _SOURCE, _SHARES),
    Parameter("close_move_pct", 2, "%",
              "Marking the close: the closing auction's price lies at least this far from its "
              "reference (the last continuous price, else the previous close).",
              _SOURCE, percent(0, 100)),
    Parameter("close_share_pct", 50, "% of volume",
              "Marking the close: an investor's orders entered or changed in the pre-close "
              "filled at least this share of the closing auction's volume on the side the "
              "price moved to.",
              _SOURCE, percent(0, 100)),
    Parameter("split_min_orders", 5, "orders",
              "Split orders: at least this many orders of an investor, one side and security, "
              "within split_seconds ...",
              _SOURCE, _ORDERS),
    Parameter("split_seconds", 60, "seconds",
              "Split orders: ... from the first to the last of them ...",
              _SOURCE, _SECONDS),
    Parameter("split_max_order_qty", 1_000, "shares",
              "Split orders: ... each for at most this many shares ...",
              _SOURCE, _SHARES),
    Parameter("split_min_total_qty", 5_000, "shares",
              "Split orders: ... together for at least this many shares.",
              _SOURCE, _SHARES),
)


class SurveillanceRules:
    """The alert rules' thresholds in core form (percentages as `Fraction`), read as
    attributes."""

    alert_rules: frozenset[str]
    push_move_pct: Fraction
    push_min_orders: int
    push_window_seconds: int
    push_share_pct: Fraction
    layering_min_orders: int
    layering_seconds: int
    wash_min_qty: int
    close_move_pct: Fraction
    close_share_pct: Fraction
    split_min_orders: int
    split_seconds: int
    split_max_order_qty: int
    split_min_total_qty: int

    def __init__(self, overrides: Mapping[str, Any] | None = None) -> None:
        self.overrides: dict[str, Any] = dict(overrides or {})
        for name, value in read_overrides(SURVEILLANCE_PARAMETERS, self.overrides,
                                          "surveillance").items():
            setattr(self, name, value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SurveillanceRules) and self.overrides == other.overrides

    def __hash__(self) -> int:
        return hash(tuple(sorted((k, repr(v)) for k, v in self.overrides.items())))


DEFAULT_SURVEILLANCE_RULES = SurveillanceRules()
