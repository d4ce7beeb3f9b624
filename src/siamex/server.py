"""`siamex serve`: one process with the sequencer and its journal, the engine, the FIX acceptor
and the operations endpoint, on a data folder.

The data folder holds the journal (`exchange.journal`), the audit trail (`audit.sqlite`), the
FIX message stores (`fix/`), the drop copy and the clearing house's runs (`dropcopy.sqlite`,
`clearing/`, docs/drop-copy.md), the investors' key (`investor.key`, docs/credit-data.md), the
certification key (`certify.key`, docs/certify.md) and a lock that keeps a second server off
it. Starting on a folder whose journal holds commands replays them first, to the state the
last run ended in (a crash included), then serves;
starting on a new one journals the configuration's registry and limits first. When it
listens it prints one line, `siamex serve: listening fix=HOST:PORT http=http://HOST:PORT
data=FOLDER`, which scripts and tests read for the ports (0 picks free ones), and, last,
`feed=HOST:PORT` (the market-data feed, docs/itch.md).
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import signal
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, TextIO

import uvicorn
from starlette.routing import BaseRoute

from siamex.demo.market import DemoMarket
from siamex.errors import ErrorCode, SiamexError
from siamex.feed.entitlement import registry_admission
from siamex.feed.log import FeedLog
from siamex.feed.server import FeedServer
from siamex.feed.web import market_data_routes
from siamex.gateway.audit import SqliteAuditLog
from siamex.gateway.audit_sink import AuditSink
from siamex.gateway.clearing_link import ClearingLink
from siamex.gateway.clock import ExchangeClock
from siamex.gateway.config import ServeConfig
from siamex.gateway.credit_api import credit_routes
from siamex.gateway.fix.acceptor import FixAcceptor
from siamex.gateway.fix.session import SessionConfig
from siamex.gateway.genesis import genesis, member_specs
from siamex.gateway.investor_key import investor_key
from siamex.gateway.measures_api import measures_routes
from siamex.gateway.operations import operations_app
from siamex.gateway.service import Service
from siamex.gateway.tokens import Tokens
from siamex.gateway.trading_api import trading_routes
from siamex.gateway.universe import load_universe
from siamex.gateway.whoami_api import whoami_routes
from siamex.measures.depository import load_depository
from siamex.runtime import serving_gc
from siamex.units import date_of, parse_date
from siamex.web.console import console_routes

__all__ = ["Extension", "ServeOptions", "ServeParts", "serve"]


@dataclass(frozen=True)
class ServeOptions:
    """What the command line adds to the configuration."""

    folder: Path
    universe: Path | None = None
    sync: bool = True
    demo: bool = False
    """Run the demo's synthetic participants too (siamex.demo)."""
    days: int | None = None
    """With `demo`: stop once this many days traded and settled."""
    depository: Path | None = None
    """The depository file opened before the first trading day (decision 184)."""


@dataclass(frozen=True)
class ServeParts:
    """The running exchange's parts an extension works with."""

    service: Service
    clock: ExchangeClock
    acceptor: FixAcceptor
    tokens: Tokens


class Extension(Protocol):
    """A job run inside `siamex serve` on its parts (the certification): its routes join the
    web API, and the server stops when its `run` returns."""

    def routes(self, parts: ServeParts) -> list[BaseRoute]: ...

    async def run(self, parts: ServeParts) -> None: ...


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """Hold the data folder's lock, or refuse: two servers on one journal would corrupt it."""
    handle = os.open(folder / "lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise SiamexError(ErrorCode.DATA_FOLDER,
                              f"{folder} is in use by another siamex serve") from None
        yield
    finally:
        os.close(handle)


def _clock(config: ServeConfig) -> ExchangeClock:
    day = parse_date(config.date) if config.date is not None else None
    return ExchangeClock.starting(day, config.start, config.speed)


