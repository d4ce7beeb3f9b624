"""The final settlement prices of the series expiring on a day, from the instructions'
inputs per underlying, by the rule of the product (clearing-spec.md 4.1).

Why per underlying: SET50 futures and options expire against one SET50 final price, so the
inputs are given once per underlying and the rule is the futures product's on it. An option
then settles at its intrinsic value against that price, which is also its last settlement
price.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from siamex.clearing.derivatives.fills import MAX_PRICE
from siamex.clearing.derivatives.final_prices import (
    TooFewValues,
    gold_final_price,
    option_intrinsic,
    reference_rate_final_price,
    set50_final_price,
)
from siamex.clearing.derivatives.instructions import FinalInputs
from siamex.clearing.derivatives.universe import Universe
from siamex.errors import ErrorCode, SiamexError
from siamex.rulebook.products import FinalSettlement, Product, ProductKind, ProductTable
from siamex.units import InvalidValue, format_price, parse_price

__all__ = ["Finals", "final_prices"]


@dataclass(frozen=True)
class Finals:
    """Each expiring series' final settlement price (an option's: its intrinsic value), and
    for an expiring option its underlying's final price."""

    settlement: dict[str, int]
    underlying: dict[str, int]


def _refuse(underlying: str, why: str) -> SiamexError:
    return SiamexError(ErrorCode.INSTRUCTIONS_FILE, f"final_settlement[{underlying}]: {why}")


def _price(underlying: str, text: str) -> int:
    try:
        return parse_price(text)
    except InvalidValue as exc:
        raise _refuse(underlying, str(exc)) from None


def _rule_product(product: Product, products: ProductTable) -> Product:
    """The futures product whose rule prices an underlying; an option's own if none."""
    if product.kind is ProductKind.FUTURE:
        return product
    return next((p for p in products.values() if p.kind is ProductKind.FUTURE
                 and p.underlying == product.underlying), product)


def _underlying_price(product: Product, inputs: FinalInputs | None) -> int:
    price = _computed_price(product, inputs)
    if price > MAX_PRICE:  # decision 101: what marking's int64 sums hold, as a trade's price
        raise _refuse(product.underlying, f"the final price {format_price(price)} is above "
                                          f"{MAX_PRICE // 100:,}")
    return price


def _computed_price(product: Product, inputs: FinalInputs | None) -> int:
    underlying = product.underlying
    if inputs is None:
        raise _refuse(underlying, "a series on it expires today: give its final settlement "
                                  "inputs or its price")
    if inputs.price is not None:
        return _price(underlying, inputs.price)
    rule = product.final_settlement
    try:
        if rule in (FinalSettlement.INDEX_TRIMMED_AVERAGE, FinalSettlement.OPTION_INTRINSIC,
                    FinalSettlement.UNDERLYING_TRIMMED_AVERAGE) and inputs.close is not None:
            return set50_final_price([_price(underlying, v) for v in inputs.values],
                                     _price(underlying, inputs.close))
        if rule is FinalSettlement.REFERENCE_RATE and inputs.rate is not None:
            return reference_rate_final_price(inputs.rate, product.tick)
        if (rule is FinalSettlement.GOLD_FORMULA and inputs.gold_usd is not None
                and inputs.thb_per_usd is not None):
            return gold_final_price(inputs.gold_usd, inputs.thb_per_usd, product.tick)
    except TooFewValues as exc:
        raise _refuse(underlying, str(exc)) from None
    raise _refuse(underlying, f"the {rule.value} rule needs its inputs (docs/derivatives.md)")


def final_prices(universe: Universe, inputs: Mapping[str, FinalInputs],
                 products: ProductTable) -> Finals:
    """The final prices of the day's expiring series; refused, naming the underlying, when
    an input they need is missing."""
    by_underlying: dict[str, int] = {}
    settlement, underlying = {}, {}
    for symbol in universe.expired():
        i = universe.index[symbol]
        series, product = universe.series[i], universe.products[i]
        rule = _rule_product(product, products)
        if product.underlying not in by_underlying:
            by_underlying[product.underlying] = _underlying_price(
                rule, inputs.get(product.underlying))
        price = by_underlying[product.underlying]
        if product.kind is ProductKind.FUTURE:
            settlement[symbol] = price
        else:
            underlying[symbol] = price
            settlement[symbol] = option_intrinsic(series.kind, series.strike or 0, price)
    return Finals(settlement, underlying)
