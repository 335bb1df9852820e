"""Outbound FHIR reads for CDS Hooks: allow-listed servers, one deadline, one size cap.

The CDS client names a ``fhirServer`` and may hand over an access token (``fhirAuthorization``).
Both come from outside, so every URL this module reads is checked before any connection is made:

- the URL is parsed (``httpx.URL``), never prefix-tested; it must have no user-info, and its
  scheme, host and (when the entry names one) port must match an entry of the configured
  allow-list ``Settings.fhir_servers`` (``BREASTCDS_FHIR_SERVERS``). Host names are compared
  exactly (no DNS lookup happens for a refused URL); an empty list refuses every fetch;
- every Bundle ``next`` link is checked by the same rule;
- the access token is sent only to the origin (scheme, host, port) of ``fhirServer``;
- redirects are not followed;
- one deadline and one byte budget hold for the whole fetch (all queries, all pages), not per
  read: a server that trickles bytes is cut off at the deadline, an oversized answer at the cap;
- at most ``fhir_fetch_concurrency`` fetches run at once (an asyncio semaphore; the reads are
  asynchronous and hold no worker thread), so slow servers cannot starve the API.

Errors are :class:`FetchError` with a fixed text that says what failed, never what the upstream
answered (no status line, body, host or exception text reaches the CDS client).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import httpx

log = logging.getLogger("breastcds.service.fhirfetch")

ALLOWED_SCHEMES = ("https", "http")


class FetchError(Exception):
    """The FHIR server could not be read; the text is safe to show to the CDS client."""


class NotAllowed(FetchError):
    """The URL is not on the allow-list (checked before any connection)."""


@dataclass(frozen=True)
class AllowedServer:
    """One allow-list entry: scheme and host, and the port when the entry names one."""

    scheme: str
    host: str
    port: int | None = None

    @classmethod
    def parse(cls, text: str) -> AllowedServer:
        """``https://fhir.example.org``, ``http://127.0.0.1:8080`` (no path, no user-info)."""
        try:
            url = httpx.URL(text.strip())
        except (httpx.InvalidURL, TypeError) as exc:
            raise ValueError(f"{text!r} is not a URL") from exc
        if url.scheme not in ALLOWED_SCHEMES:
            raise ValueError(f"{text!r}: scheme must be https or http")
        if not url.host or url.userinfo:
            raise ValueError(f"{text!r}: give scheme://host[:port] without user-info")
        if url.path not in ("", "/") or url.query or url.fragment:
            raise ValueError(f"{text!r}: give scheme://host[:port] without a path or query")
        return cls(url.scheme, url.host.lower(), url.port)

    def matches(self, url: httpx.URL) -> bool:
        if url.scheme != self.scheme or url.host.lower() != self.host:
            return False
        return self.port is None or _port(url) == self.port


def _port(url: httpx.URL) -> int:
    return url.port or (443 if url.scheme == "https" else 80)


def origin(url: httpx.URL) -> tuple[str, str, int]:
    return url.scheme, url.host.lower(), _port(url)


def _origin_text(url: httpx.URL) -> str:
    """scheme://host:port only: no user-info, path or query (which may carry a patient id)."""
    scheme, host, port = origin(url)
    return f"{scheme}://{host}:{port}"


def check_url(text: str, allowed: Iterable[AllowedServer]) -> httpx.URL:
    """The parsed URL when it is on the allow-list; :class:`NotAllowed` otherwise (no I/O)."""
    try:
        url = httpx.URL(text)
    except (httpx.InvalidURL, TypeError):
        raise NotAllowed("the FHIR server URL is not a valid URL") from None
    if url.userinfo:
        raise NotAllowed("the FHIR server URL must not carry user-info")
    if url.scheme not in ALLOWED_SCHEMES or not url.host:
        raise NotAllowed("the FHIR server URL must be an http(s) URL with a host")
    if url.fragment:
        raise NotAllowed("the FHIR server URL must not carry a fragment")
    if not any(a.matches(url) for a in allowed):
        raise NotAllowed("the FHIR server is not on this service's allow-list")
    return url


@dataclass(frozen=True)
class Limits:
    deadline_s: float = 10.0
    max_bytes: int = 20_000_000
    max_pages: int = 50


@dataclass
class Budget:
    """What is left of the one deadline and the one byte cap of a fetch."""

    limits: Limits
    start: float = field(default_factory=time.monotonic)
    bytes_read: int = 0

    def remaining(self) -> float:
        return self.limits.deadline_s - (time.monotonic() - self.start)

    def take(self, n: int) -> None:
        self.check(n)
        self.bytes_read += n

    def check(self, n: int) -> None:
        if self.bytes_read + n > self.limits.max_bytes:
            raise FetchError(
                f"the FHIR server's answers exceed the size limit "
                f"({self.limits.max_bytes} bytes for one hook call)"
            )


@dataclass
class SearchResult:
    """Resources of one search across its pages, and whether pages were left unread."""

    resources: list[dict[str, Any]]
    pages_read: int
    unread: bool = False


