"""Every number of the clearing house's rules, named, with its default, meaning and source.

The clearing side of design pillar 3: a calculator reads `ClearingRules`, never a literal. The
sources are sections of shared/spec/clearing-spec.md ([S002] is TCH's own service page;
"derived" marks a number the public rules leave open, decided in shared/spec/decisions.md
C1-C9 or here). Amounts are kept in satang, percentages as `Fraction`, times of day in
microseconds.
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from typing import Any, TypeVar

from siamex.clearing.foundations.money import InvalidAmount, parse_baht
from siamex.rulebook.parameters import Parameter, read_overrides
from siamex.rulebook.values import (
    Reader,
    accepts,
    choice,
    integer,
    percent,
    show_price,
    show_time,
    time_of_day,
)
from siamex.units import InvalidValue, format_price, shown

__all__ = ["CLEARING_PARAMETERS", "DEFAULT_CLEARING_RULES", "ClearingRules"]


_MAX_MONEY = 1_000_000_000_000_00  # 1,000,000,000,000.00 THB in satang (decision 70)
_MAX_ROWS = 20  # rows of a table or amounts of a list
_PERCENTS = percent(0, 100)


def _read_money(value: Any, name: str) -> int:
    try:
        amount = parse_baht(str(value) if isinstance(value, int) else value)
    except InvalidAmount as exc:
        raise InvalidValue(f"{name}: {exc}") from None
    if not 0 <= amount <= _MAX_MONEY:
        raise InvalidValue(f"{name} must be 0 to {format_price(_MAX_MONEY)} THB, "
                           f"got {shown(value)}")
    return amount


_money = Reader(_read_money, f"0 to {format_price(_MAX_MONEY)} THB")


def _rows(value: Any, name: str, what: str, least: int = 1) -> list[Any]:
    if not isinstance(value, list | tuple) or not least <= len(value) <= _MAX_ROWS:
        raise InvalidValue(f"{name} must be a list of {least} to {_MAX_ROWS} {what}")
    return list(value)


@accepts(f"1 to {_MAX_ROWS} amounts, each 0 to {format_price(_MAX_MONEY)} THB")
def _amounts(value: Any, name: str) -> tuple[int, ...]:
    return tuple(_money(v, name) for v in _rows(value, name, "amounts"))


@accepts("3 percentages (risk tiers 1, 2, 3), each 0 to 100 %")
def _tier_percents(value: Any, name: str) -> tuple[Fraction, ...]:
    # clearing-spec.md 3.7 [W-6]: one rate per risk tier, and members' tiers are 1 to 3
    if not isinstance(value, list | tuple) or len(value) != 3:
        raise InvalidValue(f"{name} must be a list of 3 percentages, one per risk tier")
    return tuple(_PERCENTS(v, name) for v in value)


@accepts(f"1 to {_MAX_ROWS} rows [from, to] of times 00:00 to 23:59, each ending at or after "
         "its start")
def _windows(value: Any, name: str) -> tuple[tuple[int, int], ...]:
    """Rows of ["HH:MM", "HH:MM"]: the times of day a request is taken, both ends included."""
    rows = []
    for row in _rows(value, name, "[from, to] times"):
        if not isinstance(row, list | tuple) or len(row) != 2:
            raise InvalidValue(f"{name} rows must be [from, to] times")
        start, end = time_of_day(row[0], name), time_of_day(row[1], name)
        if end < start:
            raise InvalidValue(f"{name}: a window ends after it starts")
        rows.append((start, end))
    return tuple(rows)


def _show_windows(value: Any) -> str:
    return ", ".join(f"{show_time(a)}-{show_time(b)}" for a, b in value)


_COUNT = integer(1, 1_000_000_000)


@accepts(f"1 to {_MAX_ROWS} rows [from_count, fee]: counts rising from 1 to at most "
         f"1,000,000,000, fees 0 to {format_price(_MAX_MONEY)} THB")
def _tiers(value: Any, name: str) -> tuple[tuple[int, int], ...]:
    """Rows of [first count of the tier, fee per item], counts rising from 1."""
    rows: list[tuple[int, int]] = []
    for row in _rows(value, name, "[from_count, fee] pairs"):
        if not isinstance(row, list | tuple) or len(row) != 2:
            raise InvalidValue(f"{name} rows must be [from_count, fee] pairs")
        start, fee = _COUNT(row[0], name), _money(row[1], name)
        if rows and start <= rows[-1][0]:
            raise InvalidValue(f"{name}: tiers must rise")
        rows.append((start, fee))
    if rows[0][0] != 1:
        raise InvalidValue(f"{name}: the first tier starts at the first item (1)")
    return tuple(rows)


_DAYS_LATE = integer(0, 366)


@accepts(f"1 to {_MAX_ROWS} rows [days, percent]: days rising, 0 to 366; percentages 0 to "
         "100 %")
def _ladder(value: Any, name: str) -> tuple[tuple[int, Fraction], ...]:
    """Rows of [up to this many business days late, percent of the failed value]."""
    rows: list[tuple[int, Fraction]] = []
    for row in _rows(value, name, "[days, percent] pairs"):
        if not isinstance(row, list | tuple) or len(row) != 2:
            raise InvalidValue(f"{name} rows must be [days, percent] pairs")
        days, pct = _DAYS_LATE(row[0], name), _PERCENTS(row[1], name)
        if rows and days <= rows[-1][0]:
            raise InvalidValue(f"{name}: days must rise")
        rows.append((days, pct))
    return tuple(rows)


CLEARING_PARAMETERS: tuple[Parameter, ...] = (
    Parameter("settlement_cycle_days", 2, "business days",
              "Net settlement date: trade date plus this many SET business days.",
              "clearing-spec.md 3.1 [S002]; decision C1", integer(0, 10)),
    Parameter("gross_min_value", "50000000", "THB",
              "Smallest trade report that may settle gross (trade for trade).",
              "clearing-spec.md 3.1 [S002]", _money, show_price),
    Parameter("clearing_fee_pct", "0.001", "%",
              "Clearing and settlement fee on a member's traded value, per order and side.",
              "clearing-spec.md 3.8 [S002]; decision C3", percent(0, 10)),
    Parameter("clearing_fee_cap", "350", "THB",
              "Most clearing fee charged for one order.",
              "clearing-spec.md 3.8 [S002]", _money, show_price),
    Parameter("monthly_fee_member", "15000", "THB", "Monthly fee of a clearing member.",
              "clearing-spec.md 3.8 [S002]", _money, show_price),
    Parameter("monthly_fee_agent", "7500", "THB", "Monthly fee of a settlement agent.",
              "clearing-spec.md 3.8 [S002]", _money, show_price),
    Parameter("psms_tiers", [[1, "50"], [5001, "45"], [10001, "40"], [15001, "35"]],
              "[from item, THB]",
              "Pre-settlement matching fee per clearing-to-custodian item by its count in the "
              "month.", "clearing-spec.md 3.8 [S002]", _tiers),
    Parameter("psms_tier_mode", "marginal", "rule",
              "marginal: each item priced by the tier its count falls in; slab: every item at "
              "the tier the month's total reaches.", "decision C4 (example E5)",
              choice("marginal", "slab")),
    Parameter("psms_internal_same_client_fee", "0", "THB",
              "Fee per item internalised within an agent for the same client.",
              "clearing-spec.md 3.8 [S002]", _money, show_price),
    Parameter("psms_internal_other_client_fee", "7.50", "THB",
              "Fee per item internalised within an agent between different clients.",
              "clearing-spec.md 3.8 [S002]", _money, show_price),
    Parameter("late_payment_human_fines", ["5000", "10000", "50000"], "THB",
              "Fine for a human-error late payment by its count in the calendar year; the "
              "last applies to every later one.", "clearing-spec.md 3.8 [S002]", _amounts),
    Parameter("late_payment_other_max_multiple", 2, "x unpaid",
              "Ceiling of the fine for a late payment of another cause.",
              "clearing-spec.md 3.8 [S002]", integer(0, 100)),
    Parameter("delivery_fail_human_fines", ["0", "2000", "5000"], "THB per security",
              "Fine for a human-error delivery fail by its count in the calendar year (the "
              "first may be waived: 0); the last applies to every later one.",
              "clearing-spec.md 3.8 [S002]", _amounts),
    Parameter("delivery_fail_ladder", [[1, "0.50"], [2, "0.75"], [3, "1.00"], [4, "1.75"]],
              "[days late, %]",
              "Fine for a delivery fail of another cause, as a share of the failed value, by "
              "business days late; beyond the last row the last rate applies.",
              "clearing-spec.md 3.8 [S002]; decision C5", _ladder),
    Parameter("delivery_fail_min_fine", "300", "THB per security",
              "Least fine for a delivery fail of another cause.",
              "clearing-spec.md 3.8 [S002]", _money, show_price),
    Parameter("sbl_collateral_pct", 130, "% of value",
              "Cash collateral of a covered-fail securities loan, marked to market.",
              "clearing-spec.md 3.6 [S002]", percent(0, 1000)),
    Parameter("sbl_max_days", 6, "business days", "Longest term of a covered-fail loan.",
              "clearing-spec.md 3.6 [S002]", integer(0, 60)),
    Parameter("sbl_early_return_windows", [["00:00", "13:15"], ["14:15", "15:15"],
                                           ["16:15", "19:00"]], "[from, to]",
              "When a borrower may return a covered-fail loan early from its depository "
              "account.", "clearing-spec.md 3.4, 3.6 [S002]", _windows, _show_windows),
    Parameter("sbl_service_fee_pct", 10, "% of the borrowing fee",
              "TCH's service fee, charged to the borrower and to the lender each.",
              "clearing-spec.md 3.6 [S002]", _PERCENTS),
    Parameter("sbl_penalty_pct", 130, "% of value",
              "Least cash penalty paid to a lender whose shares cannot be returned.",
              "clearing-spec.md 3.6 [S002]", percent(0, 1000)),
    Parameter("set_tranche_1", "60000000", "THB",
              "SET's first clearing-fund tranche, the third layer of the waterfall.",
              "clearing-spec.md 3.7 [S002]", _money, show_price),
    Parameter("round_1_securities", "13:30", "time", "Round 1: securities due to TCH.",
              "clearing-spec.md 3.3 [S002]", time_of_day),
    Parameter("round_1_cash", "14:00", "time", "Round 1: cash due from net payers.",
              "clearing-spec.md 3.3 [S002]", time_of_day),
    Parameter("round_2_securities", "15:15", "time", "Round 2: securities due to TCH.",
              "clearing-spec.md 3.3 [S002]", time_of_day),
    Parameter("round_2_cash", "15:45", "time", "Round 2: cash due from net payers.",
              "clearing-spec.md 3.3 [S002]", time_of_day),
    Parameter("collateral_call_deadline", "11:00", "time", "Risk collateral calls are due.",
              "clearing-spec.md 3.5 [S002]", time_of_day),
    Parameter("settlement_cap_call_pct", 100, "% of the excess",
              "Settlement Cap call: this share of the member's CSV above its cap (f_cap).",
              "clearing-spec.md 3.5 (derived); decision C6", _PERCENTS),
    Parameter("ews_tolerance_pct", 10, "% of net capital",
              "Early warning: the tolerance L a member may carry before it posts collateral "
              "(lambda_ews times its net capital).",
              "clearing-spec.md 3.5 (derived); docs/decisions.md", percent(0, 1000)),
    Parameter("ews_risk_pct", "6.58", "% of value",
              "Early warning: the risk rate r_k of a security the day's market data gives none "
              "(2.3263 x a 2% daily volatility x sqrt(2 days)).",
              "clearing-spec.md 3.5 (derived); docs/decisions.md", _PERCENTS),
    Parameter("settlement_cap_equity_pct", 1000, "% of equity",
              "Settlement Cap: a member's cap on its cumulative settlement value (kappa times "
              "its shareholders' equity).", "clearing-spec.md 3.5 (derived); docs/decisions.md",
              percent(0, 100_000)),
    Parameter("stress_move_pct", 30, "% of value",
              "Stress test: the worst scenario moves every pending position this much against "
              "the member (one full daily price limit), unless the day's data gives its loss.",
              "clearing-spec.md 3.5 (derived); docs/decisions.md", _PERCENTS),
    Parameter("fund_variable_pct", ["0.008", "0.012", "0.016"], "% of a month's net settlement",
              "The risk-based Clearing Fund contribution of a month, by the member's risk tier "
              "(1, 2, 3): this share of the net settlement value it settled in the month.",
              "clearing-spec.md 3.7 [S002; rates W-6, TSD's historical schedule]",
              _tier_percents),
    Parameter("default_interest_pct", 5, "% a year",
              "Simple interest a defaulter pays on the clearing fund it used, from the date "
              "of use.", "clearing-spec.md 3.7 [S002] (rate derived: Thai Civil and Commercial "
              "Code s.224 default interest); docs/decisions.md", _PERCENTS),
    Parameter("default_interest_year_days", 365, "days",
              "Day-count denominator of the default interest (actual/365).",
              "derived; docs/decisions.md", integer(360, 366)),
    Parameter("gcm_min_equity", "500000000", "THB",
              "Least shareholders' equity of a general clearing member (clears for itself, its "
              "clients and other members).", "clearing-spec.md 1, 2.1 [S002]", _money,
              show_price),
    Parameter("dcm_min_equity", "400000000", "THB",
              "Least shareholders' equity of a direct clearing member (itself and its clients).",
              "clearing-spec.md 1, 2.1 [S002]", _money, show_price),
    Parameter("settlement_agent_min_equity", "150000000", "THB",
              "Least shareholders' equity of a settlement agent.",
              "clearing-spec.md 1, 2.1 [S002]", _money, show_price),
    Parameter("cash_netting", "member", "rule",
              "member: one net cash amount per member and settlement date; account: one per "
              "member, account type and settlement date.",
              "clearing-spec.md 3.2 (derived); decision C2", choice("member", "account")),
    Parameter("gross_cutoff", "15:00", "time",
              "Gross settlement: create and settle a trade report by this time on T..SD-1.",
              "clearing-spec.md 3.1, 3.4 [S002]", time_of_day),
    Parameter("gross_cutoff_sd", "12:30", "time",
              "Gross settlement: create and settle by this time on the settlement date itself.",
              "clearing-spec.md 3.1, 3.4 [S002]", time_of_day),
    Parameter("gross_confirm_cutoff", "14:00", "time",
              "Gross C&S item: create and counterparty confirm by this time on T..SD-1 "
              "(SD the chosen date).", "clearing-spec.md 3.4 [S002]", time_of_day),
    Parameter("gross_confirm_next_day_cutoff", "20:00", "time",
              "Gross C&S item for next-day settlement: create and confirm by this time on the "
              "day before the chosen date.", "clearing-spec.md 3.4 [S002]", time_of_day),
    Parameter("gross_confirm_cutoff_sd", "10:00", "time",
              "Gross C&S item for same-day settlement: create and confirm by this time on the "
              "chosen date.", "clearing-spec.md 3.4 [S002]", time_of_day),
    Parameter("trade_correction_cutoff", "20:00", "time",
              "Trade correction (account number, investor type): by this time on T..SD-1.",
              "clearing-spec.md 3.4 [S002]", time_of_day),
    Parameter("trade_correction_cutoff_sd", "11:30", "time",
              "Trade correction (account number, investor type): by this time on SD.",
              "clearing-spec.md 3.4 [S002]", time_of_day),
    Parameter("board_change_buy_cutoff", "20:00", "time",
              "Board-type change on the buy side: by this time on T..SD-1.",
              "clearing-spec.md 3.4 [S002]", time_of_day),
    Parameter("board_change_buy_cutoff_sd", "11:30", "time",
              "Board-type change on the buy side: by this time on SD.",
              "clearing-spec.md 3.4 [S002]", time_of_day),
    Parameter("board_change_sell_cutoff", "20:00", "time",
              "Board-type change on the sell side (Local<->NVDR): by this time on T..SD-1.",
              "clearing-spec.md 3.4 [S002]", time_of_day),
    Parameter("board_change_sell_cutoff_sd", "13:15", "time",
              "Board-type change on the sell side (Local<->NVDR): by this time on SD.",
              "clearing-spec.md 3.4 [S002]", time_of_day),
    Parameter("give_up_cutoff", "20:00", "time",
              "Give-up and take-up: by this time on T..SD-1.",
              "clearing-spec.md 3.4 [S002]", time_of_day),
    Parameter("give_up_cutoff_sd", "11:30", "time",
              "Give-up and take-up: by this time on SD.",
              "clearing-spec.md 3.4 [S002]", time_of_day),
    Parameter("cash_in_lieu_pct", 100, "% of the failed value",
              "Cash compensation paid to a waiting receiver instead of shares a buy-in could "
              "not bring; the announced rate is not public.",
              "clearing-spec.md 3.6 [S002] (rate derived: the value at the settlement price)",
              percent(0, 1000)),
    Parameter("risk_noncash_called_cutoff", "10:00", "time",
              "Risk collateral: a called member's non-cash deposits are due by this time.",
              "clearing-spec.md 3.4 [S002]", time_of_day),
    Parameter("risk_noncash_cutoff", "19:00", "time",
              "Risk collateral: non-cash deposits (member not called) and non-cash withdrawal "
              "requests and returns, by this time.", "clearing-spec.md 3.4 [S002]", time_of_day),
    Parameter("risk_cash_withdrawal_am_cutoff", "10:00", "time",
              "Risk collateral: a cash withdrawal requested by this time is paid at the "
              "morning payment time.", "clearing-spec.md 3.4 [S002]", time_of_day),
    Parameter("risk_cash_withdrawal_am_paid", "11:00", "time",
              "Risk collateral: the morning cash withdrawal payment time.",
              "clearing-spec.md 3.4 [S002]", time_of_day),
    Parameter("risk_cash_withdrawal_pm_open", "13:15", "time",
              "Risk collateral: the afternoon cash withdrawal window opens.",
              "clearing-spec.md 3.4 [S002]", time_of_day),
    Parameter("risk_cash_withdrawal_pm_cutoff", "14:00", "time",
              "Risk collateral: the afternoon cash withdrawal window closes.",
              "clearing-spec.md 3.4 [S002]", time_of_day),
    Parameter("risk_cash_withdrawal_pm_paid", "15:00", "time",
              "Risk collateral: the afternoon cash withdrawal payment time.",
              "clearing-spec.md 3.4 [S002]", time_of_day),
    Parameter("risk_noncash_blackout_1_start", "13:25", "time",
              "Risk collateral: first non-cash blackout (no deposit, withdrawal or transfer) "
              "starts.", "clearing-spec.md 3.4 [S002]", time_of_day),
    Parameter("risk_noncash_blackout_1_end", "14:15", "time",
              "Risk collateral: first non-cash blackout ends.", "clearing-spec.md 3.4 [S002]",
              time_of_day),
    Parameter("risk_noncash_blackout_2_start", "15:10", "time",
              "Risk collateral: second non-cash blackout starts.",
              "clearing-spec.md 3.4 [S002]", time_of_day),
    Parameter("risk_noncash_blackout_2_end", "16:15", "time",
              "Risk collateral: second non-cash blackout ends.", "clearing-spec.md 3.4 [S002]",
              time_of_day),
    Parameter("psms_cutoff", "20:00", "time",
              "PSMS create, edit, merge, cancel and de-match: by this time on T..SD-1.",
              "clearing-spec.md 3.4 [S002]", time_of_day),
    Parameter("psms_cutoff_sd", "11:30", "time",
              "PSMS create, edit, merge and cancel of an unmatched instruction: by this time "
              "on SD.", "clearing-spec.md 3.4 [S002]", time_of_day),
    Parameter("psms_dematch_cutoff_sd", "11:00", "time",
              "PSMS de-match: by this time on SD.", "clearing-spec.md 3.4 [S002]", time_of_day),
    Parameter("psms_to_foreign_cutoff_sd1", "16:30", "time",
              "PSMS create with a Local or NVDR to Foreign change: by this time on SD-1 "
              "(psms_cutoff before it, closed on SD).", "clearing-spec.md 3.4 [S002]", time_of_day),
    Parameter("derivatives_min_equity", "100000000", "THB",
              "Least shareholders' equity of a derivatives clearing member (a general clearing "
              "member that is a TFEX derivatives agent).", "clearing-spec.md 1 [W-4]", _money,
              show_price),
    Parameter("derivatives_intraday_calculation", "09:45", "time",
              "Derivatives: the intraday calculation; trades up to it are marked at the "
              "intraday prices ([S004] also says 06:45).", "clearing-spec.md 4.4, decision C8",
              time_of_day),
    Parameter("derivatives_intraday_settlement", "12:00", "time",
              "Derivatives: the intraday round's settlement.", "clearing-spec.md 4.4 [S004]",
              time_of_day),
    Parameter("derivatives_eod_settlement", "09:00", "time",
              "Derivatives: the end-of-day run's settlement, on the next business day.",
              "clearing-spec.md 4.4 [S004]", time_of_day),
    Parameter("derivatives_eod_calculation", "19:00", "time",
              "Derivatives: the end-of-day margin run, on the collateral held then; its call "
              "settles with the run's variation margin.", "clearing-spec.md 4.10 [S004]",
              time_of_day),
    Parameter("derivatives_settlement_window", "15", "minutes",
              "Derivatives: a traded series' daily settlement price is the volume-weighted "
              "average of its trades in this many minutes before the day session's close (the "
              "last trade when none).", "clearing-spec.md 4.4 (derived)", integer(1, 120)),
)


_T = TypeVar("_T")


class ClearingRules:
    """The clearing house's parameters in core form, read as attributes."""

    settlement_cycle_days: int
    gross_min_value: int
    clearing_fee_pct: Fraction
    clearing_fee_cap: int
    monthly_fee_member: int
    monthly_fee_agent: int
    psms_tiers: tuple[tuple[int, int], ...]
    psms_tier_mode: str
    psms_internal_same_client_fee: int
    psms_internal_other_client_fee: int
    late_payment_human_fines: tuple[int, ...]
    late_payment_other_max_multiple: int
    delivery_fail_human_fines: tuple[int, ...]
    delivery_fail_ladder: tuple[tuple[int, Fraction], ...]
    delivery_fail_min_fine: int
    sbl_collateral_pct: Fraction
    sbl_max_days: int
    sbl_early_return_windows: tuple[tuple[int, int], ...]
    sbl_service_fee_pct: Fraction
    sbl_penalty_pct: Fraction
    set_tranche_1: int
    round_1_securities: int
    round_1_cash: int
    round_2_securities: int
    round_2_cash: int
    collateral_call_deadline: int
    settlement_cap_call_pct: Fraction
    fund_variable_pct: tuple[Fraction, ...]
    ews_tolerance_pct: Fraction
    ews_risk_pct: Fraction
    settlement_cap_equity_pct: Fraction
    stress_move_pct: Fraction
    default_interest_pct: Fraction
    default_interest_year_days: int
    gcm_min_equity: int
    dcm_min_equity: int
    settlement_agent_min_equity: int
    cash_netting: str
    gross_cutoff: int
    gross_cutoff_sd: int
    gross_confirm_cutoff: int
    gross_confirm_next_day_cutoff: int
    gross_confirm_cutoff_sd: int
    trade_correction_cutoff: int
    trade_correction_cutoff_sd: int
    board_change_buy_cutoff: int
    board_change_buy_cutoff_sd: int
    board_change_sell_cutoff: int
    board_change_sell_cutoff_sd: int
    give_up_cutoff: int
    give_up_cutoff_sd: int
    cash_in_lieu_pct: Fraction
    risk_noncash_called_cutoff: int
    risk_noncash_cutoff: int
    risk_cash_withdrawal_am_cutoff: int
    risk_cash_withdrawal_am_paid: int
    risk_cash_withdrawal_pm_open: int
    risk_cash_withdrawal_pm_cutoff: int
    risk_cash_withdrawal_pm_paid: int
    risk_noncash_blackout_1_start: int
    risk_noncash_blackout_1_end: int
    risk_noncash_blackout_2_start: int
    risk_noncash_blackout_2_end: int
    psms_cutoff: int
    psms_cutoff_sd: int
    psms_dematch_cutoff_sd: int
    psms_to_foreign_cutoff_sd1: int
    derivatives_min_equity: int
    derivatives_intraday_calculation: int
    derivatives_intraday_settlement: int
    derivatives_eod_settlement: int
    derivatives_eod_calculation: int
    derivatives_settlement_window: int

    def __init__(self, overrides: Mapping[str, Any] | None = None) -> None:
        self.overrides: dict[str, Any] = dict(overrides or {})
        for name, value in read_overrides(CLEARING_PARAMETERS, self.overrides,
                                          "clearing").items():
            setattr(self, name, value)

    @property
    def cash_per_account_type(self) -> bool:
        """Whether a member's cash nets per account type, not per member: decision C2, decided
        here only."""
        return self.cash_netting == "account"

    def cash_type(self, account_type: _T) -> _T | None:
        """The account type a member's cash of this account type is kept under: its own under
        per-account netting, else none (the member's one cash account)."""
        return account_type if self.cash_per_account_type else None


DEFAULT_CLEARING_RULES = ClearingRules()
