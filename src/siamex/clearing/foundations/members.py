"""Clearing members and the trading accounts they clear, checked once at registration.

Novation needs two answers for every side of a trade: which clearing member owes TCH (the
trading member itself, or the GCM that clears for a non-clearing member), and whether the
securities sit in a portfolio or a client depository account, which TCH never mixes
(clearing-spec.md 3.1). The registry answers both, and refuses at load time what the rules
forbid, so nothing downstream has to.

The registry file (docs/clearing.md, "Member file") is JSON:

    {"members": [{"member": "A", "type": "gcm", "shareholders_equity": "650000000", ...}],
     "accounts": [{"member": "A", "account": "A-CLT", "type": "client"},
                  {"member": "N", "account": "N-CLT", "type": "client", "clearing_member": "A"}]}
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any, TypeVar

from siamex.clearing.foundations.files import read_json
from siamex.clearing.foundations.ledger import (
    AccountType,  # one type from trade to ledger account (3.1)
)
from siamex.clearing.foundations.money import InvalidAmount, format_baht, parse_baht
from siamex.clearing.foundations.parameters import DEFAULT_CLEARING_RULES, ClearingRules
from siamex.errors import ErrorCode, SiamexError
from siamex.units import shown

__all__ = [
    "Account",
    "AccountType",
    "InvestorType",
    "Member",
    "MemberRegistry",
    "MemberStatus",
    "MemberType",
    "load_registry",
    "registry_from_json",
]


class MemberType(Enum):
    """What a member may clear (clearing-spec.md 1, 2.1)."""

    GCM = "gcm"  # itself, its clients, other members and their clients
    DCM = "dcm"  # itself and its clients only
    SETTLEMENT_AGENT = "settlement_agent"  # settles through PSMS, clears no trades


class MemberStatus(Enum):
    ACTIVE = "active"
    SUSPENDED = "suspended"
    DEFAULTED = "defaulted"


class InvestorType(Enum):
    """The investor type a trade is booked under (2.3), open to correction until its cut-off."""

    LOCAL_INDIVIDUAL = "local_individual"
    LOCAL_INSTITUTION = "local_institution"
    FOREIGN = "foreign"


@dataclass(frozen=True, slots=True)
class Member:
    """A TCH member (2.1); amounts in satang."""

    member_id: str
    type: MemberType
    shareholders_equity: int
    net_capital: int = 0
    settlement_bank: str = ""
    bahtnet: bool = False
    status: MemberStatus = MemberStatus.ACTIVE
    clearing_fund: bool = True
    group: str = ""
    risk_tier: int = 1

    @property
    def issuer_group(self) -> str:
        """The group whose shares the member may not pledge (3.5); by default itself."""
        return self.group or self.member_id


@dataclass(frozen=True, slots=True)
class Account:
    """A trading account of a (possibly non-clearing) member and who clears it."""

    member: str
    account: str
    account_type: AccountType
    clearing_member: str
    investor_type: InvestorType = InvestorType.LOCAL_INDIVIDUAL


def _min_equity(kind: MemberType, rules: ClearingRules) -> int:
    return {MemberType.GCM: rules.gcm_min_equity,
            MemberType.DCM: rules.dcm_min_equity,
            MemberType.SETTLEMENT_AGENT: rules.settlement_agent_min_equity}[kind]


class MemberRegistry:
    """The members and accounts TCH knows, validated as a whole when built.

    `accounts` keeps the given order; an account's position in it is its integer code, which
    the columnar trade batches store instead of the account itself.
    """

    def __init__(self, members: Iterable[Member], accounts: Iterable[Account],
                 rules: ClearingRules = DEFAULT_CLEARING_RULES) -> None:
        self.members: tuple[Member, ...] = tuple(members)
        self.accounts: tuple[Account, ...] = tuple(accounts)
        self._members: dict[str, Member] = {}
        for member in self.members:
            if member.member_id in self._members:
                raise SiamexError(ErrorCode.MEMBER_FILE,
                                  f"member {member.member_id} is registered twice")
            self._members[member.member_id] = member
            _check_qualified(member, rules)
        self._codes: dict[tuple[str, str], int] = {}
        for code, account in enumerate(self.accounts):
            key = (account.member, account.account)
            if key in self._codes:
                raise SiamexError(ErrorCode.MEMBER_FILE,
                                  f"account {account.account} of member {account.member} is "
                                  "registered twice")
            self._check_clearer(account)
            self._codes[key] = code
        self.clearing_members: tuple[str, ...] = tuple(sorted(
            m.member_id for m in self.members if m.type is not MemberType.SETTLEMENT_AGENT))

    def _check_clearer(self, account: Account) -> None:
        where = f"account {account.account} of member {account.member}"
        clearer = self._members.get(account.clearing_member)
        if clearer is None:
            raise SiamexError(ErrorCode.MEMBER_FILE,
                              f"{where}: clearing member {account.clearing_member} is not "
                              "registered")
        # clearing-spec.md 1, 3.2: a settlement agent settles through PSMS and clears no trade
        if clearer.type is MemberType.SETTLEMENT_AGENT:
            raise SiamexError(ErrorCode.MEMBER_FILE,
                              f"{where}: {clearer.member_id} is a settlement agent, which clears "
                              "no trades")
        if account.clearing_member == account.member:
            return
        # clearing-spec.md 1: only a GCM clears for another member; a DCM's clients, and
        # so the accounts it clears, may not belong to a member
        if clearer.type is not MemberType.GCM:
            raise SiamexError(ErrorCode.MEMBER_FILE,
                              f"{where}: {clearer.member_id} is a DCM, which clears only for "
                              "itself and its clients")
        if account.member in self._members:
            raise SiamexError(ErrorCode.MEMBER_FILE,
                              f"{where}: {account.member} is a member of TCH and clears its own "
                              "trades")

    def member(self, member_id: str) -> Member | None:
        """Return a registered member, or None."""
        return self._members.get(member_id)

    def account_code(self, member: str, account: str) -> int | None:
        """Return the code of a member's trading account (its index in `accounts`), or None."""
        return self._codes.get((member, account))

    def account(self, member: str, account: str) -> Account | None:
        """Return a member's trading account, or None."""
        code = self._codes.get((member, account))
        return None if code is None else self.accounts[code]


