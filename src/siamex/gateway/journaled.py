"""The record of `siamex serve`'s journal: a sequence number and any command of the service.

The same framing as the engine's journal (siamex.journal.log), with a wider command union: the
engine's commands, order entry as members sent it, and the registry's and limits' changes.
"""

from __future__ import annotations

from typing import Final

import msgspec

from siamex.gateway.exchange import ServiceCommand

__all__ = ["DECODER", "ServiceRecord"]


class ServiceRecord(msgspec.Struct, array_like=True, frozen=True):
    """The sequence number the service stamped on a command, and the command."""

    seq: int
    command: ServiceCommand


DECODER: Final = msgspec.msgpack.Decoder(ServiceRecord)