async def _serve(config: ServeConfig, options: ServeOptions, out: TextIO,
                 extension: Extension | None) -> None:
    folder = options.folder
    clock = _clock(config)
    first_day = date_of(clock.now_ns() // 1000) if config.date is None \
        else parse_date(config.date)
    universe = load_universe(options.universe, first_day)
    key = investor_key(folder)
    service = Service(folder, universe, clock, members=member_specs(config), sync=options.sync)
    audit = SqliteAuditLog(folder / "audit.sqlite")
    AuditSink(audit, service.exchange).attach(service)
    acceptor = FixAcceptor(service, folder / "fix", SessionConfig(comp_id=config.comp_id))
    feed_log = FeedLog(service)
    feed_log.attach()
    feed = FeedServer(feed_log, registry_admission(service) if config.feed_entitlement else None)
    link = ClearingLink(service, folder, config.clearing)
    tokens = Tokens(config)
    routes: list[BaseRoute] = []
    routes += market_data_routes(feed_log)
    routes += link.routes(tokens)
    routes += trading_routes(service, tokens)
    routes += credit_routes(service, tokens, key)
    routes += measures_routes(service, tokens)
    routes += whoami_routes(tokens)
    routes += console_routes()
    parts = ServeParts(service, clock, acceptor, tokens)
    if extension is not None:
        routes += extension.routes(parts)
    service.replay()
    if service.exchange.measures.opened is None:
        if options.depository is not None:
            service.depository = load_depository(options.depository, key)  # decision 184
            service.check_depository()
        elif universe.rules.check_before_sell:
            raise SiamexError(ErrorCode.DEPOSITORY_FILE, (
                "the universe's rules turn check_before_sell on: give the investors' holdings "
                "with --depository"))
    clock.not_before(service.first_ts())
    acceptor.resume()
    resumed = not service.fresh
    if service.fresh:
        for command in genesis(config):
            service.post(command)
    serving_gc()
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    fix = await loop.create_server(acceptor.connection, config.host, config.fix_port)
    feed_listener = await loop.create_server(feed.connection, config.host, config.feed_port)
    http = uvicorn.Server(uvicorn.Config(
        operations_app(service, config, audit, tokens, routes), host=config.host,
        port=config.http_port,
        log_level="warning", lifespan="off"))
    tasks = [asyncio.create_task(service.run()), asyncio.create_task(service.tick()),
             asyncio.create_task(_tick(acceptor, feed)), asyncio.create_task(http.serve())]
    while not http.started:
        if tasks[-1].done():
            tasks[-1].result()
        await asyncio.sleep(0.01)
    fix_port = fix.sockets[0].getsockname()[1]
    http_port = http.servers[0].sockets[0].getsockname()[1]
    feed_port = feed_listener.sockets[0].getsockname()[1]
    print(f"siamex serve: listening fix={config.host}:{fix_port} "
          f"http=http://{config.host}:{http_port} data={folder} "
          f"feed={config.host}:{feed_port}", file=out, flush=True)
    print(f"siamex serve: console http://{config.host}:{http_port}/", file=out, flush=True)
    if universe.description:
        print(f"siamex serve: universe: {universe.description}", file=out, flush=True)
    if options.demo:
        market = DemoMarket(service, clock, link, (config.host, fix_port), config.comp_id, out,
                            days=options.days, resumed=resumed)
        tasks.append(asyncio.create_task(market.run()))
    if extension is not None:
        tasks.append(asyncio.create_task(extension.run(parts)))
    stopping = asyncio.create_task(stop.wait())
    done, _ = await asyncio.wait([stopping, *tasks], return_when=asyncio.FIRST_COMPLETED)
    http.should_exit = True
    fix.close()
    feed_listener.close()
    acceptor.close()
    feed.close()
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    service.close()
    audit.close()
    link.close()
    failed = [task.exception() for task in done if task is not stopping]
    for exc in failed:
        if exc is not None:
            raise exc


async def _tick(acceptor: FixAcceptor, feed: FeedServer) -> None:
    while True:
        acceptor.tick()
        feed.tick()
        await asyncio.sleep(0.2)


def serve(config: ServeConfig, options: ServeOptions, out: TextIO = sys.stdout,
          extension: Extension | None = None) -> None:
    """Run the exchange until SIGTERM or SIGINT (or until the extension's job ends)."""
    options.folder.mkdir(parents=True, exist_ok=True)
    with _locked(options.folder):
        asyncio.run(_serve(config, options, out, extension))