def _check_qualified(member: Member, rules: ClearingRules) -> None:
    # clearing-spec.md 1, 2.1: least shareholders' equity by member type
    least = _min_equity(member.type, rules)
    if member.shareholders_equity < least:
        raise SiamexError(
            ErrorCode.MEMBER_NOT_QUALIFIED,
            f"member {member.member_id}: shareholders' equity "
            f"{format_baht(member.shareholders_equity)} THB is below the {format_baht(least)} "
            f"THB a {member.type.value} needs (clearing-spec.md 1)")


E = TypeVar("E", bound=Enum)

_MEMBER_FIELDS = {"member", "type", "shareholders_equity", "net_capital", "settlement_bank",
                  "bahtnet", "status", "clearing_fund", "group", "risk_tier"}
_ACCOUNT_FIELDS = {"member", "account", "type", "clearing_member", "investor_type"}


def _text(entry: Mapping[str, Any], name: str, where: str) -> str:
    value = entry.get(name)
    if not isinstance(value, str) or not value:
        raise SiamexError(ErrorCode.MEMBER_FILE, f"{where}: `{name}` must be a non-empty string")
    return value


def _enum(kind: type[E], entry: Mapping[str, Any], name: str, where: str,
          default: E | None = None) -> E:
    value = entry.get(name)
    if value is None and default is not None:
        return default
    try:
        return kind(value)
    except ValueError:
        choices = ", ".join(str(e.value) for e in kind)
        raise SiamexError(ErrorCode.MEMBER_FILE,
                          f"{where}: `{name}` must be one of {choices}, got {shown(value)}"
                          ) from None


def _amount(entry: Mapping[str, Any], name: str, where: str, required: bool) -> int:
    value = entry.get(name)
    if value is None and not required:
        return 0
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise SiamexError(ErrorCode.MEMBER_FILE,
                          f"{where}: `{name}` must be an amount in THB such as \"500000000\"")
    try:
        return parse_baht(str(value))
    except InvalidAmount as exc:
        raise SiamexError(ErrorCode.MEMBER_FILE, f"{where}: `{name}`: {exc}") from None


