"""REST API over real HTTP: assess, stored reads, validation errors, roles, audit, knowledge."""

from __future__ import annotations

import json

import httpx
import pytest

from breastcds import examples
from tests.service.conftest import Server, make_token


@pytest.fixture(scope="module")
def assessor(server: Server, admin: httpx.Client) -> httpx.Client:
    with server.client(make_token(admin, "assess")) as c:
        yield c


@pytest.fixture(scope="module")
def reader(server: Server, admin: httpx.Client) -> httpx.Client:
    with server.client(make_token(admin, "read")) as c:
        yield c


def test_health_docs_and_openapi_need_no_token(server: Server) -> None:
    with server.client() as c:
        health = c.get("/health")
        assert health.status_code == 200
        assert health.json()["database"] == "ok"
        assert health.json()["schema_revision"] == "0002"
        spec = c.get("/openapi.json").json()
        assert {
            "/assess",
            "/assess/fhir",
            "/assessments",
            "/assessments/{assessment_id}",
            "/knowledge/version",
            "/knowledge/rules/{rule_id}",
            "/health",
            "/cds-services",
            "/cds-services/breastcds-patient-view",
        } <= set(spec["paths"])
        assert spec["components"]["schemas"]["Case"]["title"] == "Case"
        assert c.get("/docs").status_code == 200


@pytest.mark.parametrize("name", examples.names())
def test_assess_every_example_is_stored_and_read_back_identically(
    name: str, assessor: httpx.Client, reader: httpx.Client
) -> None:
    case = examples.load(name)
    posted = assessor.post("/assess", json=case)
    assert posted.status_code == 201, posted.text
    body = posted.json()
    aid = body["id"]
    assert posted.headers["location"] == f"/assessments/{aid}"
    assert body["source"] == "rest"
    assert body["requester"].startswith("token:")
    assert body["links"]["ui"] == f"/ui/assessments/{aid}"
    assessment = body["assessment"]
    assert assessment["case_id"] == case.get("case_id")
    assert assessment["provenance"]["knowledge_version"]
    got = reader.get(f"/assessments/{aid}")
    assert got.status_code == 200
    assert got.content == posted.content  # byte for byte the answer that was given


def test_stored_assessment_replays_identically(assessor: httpx.Client) -> None:
    aid = assessor.post("/assess", json=examples.load("her2-low-metastatic")).json()["id"]
    replay = assessor.post(f"/assessments/{aid}/replay")
    assert replay.status_code == 200
    assert replay.json()["identical"] is True, replay.json()["differences"]
    assert replay.json()["stored"] == replay.json()["current"]


def test_list_is_newest_first_with_versions(assessor: httpx.Client, reader: httpx.Client) -> None:
    first = assessor.post("/assess", json=examples.load("er-low-early")).json()["id"]
    second = assessor.post("/assess", json=examples.load("er-low-early")).json()["id"]
    listing = reader.get("/assessments", params={"limit": 2}).json()
    assert [i["id"] for i in listing["items"]] == [second, first]
    assert listing["total"] >= 2
    item = listing["items"][0]
    assert item["breastcds_version"] and item["knowledge_version"] and item["input_sha256"]


def test_case_validation_errors_are_422_with_field_paths(assessor: httpx.Client) -> None:
    case = examples.load("her2-0-early-luminal-a")
    case["biomarkers"]["er_percent"] = 140
    case["patient"]["shoe_size"] = 39
    r = assessor.post("/assess", json=case)
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    errors = {e["field"]: e for e in r.json()["errors"]}
    assert "biomarkers.er_percent" in errors
    assert errors["biomarkers.er_percent"]["value"] == 140
    assert "<= 100" in errors["biomarkers.er_percent"]["message"]
    assert errors["patient.shoe_size"]["message"] == "unknown field (not part of the case model)"


@pytest.mark.parametrize(
    ("content", "field"),
    [
        (b"{not json", "body"),
        (b"[1, 2]", "body"),
        (b'"a string"', "body"),
        (b"\xff\xfe", "body"),
        (b'{"biomarkers": {"er_percent": NaN}}', "body"),
        (b"[" * 100_000 + b"]" * 100_000, "body"),
    ],
)
def test_bad_bodies_are_422_never_500(assessor: httpx.Client, content: bytes, field: str) -> None:
    r = assessor.post("/assess", content=content, headers={"content-type": "application/json"})
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["field"] == field
    assert "Traceback" not in r.text


def test_request_validation_errors_are_422_problems(reader: httpx.Client) -> None:
    r = reader.get("/assessments", params={"limit": 0})
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "query.limit"
    r = reader.get("/assessments/NOT-HEX")
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "path.assessment_id"


