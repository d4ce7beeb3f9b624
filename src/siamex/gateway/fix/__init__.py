"""FIX 4.4: the tag=value codec and the session layer, sans-IO (bytes in, events out)."""

from siamex.gateway.fix.actions import Action, AppMessage, Close, Deliver, LoggedOn, Write
from siamex.gateway.fix.auth import (
    Accepted,
    Authenticator,
    Credential,
    LogonDecision,
    Refused,
    StaticAuthenticator,
)
from siamex.gateway.fix.codec import FixMessage, Framer, Garbled, decode, encode
from siamex.gateway.fix.session import FixSession, NotLoggedOn, SessionConfig, store_outgoing
from siamex.gateway.fix.store import (
    CorruptStore,
    FileStore,
    MemoryStore,
    MessageStore,
    memory_stores,
)

__all__ = [
    "Accepted",
    "Action",
    "AppMessage",
    "Authenticator",
    "Close",
    "CorruptStore",
    "Credential",
    "Deliver",
    "FileStore",
    "FixMessage",
    "FixSession",
    "Framer",
    "Garbled",
    "LoggedOn",
    "LogonDecision",
    "MemoryStore",
    "MessageStore",
    "NotLoggedOn",
    "Refused",
    "SessionConfig",
    "StaticAuthenticator",
    "Write",
    "decode",
    "encode",
    "memory_stores",
    "store_outgoing",
]
