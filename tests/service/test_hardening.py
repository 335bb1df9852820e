"""Issue 17 findings replayed against the real server (except the outbound FHIR fetch).

Every server and every client address is on loopback (127.0.0.0/8): the server listens on
127.0.0.1; clients that must look like other hosts bind another loopback source address
(127.0.0.x). Load is bounded in count and time.
"""

from __future__ import annotations

import concurrent.futures
import http.server
import json
import re
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from breastcds import examples
from breastcds.service.storage import Store
from tests.service.conftest import Server, make_token, remember_secret

SECRET = remember_secret("hardening-secret-not-for-production-0123456789")
SERVICE = "/cds-services/breastcds-patient-view"
DICOM_EXAMPLE = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "dicom"
MIB = 1024 * 1024


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    srv = Server(
        tmp_path_factory.mktemp("hard") / "data",
        env={
            "BREASTCDS_CDS_TEST_SECRET": SECRET,
            "BREASTCDS_ASSESS_QUEUE": "4",
            "BREASTCDS_ANONYMOUS_RATE": "5",
        },
    )
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def tokens(server: Server) -> dict[str, str]:
    assert server.admin_token
    with server.client(server.admin_token) as admin:
        return {role: make_token(admin, role) for role in ("read", "assess")}


def client_from(server: Server, source: str, token: str | None = None) -> httpx.Client:
    """A client whose requests come from another loopback address (another 'host')."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    transport = httpx.HTTPTransport(local_address=source)
    return httpx.Client(base_url=server.base_url, headers=headers, transport=transport, timeout=60)


def raw_request(server: Server, head: str, body: bytes = b"", wait_s: float = 10.0) -> bytes:
    """Send a request head (and part of a body) on a raw socket; the answer the server gives
    before the client sends anything more."""
    host, port = server.base_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=wait_s) as sock:
        sock.sendall(head.encode("latin-1") + body)
        data = b""
        try:
            while b"\r\n\r\n" not in data:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                data += chunk
        except TimeoutError:
            pass
        return data


def status_of(answer: bytes) -> int:
    return int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/") else 0


def rss_kib(server: Server) -> int:
    assert server.proc is not None
    for line in Path(f"/proc/{server.proc.pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def strict_json(text: str) -> Any:
    def refuse(name: str) -> Any:
        raise ValueError(f"{name} in stored JSON")

    return json.loads(text, parse_constant=refuse)


# --- limits before work -------------------------------------------------------------------


def test_unauthenticated_100_mb_bodies_are_refused_before_they_are_read(server: Server) -> None:
    head = (
        "POST /assess HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Content-Length: {100 * MIB}\r\n\r\n"
    )
    before = rss_kib(server)
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _: raw_request(server, head, b"{" * 65536), range(8)))
    assert [status_of(a) for a in answers] == [401] * 8
    assert rss_kib(server) - before < 50 * 1024  # eight such bodies took 1.6 GB before


def test_oversized_bodies_are_413_from_content_length_and_while_streaming(
    server: Server, tokens: dict[str, str]
) -> None:
    auth = f"Authorization: Bearer {tokens['assess']}\r\n"
    head = (
        f"POST /assess HTTP/1.1\r\nHost: 127.0.0.1\r\n{auth}"
        f"Content-Type: application/json\r\nContent-Length: {100 * MIB}\r\n\r\n"
    )
    assert status_of(raw_request(server, head)) == 413

    def chunks() -> Iterator[bytes]:
        yield b'{"case_id": "'
        for _ in range(40):
            yield b"x" * 65536

    with server.client(tokens["assess"]) as c:
        r = c.post("/assess", content=chunks(), headers={"Content-Type": "application/json"})
    assert r.status_code == 413
    assert r.headers["content-type"] == "application/problem+json"
    with server.client(server.admin_token) as c:
        big_label = {"role": "read", "label": "x" * (20 * 1024)}
        assert c.post("/tokens", json=big_label).status_code == 413


def test_a_read_token_cannot_make_the_service_read_an_assess_body(
    server: Server, tokens: dict[str, str]
) -> None:
    head = (
        f"POST /assess HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {tokens['read']}"
        f"\r\nContent-Type: application/json\r\nContent-Length: {MIB}\r\n\r\n"
    )
    assert status_of(raw_request(server, head)) == 403


def test_75000_metastatic_lines_are_refused_naming_the_field(
    server: Server, tokens: dict[str, str]
) -> None:
    case = examples.load("her2-low-metastatic")
    line = {"agents": ["capecitabine"], "outcome": "progression"}
    case["treatment"]["metastatic_lines"] = [line] * 75_000  # 5.2 MB as in the finding
    compact = dict(case, treatment=dict(case["treatment"], metastatic_lines=[{}] * 75_000))
    with server.client(tokens["assess"]) as c:
        assert c.post("/assess", json=case).status_code == 413
        r = c.post("/assess", json=compact)  # 225 kB: under the body limit
        assert r.status_code == 422
        (error,) = r.json()["errors"]
        assert error["field"] == "treatment.metastatic_lines"
        assert "at most 30" in error["message"]
        assert c.get("/health").status_code == 200


def _allocate(n_bytes: int) -> int:
    """A job that needs ``n_bytes`` of memory (module level: sent to the job process by name)."""
    return len(bytearray(n_bytes))


def test_a_job_over_its_memory_budget_is_a_422_and_the_next_job_runs() -> None:
    """The report/DVH worker's address-space budget (RLIMIT_AS) stops a job that needs more: a
    clean 422 naming the budget, and the next job in budget still runs. (The board-summary
    report of a bundled example now fits in 256 MiB, so the job here asks for 1 GiB outright.)"""
    import anyio

    from breastcds.service.worker import Budget, JobFailed, run_job

    budget = Budget(timeout_s=60, memory_mb=256)
    with pytest.raises(JobFailed) as info:
        anyio.run(run_job, _allocate, (1 << 30,), budget)
    assert info.value.status == 422
    assert "256 MiB" in info.value.detail
    assert anyio.run(run_job, _allocate, (1 << 20,), budget) == 1 << 20


def test_the_service_stays_up_with_a_small_report_budget(tmp_path: Path) -> None:
    srv = Server(tmp_path / "data", env={"BREASTCDS_REPORT_MEMORY_MB": "256"}).start()
    try:
        assert srv.admin_token
        with srv.client(srv.admin_token) as c:
            aid = c.post("/assess", json=examples.load("her2-low-metastatic")).json()["id"]
            start = time.monotonic()
            r = c.get(f"/ui/api/assessments/{aid}/report.pdf")
            assert r.status_code in (200, 422), r.text
            if r.status_code == 422:
                assert "256 MiB" in r.json()["detail"]
            assert time.monotonic() - start < 60
            assert c.get("/health").status_code == 200
            assert c.get(f"/assessments/{aid}").status_code == 200
    finally:
        srv.stop()


def test_report_rendering_runs_in_budget(server: Server, tokens: dict[str, str]) -> None:
    with server.client(tokens["assess"]) as c:
        aid = c.post("/assess", json=examples.load("er-low-early")).json()["id"]
        r = c.get(f"/ui/api/assessments/{aid}/report.html")
        assert r.status_code == 200 and "<html" in r.text.lower()


# --- strict input ---------------------------------------------------------------------------


@pytest.mark.parametrize(("field", "value"), [("er_percent", True), ("her2_ihc", True)])
def test_booleans_are_not_numbers(
    server: Server, tokens: dict[str, str], field: str, value: Any
) -> None:
    case = examples.load("er-low-early")
    case["biomarkers"][field] = value
    with server.client(tokens["assess"]) as c:
        r = c.post("/assess", json=case)
    assert r.status_code == 422
    assert [e["field"] for e in r.json()["errors"]] == [f"biomarkers.{field}"]


def test_organ_dose_1e160_gy_is_refused_and_stored_json_stays_valid(
    server: Server, tokens: dict[str, str]
) -> None:
    case = examples.load("chest-wall-recurrence-reirradiation")
    case["reirradiation"]["courses"][0]["organ_doses"][0]["dose_gy"] = 1e160
    with server.client(tokens["assess"]) as c:
        r = c.post("/assess", json=case)
        assert r.status_code == 422
        assert r.json()["errors"][0]["field"] == ("reirradiation.courses.0.organ_doses.0.dose_gy")
    assert server.admin_token
    with server.client(server.admin_token) as admin:
        items = admin.get("/assessments", params={"limit": 500}).json()["items"]
        for item in items:
            strict_json(admin.get(f"/assessments/{item['id']}").text)


@pytest.mark.parametrize("escape", ["\\ud800", "\\udfff", "\\u0000"])
def test_unstorable_text_in_case_id_is_422(
    server: Server, tokens: dict[str, str], escape: str
) -> None:
    body = json.dumps(examples.load("er-low-early"))[:-1] + f', "case_id": "a{escape}b"}}'
    with server.client(tokens["assess"]) as c:
        r = c.post("/assess", content=body, headers={"Content-Type": "application/json"})
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "case_id"


def test_a_valid_surrogate_pair_is_text(server: Server, tokens: dict[str, str]) -> None:
    body = json.dumps(examples.load("er-low-early"))[:-1] + ', "case_id": "\\ud83d\\ude00"}'
    with server.client(tokens["assess"]) as c:
        r = c.post("/assess", content=body, headers={"Content-Type": "application/json"})
    assert r.status_code == 201


def test_unstorable_token_labels_are_422_on_both_backends(
    database_url: str, tmp_path: Path
) -> None:
    srv = Server(tmp_path / "data", database_url=database_url).start()
    try:
        assert srv.admin_token
        with srv.client(srv.admin_token) as admin:
            for label in ("\\ud800", "nul\\u0000here"):
                body = '{"role": "read", "label": "' + label + '"}'
                r = admin.post(
                    "/tokens", content=body, headers={"Content-Type": "application/json"}
                )
                assert r.status_code == 422, r.text
                assert r.json()["errors"][0]["field"] == "label"
            assert admin.post("/tokens", json={"role": "read", "label": "ok"}).status_code == 201
    finally:
        srv.stop()  # the log is scanned for salts and hashes of both backends' tokens


def test_cds_user_id_with_a_lone_surrogate_is_422(server: Server) -> None:
    body = (
        '{"hook": "patient-view", "hookInstance": "' + str(uuid.uuid4()) + '", '
        '"context": {"userId": "Practitioner/\\ud800", "patientId": "p1"}}'
    )
    r = httpx.post(
        f"{server.base_url}{SERVICE}",
        content=body,
        headers={"Content-Type": "application/json", "Authorization": "Bearer x.y.z"},
    )
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "context.userId"


def test_truncated_rtstruct_upload_is_422(server: Server, tokens: dict[str, str]) -> None:
    folder = DICOM_EXAMPLE / "dicompyler_example"
    struct = (folder / "rtss.dcm").read_bytes()
    files = {
        "rtdose": ("rtdose.dcm", (folder / "rtdose.dcm").read_bytes()),
        "rtstruct": ("rtss.dcm", struct[: len(struct) // 2]),
    }
    with server.client(tokens["assess"]) as c:
        r = c.post("/ui/api/dvh", files=files)
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["field"] == "rtdose/rtstruct"


class _ListFhir(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b"[1]"
        self.send_response(200)
        self.send_header("Content-Type", "application/fhir+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


def _hook_without_prefetch(server: Server, fhir_server: str) -> httpx.Response:
    """A patient-view call that makes the service read ``fhir_server`` itself."""
    body = {
        "hook": "patient-view",
        "hookInstance": str(uuid.uuid4()),
        "fhirServer": fhir_server,
        "context": {"userId": "Practitioner/1", "patientId": "p1"},
    }
    return httpx.post(
        f"{server.base_url}{SERVICE}",
        json=body,
        headers={"Authorization": f"Bearer {_jwt(server.base_url)}"},
        timeout=60,
    )


def test_a_fhir_server_answering_a_json_list_is_a_4xx(server: Server) -> None:
    fake = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _ListFhir)
    threading.Thread(target=fake.serve_forever, daemon=True).start()
    try:
        r = _hook_without_prefetch(server, f"http://127.0.0.1:{fake.server_address[1]}")
        assert 400 <= r.status_code < 500, r.text
    finally:
        fake.shutdown()


# --- CDS Hooks JWT ------------------------------------------------------------------------------


def _jwt(base: str, **claims: Any) -> str:
    import jwt

    now = int(time.time())
    payload = {
        "iss": "https://ehr.test",
        "aud": f"{base}{SERVICE}",
        "iat": now,
        "exp": now + 240,
        "jti": uuid.uuid4().hex,
        **claims,
    }
    return jwt.encode(payload, SECRET, algorithm="HS256")


def _hook(server: Server, token: str, **headers: str) -> httpx.Response:
    from tests.service.test_cdshooks import hook_request

    return httpx.post(
        f"{server.base_url}{SERVICE}",
        json=hook_request(examples.load("er-low-early")),
        headers={"Authorization": f"Bearer {token}", **headers},
        timeout=60,
    )


def test_the_jwt_audience_comes_from_configuration_not_the_host_header(server: Server) -> None:
    pytest.importorskip("breastcds.fhir")
    other = _jwt("http://other-cds.example")
    r = _hook(server, other, Host="other-cds.example")
    assert r.status_code == 401
    assert _hook(server, _jwt(server.base_url)).status_code == 200


def test_a_replayed_jwt_is_refused_after_a_restart(tmp_path: Path) -> None:
    pytest.importorskip("breastcds.fhir")
    env = {"BREASTCDS_CDS_TEST_SECRET": SECRET, "BREASTCDS_PUBLIC_BASE_URL": "http://cds.test"}
    srv = Server(tmp_path / "data", env=env).start()
    token = _jwt("http://cds.test")
    try:
        assert _hook(srv, token).status_code == 200
        assert _hook(srv, token).status_code == 401
    finally:
        srv.stop()
    srv = Server(tmp_path / "data", env=env).start()
    try:
        r = _hook(srv, token)
        assert r.status_code == 401
        assert "replay" in r.json()["detail"]
    finally:
        srv.stop()


# --- admission control --------------------------------------------------------------------------


def test_overload_is_answered_503_with_retry_after(server: Server, tokens: dict[str, str]) -> None:
    case = examples.load("chest-wall-recurrence-reirradiation")

    def post(_: int) -> httpx.Response:
        with server.client(tokens["assess"]) as c:
            return c.post("/assess", json=case)

    with concurrent.futures.ThreadPoolExecutor(40) as pool:
        answers = list(pool.map(post, range(80)))
    statuses = {r.status_code for r in answers}
    assert statuses <= {201, 503}, statuses
    refused = [r for r in answers if r.status_code == 503]
    assert refused, "a queue of 4 must overflow with 40 clients at once"
    assert all(int(r.headers["Retry-After"]) >= 1 for r in refused)
    with server.client(tokens["read"]) as c:
        for r in answers:
            if r.status_code == 201:
                assert c.get(f"/assessments/{r.json()['id']}").status_code == 200


def test_client_disconnects_are_not_recorded_as_failures(
    server: Server, tokens: dict[str, str]
) -> None:
    body = json.dumps(examples.load("er-low-early")).encode()
    auth = f"Authorization: Bearer {tokens['assess']}\r\n"
    for cut in (len(body) // 2, len(body)):
        head = (
            f"POST /assess HTTP/1.1\r\nHost: 127.0.0.1\r\n{auth}"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        )
        raw_request(server, head, body[:cut], wait_s=0.01)
    time.sleep(1.0)
    assert server.admin_token
    with server.client(server.admin_token) as admin:
        items = admin.get("/audit", params={"limit": 1000}).json()["items"]
    assert not [e for e in items if e["outcome"] == "8" and e["entity"]["what"] == "POST /assess"]


def test_an_anonymous_flood_is_rate_limited_and_audited_in_aggregate(tmp_path: Path) -> None:
    srv = Server(tmp_path / "data", env={"BREASTCDS_ANONYMOUS_RATE": "5"}).start()
    try:
        with client_from(srv, "127.0.0.9") as flood:
            answers = [flood.get("/assessments") for _ in range(300)]
        counts = {s: sum(r.status_code == s for r in answers) for s in (401, 429)}
        assert counts[401] + counts[429] == 300 and counts[429] >= 250, counts
        assert all(int(r.headers["Retry-After"]) >= 1 for r in answers if r.status_code == 429)
        assert srv.admin_token
        with srv.client(srv.admin_token) as admin:  # 127.0.0.1: not limited by the flood
            assert admin.get("/health").status_code == 200
    finally:
        srv.stop()  # the aggregated counts are written at shutdown
    srv.start()
    try:
        assert srv.admin_token
        with srv.client(srv.admin_token) as admin:
            items = admin.get("/audit", params={"limit": 1000}).json()["items"]
        flood_rows = [e for e in items if e["agent"]["network"] == "127.0.0.9"]
        assert len(flood_rows) <= 42  # 20 + 20 individual rows, 2 summaries; was one per request
        summaries = [e for e in flood_rows if e["entity"]["what"] == "aggregated"]
        counted = sum(int(e["outcome_desc"].split()[0]) for e in summaries)
        assert counted + len(flood_rows) - len(summaries) == 300
    finally:
        srv.stop()


# --- headers, docs, tokens ------------------------------------------------------------------


def test_security_headers_on_every_response(server: Server, tokens: dict[str, str]) -> None:
    with server.client(tokens["assess"]) as c:
        aid = c.post("/assess", json=examples.load("er-low-early")).json()["id"]
        answers = [
            c.get("/health"),
            c.get(f"/assessments/{aid}"),
            c.get("/assessments/0000"),
            c.get("/ui"),
            c.get("/docs"),
        ]
    for r in answers:
        h = r.headers
        assert h["x-content-type-options"] == "nosniff", r.url
        assert "frame-ancestors 'none'" in h["content-security-policy"]
        assert h["referrer-policy"] == "no-referrer"
    assert answers[1].headers["cache-control"] == "no-store"
    assert "default-src 'none'" in answers[1].headers["content-security-policy"]


def test_docs_are_served_from_local_files(server: Server) -> None:
    with server.client() as c:
        page = c.get("/docs")
        assert page.status_code == 200
        sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
        assert sources and all(s.startswith("/docs/assets/") for s in sources)
        assert "<script>" not in page.text  # no inline script: the CSP allows none
        for src in sources:
            asset = c.get(src)
            assert asset.status_code == 200 and len(asset.content) > 100, src
        assert "SwaggerUIBundle" in c.get("/docs/assets/swagger-ui-bundle.js").text[:5000]


def test_tokens_can_expire(server: Server) -> None:
    assert server.admin_token
    with server.client(server.admin_token) as admin:
        r = admin.post("/tokens", json={"role": "read", "label": "month", "expires_in_days": 30})
        assert r.status_code == 201 and r.json()["expires_at"]
        remember_secret(r.json()["token"])
    import datetime as dt

    store = Store(server.url)
    try:
        _, expired = store.create_token(
            "read", "expired", dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
        )
    finally:
        store.close()
    remember_secret(expired)
    with server.client(expired) as c:
        assert c.get("/assessments").status_code == 401


def test_a_database_error_never_carries_the_bound_values(database_url: str) -> None:
    """A PostgreSQL error once logged a token's salt and hash: bound values are hidden from
    every database error (here a duplicate id, on both backends)."""
    import datetime as dt

    from breastcds.service.storage import AuditEvent, NewAssessment

    store = Store(database_url.replace("postgresql://", "postgresql+psycopg://", 1))
    store.migrate()
    marker = "salt-and-hash-" + uuid.uuid4().hex
    rec = NewAssessment(
        id="dup", source="rest", requester="token:t", input_json=marker, case_json="{}",
        response_json="{}", created_at=dt.datetime.now(dt.UTC), breastcds_version="x",
        knowledge_version="x", case_schema_version="1.0",
    )  # fmt: skip
    audit = AuditEvent(type_code="110110", action="C", outcome="0", agent_who="token:t")
    try:
        store.add_assessment(rec, audit)
        with pytest.raises(Exception) as info:
            store.add_assessment(rec, audit)
        assert "parameters hidden" in str(info.value)
        assert marker not in str(info.value)
    finally:
        store.close()


def test_a_password_in_the_fhir_server_url_is_never_logged(tmp_path: Path) -> None:
    password = remember_secret("hunter2-" + uuid.uuid4().hex[:8])
    fake = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _ListFhir)
    threading.Thread(target=fake.serve_forever, daemon=True).start()
    srv = Server(tmp_path / "data", env={"BREASTCDS_CDS_TEST_SECRET": SECRET}).start()
    try:
        port = fake.server_address[1]
        r = _hook_without_prefetch(srv, f"http://admin:{password}@127.0.0.1:{port}/fhir")
        assert 400 <= r.status_code < 500
        assert password not in r.text
    finally:
        srv.stop()  # scans the log for the password
        fake.shutdown()


def test_several_workers_on_postgresql_share_tokens_and_jti(postgres: Any, tmp_path: Path) -> None:
    """``serve --workers 2`` on PostgreSQL: every worker accepts the tokens, and a JWT used
    on one worker is a replay on the other (the jti is in the database)."""
    pytest.importorskip("breastcds.fhir")
    url = postgres.create_database(f"breastcds_workers_{uuid.uuid4().hex[:8]}")
    env = {"BREASTCDS_CDS_TEST_SECRET": SECRET, "BREASTCDS_WORKERS": "2"}
    srv = Server(tmp_path / "data", database_url=url, env=env).start()
    try:
        assert srv.admin_token
        with srv.client(srv.admin_token) as c:
            for _ in range(6):  # new connections: spread over the workers by the kernel
                with srv.client(srv.admin_token) as fresh:
                    assert (
                        fresh.post("/assess", json=examples.load("er-low-early")).status_code == 201
                    )
            assert c.get("/assessments").json()["total"] == 6
        token = _jwt(srv.base_url)
        answers = [_hook(srv, token).status_code for _ in range(4)]
        assert answers.count(200) == 1 and answers.count(401) == 3
    finally:
        srv.stop()