def _flag(entry: Mapping[str, Any], name: str, where: str, default: bool) -> bool:
    value = entry.get(name, default)
    if not isinstance(value, bool):
        raise SiamexError(ErrorCode.MEMBER_FILE, f"{where}: `{name}` must be true or false")
    return value


def _entries(data: Mapping[str, Any], name: str, fields: set[str]) -> list[Mapping[str, Any]]:
    entries = data.get(name)
    if not isinstance(entries, list):
        raise SiamexError(ErrorCode.MEMBER_FILE, f"`{name}` must be a list")
    for number, entry in enumerate(entries, 1):
        if not isinstance(entry, dict):
            raise SiamexError(ErrorCode.MEMBER_FILE, f"{name}[{number}] must be an object")
        unknown = sorted(set(entry) - fields)
        if unknown:
            raise SiamexError(ErrorCode.MEMBER_FILE,
                              f"{name}[{number}]: unknown field {', '.join(unknown)}")
    return entries


def _tier(entry: Mapping[str, Any], where: str) -> int:
    value = entry.get("risk_tier", 1)
    # clearing-spec.md 3.7 [W-6]: three contribution rates (`fund_variable_pct`), by risk
    if isinstance(value, bool) or value not in (1, 2, 3):
        raise SiamexError(ErrorCode.MEMBER_FILE, f"{where}: `risk_tier` must be 1, 2 or 3")
    return int(value)


def _member(entry: Mapping[str, Any], where: str) -> Member:
    return Member(
        member_id=_text(entry, "member", where),
        type=_enum(MemberType, entry, "type", where),
        shareholders_equity=_amount(entry, "shareholders_equity", where, required=True),
        net_capital=_amount(entry, "net_capital", where, required=False),
        settlement_bank=_text(entry, "settlement_bank", where) if "settlement_bank" in entry
        else "",
        bahtnet=_flag(entry, "bahtnet", where, False),
        status=_enum(MemberStatus, entry, "status", where, MemberStatus.ACTIVE),
        clearing_fund=_flag(entry, "clearing_fund", where, True),
        group=_text(entry, "group", where) if "group" in entry else "",
        risk_tier=_tier(entry, where),
    )


def _account(entry: Mapping[str, Any], where: str) -> Account:
    member = _text(entry, "member", where)
    clearer = entry.get("clearing_member", member)
    if not isinstance(clearer, str) or not clearer:
        raise SiamexError(ErrorCode.MEMBER_FILE,
                          f"{where}: `clearing_member` must be a non-empty string")
    return Account(member=member, account=_text(entry, "account", where),
                   account_type=_enum(AccountType, entry, "type", where),
                   clearing_member=clearer,
                   investor_type=_enum(InvestorType, entry, "investor_type", where,
                                       InvestorType.LOCAL_INDIVIDUAL))


def registry_from_json(data: Any, rules: ClearingRules = DEFAULT_CLEARING_RULES) -> MemberRegistry:
    """Build the registry from the parsed member file, refusing it whole at the first fault."""
    if not isinstance(data, dict):
        raise SiamexError(ErrorCode.MEMBER_FILE,
                          "a member file is a JSON object with `members` and `accounts`")
    unknown = sorted(set(data) - {"members", "accounts", "description"})
    if unknown:
        raise SiamexError(ErrorCode.MEMBER_FILE, f"unknown field {', '.join(unknown)}")
    members = [_member(e, f"members[{n}]")
               for n, e in enumerate(_entries(data, "members", _MEMBER_FIELDS), 1)]
    accounts = [_account(e, f"accounts[{n}]")
                for n, e in enumerate(_entries(data, "accounts", _ACCOUNT_FIELDS), 1)]
    return MemberRegistry(members, accounts, rules)


def load_registry(path: Path, rules: ClearingRules = DEFAULT_CLEARING_RULES) -> MemberRegistry:
    """Read a member file (docs/clearing.md); every fault is a SiamexError naming the entry."""
    data = read_json(path, ErrorCode.MEMBER_FILE, parse_float=str)
    try:
        return registry_from_json(data, rules)
    except SiamexError as exc:
        raise SiamexError(exc.code, f"{path}: {exc.message}") from None
