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
import secrets
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
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
    event,
    func,
    select,
    update,
)
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry
from sqlalchemy.types import TypeDecorator

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
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


class Store:
    """The repository: everything the service reads from or writes to its database."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        # SQLite has one writer at a time; queueing writers on a lock here is fair and prompt,
        # where SQLite's own busy handler sleeps with back-off (up to 100 ms a try).
        self._write_lock = threading.Lock() if url.startswith("sqlite") else None
        self._stop = threading.Event()
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
        self._stop.set()
        if self._checkpointer is not None:
            self._checkpointer.join(timeout=5)
        self.engine.dispose()

    @contextmanager
    def _tx(self) -> Iterator[Session]:
        with self._sessions.begin() as session:
            yield session

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
        aid = rec.id or new_assessment_id()
        with self._write() as s:
            s.add(
                AssessmentRow(
                    id=aid,
                    created_at=rec.created_at,
                    source=rec.source,
                    requester=rec.requester,
                    input_json=rec.input_json,
                    case_json=rec.case_json,
                    input_sha256=hashlib.sha256(rec.input_json.encode("utf-8")).hexdigest(),
                    response_json=rec.response_json,
                    breastcds_version=rec.breastcds_version,
                    knowledge_version=rec.knowledge_version,
                    case_schema_version=rec.case_schema_version,
                )
            )
            s.add(_audit_row(audit))
        return aid

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
        with self._write() as s:
            s.add(_audit_row(event_))

    def list_audit(self, limit: int, offset: int) -> tuple[list[AuditEventRow], int]:
        """Newest first."""
        with self._tx() as s:
            total = s.scalar(select(func.count()).select_from(AuditEventRow)) or 0
            rows = s.scalars(
                select(AuditEventRow).order_by(AuditEventRow.id.desc()).limit(limit).offset(offset)
            ).all()
            return list(rows), total

    # --- tokens -------------------------------------------------------------------------

    def create_token(self, role: Role, label: str = "") -> tuple[TokenInfo, str]:
        """Create an API token; return its info and the token text (shown once, never stored)."""
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
                )
            )
        return TokenInfo(tid, role, label), f"{TOKEN_PREFIX}{tid}.{secret}"

    def verify_token(self, token: str) -> TokenInfo | None:
        """The token's info when it is known, not revoked and its secret matches."""
        if not token.startswith(TOKEN_PREFIX) or "." not in token:
            return None
        tid, _, secret = token[len(TOKEN_PREFIX) :].partition(".")
        if not tid or not secret or len(tid) > 32:
            return None
        with self._tx() as s:
            row = s.get(ApiTokenRow, tid)
            if row is None or row.revoked_at is not None:
                return None
            if not hmac.compare_digest(row.secret_hash, _hash_secret(row.salt, secret)):
                return None
            for role in ROLES:
                if role == row.role:
                    return TokenInfo(row.id, role, row.label)
            return None  # a role this version does not know grants nothing

    def revoke_token(self, tid: str) -> bool:
        with self._write() as s:
            result = s.execute(
                update(ApiTokenRow)
                .where(ApiTokenRow.id == tid, ApiTokenRow.revoked_at.is_(None))
                .values(revoked_at=utcnow())
            )
            return bool(getattr(result, "rowcount", 0))

    def count_tokens(self) -> int:
        with self._tx() as s:
            return s.scalar(select(func.count()).select_from(ApiTokenRow)) or 0


def _audit_row(e: AuditEvent) -> AuditEventRow:
    return AuditEventRow(
        recorded=e.recorded or utcnow(),
        type_system=e.type_system,
        type_code=e.type_code,
        subtype=e.subtype,
        action=e.action,
        outcome=e.outcome,
        outcome_desc=(e.outcome_desc or "")[:300] or None,
        agent_who=e.agent_who[:200],
        agent_role=e.agent_role,
        agent_network=e.agent_network,
        entity_what=e.entity_what,
        entity_type=e.entity_type,
        request_id=e.request_id,
    )
