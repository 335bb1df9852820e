"""The outbound FHIR fetch's URL rule (breastcds.service.fhirfetch), without a network."""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import httpx
import pytest

from breastcds.service.fhirfetch import (
    AllowedServer,
    FetchError,
    FetchPool,
    FhirReader,
    Limits,
    NotAllowed,
    check_url,
)

ALLOWED = (AllowedServer.parse("http://127.0.0.1"), AllowedServer.parse("https://fhir.example.org"))


@pytest.fixture(autouse=True)
def no_dns(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any name lookup fails the test: the rule must decide from the parsed URL alone."""

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError(f"DNS lookup attempted: {args[:1]}")

    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket, "gethostbyname", refuse)


@pytest.mark.parametrize(
    "url",
    [
        "http://localhost@127.0.0.2:8080/fhir",
        "http://127.0.0.1@127.0.0.2/fhir",
        "http://localhost.evil.invalid/fhir",
        "http://127.0.0.1.evil.invalid/fhir",
        "http://127.0.0.2/fhir",
        "http://fhir.example.org/fhir",  # allowed host, but only over https
        "https://fhir.example.org.evil.invalid/fhir",
        "https://user:secret@fhir.example.org/fhir",
        "file:///etc/passwd",
        "gopher://127.0.0.1/",
        "http:///no-host",
        "not a url at all",
    ],
)
def test_refused_without_any_lookup(url: str) -> None:
    with pytest.raises(NotAllowed):
        check_url(url, ALLOWED)


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:8080/fhir", "http://127.0.0.1/fhir", "https://FHIR.example.org/r4"],
)
def test_allowed(url: str) -> None:
    assert check_url(url, ALLOWED).host in ("127.0.0.1", "fhir.example.org")


def test_port_in_the_entry_is_enforced() -> None:
    only = (AllowedServer.parse("https://fhir.example.org:8443"),)
    assert check_url("https://fhir.example.org:8443/x", only)
    with pytest.raises(NotAllowed):
        check_url("https://fhir.example.org/x", only)


@pytest.mark.parametrize(
    "entry", ["ftp://x", "https://a@b", "https://host/path", "https://host?q=1", ""]
)
def test_bad_allow_list_entries_are_refused(entry: str) -> None:
    with pytest.raises(ValueError):
        AllowedServer.parse(entry)


def _reader(handler: Any, limits: Limits) -> tuple[FhirReader, httpx.AsyncClient]:
    client = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    reader = FhirReader(
        "http://127.0.0.1:9/fhir", allowed=ALLOWED, token="tok", limits=limits, client=client
    )
    return reader, client


def test_size_cap_counts_every_page_of_the_fetch() -> None:
    """The cap holds for the whole fetch: two pages of 600 bytes exceed 1000 bytes."""

    def handler(request: httpx.Request) -> httpx.Response:
        page = int(request.url.params.get("page", "0"))
        nxt = [{"relation": "next", "url": f"http://127.0.0.1:9/fhir/Observation?page={page + 1}"}]
        body = {"resourceType": "Bundle", "link": nxt, "entry": [], "pad": "x" * 550}
        return httpx.Response(200, json=body)

    async def run() -> None:
        reader, client = _reader(handler, Limits(deadline_s=5, max_bytes=1000, max_pages=10))
        async with client:
            with pytest.raises(FetchError, match="size limit"):
                await reader.search("Observation")

    asyncio.run(run())


@pytest.mark.parametrize("body", [b"[1]", b"garbage", b"{}", b'{"resourceType": 1}'])
def test_answers_that_are_not_fhir_resources(body: bytes) -> None:
    async def run() -> None:
        reader, client = _reader(lambda r: httpx.Response(200, content=body), Limits())
        async with client:
            with pytest.raises(FetchError):
                await reader.read("Patient/p", "Patient")

    asyncio.run(run())


def test_token_only_to_the_fhir_server_origin() -> None:
    seen: list[tuple[str, str | None]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append((str(request.url), request.headers.get("authorization")))
        if request.url.port == 9:
            nxt = [{"relation": "next", "url": "http://127.0.0.1:10/fhir/Observation?page=2"}]
            return httpx.Response(200, json={"resourceType": "Bundle", "link": nxt})
        return httpx.Response(200, json={"resourceType": "Bundle"})

    async def run() -> None:
        reader, client = _reader(handler, Limits())
        async with client:
            await reader.search("Observation")

    asyncio.run(run())
    assert [auth for _, auth in seen] == ["Bearer tok", None]


def test_the_pool_deadline_covers_waiting_and_reading() -> None:
    """A slow read and a waiter for the one pool slot both end at the deadline."""

    async def slow(client: httpx.AsyncClient) -> None:
        await asyncio.sleep(10)

    async def run() -> list[float]:
        pool = FetchPool(1)
        loop = asyncio.get_running_loop()

        async def timed() -> float:
            start = loop.time()
            with pytest.raises(FetchError, match="time limit"):
                await pool.run(Limits(deadline_s=0.3), slow)
            return loop.time() - start

        return list(await asyncio.gather(timed(), timed()))

    durations = asyncio.run(run())
    assert max(durations) < 1.0  # 0.3 s deadline each; 1 s bounds scheduling noise
