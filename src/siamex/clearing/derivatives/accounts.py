"""The derivatives clearing members, the accounts they keep positions in, and what TCH has
approved of them, checked once when the file is read.

Why its own file and not the equities member file: a derivatives account carries what an
equities account does not (how it keeps positions, how it is margined, whether it makes a
market, which account it is margined under), and a derivatives clearing member qualifies on
its own least equity (clearing-spec.md 1, 2.3). The file (docs/derivatives.md, "Account file")
is JSON:

    {"members": [{"member": "A", "shareholders_equity": "150000000"}],
     "accounts": [{"account": "A-01", "member": "A", "owner": "client",
                   "position_mode": "gross", "margin_method": "net", "beneficiary": "inv-7"}],
     "give_up_agreements": [{"giving": "A", "receiving": "B"}]}

Three configurations need TCH's approval (4.2 [S004]): a gross position margined net, a
market-maker account, and margin propagation to a parent account. An account may ask for them
in the file; until TCH approves (a day instruction, kept in the store) the account is cleared
as if it had not asked: margined gross, an ordinary account, margined on its own.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import msgspec

from siamex.clearing.derivatives.fills import PositionMode
from siamex.clearing.foundations.members import InvestorType
from siamex.clearing.foundations.money import InvalidAmount, format_baht, parse_baht
from siamex.clearing.foundations.parameters import DEFAULT_CLEARING_RULES, ClearingRules
from siamex.errors import ErrorCode, SiamexError, read_input

__all__ = ["AccountBook", "Approval", "DerivativesAccount", "DerivativesMember", "Owner",
           "account_book", "load_accounts"]


class Owner(StrEnum):
    """Whose positions an account keeps (2.3)."""

    PROPRIETARY = "proprietary"
    CLIENT = "client"


class Approval(StrEnum):
    """The configurations TCH must approve before they apply (4.2 [S004] Q1)."""

    NET_MARGIN = "net_margin"  # a gross position margined on its net
    MARKET_MAKER = "market_maker"
    PROPAGATION = "propagation"  # margined under a parent account


@dataclass(frozen=True, slots=True)
class DerivativesMember:
    """A derivatives clearing member (1 [W-4]); amounts in satang."""

    member: str
    shareholders_equity: int
    settlement_bank: str = ""


@dataclass(frozen=True, slots=True)
class DerivativesAccount:
    """A position-keeping account as asked for in the file (2.3); `beneficiary` is who
    ultimately owns its positions, which a transfer or late give-up must keep the same."""

    account: str
    member: str
    owner: Owner
    investor_type: InvestorType
    position_mode: PositionMode
    margin_method: PositionMode
    market_maker: bool
    mm_products: tuple[str, ...]
    margin_parent: str | None
    beneficiary: str

    @property
    def asks(self) -> frozenset[Approval]:
        """The configurations this account asks for that only TCH's approval puts in force."""
        asked = set()
        if self.position_mode is PositionMode.GROSS and self.margin_method is PositionMode.NET:
            asked.add(Approval.NET_MARGIN)
        if self.market_maker:
            asked.add(Approval.MARKET_MAKER)
        if self.margin_parent is not None:
            asked.add(Approval.PROPAGATION)
        return frozenset(asked)


class AccountBook:
    """The members, accounts and give-up agreements TCH knows, validated as a whole."""

    def __init__(self, members: Iterable[DerivativesMember],
                 accounts: Iterable[DerivativesAccount],
                 agreements: Iterable[tuple[str, str]] = (),
                 rules: ClearingRules = DEFAULT_CLEARING_RULES) -> None:
        self.members: dict[str, DerivativesMember] = {}
        for member in members:
            if member.member in self.members:
                raise SiamexError(ErrorCode.ACCOUNT_FILE,
                                  f"member {member.member} is registered twice")
            _check_qualified(member, rules)
            self.members[member.member] = member
        self.accounts: dict[str, DerivativesAccount] = {}
        for account in accounts:
            if account.account in self.accounts:
                raise SiamexError(ErrorCode.ACCOUNT_FILE,
                                  f"account {account.account} is registered twice")
            if account.member not in self.members:
                raise SiamexError(ErrorCode.ACCOUNT_FILE,
                                  f"account {account.account}: member {account.member} is not "
                                  "registered")
            self.accounts[account.account] = account
        for account in self.accounts.values():
            self._check_parent(account)
        self.agreements = frozenset(agreements)
        for giving, receiving in sorted(self.agreements):
            for party in (giving, receiving):
                if party not in self.members:
                    raise SiamexError(ErrorCode.ACCOUNT_FILE,
                                      f"give-up agreement {giving}->{receiving}: member "
                                      f"{party} is not registered")
            if giving == receiving:
                raise SiamexError(ErrorCode.ACCOUNT_FILE,
                                  f"give-up agreement {giving}->{receiving}: a give-up is "
                                  "between two members")

    def _check_parent(self, account: DerivativesAccount) -> None:
        if account.margin_parent is None:
            return
        where = f"account {account.account}: margin parent {account.margin_parent}"
        parent = self.accounts.get(account.margin_parent)
        if parent is None:
            raise SiamexError(ErrorCode.ACCOUNT_FILE, f"{where} is not registered")
        # 4.2: propagation links position-keeping accounts to the member's margin account
        if parent.member != account.member or parent.account == account.account:
            raise SiamexError(ErrorCode.ACCOUNT_FILE,
                              f"{where} must be another account of member {account.member}")
        if parent.margin_parent is not None:
            raise SiamexError(ErrorCode.ACCOUNT_FILE,
                              f"{where} is itself margined under another account")

    def account(self, account: str) -> DerivativesAccount | None:
        """A registered account, or None."""
        return self.accounts.get(account)

    def member_of(self, account: str) -> str:
        """The clearing member of a registered account."""
        return self.accounts[account].member

    def in_force(self, account: str, approved: Mapping[str, frozenset[Approval]]
                 ) -> frozenset[Approval]:
        """The configurations an account asked for that TCH has approved."""
        return self.accounts[account].asks & approved.get(account, frozenset())


