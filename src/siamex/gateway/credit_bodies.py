"""The credit data exchange's request body and answers: JSON in, the journaled `CreditLine`
out, with every personal datum turned into its keyed hash on the way (docs/credit-data.md).

A member's report names its client by national id and each collateral item by its reference,
as the member's own books do; the body is read strictly (unknown fields, wrong types, money
that is not a decimal string, an unknown kind or more than MAX_COLLATERAL items are refused),
then the national id becomes the investor's pseudonym and each reference its asset hash under
the exchange's key (decision 179). Neither is ever journaled, kept or repeated in an error.

Decisions (182): money is baht as a decimal string ("5000000.00", at most 14 whole digits,
as a credit limit), never a JSON number; a line may be 0 (withdrawn, with no collateral), a
collateral value may not; what the registry would refuse is refused here first, as a 400,
so that a member's mistake is never journaled.
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec

from siamex.errors import SiamexError
from siamex.gateway.audit import bangkok_instant
from siamex.gateway.operations_bodies import MONEY_DIGITS, BadRequest
from siamex.measures.credit import MAX_COLLATERAL, CreditAggregate, DoublePledge, asset_ref
from siamex.measures.credit_commands import Collateral, CollateralKind, CreditLine
from siamex.measures.investors import pseudonym
from siamex.units import InvalidValue, format_price, parse_price

__all__ = ["CollateralBody", "CreditLineBody", "credit_command", "double_pledges_json",
           "exposure_json"]

_NationalId = Annotated[str, msgspec.Meta(
    pattern=r"^[0-9]{13}$", examples=["1101700203451"],
    description="the client's Thai national id, 13 digits with its check digit; the exchange "
                "keeps only its pseudonym")]
_Reference = Annotated[str, msgspec.Meta(
    min_length=1, max_length=200, examples=["KBANK 123-4-56789-0"],
    description="what identifies the asset in the member's books (an account, a title deed, "
                "an ISIN and holder...); spaces, punctuation and case are ignored, and the "
                "exchange keeps only its keyed hash")]
_Money = Annotated[str, msgspec.Meta(
    pattern=r"^(0|[1-9][0-9]{0,13})(\.[0-9]{1,2})?$", examples=["5000000.00"],
    description="baht as a decimal string, at most 14 whole digits and 2 places")]


class CollateralBody(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """One item pledged behind the line, as the member's books name it."""

    kind: CollateralKind
    reference: _Reference
    value: _Money


class CreditLineBody(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """The line a member gives one client account, and what backs it; a line of "0"
    withdraws it and has no collateral."""

    national_id: _NationalId
    line: _Money
    collateral: Annotated[tuple[CollateralBody, ...],
                          msgspec.Meta(max_length=MAX_COLLATERAL)] = ()


def _satang(name: str, text: str) -> int:
    try:
        return parse_price(text, MONEY_DIGITS)
    except InvalidValue as exc:
        raise BadRequest(f"{name}: {exc}") from None


def _collateral(key: bytes, items: tuple[CollateralBody, ...]) -> tuple[Collateral, ...]:
    found: list[Collateral] = []
    seen: dict[tuple[CollateralKind, str], int] = {}
    for n, item in enumerate(items):
        value = _satang(f"collateral[{n}].value", item.value)
        if value <= 0:
            raise BadRequest(f"collateral[{n}].value: must be more than 0")
        try:
            asset = asset_ref(key, item.kind, item.reference)
        except SiamexError as exc:
            raise BadRequest(f"collateral[{n}].reference: {exc.message}") from None
        first = seen.setdefault((item.kind, asset), n)
        if first != n:
            raise BadRequest(f"collateral[{n}] is the same asset as collateral[{first}]")
        found.append(Collateral(item.kind, asset, value))
    return tuple(found)


def credit_command(body: CreditLineBody, key: bytes, member: str, account: str) -> CreditLine:
    """The journaled report a body asks for (the sequencer stamps the time), or BadRequest."""
    line = _satang("line", body.line)
    if line == 0 and body.collateral:  # decision 177: a withdrawn line holds no collateral
        raise BadRequest("collateral: a line of 0 withdraws the line and has none")
    try:
        investor = pseudonym(key, body.national_id)
    except ValueError:  # its text never repeats the id
        raise BadRequest("national_id: not a Thai national id (13 digits ending in their "
                         "check digit)") from None
    return CreditLine(0, member, account, investor, line, _collateral(key, body.collateral))


def exposure_json(account: str, aggregate: CreditAggregate) -> dict[str, Any]:
    """An investor's aggregate as the member asking about its account sees it."""
    return {"account": account, "investor": aggregate.investor,
            "own_lines": format_price(aggregate.own_lines),
            "own_collateral": format_price(aggregate.own_collateral),
            "other_members": aggregate.other_members,
            "other_lines": format_price(aggregate.other_lines),
            "other_collateral": format_price(aggregate.other_collateral),
            "double_pledged": aggregate.double_pledged,
            "own_double_pledged": aggregate.own_double_pledged}


def double_pledges_json(found: list[DoublePledge]) -> dict[str, Any]:
    """Every asset pledged twice or more, with the lines it backs, for an operator."""
    return {"double_pledges": [
        {"kind": d.kind.value, "asset": d.asset, "pledges": [
            {"member": p.member, "account": p.account, "investor": p.investor,
             "line": format_price(p.line), "value": format_price(p.value),
             "reported": bangkok_instant(p.ts)}
            for p in d.pledges]}
        for d in found]}
