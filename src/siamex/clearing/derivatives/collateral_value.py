"""What TFEX collateral is worth on a day: each asset's kind, eligibility and haircut, and its
value after haircut at the day's quotes (clearing-spec.md 4.8).

Why apart from the ledger: the value is a pure function of the day's market data and the
rulebook's table, and the book, the request answers and the tests all ask it. Quantities are
integers in the asset's own unit: satang for THB, hundredths of the unit for a foreign currency,
whole shares and bond units. A holding is valued exactly, `quantity x price x (1 - h)`, and
rounded down to the satang once (decision 128): collateral is never over-valued.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction

from siamex.clearing.foundations.ledger import THB
from siamex.errors import ErrorCode, SiamexError
from siamex.rulebook.derivatives_collateral import (
    DEFAULT_COLLATERAL_TERMS,
    AssetKind,
    CollateralTerms,
)

__all__ = ["NO_QUOTES", "AssetValue", "BondQuote", "CollateralQuotes", "CollateralValuer"]

_SATANG_PER_BAHT = 100


@dataclass(frozen=True, slots=True)
class BondQuote:
    """A bond's kind (Thai government or BOT) and its price in THB per unit."""

    kind: AssetKind
    price: Fraction


@dataclass(frozen=True, slots=True)
class CollateralQuotes:
    """The day's market data for collateral: THB per unit of each foreign currency, THB per
    share, each bond's kind and price, and haircuts (percent) set for the day over the table's.
    """

    fx_rates: Mapping[str, Fraction] = field(default_factory=dict)
    shares: Mapping[str, Fraction] = field(default_factory=dict)
    bonds: Mapping[str, BondQuote] = field(default_factory=dict)
    haircuts: Mapping[str, Fraction] = field(default_factory=dict)


NO_QUOTES = CollateralQuotes()


@dataclass(frozen=True, slots=True)
class AssetValue:
    """How one asset is valued today: its kind, satang per unit of quantity before haircut,
    its haircut in percent, and whether TCH takes it (a quoted asset may not be eligible)."""

    asset: str
    kind: AssetKind
    unit_value: Fraction
    haircut_pct: Fraction
    eligible: bool

    def value(self, quantity: int) -> int:
        """A holding's value after haircut in satang; an ineligible one counts nothing."""
        if not self.eligible:
            return 0
        # 4.8: value x (1 - h); decision 128: rounded down to the satang
        return math.floor(quantity * self.unit_value * (100 - self.haircut_pct) / 100)


class CollateralValuer:
    """Values assets at one day's quotes under the rulebook's table."""

    def __init__(self, quotes: CollateralQuotes, eligible_shares: frozenset[str],
                 terms: CollateralTerms = DEFAULT_COLLATERAL_TERMS) -> None:
        self.quotes = quotes
        self.eligible_shares = eligible_shares
        self.terms = terms

    def is_cash(self, asset: str) -> bool:
        """Whether the asset is cash (THB or a currency), which the cash windows apply to."""
        return asset == THB or asset in self.terms.currencies or asset in self.quotes.fx_rates

    def _haircut(self, kind: AssetKind, asset: str) -> Fraction:
        return self.quotes.haircuts.get(asset, self.terms.haircut(kind, asset))

    def _quoted(self, asset: str, kind: AssetKind, unit_value: Fraction,
                eligible: bool) -> AssetValue:
        return AssetValue(asset, kind, unit_value, self._haircut(kind, asset), eligible)

    def priced(self, asset: str) -> AssetValue | None:
        """The asset's valuation today; None when the day's quotes do not price it."""
        q = self.quotes
        if asset == THB:
            return self._quoted(asset, AssetKind.CASH_THB, Fraction(1), True)
        if asset in q.fx_rates:
            # a hundredth of the unit at `rate` THB per unit is `rate` satang
            return self._quoted(asset, AssetKind.CASH_FCY, q.fx_rates[asset],
                                asset in self.terms.currencies)
        if asset in q.bonds:
            bond = q.bonds[asset]
            return self._quoted(asset, bond.kind, bond.price * _SATANG_PER_BAHT, True)
        if asset in q.shares:
            return self._quoted(asset, AssetKind.SSF_SHARE, q.shares[asset] * _SATANG_PER_BAHT,
                                asset in self.eligible_shares)
        return None

    def eligible(self, asset: str) -> AssetValue:
        """The valuation of an asset TCH may take today; INELIGIBLE_COLLATERAL otherwise."""
        priced = self.priced(asset)
        if priced is None:
            raise SiamexError(ErrorCode.INELIGIBLE_COLLATERAL,
                              f"{asset} has no quote today: it cannot be taken as collateral "
                              "(4.8)")
        if not priced.eligible:
            why = ("is not the underlying of a listed single-stock future"
                   if priced.kind is AssetKind.SSF_SHARE else
                   "is not a currency TCH takes")
            raise SiamexError(ErrorCode.INELIGIBLE_COLLATERAL,
                              f"{asset} {why}: not eligible collateral (4.8)")
        return priced

    def held(self, member: str, asset: str) -> AssetValue:
        """The valuation of an asset a member holds: it must be quoted (a fault of the day's
        quotes otherwise, COLLATERAL_FILE); one no longer eligible counts nothing."""
        priced = self.priced(asset)
        if priced is None:
            raise SiamexError(ErrorCode.COLLATERAL_FILE,
                              f"quotes: {member} holds {asset} as derivatives collateral and the "
                              "day's quotes do not price it")
        return priced

    def value(self, member: str, holdings: Mapping[str, int]) -> int:
        """A member's holdings' value after haircut, each asset rounded down on its own."""
        return sum(self.held(member, asset).value(qty) for asset, qty in holdings.items() if qty)
