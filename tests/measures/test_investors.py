"""Investors: a stable pseudonym per person, never the national id, and one investor per account."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from siamex.measures.investors import (
    INVESTOR_ID,
    InvalidNationalId,
    InvestorConflict,
    Investors,
    pseudonym,
    valid_national_id,
)

KEY = b"the exchange's secret"


def with_check_digit(first_twelve: str) -> str:
    """A national id: twelve digits and the mod-11 check digit computed independently."""
    weights = range(13, 1, -1)
    total = sum(int(d) * w for d, w in zip(first_twelve, weights, strict=True))
    return first_twelve + str((11 - total % 11) % 10)


VALID = with_check_digit("110170020345")  # 1101700203450


def test_the_check_digit_is_the_mod_11_of_the_weighted_digits() -> None:
    assert VALID == "1101700203450"
    assert valid_national_id(VALID)
    assert not valid_national_id("1101700203451")  # one off in the check digit
    assert not valid_national_id("110170020345")  # 12 digits
    assert not valid_national_id("11017002034500")  # 14 digits
    assert not valid_national_id("1101700203450\n")
    assert not valid_national_id("١١٠١٧٠٠٢٠٣٤٥٠")  # Arabic-Indic digits are not ASCII digits
    assert not valid_national_id("1-1017-00203-45-0")


@given(st.text(alphabet="0123456789", min_size=12, max_size=12), st.integers(1, 9))
@settings(max_examples=200, deadline=None)
def test_every_other_check_digit_is_refused(first_twelve: str, off: int) -> None:
    good = with_check_digit(first_twelve)
    bad = first_twelve + str((int(good[-1]) + off) % 10)
    assert valid_national_id(good)
    assert not valid_national_id(bad)


def test_a_pseudonym_is_stable_keyed_and_free_of_the_id() -> None:
    name = pseudonym(KEY, VALID)
    assert name == pseudonym(KEY, VALID)
    assert INVESTOR_ID.fullmatch(name)
    assert VALID not in name
    assert pseudonym(b"another key", VALID) != name
    assert pseudonym(KEY, with_check_digit("310170020345")) != name


def test_a_bad_national_id_is_refused_without_repeating_it() -> None:
    with pytest.raises(InvalidNationalId) as caught:
        pseudonym(KEY, "1101700203451")
    assert "1101700203451" not in str(caught.value)
    assert "check digit" in str(caught.value)


def test_a_pseudonym_needs_a_key() -> None:
    with pytest.raises(ValueError, match="key is empty"):
        pseudonym(b"", VALID)


def test_an_unlinked_account_is_its_own_investor() -> None:
    investors = Investors([("INV-1", "M1", "A1")])
    assert investors.investor_of("M1", "A1") == "INV-1"
    assert investors.investor_of("M1", "A2") == "M1/A2"
    assert investors.accounts_of("M1/A2") == ()


def test_an_investor_holds_its_accounts_across_members() -> None:
    investors = Investors([("INV-1", "M2", "B7"), ("INV-1", "M1", "A1"), ("INV-2", "M1", "A2")])
    assert investors.accounts_of("INV-1") == (("M1", "A1"), ("M2", "B7"))
    assert investors.investor_of("M2", "B7") == investors.investor_of("M1", "A1")
    assert len(investors) == 2
    assert investors.links() == [("INV-1", "M1", "A1"), ("INV-1", "M2", "B7"),
                                 ("INV-2", "M1", "A2")]


def test_an_account_linked_to_two_investors_is_refused() -> None:
    investors = Investors([("INV-1", "M1", "A1")])
    investors.link("INV-1", "M1", "A1")  # the same link again changes nothing
    with pytest.raises(InvestorConflict, match="M1/A1 is already linked"):
        investors.link("INV-2", "M1", "A1")
    assert investors.investor_of("M1", "A1") == "INV-1"
    assert investors.accounts_of("INV-2") == ()