class FhirReader:
    """Reads one patient's resources from a CDS client's FHIR server within one budget."""

    def __init__(
        self,
        server: str,
        *,
        allowed: tuple[AllowedServer, ...],
        token: str | None,
        limits: Limits,
        client: httpx.AsyncClient,
    ) -> None:
        self.base = check_url(server, allowed)
        self.allowed = allowed
        self.token = token
        self.budget = Budget(limits)
        self.client = client

    def _headers(self, url: httpx.URL) -> dict[str, str]:
        headers = {"Accept": "application/fhir+json", "Accept-Encoding": "identity"}
        if self.token and origin(url) == origin(self.base):
            headers["Authorization"] = f"Bearer {self.token}"
        return headers

    def url_for(self, relative: str) -> httpx.URL:
        base = str(self.base).rstrip("/")
        return check_url(f"{base}/{relative}", self.allowed)

    async def get_json(self, url: httpx.URL) -> dict[str, Any]:
        """One GET within the budget; the answer must be a JSON object with a resourceType."""
        if self.budget.remaining() <= 0:
            raise FetchError("the FHIR server did not answer within the time limit")
        chunks: list[bytes] = []
        try:
            async with self.client.stream("GET", url, headers=self._headers(url)) as resp:
                if resp.status_code != 200:
                    log.warning(
                        "FHIR read refused",
                        extra={"fhir_origin": _origin_text(url)},
                    )
                    raise FetchError("the FHIR server did not return the requested resources")
                declared = resp.headers.get("content-length", "")
                if declared.isdigit():  # refuse early what cannot fit in the byte budget
                    self.budget.check(int(declared))
                async for chunk in resp.aiter_bytes():  # decoded: the cap bounds memory
                    self.budget.take(len(chunk))
                    chunks.append(chunk)
        except httpx.HTTPError:
            log.warning("FHIR read failed", extra={"fhir_origin": _origin_text(url)})
            raise FetchError("the FHIR server could not be read") from None
        try:
            data = json.loads(b"".join(chunks))
        except (ValueError, UnicodeDecodeError):
            raise FetchError("the FHIR server's answer is not JSON") from None
        if not isinstance(data, dict) or not isinstance(data.get("resourceType"), str):
            raise FetchError("the FHIR server's answer is not a FHIR resource")
        if data["resourceType"] == "OperationOutcome":
            raise FetchError("the FHIR server answered with an OperationOutcome")
        return data

    async def read(self, relative: str, resource_type: str) -> dict[str, Any]:
        data = await self.get_json(self.url_for(relative))
        if data["resourceType"] != resource_type:
            raise FetchError(f"the FHIR server's answer is not a {resource_type}")
        return data

    async def search(self, relative: str) -> SearchResult:
        """Every page of a search (each ``next`` link allow-listed), up to ``max_pages``."""
        url: httpx.URL | None = self.url_for(relative)
        resources: list[dict[str, Any]] = []
        pages = 0
        while url is not None:
            if pages >= self.budget.limits.max_pages:
                return SearchResult(resources, pages, unread=True)
            page = await self.get_json(url)
            pages += 1
            if page["resourceType"] != "Bundle":
                raise FetchError("the FHIR server's search answer is not a Bundle")
            entries = page.get("entry") or []
            if not isinstance(entries, list):
                raise FetchError("the FHIR server's search answer has no entry list")
            for e in entries:
                res = e.get("resource") if isinstance(e, dict) else None
                if isinstance(res, dict) and isinstance(res.get("resourceType"), str):
                    if (e.get("search") or {}).get("mode") == "outcome":
                        continue  # an OperationOutcome about the search, not a match
                    resources.append(res)
            url = None
            for link in page.get("link") or []:
                if isinstance(link, dict) and link.get("relation") == "next":
                    nxt = link.get("url")
                    if not isinstance(nxt, str):
                        raise FetchError("the FHIR server's next link is not a URL")
                    url = check_url(nxt, self.allowed)
        return SearchResult(resources, pages)


class FetchPool:
    """At most ``size`` outbound fetches at once; others wait within their own deadline."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._sem: asyncio.Semaphore | None = None

    def _semaphore(self) -> asyncio.Semaphore:
        if self._sem is None:  # created inside the server's event loop
            self._sem = asyncio.Semaphore(self.size)
        return self._sem

    async def run(self, limits: Limits, work: Any) -> Any:
        """Run ``work(client)`` (a coroutine function) under the pool and the one deadline."""
        sem = self._semaphore()
        start = time.monotonic()
        try:
            async with asyncio.timeout(limits.deadline_s):
                async with sem:
                    left = limits.deadline_s - (time.monotonic() - start)
                    timeout = httpx.Timeout(max(left, 0.01))
                    async with httpx.AsyncClient(
                        timeout=timeout,
                        follow_redirects=False,
                        trust_env=False,
                        limits=httpx.Limits(max_connections=4, max_keepalive_connections=0),
                    ) as client:
                        return await work(client)
        except TimeoutError:
            raise FetchError("the FHIR server did not answer within the time limit") from None
