"""The derivatives clearing fund contribution, assessed monthly per member (clearing-spec.md
4.9 [S004], E16, decision C9).

A member's risk to the fund is weighed against what it already brings to it:

    Risk_m = w_MR * avgMR_m + w_V * avgDailyContracts_m * v_unit
    Own_m  = CF_m + CF_m * Reserve / sum_j CF_j + CF_m * SET_CF / sum_j CF_j
    due_m  = 0 if Risk_m <= Own_m, else max(1,000 THB, x*)

Own resources are the member's contribution and its pro rata shares of the SET Reserve Fund
and of SET's contribution to the fund. x* is, in the `simple` variant TCH is taken to use
(C9), Risk_m - Own_m. The `fixed_point` variant counts that the member's shares grow with
what it pays in: it solves (CF_m + x)(1 + (Reserve + SET_CF)/(sum_j CF_j + x)) = Risk_m, a
quadratic solved exactly in integers (decision 127). Amounts are satang; the terms of a
month come from a fund file (JSON, FUND_FILE on any fault), the members' month of end-of-day
requirements and volumes from the clearing days.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction
from pathlib import Path

import msgspec

from siamex.clearing.foundations.money import InvalidAmount, parse_baht, round_half_up
from siamex.errors import ErrorCode, SiamexError, read_input
from siamex.rulebook.calendar import CALENDAR_FIRST, CALENDAR_LAST, is_trading_day
from siamex.rulebook.values import decimal
from siamex.units import is_text, shown

__all__ = [
    "MINIMUM_CONTRIBUTION",
    "FundTerms",
    "FundVariant",
    "MemberActivity",
    "MemberContribution",
    "OwnResources",
    "assess_fund",
    "contribution_due",
    "fixed_point_contribution",
    "load_fund_file",
    "month_business_days",
    "own_resources",
    "read_fund_file",
    "risk_amount",
]

MINIMUM_CONTRIBUTION = 100_000
"""The least a member that must contribute pays: 1,000 THB in satang (4.9 [S004])."""

_MONTH = re.compile(r"([0-9]{4})-([0-9]{2})\Z")
_MAX_WEIGHT = 1_000
_MAX_NAME = 32


class FundVariant(StrEnum):
    """How the contribution x* is solved (4.9; TCH's is not public, C9 takes `simple`)."""

    SIMPLE = "simple"
    FIXED_POINT = "fixed_point"


@dataclass(frozen=True, slots=True)
class FundTerms:
    """A month's assessment terms: the pooled funds, the risk weights and the members'
    current contributions (satang). `month` is the month's first day; `v_unit` the satang a
    contract of daily volume weighs; the weights are exact."""

    month: dt.date
    reserve: int
    set_contribution: int
    margin_weight: Fraction
    volume_weight: Fraction
    v_unit: int
    contributions: Mapping[str, int]
    variant: FundVariant = FundVariant.SIMPLE


@dataclass(frozen=True, slots=True)
class MemberActivity:
    """A member's month: its end-of-day margin requirement (satang) and the contracts it
    cleared (bought plus sold) on each business day it had any."""

    requirements: Mapping[dt.date, int]
    contracts: Mapping[dt.date, int]


@dataclass(frozen=True, slots=True)
class OwnResources:
    """A member's own resources in the fund (4.9): its contribution and its shares of the
    SET Reserve Fund and of SET's contribution, each share rounded half up (C3)."""

    contribution: int
    reserve_share: int
    set_share: int

    @property
    def total(self) -> int:
        """The three parts together."""
        return self.contribution + self.reserve_share + self.set_share


@dataclass(frozen=True, slots=True)
class MemberContribution:
    """One member's assessment: its averages, risk, own resources and the contribution due
    (0 when its own resources cover its risk), in satang."""

    member: str
    average_requirement: int
    average_contracts: Fraction
    risk: int
    own: OwnResources
    due: int
    variant: FundVariant


def own_resources(contribution: int, total_contributions: int, reserve: int,
                  set_contribution: int) -> OwnResources:
    """Return a member's own resources: shares pro rata to the contributions (4.9); with no
    contributions at all there is nothing to share by, and the shares are 0 (decision 126)."""
    if total_contributions == 0:
        return OwnResources(contribution, 0, 0)
    return OwnResources(
        contribution,
        round_half_up(Fraction(contribution * reserve, total_contributions)),
        round_half_up(Fraction(contribution * set_contribution, total_contributions)))


def risk_amount(average_requirement: Fraction, average_contracts: Fraction,
                terms: FundTerms) -> int:
    """Return Risk_m in satang from a member's exact averages, rounded half up (C3)."""
    return round_half_up(terms.margin_weight * average_requirement
                         + terms.volume_weight * average_contracts * terms.v_unit)


def fixed_point_contribution(risk: int, contribution: int, total_contributions: int,
                             pooled: int) -> int:
    """Return the least satang x with (C + x)(1 + P/(T + x)) >= R: the fixed point of 4.9,
    rounded up to the satang (decision 127); 0 when no contribution is needed.

    Multiplying out by (T + x), x solves x^2 + (T + P + C - R)x + C(T + P) - RT = 0, whose left
    side rises with x, so the wanted root is the larger; it is found with integer square
    roots, so no float ever rounds the answer.
    """
    b = total_contributions + pooled + contribution - risk
    c = contribution * (total_contributions + pooled) - risk * total_contributions
    discriminant = b * b - 4 * c
    root = math.isqrt(discriminant)
    if root * root < discriminant:
        root += 1  # the least integer at or above the square root
    # the least x with 2x + b >= sqrt(discriminant)
    return max(0, -((b - root) // 2))


def contribution_due(risk: int, own: OwnResources, total_contributions: int, pooled: int,
                     variant: FundVariant) -> int:
    """Return what a member must add to the fund: nothing when its own resources cover its
    risk, else at least 1,000 THB (4.9). `pooled` is the Reserve plus SET's contribution."""
    if risk <= own.total:
        return 0
    if variant is FundVariant.SIMPLE:
        needed = risk - own.total  # C9
    else:
        needed = fixed_point_contribution(risk, own.contribution, total_contributions, pooled)
    return max(MINIMUM_CONTRIBUTION, needed)


def month_business_days(month: dt.date) -> tuple[dt.date, ...]:
    """Return the TFEX business days of the month `month` falls in."""
    first = month.replace(day=1)
    after = (first + dt.timedelta(days=32)).replace(day=1)
    days = (first + dt.timedelta(days=n) for n in range((after - first).days))
    return tuple(day for day in days if is_trading_day(day))


def _fund_error(message: str) -> SiamexError:
    return SiamexError(ErrorCode.FUND_FILE, message)


def _average(by_day: Mapping[dt.date, int], days: frozenset[dt.date], what: str) -> Fraction:
    for day, value in by_day.items():
        if day not in days:
            raise _fund_error(f"{what} on {day.isoformat()}, which is not a business day of "
                              "the month assessed")
        if value < 0:
            raise _fund_error(f"{what} on {day.isoformat()} is negative")
    # decision 126: a business day with no record counts 0 (nothing held, nothing cleared)
    return Fraction(sum(by_day.values()), len(days))


def assess_fund(terms: FundTerms, activity: Mapping[str, MemberActivity],
                business_days: Sequence[dt.date]) -> tuple[MemberContribution, ...]:
    """Assess every member of the fund file for the month (4.9), in member order. Averages
    are over `business_days` (month_business_days); a member with no activity has no risk."""
    if not business_days:
        raise _fund_error(f"the month {terms.month:%Y-%m} has no business day to average over")
    days = frozenset(business_days)
    strangers = sorted(set(activity) - set(terms.contributions))
    if strangers:
        raise _fund_error(f"member {shown(strangers[0])} has activity but no contribution in "
                          "the fund file (list it, with 0 if it has none)")
    total = sum(terms.contributions.values())
    pooled = terms.reserve + terms.set_contribution
    idle = MemberActivity({}, {})
    assessed = []
    for member in sorted(terms.contributions):
        month = activity.get(member, idle)
        requirement = _average(month.requirements, days, f"{member}: the requirement")
        contracts = _average(month.contracts, days, f"{member}: the contracts")
        risk = risk_amount(requirement, contracts, terms)
        own = own_resources(terms.contributions[member], total, terms.reserve,
                            terms.set_contribution)
        assessed.append(MemberContribution(
            member, round_half_up(requirement), contracts, risk, own,
            contribution_due(risk, own, total, pooled, terms.variant), terms.variant))
    return tuple(assessed)


class _Weights(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    margin: str
    volume: str


class _FundFile(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    month: str
    reserve: str
    set_contribution: str
    weights: _Weights
    v_unit: str
    members: dict[str, str]
    variant: FundVariant = FundVariant.SIMPLE


def _amount(text: str, what: str) -> int:
    try:
        satang = parse_baht(text)
    except InvalidAmount as exc:
        raise _fund_error(f"{what}: {exc}") from None
    if satang < 0:
        raise _fund_error(f"{what} is never negative, got {shown(text)}")
    return satang


def _weight(text: str, what: str) -> Fraction:
    weight = decimal(text)
    if weight is None or not 0 <= weight <= _MAX_WEIGHT:
        raise _fund_error(f"weights.{what} must be a decimal 0 to {_MAX_WEIGHT:,} written "
                          f"as text (\"0.5\"), got {shown(text)}")
    return weight


def _month(text: str) -> dt.date:
    found = _MONTH.match(text)
    if found is None or not 1 <= int(found.group(2)) <= 12:
        raise _fund_error(f"month {shown(text)} is not 'YYYY-MM'")
    month = dt.date(int(found.group(1)), int(found.group(2)), 1)
    if not CALENDAR_FIRST <= month <= CALENDAR_LAST:
        raise _fund_error(f"month {text} is outside the TFEX calendar, "
                          f"{CALENDAR_FIRST:%Y-%m} to {CALENDAR_LAST:%Y-%m}")
    return month


def _member(name: str) -> str:
    if (not name or len(name) > _MAX_NAME or not name.isprintable() or name != name.strip()
            or not is_text(name)):
        raise _fund_error(f"a member is a printable name of 1 to {_MAX_NAME} characters, got "
                          f"{shown(name)}")
    return name


def read_fund_file(raw: bytes, where: str) -> FundTerms:
    """Read a fund file's JSON text, refused whole with FUND_FILE naming the fault."""
    try:
        parsed = msgspec.json.decode(raw, type=_FundFile)
    except (msgspec.DecodeError, UnicodeDecodeError, RecursionError) as exc:
        reason = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)
        raise _fund_error(f"{where}: not a fund file: {reason} (amounts are text like "
                          "\"5000000.00\")") from None
    try:
        if not parsed.members:
            raise _fund_error("list at least one member in `members`")
        contributions = {_member(name): _amount(text, f"members.{name}")
                         for name, text in parsed.members.items()}
        return FundTerms(
            _month(parsed.month), _amount(parsed.reserve, "reserve"),
            _amount(parsed.set_contribution, "set_contribution"),
            _weight(parsed.weights.margin, "margin"), _weight(parsed.weights.volume, "volume"),
            _amount(parsed.v_unit, "v_unit"), contributions, parsed.variant)
    except SiamexError as exc:
        raise _fund_error(f"{where}: {exc.message}") from None


def load_fund_file(path: Path) -> FundTerms:
    """Read a month's fund file; an unreadable one is FILE_NOT_FOUND."""
    return read_fund_file(read_input(path), str(path))
