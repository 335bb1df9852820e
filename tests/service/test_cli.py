"""`breastcds token create|revoke` (the server itself is started by the other service tests)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from breastcds.service.storage import Store
from tests.service.conftest import LAUNCH, Server


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", LAUNCH, *args], capture_output=True, text=True, timeout=120
    )


def test_token_create_prints_the_token_once_and_it_works(tmp_path: Path) -> None:
    data = tmp_path / "data"
    created = run("token", "create", "--role", "assess", "--label", "lab", "--data-dir", str(data))
    assert created.returncode == 0, created.stderr
    token = created.stdout.strip()
    assert token.startswith("bcds_") and "\n" not in token
    assert token not in created.stderr
    store = Store(f"sqlite:///{data / 'breastcds.sqlite3'}")
    try:
        info = store.verify_token(token)
        assert info is not None and info.role == "assess" and info.label == "lab"
    finally:
        store.close()
    # the server on a database that already has tokens prints no admin token
    srv = Server(data).start()
    try:
        assert srv.admin_token is None
        with srv.client(token) as c:
            assert c.get("/assessments").status_code == 200
            assert c.get("/audit").status_code == 403
    finally:
        srv.stop()
    revoked = run("token", "revoke", info.id, "--data-dir", str(data))
    assert revoked.returncode == 0, revoked.stderr
    assert run("token", "revoke", info.id, "--data-dir", str(data)).returncode == 2


def test_token_create_rejects_an_unknown_role(tmp_path: Path) -> None:
    r = run("token", "create", "--role", "superuser", "--data-dir", str(tmp_path))
    assert r.returncode == 2
    assert "--role must be one of read, assess, admin" in r.stderr


def test_serve_reports_a_busy_port(tmp_path: Path) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        port = s.getsockname()[1]
        r = run("serve", "--port", str(port), "--data-dir", str(tmp_path / "d"))
    assert r.returncode == 2
    assert "cannot listen" in r.stderr
