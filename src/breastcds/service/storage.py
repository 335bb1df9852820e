"""Stored assessments, the audit trail and API tokens (SQLAlchemy 2; Alembic migrations).

SQLite (default) runs in WAL mode with ``synchronous=FULL``: a write is acknowledged only after
its commit reached the disk, so an acknowledged assessment survives a kill of the process.
PostgreSQL is used through psycopg 3 when ``BREASTCDS_DATABASE_URL`` says so.

Assessments and audit events are append-only: this module has no update or delete for them, and
the migration installs database triggers that refuse UPDATE and DELETE on both tables.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import queue
import secrets
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import Future
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import (
    BigInteger,
    DateTime,
    Engine,
    Integer,
    String,
    Text,
    create_engine,
    delete,
    event,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry
from sqlalchemy.types import TypeDecorator

from breastcds.model.strict import clean_text

Role = Literal["read", "assess", "admin"]
ROLES: tuple[Role, ...] = ("read", "assess", "admin")
TOKEN_PREFIX = "bcds_"


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite stores them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


BigId = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    pass


class AssessmentRow(Base):
    __tablename__ = "assessments"

    seq: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(32), unique=True, nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False, index=True)
    source: Mapped[str] = mapped_column(String(16), nullable=False)
    requester: Mapped[str] = mapped_column(String(200), nullable=False)
    input_json: Mapped[str] = mapped_column(Text, nullable=False)
    case_json: Mapped[str] = mapped_column(Text, nullable=False)
    input_sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    response_json: Mapped[str] = mapped_column(Text, nullable=False)
    breastcds_version: Mapped[str] = mapped_column(String(64), nullable=False)
    knowledge_version: Mapped[str] = mapped_column(String(64), nullable=False)
    case_schema_version: Mapped[str] = mapped_column(String(32), nullable=False)


class AuditEventRow(Base):
    """Shaped after FHIR R4 AuditEvent: type/subtype, action, recorded, outcome, agent, entity."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    recorded: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False, index=True)
    type_system: Mapped[str] = mapped_column(String(100), nullable=False)
    type_code: Mapped[str] = mapped_column(String(32), nullable=False)
    subtype: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(1), nullable=False)  # C R U D E
    outcome: Mapped[str] = mapped_column(String(2), nullable=False)  # 0 4 8 12
    outcome_desc: Mapped[str | None] = mapped_column(String(300))
    agent_who: Mapped[str] = mapped_column(String(200), nullable=False)
    agent_role: Mapped[str | None] = mapped_column(String(32))
    agent_network: Mapped[str | None] = mapped_column(String(64))
    entity_what: Mapped[str | None] = mapped_column(String(200))
    entity_type: Mapped[str | None] = mapped_column(String(64))
    request_id: Mapped[str | None] = mapped_column(String(64))


class ApiTokenRow(Base):
    __tablename__ = "api_tokens"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    role: Mapped[str] = mapped_column(String(16), nullable=False)
    label: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    salt: Mapped[str] = mapped_column(String(64), nullable=False)
    secret_hash: Mapped[str] = mapped_column(String(128), nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class CdsJtiRow(Base):
    """A CDS client JWT id already used, kept until the JWT expires (replay protection)."""

    __tablename__ = "cds_jti"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False, index=True)


# --- records passed in and out -------------------------------------------------------------


@dataclass(frozen=True)
class NewAssessment:
    source: str
    requester: str
    input_json: str
    case_json: str
    response_json: str
    created_at: dt.datetime
    breastcds_version: str
    knowledge_version: str
    case_schema_version: str
    id: str = ""


@dataclass(frozen=True)
class AuditEvent:
    """One audit record. ``type_code`` follows DICOM (DCM) audit event ids, e.g. 110110."""

    type_code: str
    action: str
    outcome: str
    agent_who: str
    type_system: str = "http://dicom.nema.org/resources/ontology/DCM"
    subtype: str | None = None
    outcome_desc: str | None = None
    agent_role: str | None = None
    agent_network: str | None = None
    entity_what: str | None = None
    entity_type: str | None = None
    request_id: str | None = None
    recorded: dt.datetime | None = None


@dataclass(frozen=True)
class TokenInfo:
    id: str
    role: Role
    label: str
    expires_at: dt.datetime | None = None


def printable_text(value: str) -> str:
    """``value`` with NUL and unpaired UTF-16 surrogates replaced by U+FFFD (storable)."""
    text: str = clean_text(value)
    return text


