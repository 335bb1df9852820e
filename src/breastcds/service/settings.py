"""Service settings: explicit arguments first, then ``BREASTCDS_*`` environment variables.

- ``BREASTCDS_DATA_DIR``: directory of the SQLite database (default
  ``$XDG_DATA_HOME/breastcds`` or ``~/.local/share/breastcds``);
- ``BREASTCDS_DATABASE_URL``: SQLAlchemy URL; ``postgresql://...`` uses psycopg 3 (default: the
  SQLite file ``breastcds.sqlite3`` in the data dir);
- ``BREASTCDS_PUBLIC_BASE_URL``: base URL for CDS Hooks card links and the JWT audience
  (default: the request's own base URL);
- ``BREASTCDS_CDS_CLIENTS``: JSON object of trusted CDS clients keyed by JWT issuer,
  ``{"<iss>": {"jku": "https://..."}}`` or ``{"<iss>": {"jwks_file": "/path/jwks.json"}}``
  (default ``{}``: every hook call is refused);
- ``BREASTCDS_CDS_TEST_SECRET``: test mode only, an HS256 shared secret accepted from any issuer;
- ``BREASTCDS_LOG_LEVEL``: ``DEBUG``, ``INFO``, ... (default ``INFO``);
- ``BREASTCDS_ASSESS_QUEUE``: assessments waiting or running before new ones are refused with
  503 + Retry-After (default 32: about 0.1-0.3 s of work);
- ``BREASTCDS_ANONYMOUS_RATE``: requests per second per client address without a valid API
  token (burst: 3 s worth; default 20);
- ``BREASTCDS_TOKEN_CACHE_S``: seconds a verified API token is remembered by a worker (default
  1; a revocation reaches other workers within this time);
- ``BREASTCDS_REPORT_TIMEOUT_S`` / ``BREASTCDS_REPORT_MEMORY_MB``: budget of one report or DVH
  rendering in its worker process (default 60 s / 2048 MiB of address space);
- ``BREASTCDS_WORKERS``: worker processes of ``breastcds serve`` (default 1; use several only on
  PostgreSQL);
- ``BREASTCDS_FHIR_SERVERS``: FHIR servers the CDS Hooks service may read from when a prefetch
  is missing, comma-separated ``scheme://host[:port]`` (default empty: no outbound fetch);
- ``BREASTCDS_FHIR_FETCH_DEADLINE_S`` (default 10), ``BREASTCDS_FHIR_FETCH_MAX_BYTES`` (default
  20 000 000), ``BREASTCDS_FHIR_FETCH_CONCURRENCY`` (default 8), ``BREASTCDS_FHIR_FETCH_MAX_PAGES``
  (default 50): one deadline and one byte cap per hook call, concurrent fetches, pages per search;
- ``BREASTCDS_LINK_SECRET``: key that signs the short-lived card links (default: a random key
  per start of ``breastcds serve``, shared by its workers; links end with a restart);
- ``BREASTCDS_LINK_TTL_S``: lifetime of a card link in seconds (default 900).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


class SettingsError(ValueError):
    """A setting has a value the service cannot use."""


def default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "breastcds"


@dataclass(frozen=True)
class CdsClient:
    """A trusted CDS client (EHR): its JWT issuer and where its public keys are."""

    issuer: str
    jku: str | None = None
    jwks_file: Path | None = None


@dataclass(frozen=True)
class Settings:
    data_dir: Path = field(default_factory=default_data_dir)
    database_url: str | None = None
    public_base_url: str | None = None
    cds_clients: tuple[CdsClient, ...] = ()
    cds_test_secret: str | None = None
    log_level: str = "INFO"
    fhir_servers: tuple[str, ...] = ()
    fhir_fetch_deadline_s: float = 10.0
    fhir_fetch_max_bytes: int = 20_000_000
    fhir_fetch_concurrency: int = 8
    fhir_fetch_max_pages: int = 50
    link_secret: str | None = None
    link_ttl_s: int = 900
    assess_queue: int = 32
    anonymous_rate: float = 20.0
    token_cache_s: float = 1.0
    report_timeout_s: float = 60.0
    report_memory_mb: int = 2048
    workers: int = 1
    listen_url: str | None = None  # set by ``serve`` once bound: the CDS JWT audience fallback

    @property
    def audience_base_url(self) -> str | None:
        """Base URL the CDS JWT audience must name: configured, never the Host header."""
        return self.public_base_url or self.listen_url

    @property
    def resolved_database_url(self) -> str:
        """The SQLAlchemy URL actually used (psycopg 3 for PostgreSQL)."""
        url = self.database_url or f"sqlite:///{self.data_dir / 'breastcds.sqlite3'}"
        for prefix in ("postgresql://", "postgres://"):
            if url.startswith(prefix):
                return "postgresql+psycopg://" + url[len(prefix) :]
        return url

    @property
    def is_sqlite(self) -> bool:
        return self.resolved_database_url.startswith("sqlite")

    @property
    def test_mode(self) -> bool:
        return self.cds_test_secret is not None

    @classmethod
    def from_env(
        cls,
        *,
        data_dir: Path | None = None,
        database_url: str | None = None,
        environ: dict[str, str] | None = None,
    ) -> Settings:
        env = dict(os.environ if environ is None else environ)
        env_dir = env.get("BREASTCDS_DATA_DIR")
        dd = data_dir or (Path(env_dir) if env_dir else None)
        return cls(
            data_dir=(dd or default_data_dir()).expanduser(),
            database_url=database_url or env.get("BREASTCDS_DATABASE_URL") or None,
            public_base_url=(env.get("BREASTCDS_PUBLIC_BASE_URL") or "").rstrip("/") or None,
            cds_clients=parse_cds_clients(env.get("BREASTCDS_CDS_CLIENTS", "")),
            cds_test_secret=env.get("BREASTCDS_CDS_TEST_SECRET") or None,
            log_level=env.get("BREASTCDS_LOG_LEVEL", "INFO").upper(),
            assess_queue=_number(env, "BREASTCDS_ASSESS_QUEUE", 32, int, 1, 10_000),
            anonymous_rate=_number(env, "BREASTCDS_ANONYMOUS_RATE", 20.0, float, 0.1, 1e6),
            token_cache_s=_number(env, "BREASTCDS_TOKEN_CACHE_S", 1.0, float, 0.0, 60.0),
            report_timeout_s=_number(env, "BREASTCDS_REPORT_TIMEOUT_S", 60.0, float, 1.0, 3600),
            report_memory_mb=_number(env, "BREASTCDS_REPORT_MEMORY_MB", 2048, int, 256, 65536),
            workers=_number(env, "BREASTCDS_WORKERS", 1, int, 1, 64),
            listen_url=(env.get("BREASTCDS_LISTEN_URL") or "").rstrip("/") or None,
            **_fetch_settings(env),
        )


def _number(
    env: dict[str, str], name: str, default: Any, kind: Any, low: float, high: float
) -> Any:
    text = env.get(name)
    if not text:
        return default
    try:
        value = kind(text)
    except ValueError:
        raise SettingsError(f"{name} must be a number, not {text!r}") from None
    if not low <= value <= high:
        raise SettingsError(f"{name} must be between {low:g} and {high:g}, not {text}")
    return value


def _fetch_settings(env: dict[str, str]) -> dict[str, Any]:
    """The outbound FHIR fetch and card-link settings (validated; see the module docstring)."""
    from breastcds.service.fhirfetch import AllowedServer

    servers = tuple(
        s.strip() for s in env.get("BREASTCDS_FHIR_SERVERS", "").split(",") if s.strip()
    )
    for s in servers:
        try:
            AllowedServer.parse(s)
        except ValueError as exc:
            raise SettingsError(f"BREASTCDS_FHIR_SERVERS: {exc}") from None
    return {
        "fhir_servers": servers,
        "fhir_fetch_deadline_s": _number(
            env, "BREASTCDS_FHIR_FETCH_DEADLINE_S", 10.0, float, 0.1, 120
        ),
        "fhir_fetch_max_bytes": _number(
            env, "BREASTCDS_FHIR_FETCH_MAX_BYTES", 20_000_000, int, 1_000, 500_000_000
        ),
        "fhir_fetch_concurrency": _number(env, "BREASTCDS_FHIR_FETCH_CONCURRENCY", 8, int, 1, 256),
        "fhir_fetch_max_pages": _number(env, "BREASTCDS_FHIR_FETCH_MAX_PAGES", 50, int, 1, 1000),
        "link_secret": env.get("BREASTCDS_LINK_SECRET") or None,
        "link_ttl_s": _number(env, "BREASTCDS_LINK_TTL_S", 900, int, 10, 86_400),
    }


_ALLOWED_JKU = ("https://", "http://127.0.0.1", "http://localhost")  # plain http: loopback only


def parse_cds_clients(text: str) -> tuple[CdsClient, ...]:
    """Parse ``BREASTCDS_CDS_CLIENTS`` (a JSON object keyed by issuer)."""
    if not text.strip():
        return ()
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SettingsError(f"BREASTCDS_CDS_CLIENTS is not valid JSON: {exc.msg}") from None
    if not isinstance(data, dict):
        raise SettingsError("BREASTCDS_CDS_CLIENTS must be a JSON object keyed by issuer")
    out: list[CdsClient] = []
    for iss, spec in data.items():
        if not isinstance(spec, dict) or not (spec.get("jku") or spec.get("jwks_file")):
            raise SettingsError(
                f"BREASTCDS_CDS_CLIENTS[{iss!r}] needs a 'jku' URL or a 'jwks_file' path"
            )
        jku = spec.get("jku")
        if jku is not None and not str(jku).startswith(_ALLOWED_JKU):
            raise SettingsError(f"BREASTCDS_CDS_CLIENTS[{iss!r}].jku must be an https URL")
        jwks_file = spec.get("jwks_file")
        out.append(
            CdsClient(
                issuer=str(iss),
                jku=str(jku) if jku else None,
                jwks_file=Path(jwks_file) if jwks_file else None,
            )
        )
    return tuple(out)
