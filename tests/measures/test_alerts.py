"""Surveillance over whole generated days: each planted pattern found by its rule, with its
investor and its orders as evidence; a clean day raises few alerts; the example day raises one
alert per pattern."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from siamex.bench.surveil_day import PATTERNS, GeneratedDay, generate_day
from siamex.measures.alerts import Alert, alert_order
from siamex.measures.depository import load_depository
from siamex.measures.surveillance import Surveillance, surveil, surveil_scenario
from siamex.rulebook.surveillance import ALERT_RULES
from siamex.scenario.loader import load_scenario
from siamex.trading.commands import CancelOrder, NewOrder, StartDay
from siamex.trading.engine import Engine
from siamex.trading.events import Rejected

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "measures"
ORDERS = 6_000


@cache
def _day(seed: int, planted: bool) -> GeneratedDay:
    return generate_day(seed, orders=ORDERS, plant=PATTERNS if planted else ())


@cache
def _surveilled(seed: int, planted: bool) -> Surveillance:
    day = _day(seed, planted)
    engine = Engine()
    return surveil([(c, engine.handle(c)) for c in day.commands], day.investors.investor_of)


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("pattern", PATTERNS)
def test_each_planted_pattern_is_found_by_its_rule_with_its_investor_and_orders(
        seed: int, pattern: str) -> None:
    planted = next(p for p in _day(seed, True).planted if p.rule == pattern)
    found = [a for a in _surveilled(seed, True).alerts
             if a.rule == pattern and a.investor == planted.investor]
    assert len(found) == 1, found
    alert = found[0]
    assert alert.symbol == planted.symbol
    evidence = {o.id for o in alert.orders}
    assert evidence <= set(planted.ids) | {t.sell_id for t in alert.trades} | {
        t.buy_id for t in alert.trades}
    assert evidence & set(planted.ids)
    assert alert.start <= alert.end


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_clean_day_raises_few_alerts(seed: int) -> None:
    result = _surveilled(seed, False)
    assert result.orders > ORDERS * 0.9
    assert len(result.alerts) * 1000 / result.orders < 1  # fewer than one per 1,000 orders
    planted_investors = {p.investor for p in _day(seed, True).planted}
    assert not {a.investor for a in result.alerts} & planted_investors


def test_the_generated_day_is_the_same_for_a_seed_and_every_command_is_valid() -> None:
    day = _day(1, True)
    assert generate_day(1, orders=ORDERS, plant=PATTERNS) == day
    assert generate_day(2, orders=ORDERS).commands != _day(1, False).commands
    start = day.commands[0]
    assert isinstance(start, StartDay) and start.accounts  # program traders on HFT accounts
    engine = Engine()
    refused = [e for c in day.commands for e in engine.handle(c) if isinstance(e, Rejected)]
    assert refused == []
    assert sum(isinstance(c, NewOrder) for c in day.commands) == day.orders
    assert any(isinstance(c, NewOrder) and c.short for c in day.commands)
    assert any(isinstance(c, CancelOrder) for c in day.commands)


def test_planting_needs_a_known_pattern_and_a_security_for_each() -> None:
    with pytest.raises(ValueError, match="no pattern named spoof"):
        generate_day(1, orders=100, plant=("spoof",))
    with pytest.raises(ValueError, match="at least 5 securities"):
        generate_day(1, orders=100, securities=4, plant=("wash",))


def test_alerts_come_in_time_order_then_by_rule() -> None:
    alerts = _surveilled(1, True).alerts
    assert list(alerts) == sorted(alerts, key=alert_order)
    assert [a.date for a in alerts] == ["2026-11-20"] * len(alerts)
    same_start = Alert("wash", "2026-11-20", "A", "I", 5, 5, ""), Alert(
        "push", "2026-11-20", "B", "I", 5, 9, "")
    assert sorted(same_start, key=alert_order)[0].rule == "push"  # ALERT_RULES' order
    assert ALERT_RULES.index("push") < ALERT_RULES.index("wash")


def test_the_example_day_raises_one_alert_per_pattern_each_by_its_investor() -> None:
    scenario = load_scenario(EXAMPLES / "surveillance.json")
    depository = load_depository(EXAMPLES / "surveillance-investors.json")
    result = surveil_scenario(scenario, depository)
    found = {a.rule: (a.symbol, a.investor) for a in result.alerts}
    assert len(result.alerts) == len(found) == 5
    assert found == {
        "push": ("PTT", "INV-7c1e5a90d24b3f68e0a1"),
        "layering": ("AOT", "INV-2b94f0c6a17d85e3b920"),
        "wash": ("KBANK", "INV-e4a03d7b91c2f65d08b3"),
        "close": ("CPALL", "INV-58d2c1f7e06a9b43c1d4"),
        "split": ("BDMS", "INV-a3f6b8e2c0d4175e92f5"),
    }
    assert result.screened == ()


def test_without_the_investors_each_account_is_its_own_investor() -> None:
    result = surveil_scenario(load_scenario(EXAMPLES / "surveillance.json"))
    rules = {a.rule for a in result.alerts}
    assert "wash" not in rules  # W1 at M1 and W2 at M4 are two investors now
    assert "push" in rules and "layering" in rules and "close" in rules
    assert all("/" in a.investor for a in result.alerts)


def test_the_screening_example_refuses_one_order_per_rule() -> None:
    scenario = load_scenario(EXAMPLES / "screening.json")
    result = surveil_scenario(scenario, load_depository(EXAMPLES / "screening-investors.json"))
    refused = {s.order.id: s.refusal.text.split(":")[0] for s in result.screened}
    assert refused == {"w-short": "screened (wash)", "h-over-5pct": "screened (push)",
                       "h-layered": "screened (layering)"}
    assert result.screened[0].investor == "INV-e4a03d7b91c2f65d08b3"


def test_a_run_of_several_days_is_surveilled_day_by_day_with_carried_orders() -> None:
    scenario = load_scenario(EXAMPLES.parent / "multi-day.json")
    result = surveil_scenario(scenario)
    assert result.days == ("2026-12-03", "2026-12-04", "2026-12-08")
    assert result.orders == sum(
        1 for day in scenario.days for item in day.items if isinstance(item.command, NewOrder))