class _MemberEntry(msgspec.Struct, forbid_unknown_fields=True):
    member: str
    shareholders_equity: str
    settlement_bank: str = ""


class _AccountEntry(msgspec.Struct, forbid_unknown_fields=True):
    account: str
    member: str
    owner: Owner = Owner.CLIENT
    investor_type: InvestorType = InvestorType.LOCAL_INDIVIDUAL
    position_mode: PositionMode = PositionMode.NET
    margin_method: PositionMode | None = None
    market_maker: bool = False
    mm_products: list[str] = []
    margin_parent: str | None = None
    beneficiary: str | None = None


class _Agreement(msgspec.Struct, forbid_unknown_fields=True):
    giving: str
    receiving: str


class _AccountFile(msgspec.Struct, forbid_unknown_fields=True):
    members: list[_MemberEntry]
    accounts: list[_AccountEntry]
    give_up_agreements: list[_Agreement] = []
    description: str = ""


def _check_qualified(member: DerivativesMember, rules: ClearingRules) -> None:
    # clearing-spec.md 1 [W-4]: a derivatives clearing member's least shareholders' equity
    if member.shareholders_equity < rules.derivatives_min_equity:
        raise SiamexError(
            ErrorCode.MEMBER_NOT_QUALIFIED,
            f"member {member.member}: shareholders' equity "
            f"{format_baht(member.shareholders_equity)} THB is below the "
            f"{format_baht(rules.derivatives_min_equity)} THB a derivatives clearing member "
            "needs (clearing-spec.md 1)")


def _name(value: str, what: str) -> str:
    if not value or not value.isprintable() or value != value.strip():
        raise SiamexError(ErrorCode.ACCOUNT_FILE,
                          f"{what} must be a non-empty printable name, got {value!r}")
    return value


def _member(entry: _MemberEntry) -> DerivativesMember:
    name = _name(entry.member, "a member")
    try:
        equity = parse_baht(entry.shareholders_equity)
    except InvalidAmount as exc:
        raise SiamexError(ErrorCode.ACCOUNT_FILE,
                          f"member {name}: `shareholders_equity`: {exc}") from None
    return DerivativesMember(name, equity, entry.settlement_bank)


def _account(entry: _AccountEntry) -> DerivativesAccount:
    name = _name(entry.account, "an account")
    if entry.mm_products and not entry.market_maker:
        raise SiamexError(ErrorCode.ACCOUNT_FILE,
                          f"account {name}: `mm_products` is for a market-maker account")
    # decision 100: who owns a proprietary account is its member; a client account, itself
    beneficiary = entry.beneficiary or (entry.member if entry.owner is Owner.PROPRIETARY
                                        else name)
    return DerivativesAccount(
        name, _name(entry.member, f"account {name}: the member"), entry.owner,
        entry.investor_type, entry.position_mode, entry.margin_method or entry.position_mode,
        entry.market_maker, tuple(sorted(set(entry.mm_products))), entry.margin_parent,
        _name(beneficiary, f"account {name}: the beneficiary"))


def account_book(data: bytes | str, rules: ClearingRules = DEFAULT_CLEARING_RULES
                 ) -> AccountBook:
    """Build the account book from the file's text, refused whole at the first fault."""
    try:
        parsed = msgspec.json.decode(data, type=_AccountFile)
    except (msgspec.DecodeError, UnicodeDecodeError) as exc:
        raise SiamexError(ErrorCode.ACCOUNT_FILE, f"not an account file: {exc}") from None
    except RecursionError:
        raise SiamexError(ErrorCode.ACCOUNT_FILE, "not an account file: nested too deeply"
                          ) from None
    return AccountBook([_member(m) for m in parsed.members],
                       [_account(a) for a in parsed.accounts],
                       [(a.giving, a.receiving) for a in parsed.give_up_agreements], rules)


def load_accounts(path: Path, rules: ClearingRules = DEFAULT_CLEARING_RULES) -> AccountBook:
    """Read an account file; every fault is a SiamexError naming the file and the entry."""
    raw = read_input(path)
    try:
        return account_book(raw, rules)
    except SiamexError as exc:
        raise SiamexError(exc.code, f"{path}: {exc.message}") from None
