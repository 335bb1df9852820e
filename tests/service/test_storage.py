"""Storage on SQLite and on a real PostgreSQL server: migrations, append-only tables, hashed
tokens, the service end to end on each backend, and durability of acknowledged writes across a
SIGKILL of the server."""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from breastcds import examples
from breastcds.service.storage import AuditEvent, NewAssessment, Store, utcnow
from tests.service.conftest import Server


@pytest.fixture
def store(database_url: str) -> Store:
    s = Store(database_url)
    s.migrate()
    yield s
    s.close()


def _record(store: Store) -> str:
    return store.add_assessment(
        NewAssessment(
            source="rest",
            requester="token:t",
            input_json='{"a": 1}',
            case_json="{}",
            response_json='{"id": "x"}',
            created_at=utcnow(),
            breastcds_version="v",
            knowledge_version="k",
            case_schema_version="s",
        ),
        AuditEvent(type_code="110110", action="C", outcome="0", agent_who="token:t"),
    )


def test_migrations_apply_once_and_are_idempotent(store: Store) -> None:
    assert store.schema_revision() == "0002"
    store.migrate()
    assert store.schema_revision() == "0002"


def test_assessment_round_trip(store: Store) -> None:
    aid = _record(store)
    row = store.get_assessment(aid)
    assert row is not None
    assert row.input_json == '{"a": 1}' and row.response_json == '{"id": "x"}'
    assert row.created_at.tzinfo is not None
    assert row.input_sha256 == hashlib.sha256(b'{"a": 1}').hexdigest()
    rows, total = store.list_assessments(10, 0)
    assert total == 1 and rows[0].id == aid


@pytest.mark.parametrize("table", ["assessments", "audit_events"])
@pytest.mark.parametrize("statement", ["UPDATE {t} SET id = id", "DELETE FROM {t}"])
def test_stored_records_and_audit_are_append_only(store: Store, table: str, statement: str) -> None:
    _record(store)
    with pytest.raises(DBAPIError, match="append-only"), store.engine.begin() as conn:
        conn.execute(text(statement.format(t=table)))
    with store.engine.connect() as conn:
        assert conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one() == 1


def test_tokens_are_stored_hashed_and_verified(store: Store) -> None:
    info, token = store.create_token("assess", "lab system")
    secret = token.split(".", 1)[1]
    with store.engine.connect() as conn:
        rows = conn.execute(text("SELECT * FROM api_tokens")).all()
    assert len(rows) == 1
    assert all(secret not in str(v) for v in rows[0])
    assert store.verify_token(token) == info
    assert store.verify_token(token[:-1] + ("A" if token[-1] != "A" else "B")) is None
    assert store.verify_token("bcds_" + info.id) is None
    assert store.revoke_token(info.id)
    assert store.verify_token(token) is None


def test_sqlite_runs_in_wal_mode_with_full_sync(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'x.sqlite3'}")
    store.migrate()
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar_one() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar_one() == 2  # FULL
    store.close()


def test_service_end_to_end_on_each_backend(database_url: str, tmp_path: Path) -> None:
    srv = Server(tmp_path / "data", database_url=database_url).start()
    try:
        assert srv.admin_token
        with srv.client(srv.admin_token) as c:
            posted = c.post("/assess", json=examples.load("her2-positive-neoadjuvant"))
            assert posted.status_code == 201, posted.text
            got = c.get(f"/assessments/{posted.json()['id']}")
            assert got.content == posted.content
            assert c.get("/audit").json()["total"] >= 2
    finally:
        srv.stop()
    # a restart on the same database neither re-migrates nor prints another admin token
    again = Server(tmp_path / "data", database_url=database_url).start()
    try:
        assert again.admin_token is None
        with again.client(srv.admin_token) as c:
            assert c.get(f"/assessments/{posted.json()['id']}").content == posted.content
    finally:
        again.stop()


def test_acknowledged_assessments_survive_sigkill(database_url: str, tmp_path: Path) -> None:
    """Kill -9 the server during a stream of writes; every 201 it sent is there after restart."""
    srv = Server(tmp_path / "data", database_url=database_url).start()
    assert srv.admin_token
    token = srv.admin_token
    case = examples.load("her2-low-metastatic")
    acknowledged: dict[str, bytes] = {}
    lock = threading.Lock()
    enough = threading.Event()
    stop = threading.Event()

    def writer() -> None:
        with srv.client(token) as c:
            while not stop.is_set():
                try:
                    r = c.post("/assess", json=case)
                except httpx.TransportError:
                    return  # the server is gone
                if r.status_code == 201:
                    with lock:
                        acknowledged[r.json()["id"]] = r.content
                        if len(acknowledged) >= 60:
                            enough.set()

    threads = [threading.Thread(target=writer) for _ in range(4)]
    for t in threads:
        t.start()
    try:
        assert enough.wait(timeout=300), f"only {len(acknowledged)} writes acknowledged"
        srv.kill()  # SIGKILL while the writers are still sending
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=120)
        srv.stop()
    with lock:
        acked = dict(acknowledged)
    restarted = Server(tmp_path / "data", database_url=database_url).start()
    try:
        with restarted.client(token) as c:
            missing = [aid for aid in acked if c.get(f"/assessments/{aid}").status_code != 200]
            assert not missing, f"{len(missing)} of {len(acked)} acknowledged writes lost"
            for aid, body in acked.items():
                assert c.get(f"/assessments/{aid}").content == body
            assert c.get("/assessments", params={"limit": 1}).json()["total"] >= len(acked)
    finally:
        restarted.stop()