class GroupCommitter:
    """One writer thread for appends (assessments and their audit events): it takes every
    append waiting (up to 64) and commits them in one transaction. A failing batch is retried
    one append at a time, so one bad append fails alone."""

    MAX_BATCH = 64

    def __init__(self, store: Store) -> None:
        self.store = store
        self._queue: queue.SimpleQueue[tuple[list[tuple[Any, Any]], Future[None]]] = (
            queue.SimpleQueue()
        )
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def submit(self, statements: list[tuple[Any, Any]]) -> None:
        """Append and return once committed."""
        self.enqueue(statements).result()

    def enqueue(self, statements: list[tuple[Any, Any]]) -> Future[None]:
        """Append; the future is done once the commit that holds these rows is."""
        if self._thread is None:
            with self._lock:
                if self._thread is None:
                    self._thread = threading.Thread(
                        target=self._loop, name="sqlite-group-commit", daemon=True
                    )
                    self._thread.start()
        done: Future[None] = Future()
        self._queue.put((statements, done))
        return done

    def _loop(self) -> None:
        while True:
            batch = [self._queue.get()]
            while len(batch) < self.MAX_BATCH:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            try:
                self._commit([s for statements, _ in batch for s in statements])
            except Exception:
                for statements, done in batch:  # isolate the failing append
                    try:
                        self._commit(statements)
                    except Exception as exc:
                        done.set_exception(exc)
                    else:
                        done.set_result(None)
                continue
            for _, done in batch:
                done.set_result(None)

    def _commit(self, statements: list[tuple[Any, Any]]) -> None:
        with self.store._write_conn() as conn:
            for stmt, params in statements:
                conn.execute(stmt, params)


ALERT_TYPE = "110113"  # DCM Security Alert
ALERT_WINDOW_S = 60.0
ALERT_INDIVIDUAL = 20


@dataclass
class _Window:
    start: float
    first: AuditEvent
    written: int = 1
    count: int = 0
    last: dt.datetime | None = None


class AlertAggregator:
    """Counts repeated security alerts per (subtype, address) in windows of a minute."""

    def __init__(self, window_s: float = ALERT_WINDOW_S) -> None:
        self.window_s = window_s
        self.lock = threading.Lock()
        self._windows: dict[tuple[str | None, str | None], _Window] = {}

    def admit(self, event_: AuditEvent) -> list[AuditEvent]:
        """The events to write now: this one when it opens a window, else none (counted)."""
        key = (event_.subtype, event_.agent_network)
        now = time.monotonic()
        out: list[AuditEvent] = []
        with self.lock:
            window = self._windows.get(key)
            if window is not None and now - window.start >= self.window_s:
                out.extend(_summary(window))
                window = None
            if window is None:
                if len(self._windows) >= 10_000:  # many addresses: summarise and start afresh
                    for w in self._windows.values():
                        out.extend(_summary(w))
                    self._windows.clear()
                self._windows[key] = _Window(now, event_)
                out.append(event_)
            elif window.written < ALERT_INDIVIDUAL:
                window.written += 1
                out.append(event_)
            else:
                window.count += 1
                window.last = utcnow()
        return out

    def due(self, force: bool = False) -> list[AuditEvent]:
        """Summaries of the windows that are over (all of them with ``force``)."""
        now = time.monotonic()
        out: list[AuditEvent] = []
        with self.lock:
            for key, window in list(self._windows.items()):
                if force or now - window.start >= self.window_s:
                    out.extend(_summary(window))
                    del self._windows[key]
        return out


def _summary(window: _Window) -> list[AuditEvent]:
    if window.count == 0:
        return []
    e = window.first
    return [
        AuditEvent(
            type_code=e.type_code,
            subtype=e.subtype,
            action=e.action,
            outcome=e.outcome,
            outcome_desc=f"{window.count} more like this from the same address within "
            f"{ALERT_WINDOW_S:g} s (aggregated); first: {e.outcome_desc or ''}",
            agent_who=e.agent_who,
            agent_role=e.agent_role,
            agent_network=e.agent_network,
            entity_what="aggregated",
            entity_type=e.entity_type,
            recorded=window.last,
        )
    ]


def new_assessment_id() -> str:
    return uuid.uuid4().hex


