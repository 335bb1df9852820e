"""Admission guard: refuse early, before any work is done for a request.

A pure ASGI middleware that, per request and in this order:

1. verifies an API token once (cached by the store), so that the routes reuse the result;
2. rate-limits requests without a valid credential per client address (token bucket;
   ``429`` + ``Retry-After``), so that a flood of anonymous requests costs almost nothing;
3. refuses a body larger than its route allows from ``Content-Length`` (``413``), and counts
   the bytes of a body without one, stopping at the limit;
4. on the routes that take a body, checks the credential and its role *before* reading the
   body (``401``/``403``): an unauthenticated client cannot make the service read 100 MB;
5. refuses JSON text with a NUL or an unpaired UTF-16 surrogate escape (``\\u0000``,
   ``\\ud800``) with a ``422`` naming the field: no database can store it.

Security headers and ``Cache-Control`` are added to every response by
:class:`breastcds.service.app.RequestContext`.
"""

from __future__ import annotations

import json
import math
import re
import threading
import time
from dataclasses import dataclass
from typing import Any

import anyio
from starlette.requests import ClientDisconnect, Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from breastcds.model.strict import printable, text_problem
from breastcds.service.problems import FieldError, problem
from breastcds.service.storage import ROLES, AuditEvent, Store

KIB = 1024
MIB = 1024 * KIB
MAX_UPLOAD_BYTES = 200 * MIB
"""One uploaded DICOM file (RTDOSE or RTSTRUCT) of the DVH page."""


@dataclass(frozen=True)
class RouteRule:
    """What a route accepts: its largest body, the role needed before the body is read."""

    max_body: int
    min_role: str | None = None  # an API token with this role, checked before the body
    bearer: bool = False  # some bearer credential (CDS client JWT) needed before the body


# Each limit is a few times the largest real input: a case with reirradiation courses and
# organ doses is under 200 KB; an mCODE Bundle or a CDS Hooks prefetch of a long record a few MB.
RULES: tuple[tuple[str, re.Pattern[str], RouteRule], ...] = (
    ("POST", re.compile(r"/assess"), RouteRule(2 * MIB, "assess")),
    ("POST", re.compile(r"/assess/fhir"), RouteRule(5 * MIB, "assess")),
    ("POST", re.compile(r"/tokens"), RouteRule(16 * KIB, "admin")),
    ("POST", re.compile(r"/ui/api/dvh"), RouteRule(2 * MAX_UPLOAD_BYTES + MIB, "assess")),
    ("POST", re.compile(r"/cds-services/[^/]+"), RouteRule(5 * MIB, bearer=True)),
)
DEFAULT_RULE = RouteRule(64 * KIB)
"""Every other route: no body is expected (query and path parameters only)."""

_RANK: dict[str, int] = {r: i for i, r in enumerate(ROLES)}
_BAD_ESCAPE = re.compile(rb"(?<!\\)(?:\\\\)*\\u(?:0000|[dD][89a-fA-F][0-9a-fA-F]{2})")


def rule_for(method: str, path: str) -> RouteRule:
    for m, pattern, rule in RULES:
        if m == method and pattern.fullmatch(path):
            return rule
    return DEFAULT_RULE


