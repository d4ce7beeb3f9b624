"""The registry of members, their order-routing systems (ORSs) and traders, and who may do what.

A member may route orders only through an order-routing system the exchange approved
(ors_lifecycle). Additional trader IDs and market data are approved apart (set-trading-rules.md
11: trader IDs issued on request). A trader enters orders only through its ORSs and only for the
accounts it is given, so that nobody enters orders for a client who may not (10).

The registry is pure: `apply` takes a journaled change, checks all of it, then changes state or
raises `RegistryError` having changed nothing; the queries read.
"""

from __future__ import annotations

import hmac
import re

import msgspec

from siamex.gateway.ors_lifecycle import MAY_LOG_ON, TRANSITIONS, OrsState
from siamex.gateway.refusals import Refusal, RefusalCode, RegistryError
from siamex.gateway.registry_changes import (
    EXCHANGE_COMP_ID,
    SALT_BYTES,
    AccountType,
    RegAddAccount,
    RegAddMember,
    RegAddOrs,
    RegAddTrader,
    RegistryChange,
    RegOrsEvent,
    RegSetMarketData,
    RegSetOrsCredentials,
    RegSetTraderAccounts,
    RegSetTraderApproval,
    RegSetTraderOrs,
    RegUpdateMember,
    password_hash,
)
from siamex.units import is_text, shown

__all__ = ["LogonDecision", "Member", "Ors", "Registry", "RegistryError", "Trader"]

_ID = re.compile(r"[!-~]{1,64}\Z")  # printable ASCII, no spaces: it goes into FIX fields
_TEXT_LIMIT = 200
_HASH_BYTES = 32  # SHA-256
_ITERATIONS = range(1_000, 10_000_001)  # fewer is no protection, more stalls a logon


