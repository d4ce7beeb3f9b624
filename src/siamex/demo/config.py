"""The demo's configuration: the sample one, with members of its own for the synthetic
participants, so that the sample's members and their FIX sessions stay free for the newcomer.

M11 is a market maker quoting both sides; M12 and M13 are brokers whose clients take liquidity.
Their ORSs log on over FIX with the credentials below; they have no pre-trade limits, the
clearing house funds them as it does every member (docs/drop-copy.md).
"""

from __future__ import annotations

from typing import Final

import msgspec

from siamex.gateway.config import SAMPLE

__all__ = ["DEMO_CONFIG", "DEMO_SYMBOLS", "PARTICIPANTS", "Participant"]


class Participant(msgspec.Struct, frozen=True):
    """One synthetic participant: its FIX session and the trader and account it uses."""

    name: str
    member: str
    sender_comp_id: str
    username: str
    password: str
    trader: str
    account: str
    market_maker: bool = False


PARTICIPANTS: Final = (
    Participant("market maker", "M11", "M11ORS1", "m11ors1", "demo-m11", "M11T1", "MM001",
                market_maker=True),
    Participant("taker A", "M12", "M12ORS1", "m12ors1", "demo-m12", "M12T1", "C0001"),
    Participant("taker B", "M13", "M13ORS1", "m13ors1", "demo-m13", "M13T1", "C0001"),
)
DEMO_SYMBOLS: Final = ("PTT", "AOT", "ADVANC", "CPALL", "KBANK", "SCB", "DELTA", "GULF")
"""The securities the participants trade: liquid SET50 names of the sample universe."""


def _member(p: Participant) -> str:
    kind = "market_maker" if p.market_maker else "client"
    return (f'\n[[members]]\nid = "{p.member}"\nname = "Demo {p.name}"\nmarket_data = true\n'
            f'accounts = [{{ id = "{p.account}", type = "{kind}" }}]\n'
            f'\n[[ors]]\nid = "{p.member}-ORS1"\nmember = "{p.member}"\n'
            f'sender_comp_id = "{p.sender_comp_id}"\nusername = "{p.username}"\n'
            f'password = "{p.password}"\n'
            f'\n[[traders]]\nid = "{p.trader}"\nmember = "{p.member}"\n'
            f'ors = ["{p.member}-ORS1"]\n')


DEMO_CONFIG: Final = SAMPLE.replace(
    "# siamex serve: a sample configuration", "# siamex serve --demo: the sample configuration"
) + "".join(_member(p) for p in PARTICIPANTS)
"""The configuration `siamex serve --demo` runs when none is given."""
