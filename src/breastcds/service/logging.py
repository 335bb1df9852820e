"""Structured JSON logs with a redaction filter.

Every record leaves the process as one JSON object per line. Before it is written, the filter
removes what must never reach a log: API tokens, bearer credentials and JWTs, and patient
identifiers (FHIR ``Patient/...`` references, ``patientId`` / ``identifier`` / name and birth
date fields, the case's ``case_id``). Structured fields are passed with
``logger.info("msg", extra={"fields": {...}})``; sensitive keys are replaced whatever their value.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import sys
import traceback
from collections.abc import Mapping
from typing import Any, TextIO

REDACTED = "[redacted]"

# Keys whose values are never logged (compared lower-case, without "_" and "-").
SENSITIVE_KEYS = frozenset(
    k.replace("_", "").lower()
    for k in (
        "authorization", "token", "access_token", "api_token", "password", "secret", "jwt",
        "fhirAuthorization", "cookie", "set-cookie", "x-api-key",
        "patient", "patientId", "patient_id", "subject", "identifier", "mrn", "case_id",
        "name", "given", "family", "birthDate", "birth_date", "address", "telecom",
        "prefetch", "case", "bundle", "input", "body",
    )
)  # fmt: skip

_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"bcds_[A-Za-z0-9_\-]+(?:\.[A-Za-z0-9_\-]+)?"), "bcds_" + REDACTED),
    (re.compile(r"eyJ[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]*"), "jwt:" + REDACTED),
    (re.compile(r"(?i)\b(bearer|basic)\s+[^\s\"',;]+"), r"\1 " + REDACTED),
    (re.compile(r"\b(Patient)/[A-Za-z0-9\-.]+"), r"\1/" + REDACTED),
    # user-info in a URL (http://user:password@host): the password never reaches a log
    (re.compile(r"(?i)\b([a-z][a-z0-9+.\-]*://)[^/\s@\"']+@"), r"\1" + REDACTED + "@"),
    (
        re.compile(r"(?i)\b(patient(?:_?id)?|subject|identifier|case_id)=[^\s\"',;&]+"),
        r"\1=" + REDACTED,
    ),
    (
        re.compile(
            r"(?i)([\"']?(?:patientId|case_id|identifier|birthDate)[\"']?\s*[:=]\s*)[\"'][^\"']*[\"']"
        ),
        r"\1" + f'"{REDACTED}"',
    ),
)


def redact_text(text: str) -> str:
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


_SENSITIVE = frozenset(k.replace("-", "") for k in SENSITIVE_KEYS)


def _sensitive(key: str) -> bool:
    return key.replace("_", "").replace("-", "").lower() in _SENSITIVE


def redact(value: Any) -> Any:
    """A copy of ``value`` with sensitive keys and sensitive-looking strings redacted."""
    if isinstance(value, Mapping):
        return {str(k): (REDACTED if _sensitive(str(k)) else redact(v)) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [redact(v) for v in value]
    if isinstance(value, str):
        return redact_text(value)
    if value is None or isinstance(value, bool | int | float):
        return value
    return redact_text(repr(value))


class RedactionFilter(logging.Filter):
    """Rewrite each record in place so that nothing sensitive is formatted."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string must not lose the record
            message = f"{record.msg!r} {record.args!r}"
        record.msg = redact_text(message)
        record.args = None
        fields = getattr(record, "fields", None)
        if fields is not None:
            record.fields = redact(fields)
        if record.exc_info and not record.exc_text:
            record.exc_text = "".join(traceback.format_exception(*record.exc_info))
        if record.exc_text:
            record.exc_text = redact_text(record.exc_text)
        record.exc_info = None  # formatted (and redacted) above
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, fields, exception."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        fields = getattr(record, "fields", None)
        if isinstance(fields, Mapping):
            out.update({k: v for k, v in fields.items() if k not in out})
        if record.exc_text:
            out["exc"] = record.exc_text
        elif record.exc_info:
            out["exc"] = redact_text("".join(traceback.format_exception(*record.exc_info)))
        return json.dumps(out, default=str, ensure_ascii=False)


_HANDLER_NAME = "breastcds-json"


def setup_logging(level: str = "INFO", stream: TextIO | None = None) -> logging.Handler:
    """Send every record (ours, uvicorn's, SQLAlchemy's) through the JSON + redaction handler."""
    root = logging.getLogger()
    for h in list(root.handlers):
        if h.get_name() == _HANDLER_NAME:
            root.removeHandler(h)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.set_name(_HANDLER_NAME)
    handler.addFilter(RedactionFilter())
    handler.setFormatter(JsonFormatter())
    root.addHandler(handler)
    root.setLevel(level)
    logging.getLogger("alembic").setLevel(max(logging.WARNING, root.level))
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        lg = logging.getLogger(name)
        lg.handlers.clear()
        lg.propagate = True
    return handler
