"""The measures as `siamex serve` holds them: the depository opens once, from one journaled
command, all or nothing (decision 184); the state round-trips, and anything else is refused
MEASURES_STATE."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from siamex.errors import ErrorCode, SiamexError
from siamex.measures.depository import Holding
from siamex.measures.live import InvestorLink, LiveMeasures, OpenDepository
from siamex.trading.engine import Engine

OPENING = OpenDepository(0, "2026-12-01", (Holding("M1", "A1", "PTT", settled=1000,
                                                   pledged=200),),
                         (InvestorLink("INV-1", "M1", "A1"), InvestorLink("INV-1", "M2", "B1")))


def test_the_depository_opens_its_balances_and_links() -> None:
    measures = LiveMeasures()
    assert measures.open(OPENING) is None
    assert measures.opened == "2026-12-01"
    assert measures.available("M1", "A1", "PTT") == 800
    assert measures.investors.investor_of("M2", "B1") == "INV-1"


def test_the_depository_opens_once() -> None:
    measures = LiveMeasures()
    measures.open(OPENING)
    assert measures.open(OPENING) == "the depository opened on 2026-12-01 already"
    assert measures.available("M1", "A1", "PTT") == 800


def test_an_account_linked_to_two_investors_opens_nothing() -> None:
    measures = LiveMeasures()
    twice = OpenDepository(0, "2026-12-01", OPENING.holdings,
                           (InvestorLink("INV-1", "M1", "A1"), InvestorLink("INV-2", "M1", "A1")))
    assert measures.open(twice) == "account M1/A1 is linked to two investors"
    assert measures.opened is None and measures.available("M1", "A1", "PTT") == 0


def test_the_state_round_trips() -> None:
    measures, engine = LiveMeasures(), Engine()
    measures.attach(engine)
    measures.open(OPENING)
    again, twin = LiveMeasures.from_state(measures.state(engine)), Engine()
    again.attach(twin)
    assert twin.holdings is again.holdings and twin.screen is again.screening
    assert again.state(twin) == measures.state(engine)
    assert again.available("M1", "A1", "PTT") == 800


_GARBAGE = st.one_of(
    st.none(), st.integers(), st.text(), st.lists(st.integers()),
    st.dictionaries(st.sampled_from(["opened", "investors", "screening", "positions",
                                         "holdings"]),
                    st.one_of(st.none(), st.integers(), st.lists(st.text()))),
    st.fixed_dictionaries({"opened": st.none(), "investors": st.just([]),
                           "screening": st.integers(), "positions": st.none(),
                           "holdings": st.none()}))


@given(_GARBAGE)
def test_anything_but_a_state_is_refused(data: Any) -> None:
    with pytest.raises(SiamexError) as refused:
        LiveMeasures.from_state(data)
    assert refused.value.code is ErrorCode.MEASURES_STATE
