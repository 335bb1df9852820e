"""CDS Hooks 2.0 over real HTTP: discovery, patient-view cards, client JWT verification."""

from __future__ import annotations

import copy
import http.server
import json
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any, ClassVar

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from breastcds import examples
from tests.service.conftest import Server, make_token

SERVICE = "/cds-services/breastcds-patient-view"
SECRET = "test-secret-not-for-production-0123456789"
fhir = pytest.importorskip("breastcds.fhir", reason="the CDS hook maps FHIR with breastcds.fhir")


def token_for(
    base_url: str,
    *,
    key: Any = SECRET,
    alg: str = "HS256",
    iss: str = "https://ehr.test",
    headers: dict[str, Any] | None = None,
    **claims: Any,
) -> str:
    now = int(time.time())
    payload = {
        "iss": iss,
        "sub": "ehr-client",
        "aud": f"{base_url}{SERVICE}",
        "iat": now,
        "exp": now + 240,
        "jti": uuid.uuid4().hex,
        **claims,
    }
    return jwt.encode(payload, key, algorithm=alg, headers=headers)


def hook_request(case: dict[str, Any], patient_id: str = "pat-123") -> dict[str, Any]:
    """A patient-view request whose prefetch holds the case's Patient, Conditions, Observations."""
    bundle = fhir.case_to_bundle(case)
    by_type: dict[str, list[dict[str, Any]]] = {}
    for entry in bundle["entry"]:
        res = copy.deepcopy(entry["resource"])
        by_type.setdefault(res["resourceType"], []).append(res)
    patient = by_type["Patient"][0]

    def searchset(rtype: str) -> dict[str, Any]:
        return {
            "resourceType": "Bundle",
            "type": "searchset",
            "entry": [{"resource": r} for r in by_type.get(rtype, [])],
        }

    return {
        "hook": "patient-view",
        "hookInstance": str(uuid.uuid4()),
        "context": {"userId": "Practitioner/dr-1", "patientId": patient_id},
        "prefetch": {
            "patient": patient,
            "conditions": searchset("Condition"),
            "observations": searchset("Observation"),
        },
    }


def post_hook(server: Server, body: dict[str, Any], token: str | None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.post(f"{server.base_url}{SERVICE}", json=body, headers=headers, timeout=60)


def test_discovery_lists_the_patient_view_service(server: Server) -> None:
    r = httpx.get(f"{server.base_url}/cds-services")
    assert r.status_code == 200
    (svc,) = r.json()["services"]
    assert svc["id"] == "breastcds-patient-view"
    assert svc["hook"] == "patient-view"
    assert set(svc["prefetch"]) == {"patient", "conditions", "observations"}
    assert svc["prefetch"]["patient"] == "Patient/{{context.patientId}}"


def test_patient_view_returns_cards_linking_to_the_stored_assessment(
    server: Server, admin: httpx.Client
) -> None:
    body = hook_request(examples.load("her2-low-metastatic"))
    body["fhirAuthorization"] = {
        "access_token": "ehr-access-token-xyz",
        "token_type": "Bearer",
        "expires_in": 300,
        "scope": "patient/*.read",
        "subject": "breastcds",
    }
    r = post_hook(server, body, token_for(server.base_url))
    assert r.status_code == 200, r.text
    cards = r.json()["cards"]
    assert cards
    for card in cards:
        assert len(card["summary"]) <= 140
        assert card["indicator"] in ("info", "warning", "critical")
        assert card["source"]["label"].startswith("breastcds ")
    main = cards[0]
    assert "HER2-low" in main["summary"]
    link = main["links"][0]
    assert link["type"] == "absolute"
    assert link["url"].startswith(f"{server.base_url}/ui/assessments/")
    aid = link["url"].rsplit("/", 1)[1]
    stored = admin.get(f"/assessments/{aid}")
    assert stored.status_code == 200
    assert stored.json()["source"] == "cds-hooks"
    assert stored.json()["requester"] == "cds:https://ehr.test"
    # the same Patient/Conditions/Observations through POST /assess/fhir give the same codes
    resources = [body["prefetch"]["patient"]] + [
        e["resource"] for k in ("conditions", "observations") for e in body["prefetch"][k]["entry"]
    ]
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": x} for x in resources],
    }
    direct = admin.post("/assess/fhir", json=bundle)
    assert direct.status_code == 201, direct.text
    assert direct.json()["assessment"]["codes"] == stored.json()["assessment"]["codes"]
    # the EHR's access token is not stored with the input
    from breastcds.service.storage import Store

    store = Store(f"sqlite:///{server.data_dir / 'breastcds.sqlite3'}")
    try:
        row = store.get_assessment(aid)
        assert row is not None and "ehr-access-token-xyz" not in row.input_json
        assert json.loads(row.input_json)["hookInstance"] == body["hookInstance"]
    finally:
        store.close()


