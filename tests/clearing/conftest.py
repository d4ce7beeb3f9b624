"""A throwaway PostgreSQL server on 127.0.0.1 for the store tests, one per test session.

It uses the server binaries already on the machine (Debian's /usr/lib/postgresql/*/bin, or
initdb on the PATH); as root on a machine without them it installs Debian's `postgresql`
package first. The cluster lives in a temporary directory, listens on loopback only on a free
port, trusts local connections, runs without fsync (it is thrown away), and is stopped and
deleted at the end. PostgreSQL refuses to run as root, so as root it runs as the `postgres`
user that the Debian package creates.

Where no server can be had the PostgreSQL tests are skipped, saying why; with
SIAMEX_REQUIRE_POSTGRES=1, or in CI (CI=true, which the CI runner sets), that is a failure
instead.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from itertools import count
from pathlib import Path

import psycopg
import pytest

REQUIRE_POSTGRES = "SIAMEX_REQUIRE_POSTGRES"
_databases = count(1)


class _NoServer(Exception):
    """Why no PostgreSQL server could be started here."""


def _say(config: pytest.Config, line: str) -> None:
    """Show a line on the terminal even while pytest captures output."""
    capture = config.pluginmanager.get_plugin("capturemanager")
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if capture is not None and reporter is not None:
        with capture.global_and_fixture_disabled():
            reporter.write_line("\n" + line)


def _bindir() -> Path | None:
    """Find the directory holding initdb and pg_ctl, the newest version first."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0)
    candidates = [Path(p).parent for p in reversed(found)]
    on_path = shutil.which("initdb")
    if on_path:
        candidates.append(Path(on_path).resolve().parent)
    return next((d for d in candidates if (d / "pg_ctl").exists()), None)


def _install(config: pytest.Config) -> None:
    """Install Debian's PostgreSQL server package, which needs root and apt-get."""
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        raise _NoServer("PostgreSQL server binaries are not installed (initdb, pg_ctl), and "
                        "installing them needs root and apt-get: apt-get install postgresql")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update"], ["apt-get", "install", "-y", "postgresql"]):
        _say(config, f"siamex tests: PostgreSQL not found; running {' '.join(command)}")
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise _NoServer(f"{' '.join(command)} failed: {done.stderr.strip()[-500:]}")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class _Cluster:
    """A PostgreSQL cluster in a temporary directory, run by a user allowed to run it."""

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.user: str | None = None
        account: pwd.struct_passwd | None = None
        if os.geteuid() == 0:
            try:
                account = pwd.getpwnam("postgres")
            except KeyError:
                raise _NoServer("running as root, which PostgreSQL refuses, and there is no "
                                "'postgres' user to run it as") from None
            self.user = account.pw_name
        self.root = Path(tempfile.mkdtemp(prefix="siamex-pg-"))
        if account is not None:
            os.chown(self.root, account.pw_uid, account.pw_gid)
        self.data = self.root / "data"
        self.port = _free_port()

    def _run(self, *args: str) -> None:
        done = subprocess.run([str(self.bindir / args[0]), *args[1:]], cwd=self.root,
                              user=self.user, group=self.user,
                              extra_groups=[] if self.user else None,
                              capture_output=True, text=True, check=False)
        if done.returncode != 0:
            log = self.root / "log"
            tail = log.read_text()[-500:] if log.exists() else ""
            raise _NoServer(f"{args[0]} failed: {(done.stderr + tail).strip()[-800:]}")

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust",
                  "-E", "UTF8", "--locale=C", "--no-sync")
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write(f"listen_addresses = '127.0.0.1'\nport = {self.port}\n"
                       f"unix_socket_directories = '{self.root}'\n"
                       "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n")
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.root / "log"), "-w",
                  "-t", "60", "start")

    def remove(self) -> None:
        if (self.data / "postmaster.pid").exists():
            subprocess.run([str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m",
                            "immediate", "-w", "stop"], cwd=self.root, user=self.user,
                           capture_output=True, check=False)
        shutil.rmtree(self.root, ignore_errors=True)


def _start(config: pytest.Config) -> _Cluster:
    """Find or install the server binaries and start a cluster, or say why not."""
    bindir = _bindir()
    if bindir is None:
        _install(config)
        bindir = _bindir()
        if bindir is None:
            raise _NoServer("the postgresql package installed no initdb/pg_ctl")
    cluster = _Cluster(bindir)
    try:
        cluster.start()
    except _NoServer:
        cluster.remove()
        raise
    return cluster


@pytest.fixture(scope="session")
def postgres_server(pytestconfig: pytest.Config) -> Iterator[str]:
    """Start a throwaway PostgreSQL on 127.0.0.1 and yield its URL; skip if none can be had."""
    started = time.monotonic()
    try:
        cluster = _start(pytestconfig)
    except _NoServer as exc:
        reason = f"no PostgreSQL server for the store tests: {exc}"
    else:
        _say(pytestconfig, f"siamex tests: PostgreSQL ({cluster.bindir}) on "
                           f"{cluster.url}, started in {time.monotonic() - started:.1f} s")
        try:
            yield cluster.url
        finally:
            cluster.remove()
        return
    if os.environ.get(REQUIRE_POSTGRES) == "1" or os.environ.get("CI") == "true":
        pytest.fail(f"{reason} ({REQUIRE_POSTGRES}=1 or CI=true)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture
def postgres_url(postgres_server: str) -> Iterator[str]:
    """Yield the URL of a fresh, empty database on the throwaway server."""
    name = f"siamex_test_{next(_databases)}"
    with psycopg.connect(postgres_server, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    yield postgres_server.rsplit("/", 1)[0] + f"/{name}"
    with psycopg.connect(postgres_server, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE {name} WITH (FORCE)")
