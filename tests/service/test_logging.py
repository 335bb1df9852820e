"""Logs are JSON lines with no tokens and no patient identifiers, in-process and from the server."""

from __future__ import annotations

import io
import json
import logging
import time
import uuid

import httpx
import jwt
import pytest

from breastcds import examples
from breastcds.service.logging import REDACTED, redact, setup_logging
from tests.service.conftest import Server

PATIENT_ID = "MRN-77341-ZETA"
CASE_ID = "CASE-SECRET-4410"


@pytest.fixture
def captured() -> io.StringIO:
    stream = io.StringIO()
    handler = setup_logging("DEBUG", stream)
    yield stream
    logging.getLogger().removeHandler(handler)


def test_records_are_json_and_redacted(captured: io.StringIO) -> None:
    log = logging.getLogger("breastcds.test")
    token = "bcds_0123456789abcdef.s3cr3t-s3cr3t-s3cr3t"
    log.info("auth header Authorization: Bearer %s for Patient/%s", token, PATIENT_ID)
    log.warning(
        "prefetch",
        extra={
            "fields": {
                "patientId": PATIENT_ID,
                "case_id": CASE_ID,
                "status": 200,
                "nested": {"token": token},
            }
        },
    )
    try:
        raise ValueError(f"bad value for patient_id={PATIENT_ID} with {token}")
    except ValueError:
        log.exception("failed")
    out = captured.getvalue()
    records = [json.loads(line) for line in out.splitlines()]
    assert len(records) == 3
    assert all({"ts", "level", "logger", "msg"} <= set(r) for r in records)
    for secret in (token, "s3cr3t", PATIENT_ID, CASE_ID):
        assert secret not in out
    assert records[1]["status"] == 200
    assert records[1]["patientId"] == REDACTED
    assert records[1]["nested"]["token"] == REDACTED
    assert "ValueError" in records[2]["exc"]


def test_redact_keeps_harmless_values() -> None:
    assert redact({"status": 201, "path": "/assess", "duration_ms": 3.2}) == {
        "status": 201,
        "path": "/assess",
        "duration_ms": 3.2,
    }
    assert redact("GET /Patient/abc?patient=xyz") == f"GET /Patient/{REDACTED}?patient={REDACTED}"
    assert "eyJ" not in redact("jwt eyJhbGciOi.eyJzdWIiOiIx.c2ln")


def test_server_logs_hold_no_tokens_or_patient_identifiers(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    secret = "logging-test-secret-0123456789-abcdef"
    srv = Server(
        tmp_path_factory.mktemp("svc-log") / "data",
        env={"BREASTCDS_CDS_TEST_SECRET": secret, "BREASTCDS_LOG_LEVEL": "DEBUG"},
    )
    srv.start()
    try:
        assert srv.admin_token
        case = examples.load("her2-low-metastatic")
        case["case_id"] = CASE_ID
        with srv.client(srv.admin_token) as c:
            assert c.post("/assess", json=case).status_code == 201
            bad = dict(case, biomarkers={**case["biomarkers"], "er_percent": 140})
            assert c.post("/assess", json=bad).status_code == 422
            assert c.get("/assessments").status_code == 200
        with srv.client(srv.admin_token + "x") as c:
            assert c.get("/assessments").status_code == 401
        now = int(time.time())
        cds_jwt = jwt.encode(
            {
                "iss": "https://ehr.test",
                "aud": f"{srv.base_url}/cds-services/breastcds-patient-view",
                "iat": now,
                "exp": now + 60,
                "jti": uuid.uuid4().hex,
            },
            secret,
            algorithm="HS256",
        )
        hook = {
            "hook": "patient-view",
            "hookInstance": str(uuid.uuid4()),
            "context": {"userId": "Practitioner/1", "patientId": PATIENT_ID},
            "prefetch": {"patient": {"resourceType": "Patient", "id": PATIENT_ID}},
        }
        r = httpx.post(
            f"{srv.base_url}/cds-services/breastcds-patient-view",
            json=hook,
            headers={"Authorization": f"Bearer {cds_jwt}"},
        )
        assert r.status_code in (200, 412)
    finally:
        srv.stop()
    log = srv.log()
    lines = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    assert any(r.get("msg") == "request" and r.get("status") == 201 for r in lines)
    for secret_text in (
        srv.admin_token,
        srv.admin_token.split(".")[1],
        cds_jwt,
        secret,
        PATIENT_ID,
        CASE_ID,
    ):
        assert secret_text not in log
