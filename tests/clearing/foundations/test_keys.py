"""Posting keys and document names: a tuple of ids written as one string, never two tuples to
one key (issue 9: member `A:deposit:r1` and member `A` with reference `r1:deposit:r2`)."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from siamex.clearing.foundations.keys import account_parts, key, parts, prefix
from siamex.clearing.foundations.ledger import CASH, SECURITIES, THB, Account, AccountType

# Text rich in the characters the scheme escapes, and in look-alikes of their escapes.
_component = st.text(alphabet=st.sampled_from(":%3A25a-ü"), max_size=6) | st.text(max_size=4)
_components = st.lists(_component, min_size=1, max_size=5).map(tuple)


@given(_components, _components)
def test_distinct_component_tuples_never_share_a_key(one: tuple[str, ...],
                                                     other: tuple[str, ...]) -> None:
    assert (key(*one) == key(*other)) == (one == other)


@given(_components)
def test_a_key_reads_back_into_its_components(components: tuple[str, ...]) -> None:
    assert parts(key(*components)) == components


@given(_components, _components)
def test_a_prefix_matches_exactly_the_keys_that_begin_with_its_components(
        start: tuple[str, ...], components: tuple[str, ...]) -> None:
    begins = len(components) > len(start) and components[:len(start)] == start
    assert key(*components).startswith(prefix(*start)) == begins


def test_the_issues_two_deposits_have_two_keys() -> None:
    day = dt.date(2021, 3, 3)
    first = key("risk-collateral", day, "A:deposit:r1", "deposit", "r2")
    second = key("risk-collateral", day, "A", "deposit", "r1:deposit:r2")
    assert first != second
    assert first == "risk-collateral:2021-03-03:A%3Adeposit%3Ar1:deposit:r2"


def test_ids_without_a_colon_or_percent_read_as_they_are() -> None:
    account = Account("M1", SECURITIES, AccountType.CLIENT, "PTT-F")
    assert key("settle", dt.date(2021, 4, 12), "r1", "deliver", *account_parts(account)) == \
        "settle:2021-04-12:r1:deliver:M1:securities:client:PTT-F"
    assert account_parts(Account("M1", CASH, None, THB)) == ("M1", "cash", "-", "THB")
