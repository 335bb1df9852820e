"""The /ui routes over HTTP against the real server: page, local assets, auth, fragments,
report downloads, DICOM DVH upload."""

from __future__ import annotations

import json
import re

from breastcds import examples
from tests.conftest import DICOM_EXAMPLE
from tests.service.conftest import Server


def _stored(server: Server, token: str, name: str = "her2-low-metastatic") -> str:
    with server.client(token) as c:
        r = c.post("/assess", content=examples.text(name),
                   headers={"Content-Type": "application/json"})  # fmt: skip
        assert r.status_code == 201, r.text
        aid: str = r.json()["id"]
        assert r.json()["links"]["ui"] == f"/ui/assessments/{aid}"
        return aid


def test_page_and_assets_are_local(server: Server) -> None:
    with server.client() as c:
        for path, lang in (("/ui", "en"), ("/ui?lang=zh", "zh-CN"), ("/ui/assessments/abc", "en")):
            r = c.get(path)
            assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
            assert f'<html lang="{lang}">' in r.text
            refs = re.findall(r'(?:src|href)="([^"#?]+)', r.text)
            assert refs and all(ref.startswith("/ui/static/") for ref in refs), refs
            for ref in refs:
                assert c.get(ref).status_code == 200
        assert c.get("/ui/static/evil.js").status_code == 404
        assert c.get("/ui?lang=fr").status_code == 422


def test_examples_are_public(server: Server) -> None:
    with server.client() as c:
        assert c.get("/ui/api/examples").json() == examples.names()
        assert c.get("/ui/api/examples/her2-low-metastatic").json() == examples.load(
            "her2-low-metastatic"
        )
        assert c.get("/ui/api/examples/nope").status_code == 404


def test_view_and_reports_need_a_token_and_are_audited(
    server: Server, tokens: dict[str, str]
) -> None:
    aid = _stored(server, tokens["assess"])
    with server.client() as anon:
        assert anon.get(f"/ui/api/assessments/{aid}/view").status_code == 401
        assert anon.get(f"/ui/api/assessments/{aid}/report.pdf").status_code == 401
    with server.client(tokens["read"]) as c:
        view = c.get(f"/ui/api/assessments/{aid}/view", params={"lang": "zh"})
        assert view.status_code == 200
        assert aid in view.text and "HER2低表达" in view.text
        assert 'id="provenance"' in view.text and 'id="missing"' in view.text
        pdf = c.get(f"/ui/api/assessments/{aid}/report.pdf")
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
        assert "attachment" in pdf.headers["content-disposition"]
        html = c.get(f"/ui/api/assessments/{aid}/report.html", params={"lang": "zh"})
        assert html.status_code == 200 and 'lang="zh-CN"' in html.text
        assert c.get("/ui/api/assessments/0123abcd/view").status_code == 404
    assert server.admin_token
    with server.client(server.admin_token) as admin:
        audit = admin.get("/audit", params={"limit": 200})
        assert audit.status_code == 200, audit.text
        text = json.dumps(audit.json())
        for subtype in ("read:ui", "export:pdf", "export:html"):
            assert subtype in text


def test_dicom_pair_gives_dvh_with_constraint(server: Server, tokens: dict[str, str]) -> None:
    dose, struct = DICOM_EXAMPLE / "rtdose.dcm", DICOM_EXAMPLE / "rtss.dcm"
    files = {
        "rtdose": ("rtdose.dcm", dose.read_bytes()),
        "rtstruct": ("rtss.dcm", struct.read_bytes()),
    }
    with server.client(tokens["read"]) as c:
        assert c.post("/ui/api/dvh", files=files).status_code == 403  # needs role assess
    with server.client(tokens["assess"]) as c:
        form = {"fractions": "25", "alpha_beta_gy": "3", "limits": "Heart=20"}
        r = c.post("/ui/api/dvh", files=files, data=form)
        assert r.status_code == 200, r.text
        assert 'src="data:image/png;base64,' in r.text
        assert "EQD2 (α/β 3 Gy, 25 fractions)" in r.text
        assert re.search(r"Heart: max [0-9.]+ Gy, limit 20 Gy", r.text)
        bad = c.post("/ui/api/dvh", files=files, data={"limits": "Nowhere=5"})
        assert bad.status_code == 422
        assert bad.json()["errors"][0]["field"] == "limits"
        half = c.post("/ui/api/dvh", files=files, data={"fractions": "25"})
        assert half.status_code == 422 and half.json()["errors"][0]["field"] == "alpha_beta_gy"
        junk = c.post(
            "/ui/api/dvh", files={"rtdose": ("a.dcm", b"nope"), "rtstruct": ("b.dcm", b"x")}
        )
        assert junk.status_code == 422
