"""Service test harness: the real server in a subprocess, SQLite or a real PostgreSQL server.

The server is started as a user would (``breastcds serve --port 0``), its first admin token is
read from its standard output, and requests go over HTTP on 127.0.0.1. PostgreSQL is a throwaway
cluster (``initdb`` + ``pg_ctl``, as the ``postgres`` user when running as root) in a temporary
directory; its tests are skipped only when the PostgreSQL server binaries are not installed.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

START_TIMEOUT_S = 90.0
LAUNCH = "from breastcds.cli.main import app; app()"

SECRETS: set[str] = set()
"""Every credential a test handled (API tokens, passwords, shared secrets): no server log of
the session may contain any of them (checked when each server stops)."""


def remember_secret(value: str) -> str:
    SECRETS.add(value)
    return value


def _stored_token_secrets(url: str) -> set[str]:
    """Salts and secret hashes of the API tokens in a server's database."""
    rows: list[tuple[str, str]] = []
    if url.startswith("sqlite:///"):
        import sqlite3

        path = url.removeprefix("sqlite:///")
        if not Path(path).exists():
            return set()
        with sqlite3.connect(path) as conn:
            rows = conn.execute("SELECT salt, secret_hash FROM api_tokens").fetchall()
    elif url.startswith("postgresql://"):
        import psycopg

        with psycopg.connect(url) as conn:
            rows = conn.execute("SELECT salt, secret_hash FROM api_tokens").fetchall()
    return {v for row in rows for v in row}


def assert_log_has_no_secrets(log: str, url: str) -> None:
    """No credential, salt or hash in a server log (nor any unredacted API token)."""
    import re

    leaked = sorted(s for s in SECRETS | _stored_token_secrets(url) if s and s in log)
    assert not leaked, f"credentials in the server log: {[x[:12] + '...' for x in leaked]}"
    unredacted = re.findall(r"bcds_[0-9a-f]{8,}\.[A-Za-z0-9_\-]{8,}", log)
    assert not unredacted, "an API token in the server log"