def test_missing_inputs_give_a_warning_card_with_suggestions(server: Server) -> None:
    case = examples.load("her2-0-early-luminal-a")
    for k in ("her2_ihc", "her2_ihc0_staining", "her2_ish"):
        case["biomarkers"].pop(k, None)
    r = post_hook(server, hook_request(case), token_for(server.base_url))
    assert r.status_code == 200, r.text
    cards = r.json()["cards"]
    missing = [c for c in cards if "missing input" in c["summary"]]
    assert missing and missing[0]["indicator"] == "warning"
    assert missing[0]["selectionBehavior"] == "any"
    labels = [s["label"] for s in missing[0]["suggestions"]]
    assert any("her2" in label for label in labels)


def test_fhir_endpoint_round_trips_every_example(admin: httpx.Client) -> None:
    for name in examples.names():
        case = examples.load(name)
        direct = admin.post("/assess", json=case).json()["assessment"]["codes"]
        via_fhir = admin.post("/assess/fhir", json=fhir.case_to_bundle(case))
        assert via_fhir.status_code == 201, via_fhir.text
        assert via_fhir.json()["source"] == "fhir"
        assert via_fhir.json()["assessment"]["codes"] == direct, name
        assert isinstance(via_fhir.json()["fhir_unmapped"], list)


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda base: None, id="no-token"),
        pytest.param(lambda base: "not-a-jwt", id="garbage"),
        pytest.param(
            lambda base: token_for(base, key="wrong-secret-wrong-secret-wrong-secret"),
            id="wrong-secret",
        ),
        pytest.param(
            lambda base: token_for(base, aud="https://elsewhere.test/cds-services"),
            id="wrong-audience",
        ),
        pytest.param(lambda base: token_for(base, exp=int(time.time()) - 600), id="expired"),
        pytest.param(lambda base: token_for(base, exp=int(time.time()) + 3600), id="too-long"),
        pytest.param(
            lambda base: jwt.encode({"iss": "x", "aud": f"{base}{SERVICE}"}, SECRET),
            id="missing-claims",
        ),
    ],
)
def test_bad_client_jwts_are_401(server: Server, make: Any) -> None:
    body = hook_request(examples.load("er-low-early"))
    r = post_hook(server, body, make(server.base_url))
    assert r.status_code == 401, r.text
    assert r.headers["content-type"].startswith("application/problem+json")


def test_a_replayed_jti_is_refused(server: Server) -> None:
    body = hook_request(examples.load("er-low-early"))
    token = token_for(server.base_url)
    assert post_hook(server, body, token).status_code == 200
    assert post_hook(server, body, token).status_code == 401


def test_api_tokens_do_not_open_the_hook(server: Server, admin: httpx.Client) -> None:
    body = hook_request(examples.load("er-low-early"))
    assert post_hook(server, body, make_token(admin, "admin")).status_code == 401


def test_incomplete_prefetch_without_fhir_server_is_412(server: Server) -> None:
    body = hook_request(examples.load("er-low-early"))
    del body["prefetch"]["observations"]
    r = post_hook(server, body, token_for(server.base_url))
    assert r.status_code == 412


def test_wrong_hook_and_bad_body_are_422(server: Server) -> None:
    body = hook_request(examples.load("er-low-early"))
    assert (
        post_hook(server, {**body, "hook": "order-sign"}, token_for(server.base_url)).status_code
        == 422
    )
    assert (
        post_hook(server, {"hook": "patient-view"}, token_for(server.base_url)).status_code == 422
    )


def test_a_contradictory_record_gives_a_not_assessed_card(server: Server) -> None:
    body = hook_request(examples.load("er-low-early"))
    for e in body["prefetch"]["observations"]["entry"]:
        if e["resource"].get("id") == "nodes-positive":
            e["resource"]["valueQuantity"]["value"] = 40  # more than the 15 examined
    r = post_hook(server, body, token_for(server.base_url))
    assert r.status_code == 200, r.text
    (card,) = r.json()["cards"]
    assert card["summary"].startswith("breastcds could not assess this patient")
    assert card["indicator"] == "warning"
    assert "tumour.nodes_positive" in card["detail"]
    assert "links" not in card  # nothing was stored, so there is no page to link to