class BodyTooLarge(Exception):
    """The body grew past its route's limit while it was being read."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"the body is larger than {limit} bytes")
        self.limit = limit


class RateLimiter:
    """Token bucket per client address: ``rate`` per second, bursts of ``3 * rate``."""

    def __init__(self, rate: float) -> None:
        self.rate = rate
        self.burst = max(3.0 * rate, 1.0)
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def allow(self, key: str) -> float:
        """0 when the request may go ahead, else the seconds until it would."""
        now = time.monotonic()
        with self._lock:
            tokens, last = self._buckets.get(key, (self.burst, now))
            tokens = min(self.burst, tokens + (now - last) * self.rate)
            if tokens >= 1.0:
                self._buckets[key] = (tokens - 1.0, now)
                return 0.0
            self._buckets[key] = (tokens, now)
            if len(self._buckets) > 100_000:  # many addresses: start afresh, never grow unbounded
                self._buckets.clear()
            return (1.0 - tokens) / self.rate


def _bearer(scope: Scope) -> str | None:
    for name, value in scope.get("headers") or ():
        if name == b"authorization":
            scheme, _, cred = value.decode("latin-1").partition(" ")
            return cred.strip() if scheme.lower() == "bearer" and cred.strip() else None
    return None


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers") or ():
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def _is_multipart(scope: Scope) -> bool:
    for name, value in scope.get("headers") or ():
        if name == b"content-type":
            return bool(value.lower().startswith(b"multipart/"))
    return False


def find_unstorable_text(data: Any, path: str = "") -> tuple[str, str, Any] | None:
    """The first (field, message, value) whose text has a NUL or an unpaired surrogate."""
    if isinstance(data, str):
        msg = text_problem(data)
        return (path or "body", msg, printable(data)) if msg else None
    if isinstance(data, dict):
        for k, v in data.items():
            where = f"{path}.{printable(k)}" if path else str(printable(k))
            msg = text_problem(k)
            if msg:
                return (where, f"field name: {msg}", None)
            found = find_unstorable_text(v, where)
            if found:
                return found
    if isinstance(data, list):
        for i, v in enumerate(data):
            found = find_unstorable_text(v, f"{path}.{i}" if path else str(i))
            if found:
                return found
    return None


class AdmissionGuard:
    """See the module docstring."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        store: Store = request.app.state.store
        limiter: RateLimiter = request.app.state.rate_limiter
        state = scope.setdefault("state", {})
        method, path = scope["method"], scope["path"]
        rule = rule_for(method, path)
        credential = _bearer(scope)
        info = None
        if credential is not None and credential.startswith("bcds_"):
            found, info = store.cached_token(credential)
            if not found:
                info = await anyio.to_thread.run_sync(store.verify_token, credential)
            state["api_token"] = info
        anonymous = info is None and not (rule.bearer and credential is not None)
        client = request.client.host if request.client else "unknown"
        if anonymous:
            wait = limiter.allow(client)
            if wait > 0:
                await self._refuse(
                    request, send, 429, "Too Many Requests",
                    "too many requests without valid credentials from this address",
                    "rate-limit", headers={"Retry-After": str(max(1, math.ceil(wait)))},
                )  # fmt: skip
                return
        if rule.min_role is not None:
            if info is None:
                why = (
                    "an API token is required (Authorization: Bearer ...)"
                    if credential is None
                    else "the API token is not valid, expired or was revoked"
                )
                await self._refuse(request, send, 401, "Unauthorized", why, "authentication")
                return
            if _RANK[info.role] < _RANK[rule.min_role]:
                why = f"this needs the {rule.min_role!r} role; the token has {info.role!r}"
                await self._refuse(
                    request, send, 403, "Forbidden", why, "authorization",
                    who=f"token:{info.id}", role=info.role,
                )  # fmt: skip
                return
        if rule.bearer and credential is None:
            await self._refuse(
                request, send, 401, "Unauthorized",
                "a JWT from the CDS client is required (Authorization: Bearer ...)",
                "cds-authentication",
            )  # fmt: skip
            return
        length = _content_length(scope)
        if length is not None and length > rule.max_body:
            await self._answer(
                request, send, 413, "Content Too Large",
                f"the body is larger than {rule.max_body} bytes (this route's limit)",
            )  # fmt: skip
            return
        if method in ("POST", "PUT", "PATCH") and not _is_multipart(scope):
            # Read the (bounded) body here: the checks below need all of it.
            try:
                body = await _read_body(receive, rule.max_body)
            except BodyTooLarge as exc:
                await self._answer(request, send, 413, "Content Too Large", str(exc))
                return
            if _BAD_ESCAPE.search(body):
                bad = _unstorable(body)
                if bad is not None:
                    field, message, value = bad
                    await self._answer(
                        request, send, 422, "Unprocessable Content",
                        "the body has text that cannot be stored",
                        [FieldError(field=field, message=message, value=value)],
                    )  # fmt: skip
                    return
            await self.app(scope, _replay(body, receive), send)
            return
        await self.app(scope, _counting(receive, rule.max_body), send)

    async def _answer(
        self,
        request: Request,
        send: Send,
        status: int,
        title: str,
        detail: str,
        errors: list[FieldError] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        response = problem(request, status, title, detail, errors, headers=headers)
        response.headers["Connection"] = "close"  # a body may be left unread
        await response(request.scope, request.receive, send)

    async def _refuse(
        self,
        request: Request,
        send: Send,
        status: int,
        title: str,
        detail: str,
        subtype: str,
        *,
        who: str = "anonymous",
        role: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        """Answer 401/403/429; the security alert is audited (aggregated per address)."""
        if status == 401:
            headers = {**(headers or {}), "WWW-Authenticate": 'Bearer realm="breastcds"'}
        event = AuditEvent(
            type_code="110113",  # DCM Security Alert
            subtype=subtype,
            action="E",
            outcome="4",
            outcome_desc=detail,
            agent_who=who,
            agent_role=role,
            agent_network=request.client.host if request.client else None,
            entity_what=f"{request.method} {request.url.path}",
            entity_type="endpoint",
            request_id=request.scope.get("state", {}).get("request_id"),
        )
        store: Store = request.app.state.store
        await anyio.to_thread.run_sync(store.audit, event)
        await self._answer(request, send, status, title, detail, headers=headers)


def _unstorable(body: bytes) -> tuple[str, str, Any] | None:
    try:
        data = json.loads(body)
    except ValueError:
        return None  # not JSON: the route answers that itself
    return find_unstorable_text(data)


async def _read_body(receive: Receive, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            raise ClientDisconnect  # nothing to answer; not a failure (RequestContext)
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge(limit)
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


def _counting(receive: Receive, limit: int) -> Receive:
    size = 0

    async def counting() -> Message:
        nonlocal size
        message = await receive()
        if message["type"] == "http.request":
            size += len(message.get("body", b""))
            if size > limit:
                raise BodyTooLarge(limit)
        return message

    return counting