@dataclass
class Server:
    """One ``breastcds serve`` process."""

    data_dir: Path
    database_url: str | None = None
    env: dict[str, str] = field(default_factory=dict)
    proc: subprocess.Popen[str] | None = None
    base_url: str = ""
    admin_token: str | None = None
    log_path: Path = field(init=False)
    stdout_lines: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.log_path = self.data_dir.parent / f"{self.data_dir.name}-server.log"

    def start(self) -> Server:
        args = [
            sys.executable,
            "-c",
            LAUNCH,
            "serve",
            "--port",
            "0",
            "--data-dir",
            str(self.data_dir),
        ]
        if self.database_url:
            args += ["--database-url", self.database_url]
        env = {k: v for k, v in os.environ.items() if not k.startswith("BREASTCDS_")}
        env.update(self.env)
        log = self.log_path.open("a", encoding="utf-8")
        self.proc = subprocess.Popen(
            args, stdout=subprocess.PIPE, stderr=log, stdin=subprocess.DEVNULL, text=True, env=env
        )
        log.close()
        assert self.proc.stdout is not None
        while True:
            line = self.proc.stdout.readline()
            if not line:
                self.proc.wait(timeout=30)
                raise RuntimeError(f"server exited before listening; log:\n{self.log()}")
            self.stdout_lines.append(line)
            if line.startswith("first admin token"):
                self.admin_token = remember_secret(line.split(":", 1)[1].strip())
            if "listening on " in line:
                self.base_url = line.rsplit(" ", 1)[1].strip()
                break
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            try:
                if httpx.get(f"{self.base_url}/health", timeout=5).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or self.proc.poll() is not None:
                raise RuntimeError(f"server did not become healthy; log:\n{self.log()}")
            time.sleep(0.05)

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8") if self.log_path.exists() else ""

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)

    @property
    def url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'breastcds.sqlite3'}"

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=30)
        assert_log_has_no_secrets(self.log(), self.url)

    def client(self, token: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.base_url, headers=headers, timeout=60)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A SQLite-backed server shared by a test module."""
    srv = Server(
        tmp_path_factory.mktemp("svc") / "data",
        env={"BREASTCDS_CDS_TEST_SECRET": "test-secret-not-for-production-0123456789"},
    )
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def admin(server: Server) -> Iterator[httpx.Client]:
    assert server.admin_token, "a new database prints a first admin token"
    with server.client(server.admin_token) as c:
        yield c


def make_token(admin: httpx.Client, role: str) -> str:
    r = admin.post("/tokens", json={"role": role, "label": f"test {role}"})
    assert r.status_code == 201, r.text
    token: str = r.json()["token"]
    return remember_secret(token)


# --- PostgreSQL ---------------------------------------------------------------------------


def _pg_bindir() -> Path | None:
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return Path(found).resolve().parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)
    return Path(candidates[0]).parent if candidates else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class Postgres:
    host: str
    port: int
    user: str

    def url(self, dbname: str) -> str:
        return f"postgresql://{self.user}@{self.host}:{self.port}/{dbname}"

    def create_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(self.url("postgres"), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


@pytest.fixture(scope="session")
def postgres() -> Iterator[Postgres]:
    """A throwaway PostgreSQL cluster on 127.0.0.1 (trust auth), stopped at the end."""
    bindir = _pg_bindir()
    if bindir is None:
        pytest.skip(
            "PostgreSQL server binaries (initdb, pg_ctl) are not installed; "
            "scripts/test.sh installs them with `need postgresql`"
        )
    run_as: dict[str, Any] = {}
    if os.geteuid() == 0:  # initdb refuses to run as root
        try:
            pw = pwd.getpwnam("postgres")
        except KeyError:
            pytest.fail("running as root and there is no 'postgres' user to run PostgreSQL as")
        run_as = {"user": pw.pw_uid, "group": pw.pw_gid}
    root = Path(tempfile.mkdtemp(prefix="breastcds-pg-"))
    if run_as:
        os.chown(root, run_as["user"], run_as["group"])
    data = root / "data"
    port = _free_port()
    env = {**os.environ, "LC_ALL": "C", "LANG": "C"}

    def pg(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            args,
            check=True,
            capture_output=True,
            text=True,
            env=env,
            cwd=root,
            timeout=120,
            **run_as,
        )

    pg(str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust", "-E", "UTF8")
    # One cluster per test process (pytest-xdist workers each start their own): a free port is
    # picked, and picked again if another process took it before the server bound it.
    for attempt in range(3):
        options = f"-c listen_addresses=127.0.0.1 -p {port} -k {root} -c fsync=on"
        try:
            pg(
                str(bindir / "pg_ctl"),
                "-D",
                str(data),
                "-l",
                str(root / "server.log"),
                "-o",
                options,
                "-w",
                "-t",
                "60",
                "start",
            )
            break
        except subprocess.CalledProcessError as exc:
            log = (root / "server.log").read_text() if (root / "server.log").exists() else ""
            if attempt < 2 and "could not bind" in log:
                port = _free_port()
                continue
            pytest.fail(f"PostgreSQL did not start: {exc.stderr}\n{log}")
    try:
        yield Postgres("127.0.0.1", port, "postgres")
    finally:
        subprocess.run(
            [str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"],
            capture_output=True,
            env=env,
            cwd=root,
            timeout=120,
            **run_as,
        )
        shutil.rmtree(root, ignore_errors=True)


_db_counter = 0


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty database of each backend (a URL for --database-url)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'db.sqlite3'}"
    global _db_counter
    _db_counter += 1
    pgserver: Postgres = request.getfixturevalue("postgres")
    return pgserver.create_database(f"breastcds_test_{os.getpid()}_{_db_counter}")