# --- non-test mode: asymmetric keys from an allow-listed issuer's JWK Set URL -------------


class _JwksHandler(http.server.BaseHTTPRequestHandler):
    jwks: ClassVar[bytes] = b"{}"
    fhir: ClassVar[dict[str, Any]] = {}
    seen_auth: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        if self.path == "/jwks.json":
            body = self.jwks
        elif self.path.split("?")[0].lstrip("/") in {"Patient/pat-9", "Condition", "Observation"}:
            self.seen_auth.append(self.headers.get("Authorization", ""))
            body = json.dumps(self.fhir[self.path.split("?")[0].lstrip("/")]).encode()
        else:
            self.send_response(404)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def ehr() -> Iterator[tuple[str, Any]]:
    """A loopback 'EHR': its JWK Set URL and FHIR server, and its ES384 private key."""
    key = ec.generate_private_key(ec.SECP384R1())
    jwk = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(key.public_key()))
    jwk.update({"kid": "ehr-key-1", "use": "sig", "alg": "ES384"})
    _JwksHandler.jwks = json.dumps({"keys": [jwk]}).encode()
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _JwksHandler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", key
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def production_server(
    tmp_path_factory: pytest.TempPathFactory, ehr: tuple[str, Any]
) -> Iterator[Server]:
    base, _ = ehr
    clients = {"https://ehr.test": {"jku": f"{base}/jwks.json"}}
    srv = Server(
        tmp_path_factory.mktemp("svc-prod") / "data",
        env={"BREASTCDS_CDS_CLIENTS": json.dumps(clients)},
    )
    srv.start()
    yield srv
    srv.stop()


def test_allow_listed_issuer_with_es384_key_is_accepted(
    production_server: Server, ehr: tuple[str, Any]
) -> None:
    base, key = ehr
    body = hook_request(examples.load("triple-negative-brca1"))
    token = token_for(
        production_server.base_url,
        key=key,
        alg="ES384",
        headers={"kid": "ehr-key-1", "jku": f"{base}/jwks.json"},
    )
    r = post_hook(production_server, body, token)
    assert r.status_code == 200, r.text
    assert "triple-negative" in r.json()["cards"][0]["summary"]


@pytest.mark.parametrize("case", ["hs256-secret", "unknown-issuer", "other-jku", "other-key"])
def test_production_mode_refuses_untrusted_tokens(
    production_server: Server, ehr: tuple[str, Any], case: str
) -> None:
    _, key = ehr
    url = production_server.base_url
    if case == "hs256-secret":  # no shared secret is configured outside test mode
        token = token_for(url)
    elif case == "unknown-issuer":
        token = token_for(
            url, key=key, alg="ES384", iss="https://rogue.test", headers={"kid": "ehr-key-1"}
        )
    elif case == "other-jku":
        token = token_for(
            url,
            key=key,
            alg="ES384",
            headers={"kid": "ehr-key-1", "jku": "https://rogue.test/jwks.json"},
        )
    else:
        token = token_for(
            url,
            key=ec.generate_private_key(ec.SECP384R1()),
            alg="ES384",
            headers={"kid": "ehr-key-1"},
        )
    body = hook_request(examples.load("er-low-early"))
    assert post_hook(production_server, body, token).status_code == 401


def test_missing_prefetch_is_fetched_from_the_fhir_server_with_its_token(
    production_server: Server, ehr: tuple[str, Any]
) -> None:
    base, key = ehr
    full = hook_request(examples.load("her2-positive-neoadjuvant"), patient_id="pat-9")
    _JwksHandler.fhir = {
        "Patient/pat-9": full["prefetch"]["patient"],
        "Condition": full["prefetch"]["conditions"],
        "Observation": full["prefetch"]["observations"],
    }
    _JwksHandler.seen_auth.clear()
    body = {
        **full,
        "fhirServer": base,
        "prefetch": {"patient": full["prefetch"]["patient"]},
        "fhirAuthorization": {
            "access_token": "fhir-token-123",
            "token_type": "Bearer",
            "expires_in": 300,
            "scope": "patient/*.read",
            "subject": "breastcds",
        },
    }
    token = token_for(
        production_server.base_url, key=key, alg="ES384", headers={"kid": "ehr-key-1"}
    )
    r = post_hook(production_server, body, token)
    assert r.status_code == 200, r.text
    assert _JwksHandler.seen_auth == ["Bearer fhir-token-123"] * 2
    assert "HER2-positive" in r.json()["cards"][0]["summary"]
