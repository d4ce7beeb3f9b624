"""The registry's market-data entitlement as the feed server's admission (`[exchange]
feed_entitlement`, docs/itch.md).

A login's username and password are an ORS's, checked as the web API's logon checks them
(`Registry.logon`, the ORS found by its username); the ORS must be one that may log on and its
member entitled to market data at that moment. The standing reads the registry again after each
batch, so a withdrawn entitlement or a cancelled or changed ORS cuts the consumer off. A feed
login is not the ORS's first logon: only order entry moves it to IN_USE (ors_lifecycle).
"""

from __future__ import annotations

from siamex.feed.server import Admission, Standing
from siamex.gateway.service import Service

__all__ = ["registry_admission"]


def registry_admission(service: Service) -> Admission:
    """Admit a feed login by `service`'s registry as it stands when asked."""
    def admit(username: str, password: str) -> Standing | None:
        ors = service.exchange.registry.logon(None, username, password).ors
        if ors is None:
            return None
        admitted = ors

        def standing() -> bool:
            return service.exchange.registry.may_read_market_data(admitted)
        return standing if standing() else None
    return admit