def test_unknown_query_parameters_are_422(reader: httpx.Client) -> None:
    r = reader.get("/assessments", params={"limit": 5, "limt": 5})
    assert r.status_code == 422
    assert r.json()["errors"] == [
        {"field": "query.limt", "message": "unknown query parameter", "value": "5"}
    ]


def test_unknown_assessment_is_404(reader: httpx.Client) -> None:
    r = reader.get("/assessments/" + "0" * 32)
    assert r.status_code == 404
    assert r.json()["status"] == 404


def test_authentication_and_roles(server: Server, reader: httpx.Client) -> None:
    case = examples.load("er-low-early")
    with server.client() as anonymous:
        r = anonymous.post("/assess", json=case)
        assert r.status_code == 401
        assert r.headers["www-authenticate"].startswith("Bearer")
        assert anonymous.get("/assessments").status_code == 401
        assert anonymous.get("/knowledge/version").status_code == 401
    with server.client("bcds_0000000000000000.not-a-real-secret") as forged:
        assert forged.get("/assessments").status_code == 401
    with server.client("not-even-a-bcds-token") as junk:
        assert junk.get("/assessments").status_code == 401
    assert reader.post("/assess", json=case).status_code == 403
    assert reader.get("/audit").status_code == 403
    assert reader.post("/tokens", json={"role": "admin"}).status_code == 403
    assert reader.get("/assessments").status_code == 200


def test_revoked_token_stops_working(server: Server, admin: httpx.Client) -> None:
    token = make_token(admin, "read")
    with server.client(token) as c:
        assert c.get("/assessments").status_code == 200
        token_id = token.removeprefix("bcds_").split(".")[0]
        assert admin.delete(f"/tokens/{token_id}").status_code == 204
        assert c.get("/assessments").status_code == 401
    assert admin.delete(f"/tokens/{token_id}").status_code == 404


def test_audit_trail_records_who_did_what(
    server: Server, admin: httpx.Client, assessor: httpx.Client
) -> None:
    aid = assessor.post("/assess", json=examples.load("er-low-early")).json()["id"]
    with server.client() as anonymous:
        anonymous.get(f"/assessments/{aid}")
    events = admin.get("/audit", params={"limit": 50}).json()["items"]
    created = [e for e in events if e["entity"]["what"] == f"Assessment/{aid}"]
    assert created and created[-1]["action"] == "C" and created[-1]["outcome"] == "0"
    assert created[-1]["type"] == {
        "system": "http://dicom.nema.org/resources/ontology/DCM",
        "code": "110110",
    }
    assert created[-1]["agent"]["who"].startswith("token:")
    assert created[-1]["agent"]["role"] == "assess"
    assert created[-1]["recorded"]
    alerts = [e for e in events if e["type"]["code"] == "110113" and e["outcome"] == "4"]
    assert any(e["entity"]["what"] == f"GET /assessments/{aid}" for e in alerts)


def test_knowledge_version_and_rule_lookup(reader: httpx.Client) -> None:
    v = reader.get("/knowledge/version").json()
    assert v["knowledge_version"] and v["breastcds_version"] and v["case_schema_version"]
    rule = reader.get("/knowledge/rules/brachial_plexus")
    assert rule.status_code == 200
    match = rule.json()["matches"][0]
    assert match["file"] == "alpha_beta.yaml"
    assert match["entry"]["id"] == "brachial_plexus"
    assert reader.get("/knowledge/rules/no-such-rule").status_code == 404


def test_fhir_endpoint_answers_501_without_the_mapper_or_maps_with_it(
    assessor: httpx.Client,
) -> None:
    from breastcds.service.api import load_fhir

    bundle = {"resourceType": "Bundle", "type": "collection", "entry": []}
    r = assessor.post("/assess/fhir", json=bundle)
    if load_fhir() is None:
        assert r.status_code == 501
        assert "breastcds.fhir" in r.json()["detail"]
    else:
        assert r.status_code in (201, 422), r.text
    assert assessor.post("/assess/fhir", json={"resourceType": "Patient"}).status_code in (
        422,
        501,
    )


def test_stored_input_is_the_exact_request_text(server: Server, assessor: httpx.Client) -> None:
    from breastcds.service.storage import Store

    text = json.dumps(examples.load("er-low-early"), indent=3)
    aid = assessor.post(
        "/assess", content=text.encode(), headers={"content-type": "application/json"}
    ).json()["id"]
    store = Store(f"sqlite:///{server.data_dir / 'breastcds.sqlite3'}")
    try:
        row = store.get_assessment(aid)
        assert row is not None
        assert row.input_json == text
        assert row.requester.startswith("token:")
    finally:
        store.close()