def _hash_secret(salt: str, secret: str) -> str:
    # The secret is 256 bits from `secrets`, so a salted SHA-256 cannot be brute-forced; a slow
    # password hash would add its cost to every request without adding safety.
    return hashlib.sha256(bytes.fromhex(salt) + secret.encode("utf-8")).hexdigest()


def _sqlite_pragmas(dbapi_conn: DBAPIConnection, _: ConnectionPoolEntry) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=FULL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    # WAL checkpoints run in the Store's background thread, not inside a request's commit
    # (a checkpoint copies megabytes back to the database file and stalls that request).
    cur.execute("PRAGMA wal_autocheckpoint=0")
    cur.close()


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[1] if "///" in url else ""
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 30},
            hide_parameters=True,  # bound values (salts, hashes, inputs) never reach a log
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(
        url, pool_pre_ping=True, pool_size=10, max_overflow=20, hide_parameters=True
    )


class Store:
    """The repository: everything the service reads from or writes to its database."""

    def __init__(self, url: str, token_cache_s: float = 1.0) -> None:
        self.url = url
        # Verified API tokens are remembered for a second (keyed by a hash of the token):
        # a request then costs no token lookup; a revocation reaches other workers within it.
        self.token_cache_s = token_cache_s
        self._token_cache: dict[str, tuple[float, TokenInfo]] = {}
        self._jti_inserts = 0
        self._alerts = AlertAggregator()
        self._alert_flusher: threading.Thread | None = None
        self.engine = make_engine(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        # SQLite has one writer at a time; queueing writers on a lock here is fair and prompt,
        # where SQLite's own busy handler sleeps with back-off (up to 100 ms a try).
        self._write_lock = threading.Lock() if url.startswith("sqlite") else None
        self._stop = threading.Event()
        # Every backend: one writer thread per process commits the appends waiting at that
        # moment in one transaction (PostgreSQL too: a request's rows no longer take a thread
        # of the pool, and a burst is one WAL flush instead of one per request).
        self._committer = GroupCommitter(self)
        self._checkpointer: threading.Thread | None = None
        if url.startswith("sqlite") and ":memory:" not in url:
            self._checkpointer = threading.Thread(
                target=self._checkpoint_loop, name="sqlite-wal-checkpoint", daemon=True
            )
            self._checkpointer.start()

    def _checkpoint_loop(self, interval_s: float = 1.0) -> None:
        """Fold the WAL back into the database every second (PASSIVE: never blocks writers;
        durability does not depend on it — committed transactions are already in the WAL)."""
        while not self._stop.wait(interval_s):
            try:
                with self.engine.connect() as conn:
                    conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")
            except Exception:  # retried next second; never fatal to the service
                continue

    def migrate(self) -> None:
        """Apply every Alembic migration not yet applied (idempotent)."""
        from alembic import command
        from alembic.config import Config

        cfg = Config()
        cfg.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
        with self.engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")

    def schema_revision(self) -> str | None:
        from alembic.runtime.migration import MigrationContext

        with self.engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()

    def close(self) -> None:
        with suppress(Exception):  # the database may be gone already at shutdown
            self.flush_audit()
        self._stop.set()
        if self._checkpointer is not None:
            self._checkpointer.join(timeout=5)
        self.engine.dispose()

    @contextmanager
    def _tx(self) -> Iterator[Session]:
        with self._sessions.begin() as session:
            yield session

    @contextmanager
    def _write_conn(self) -> Iterator[Any]:
        if self._write_lock is None:
            with self.engine.begin() as conn:
                yield conn
            return
        with self._write_lock, self.engine.begin() as conn:
            yield conn

    @contextmanager
    def _write(self) -> Iterator[Session]:
        if self._write_lock is None:
            with self._tx() as session:
                yield session
            return
        with self._write_lock, self._tx() as session:
            yield session

    # --- assessments --------------------------------------------------------------------

    def add_assessment(self, rec: NewAssessment, audit: AuditEvent) -> str:
        """Store an assessment and its audit event in one transaction; return its id."""
        aid, statements = _assessment_inserts(rec, audit)
        self._append(statements)
        return aid

    def enqueue_assessment(self, rec: NewAssessment, audit: AuditEvent) -> Future[None]:
        """Hand the assessment's rows to the group committer from any thread; the future is
        done once the commit that holds them is (or holds its exception)."""
        _, statements = _assessment_inserts(rec, audit)
        return self._committer.enqueue(statements)

    def get_assessment(self, aid: str) -> AssessmentRow | None:
        with self._tx() as s:
            return s.scalars(select(AssessmentRow).where(AssessmentRow.id == aid)).first()

    def list_assessments(self, limit: int, offset: int) -> tuple[list[AssessmentRow], int]:
        """Newest first."""
        with self._tx() as s:
            total = s.scalar(select(func.count()).select_from(AssessmentRow)) or 0
            rows = s.scalars(
                select(AssessmentRow).order_by(AssessmentRow.seq.desc()).limit(limit).offset(offset)
            ).all()
            return list(rows), total

    # --- audit --------------------------------------------------------------------------

    def audit(self, event_: AuditEvent) -> None:
        """Append an audit event. Security alerts (refused credentials, rate limits) are
        aggregated: the first ``ALERT_INDIVIDUAL`` of a kind from one address in a minute are
        written at once, the others counted and written as one summary event when the minute
        is over (a flood of 674 anonymous requests is 21 rows, not 674)."""
        events = [event_]
        if event_.type_code == ALERT_TYPE:
            events = self._alerts.admit(event_)
            if self._alert_flusher is None:
                self._start_alert_flusher()
        self.audit_many(events)

    def _start_alert_flusher(self) -> None:
        with self._alerts.lock:
            if self._alert_flusher is not None:
                return
            self._alert_flusher = threading.Thread(
                target=self._alert_loop, name="audit-aggregate", daemon=True
            )
            self._alert_flusher.start()

    def _alert_loop(self, interval_s: float = 5.0) -> None:
        while not self._stop.wait(interval_s):
            try:
                self.audit_many(self._alerts.due())
            except Exception:  # retried at the next interval; never fatal to the service
                continue

    def flush_audit(self) -> None:
        """Write the summaries of every aggregation window now (at shutdown)."""
        self.audit_many(self._alerts.due(force=True))

    def audit_many(self, events: list[AuditEvent]) -> None:
        if events:
            self._append([(_INSERT_AUDIT, [_audit_values(e) for e in events])])

    def _append(self, statements: list[tuple[Any, Any]]) -> None:
        """Run inserts in one transaction; return once committed (durable).

        Through the group committer, which commits the appends waiting at that moment in one
        transaction (one fsync for several requests under load; each caller still returns only
        after the commit that holds its rows)."""
        self._committer.submit(statements)

    def list_audit(self, limit: int, offset: int) -> tuple[list[AuditEventRow], int]:
        """Newest first."""
        with self._tx() as s:
            total = s.scalar(select(func.count()).select_from(AuditEventRow)) or 0
            rows = s.scalars(
                select(AuditEventRow).order_by(AuditEventRow.id.desc()).limit(limit).offset(offset)
            ).all()
            return list(rows), total

    # --- tokens -------------------------------------------------------------------------

    def create_token(
        self, role: Role, label: str = "", expires_at: dt.datetime | None = None
    ) -> tuple[TokenInfo, str]:
        """Create an API token; return its info and the token text (shown once, never stored).

        ``expires_at`` (optional): the token stops working at that UTC time."""
        if role not in ROLES:
            raise ValueError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
        tid = secrets.token_hex(8)
        secret = secrets.token_urlsafe(32)
        salt = secrets.token_hex(16)
        with self._write() as s:
            s.add(
                ApiTokenRow(
                    id=tid,
                    role=role,
                    label=label,
                    salt=salt,
                    secret_hash=_hash_secret(salt, secret),
                    created_at=utcnow(),
                    expires_at=expires_at,
                )
            )
        return TokenInfo(tid, role, label, expires_at), f"{TOKEN_PREFIX}{tid}.{secret}"

    def cached_token(self, token: str) -> tuple[bool, TokenInfo | None]:
        """(True, info) when ``token`` was verified less than ``token_cache_s`` ago (no I/O)."""
        if not self._token_cache or not token.isascii():
            return False, None
        cached = self._token_cache.get(hashlib.sha256(token.encode("ascii")).hexdigest())
        if cached is None or cached[0] <= time.monotonic():
            return False, None
        info = cached[1]
        return True, (info if info.expires_at is None or info.expires_at > utcnow() else None)

    def verify_token(self, token: str) -> TokenInfo | None:
        """The token's info when it is known, not revoked, not expired and its secret matches."""
        if not token.startswith(TOKEN_PREFIX) or "." not in token or len(token) > 200:
            return None
        tid, _, secret = token[len(TOKEN_PREFIX) :].partition(".")
        if not tid or not secret or len(tid) > 32 or not token.isascii():
            return None
        found, info = self.cached_token(token)
        if found:
            return info
        now = time.monotonic()
        key = hashlib.sha256(token.encode("ascii")).hexdigest()
        with self.engine.connect() as conn:
            row = conn.execute(
                select(
                    ApiTokenRow.id,
                    ApiTokenRow.role,
                    ApiTokenRow.label,
                    ApiTokenRow.salt,
                    ApiTokenRow.secret_hash,
                    ApiTokenRow.revoked_at,
                    ApiTokenRow.expires_at,
                ).where(ApiTokenRow.id == tid)
            ).first()
        if row is None or row.revoked_at is not None:
            return None
        if not hmac.compare_digest(row.secret_hash, _hash_secret(row.salt, secret)):
            return None
        if row.expires_at is not None and row.expires_at <= utcnow():
            return None
        for role in ROLES:
            if role == row.role:
                info = TokenInfo(row.id, role, row.label, row.expires_at)
                if self.token_cache_s > 0:
                    if len(self._token_cache) > 10_000:
                        self._token_cache.clear()
                    self._token_cache[key] = (now + self.token_cache_s, info)
                return info
        return None  # a role this version does not know grants nothing

    def revoke_token(self, tid: str) -> bool:
        self._token_cache.clear()  # this worker at once; others within token_cache_s
        with self._write() as s:
            result = s.execute(
                update(ApiTokenRow)
                .where(ApiTokenRow.id == tid, ApiTokenRow.revoked_at.is_(None))
                .values(revoked_at=utcnow())
            )
            return bool(getattr(result, "rowcount", 0))

    # --- CDS Hooks JWT ids --------------------------------------------------------------

    def remember_jti(self, key: str, expires_at: dt.datetime) -> bool:
        """Record a JWT id until it expires; False when it was already recorded (a replay)."""
        self._jti_inserts += 1
        try:
            with self._write_conn() as conn:
                if self._jti_inserts % 100 == 1:  # forget ids whose JWT has expired
                    conn.execute(delete(CdsJtiRow).where(CdsJtiRow.expires_at < utcnow()))
                conn.execute(insert(CdsJtiRow), {"key": key, "expires_at": expires_at})
        except IntegrityError:
            return False
        return True

    def count_tokens(self) -> int:
        with self._tx() as s:
            return s.scalar(select(func.count()).select_from(ApiTokenRow)) or 0


_INSERT_ASSESSMENT = insert(AssessmentRow)
_INSERT_AUDIT = insert(AuditEventRow)


def _assessment_inserts(rec: NewAssessment, audit: AuditEvent) -> tuple[str, list[tuple[Any, Any]]]:
    """The assessment's id and the Core inserts of its row and its audit event (written in one
    transaction)."""
    aid = rec.id or new_assessment_id()
    row = {
        "id": aid,
        "created_at": rec.created_at,
        "source": rec.source,
        "requester": rec.requester,
        "input_json": rec.input_json,
        "case_json": rec.case_json,
        "input_sha256": hashlib.sha256(rec.input_json.encode("utf-8")).hexdigest(),
        "response_json": rec.response_json,
        "breastcds_version": rec.breastcds_version,
        "knowledge_version": rec.knowledge_version,
        "case_schema_version": rec.case_schema_version,
    }
    return aid, [(_INSERT_ASSESSMENT, row), (_INSERT_AUDIT, _audit_values(audit))]


def _text(value: str | None, limit: int) -> str | None:
    """Storable text: cut to the column's length, NUL and unpaired surrogates replaced."""
    if value is None:
        return None
    return printable_text(value)[:limit]


def _audit_values(e: AuditEvent) -> dict[str, Any]:
    return {
        "recorded": e.recorded or utcnow(),
        "type_system": e.type_system,
        "type_code": e.type_code,
        "subtype": _text(e.subtype, 64),
        "action": e.action,
        "outcome": e.outcome,
        "outcome_desc": _text(e.outcome_desc, 300) or None,
        "agent_who": _text(e.agent_who, 200) or "",
        "agent_role": _text(e.agent_role, 32),
        "agent_network": _text(e.agent_network, 64),
        "entity_what": _text(e.entity_what, 200),
        "entity_type": _text(e.entity_type, 64),
        "request_id": _text(e.request_id, 64),
    }