class Member(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A member firm: its accounts by id (unique within the member) and market-data right."""

    id: str
    name: str
    accounts: dict[str, AccountType] = {}
    market_data: bool = False


class Ors(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """An order-routing system: its approval state and what it logs on with.

    `updated` is the time of the last lifecycle event and `note` what it recorded.
    """

    id: str
    member: str
    state: OrsState = OrsState.APPLIED
    updated: int = 0
    note: str = ""
    sender_comp_id: str | None = None
    username: str | None = None
    salt: bytes = b""
    password_hash: bytes = b""
    iterations: int = 0


class Trader(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A trader ID: its ORSs and the accounts it may use (None: all of its member's)."""

    id: str
    member: str
    ors: tuple[str, ...]
    accounts: tuple[str, ...] | None = None
    approved: bool = False


class LogonDecision(msgspec.Struct, frozen=True):
    """A logon's answer: the ORS and member, or the refusal.

    `first_logon` tells the caller to journal `RegOrsEvent(FIRST_LOGON)`: the logon itself is a
    query, and only a command may move the ORS to IN_USE (DESIGN.md pillar 2).
    """

    ors: str | None = None
    member: str | None = None
    refusal: Refusal | None = None
    first_logon: bool = False

    @property
    def accepted(self) -> bool:
        """Whether the ORS may go on with its session."""
        return self.refusal is None


class _State(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    members: list[Member]
    ors: list[Ors]
    traders: list[Trader]


def _check_id(kind: str, value: str) -> None:
    if _ID.match(value) is None:
        raise RegistryError(RefusalCode.INVALID, f"{kind} {shown(value)} must be 1-64 printable "
                            "ASCII characters, no spaces")


def _check_text(kind: str, value: str, *, empty: bool) -> None:
    if not is_text(value) or len(value) > _TEXT_LIMIT or (not empty and not value.strip()):
        raise RegistryError(RefusalCode.INVALID, f"{kind} {shown(value)} must be text of at most "
                            f"{_TEXT_LIMIT} characters{'' if empty else ', not blank'}")


def _check_distinct(kind: str, values: tuple[str, ...]) -> None:
    if not values:
        raise RegistryError(RefusalCode.INVALID, f"name at least one {kind}")
    if len(set(values)) != len(values):
        raise RegistryError(RefusalCode.INVALID, f"a {kind} is listed twice")
    for value in values:
        _check_id(kind, value)


class Registry:
    """The members, ORSs and traders the exchange knows, changed only by `apply`."""

    __slots__ = ("_members", "_ors", "_traders")

    def __init__(self) -> None:
        self._members: dict[str, Member] = {}
        self._ors: dict[str, Ors] = {}
        self._traders: dict[str, Trader] = {}

    # Changes

    def apply(self, change: RegistryChange) -> None:
        """Apply one change, or raise `RegistryError` and change nothing."""
        match change:
            case RegAddMember():
                self._add_member(change)
            case RegUpdateMember():
                member = self._member(change.member)
                _check_text("member name", change.name, empty=False)
                self._members[member.id] = msgspec.structs.replace(member, name=change.name)
            case RegAddAccount():
                self._add_account(change)
            case RegSetMarketData():
                member = self._member(change.member)
                self._members[member.id] = msgspec.structs.replace(
                    member, market_data=change.entitled)
            case RegAddOrs():
                self._add_ors(change)
            case RegOrsEvent():
                self._ors_event(change)
            case RegSetOrsCredentials():
                self._set_credentials(change)
            case RegAddTrader():
                self._add_trader(change)
            case RegSetTraderApproval():
                trader = self._trader(change.trader)
                self._traders[trader.id] = msgspec.structs.replace(
                    trader, approved=change.approved)
            case RegSetTraderOrs():
                trader = self._trader(change.trader)
                ors = self._trader_ors(trader.member, change.ors)
                self._traders[trader.id] = msgspec.structs.replace(trader, ors=ors)
            case RegSetTraderAccounts():
                trader = self._trader(change.trader)
                accounts = self._trader_accounts(trader.member, change.accounts)
                self._traders[trader.id] = msgspec.structs.replace(trader, accounts=accounts)
            case _:
                raise RegistryError(RefusalCode.INVALID,
                                    f"{shown(change)} is not a registry change")

    def _add_member(self, change: RegAddMember) -> None:
        _check_id("member", change.member)
        _check_text("member name", change.name, empty=False)
        if change.member in self._members:
            raise RegistryError(RefusalCode.DUPLICATE, f"member {change.member} is registered")
        self._members[change.member] = Member(change.member, change.name)

    def _add_account(self, change: RegAddAccount) -> None:
        member = self._member(change.member)
        _check_id("account", change.account)
        if change.account in member.accounts:
            raise RegistryError(RefusalCode.DUPLICATE,
                                f"member {member.id} has an account {change.account}")
        accounts = dict(sorted({**member.accounts, change.account: change.type}.items()))
        self._members[member.id] = msgspec.structs.replace(member, accounts=accounts)

    def _add_ors(self, change: RegAddOrs) -> None:
        _check_id("ORS", change.ors)
        member = self._member(change.member)
        if change.ors in self._ors:
            raise RegistryError(RefusalCode.DUPLICATE, f"ORS {change.ors} is registered")
        self._ors[change.ors] = Ors(change.ors, member.id, updated=change.ts)

    def _ors_event(self, change: RegOrsEvent) -> None:
        ors = self._ors_of(change.ors)
        _check_text("note", change.note, empty=True)
        after = TRANSITIONS.get((ors.state, change.event))
        if after is None:
            raise RegistryError(RefusalCode.BAD_TRANSITION, f"ORS {ors.id} is {ors.state.value}: "
                                f"{change.event.value} does not apply")
        self._ors[ors.id] = msgspec.structs.replace(ors, state=after, updated=change.ts,
                                                    note=change.note)

    def _set_credentials(self, change: RegSetOrsCredentials) -> None:
        ors = self._ors_of(change.ors)
        if ors.state is OrsState.CANCELLED:
            raise RegistryError(RefusalCode.BAD_TRANSITION, f"ORS {ors.id} is cancelled")
        comp_id, username = change.sender_comp_id, change.username
        if comp_id is None and username is None:
            raise RegistryError(RefusalCode.INVALID, "give a SenderCompID, a username, or both")
        if comp_id is not None:
            _check_id("SenderCompID", comp_id)
            if comp_id == EXCHANGE_COMP_ID:
                raise RegistryError(RefusalCode.INVALID,
                                    f"{EXCHANGE_COMP_ID} is the exchange's CompID")
            if any(o.sender_comp_id == comp_id for o in self._ors.values() if o.id != ors.id):
                raise RegistryError(RefusalCode.DUPLICATE, f"SenderCompID {comp_id} is taken")
        if username is not None:
            _check_id("username", username)
            if any(o.username == username for o in self._ors.values() if o.id != ors.id):
                raise RegistryError(RefusalCode.DUPLICATE, f"username {username} is taken")
        if (username is None) != (not change.password_hash and not change.salt):
            raise RegistryError(RefusalCode.INVALID,
                                "a username goes with a password, and only then")
        if username is not None and (
                len(change.salt) < SALT_BYTES or len(change.salt) > 64
                or len(change.password_hash) != _HASH_BYTES
                or change.iterations not in _ITERATIONS):
            raise RegistryError(RefusalCode.INVALID,
                                f"a password is a {_HASH_BYTES}-byte PBKDF2-SHA256 hash with a "
                                f"salt of {SALT_BYTES}-64 bytes over {_ITERATIONS.start:,}-"
                                f"{_ITERATIONS.stop - 1:,} rounds")
        has_password = username is not None
        self._ors[ors.id] = msgspec.structs.replace(
            ors, sender_comp_id=comp_id, username=username,
            salt=change.salt if has_password else b"",
            password_hash=change.password_hash if has_password else b"",
            iterations=change.iterations if has_password else 0)

    def _add_trader(self, change: RegAddTrader) -> None:
        _check_id("trader", change.trader)
        member = self._member(change.member)
        if change.trader in self._traders:
            raise RegistryError(RefusalCode.DUPLICATE, f"trader {change.trader} is registered")
        ors = self._trader_ors(member.id, change.ors)
        accounts = self._trader_accounts(member.id, change.accounts)
        self._traders[change.trader] = Trader(change.trader, member.id, ors, accounts)

    def _trader_ors(self, member: str, ors_ids: tuple[str, ...]) -> tuple[str, ...]:
        _check_distinct("ORS", ors_ids)
        for ors_id in ors_ids:
            ors = self._ors_of(ors_id)
            if ors.member != member:
                raise RegistryError(RefusalCode.INVALID, f"ORS {ors_id} is not member {member}'s")
            if ors.state is OrsState.CANCELLED:
                raise RegistryError(RefusalCode.INVALID, f"ORS {ors_id} is cancelled")
        return tuple(sorted(ors_ids))

    def _trader_accounts(self, member: str,
                         accounts: tuple[str, ...] | None) -> tuple[str, ...] | None:
        if accounts is None:
            return None
        _check_distinct("account", accounts)
        owned = self._members[member].accounts
        for account in accounts:
            if account not in owned:
                raise RegistryError(RefusalCode.UNKNOWN_ACCOUNT,
                                    f"member {member} has no account {account}")
        return tuple(sorted(accounts))

    def _member(self, member: str) -> Member:
        found = self._members.get(member)
        if found is None:
            raise RegistryError(RefusalCode.UNKNOWN_MEMBER, f"no member {shown(member)}")
        return found

    def _ors_of(self, ors: str) -> Ors:
        found = self._ors.get(ors)
        if found is None:
            raise RegistryError(RefusalCode.UNKNOWN_ORS, f"no ORS {shown(ors)}")
        return found

    def _trader(self, trader: str) -> Trader:
        found = self._traders.get(trader)
        if found is None:
            raise RegistryError(RefusalCode.UNKNOWN_TRADER, f"no trader {shown(trader)}")
        return found

    # Queries

    def member(self, member: str) -> Member | None:
        """Return a member, or None."""
        return self._members.get(member)

    def ors(self, ors: str) -> Ors | None:
        """Return an ORS, or None."""
        return self._ors.get(ors)

    def trader(self, trader: str) -> Trader | None:
        """Return a trader, or None."""
        return self._traders.get(trader)

    def logon(self, sender_comp_id: str | None, username: str | None,
              password: str | None) -> LogonDecision:
        """Decide whether an ORS may log on with these credentials.

        The ORS is found by the SenderCompID when one is given (FIX), else by the username
        (HTTP). Every credential given must be the ORS's and a password the ORS has must be
        given. Credentials are checked before the approval state so that a caller who cannot
        prove who it is learns nothing of the system's approval.
        """
        found: Ors | None = None
        if sender_comp_id is not None:
            found = next((o for o in self._ors.values() if o.sender_comp_id == sender_comp_id),
                         None)
        elif username is not None:
            found = next((o for o in self._ors.values() if o.username == username), None)
        if found is None:
            return LogonDecision(refusal=Refusal(RefusalCode.UNKNOWN_ORS,
                                                 "no order-routing system with these credentials"))
        if not self._credentials_match(found, username, password):
            return LogonDecision(refusal=Refusal(RefusalCode.BAD_CREDENTIALS,
                                                 "wrong username or password"))
        if found.state not in MAY_LOG_ON:
            return LogonDecision(refusal=Refusal(
                RefusalCode.ORS_NOT_APPROVED,
                f"ORS {found.id} is {found.state.value}, not approved for use"))
        return LogonDecision(found.id, found.member,
                             first_logon=found.state is OrsState.APPROVED)

    def may_read_market_data(self, ors: str) -> bool:
        """Tell whether an ORS may read the market-data feed now: it may log on, and its member
        holds the market-data entitlement, which is approved apart from order entry (11)."""
        found = self._ors.get(ors)
        return (found is not None and found.state in MAY_LOG_ON
                and self._members[found.member].market_data)

    @staticmethod
    def _credentials_match(ors: Ors, username: str | None, password: str | None) -> bool:
        if ors.username is None:
            return username is None and password is None
        if username != ors.username or password is None:
            return False
        given = password_hash(password, ors.salt, ors.iterations)
        return hmac.compare_digest(given, ors.password_hash)

    def check_entry(self, trader: str, ors: str, account: str) -> Refusal | None:
        """Refuse an order a trader may not enter through this ORS for this account.

        The NOT_OWNER text is the same whether the account belongs to another member or to
        nobody, so that a trader cannot probe other members' accounts (10, client
        confidentiality).
        """
        found = self._traders.get(trader)
        if found is None:
            return Refusal(RefusalCode.UNKNOWN_TRADER, f"no trader {shown(trader)}")
        if not found.approved:
            return Refusal(RefusalCode.TRADER_NOT_APPROVED, f"trader {trader} is not approved")
        if ors not in found.ors:
            return Refusal(RefusalCode.TRADER_NOT_ON_ORS,
                           f"trader {trader} is not registered on ORS {shown(ors)}")
        state = self._ors[ors].state
        if state not in MAY_LOG_ON:
            return Refusal(RefusalCode.ORS_NOT_APPROVED,
                           f"ORS {ors} is {state.value}, not approved for use")
        if not self._may_use(found, account):
            return Refusal(RefusalCode.NOT_OWNER,
                           f"trader {trader} may not enter orders for account {shown(account)}")
        return None

    def may_see(self, trader: str, member: str, account: str) -> bool:
        """Tell whether an approved trader may see the orders of this member's account."""
        found = self._traders.get(trader)
        return (found is not None and found.approved and found.member == member
                and self._may_use(found, account))

    def _may_use(self, trader: Trader, account: str) -> bool:
        if trader.accounts is not None:
            return account in trader.accounts
        return account in self._members[trader.member].accounts

    # Snapshot

    def snapshot(self) -> dict[str, object]:
        """Return the whole registry as plain JSON-able data, sorted, for a state hash."""
        state = _State(sorted(self._members.values(), key=lambda m: m.id),
                       sorted(self._ors.values(), key=lambda o: o.id),
                       sorted(self._traders.values(), key=lambda t: t.id))
        data: dict[str, object] = msgspec.to_builtins(state, order="sorted")
        return data

    @classmethod
    def restore(cls, data: dict[str, object]) -> Registry:
        """Rebuild a registry from its snapshot."""
        state = msgspec.convert(data, _State)
        registry = cls()
        registry._members = {m.id: m for m in state.members}
        registry._ors = {o.id: o for o in state.ors}
        registry._traders = {t.id: t for t in state.traders}
        return registry
