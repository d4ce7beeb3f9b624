"""The record of `siamex serve`'s journal: a sequence number and any command of the service.

The same framing as the engine's journal (siamex.journal.log), with a wider command union: the
engine's commands, order entry as members sent it, and the registry's and limits' changes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

import msgspec

from siamex.gateway.exchange import Exchange, ServiceCommand
from siamex.journal.log import read_journal

__all__ = ["DECODER", "ServiceRecord", "replay_journal"]


class ServiceRecord(msgspec.Struct, array_like=True, frozen=True):
    """The sequence number the service stamped on a command, and the command."""

    seq: int
    command: ServiceCommand


DECODER: Final = msgspec.msgpack.Decoder(ServiceRecord)


def replay_journal(path: Path) -> tuple[Exchange, int]:
    """Rebuild the exchange a journal ends in, and its last sequence number: what a server
    restarted on it must hold (its state hash is the proof)."""
    exchange = Exchange()
    last = 0
    for record in read_journal(path, DECODER):
        exchange.handle(record.seq, record.command)
        last = record.seq
    return exchange, last
