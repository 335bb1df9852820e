"""The tumour-board page in a real browser (Debian chromium via Playwright) against the real
server: enter a HER2-low metastatic case, see the HER2-low call and the T-DXd option with its
trial and grade, get a field message for an invalid value, switch to Chinese, upload a bundled
example, download the PDF, compute a DVH from a DICOM RT pair; keyboard and offline checks.
Screenshots are saved under test-artifacts/web/."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from breastcds import examples
from breastcds.i18n.knowledge_text import glossary
from tests.conftest import DICOM_EXAMPLE
from tests.service.conftest import Server

EXAMPLES_DIR = Path(examples.__file__).parent
WAIT_MS = 60_000  # generous upper bound for one assessment round trip, not a timing assertion


@pytest.fixture(scope="module")
def page(browser: Any, server: Server, tokens: dict[str, str]) -> Any:
    context = browser.new_context(
        viewport={"width": 1500, "height": 1000}, accept_downloads=True, locale="en-GB"
    )
    pg = context.new_page()
    pg.set_default_timeout(WAIT_MS)
    requests: list[str] = []
    pg.on("request", lambda r: requests.append(r.url))
    pg.requests = requests
    pg.goto(f"{server.base_url}/ui")
    pg.fill("#token", tokens["assess"])
    pg.dispatch_event("#token", "change")
    yield pg
    context.close()


def _stored_assessment(server: Server, token: str, aid: str) -> dict[str, Any]:
    with server.client(token) as c:
        r = c.get(f"/assessments/{aid}")
        assert r.status_code == 200
        data: dict[str, Any] = r.json()["assessment"]
        return data


def _fill_her2_low_metastatic(page: Any) -> None:
    page.fill("#f-case_id", "BOARD-HER2-LOW")
    page.select_option("#f-decision_point", "metastatic_line_2")
    page.fill("#f-patient-age_years", "55")
    page.select_option("#f-patient-sex", "female")
    page.select_option("#f-patient-menopausal_status", "post")
    page.fill("#f-patient-ecog", "1")
    page.select_option("#f-tumour-histology", "ductal_nst")
    page.fill("#f-tumour-size_mm", "27")
    page.fill("#f-tumour-grade", "3")
    page.fill("#f-tumour-nodes_examined", "12")
    page.fill("#f-tumour-nodes_positive", "2")
    page.select_option("#f-tumour-clinical_m", "M1")
    page.check('input[name="tumour.metastatic_sites"][value="liver"]')
    page.check('input[name="tumour.metastatic_sites"][value="lung"]')
    page.fill("#f-biomarkers-er_percent", "70")
    page.fill("#f-biomarkers-pr_percent", "10")
    page.fill("#f-biomarkers-her2_ihc", "2")
    page.fill("#f-biomarkers-her2_ish-ratio", "1.3")
    page.fill("#f-biomarkers-her2_ish-her2_copies", "3.1")
    page.fill("#f-biomarkers-ki67_percent", "35")
    page.fill(
        "#f-treatment-metastatic_lines",
        "fulvestrant + abemaciclib | progression\ncapecitabine | progression",
    )


def _current_id(page: Any) -> str:
    aid: str = page.locator("#stored-id").inner_text().strip()
    return aid


def test_enter_her2_low_metastatic_case_and_see_t_dxd(
    page: Any, server: Server, tokens: dict[str, str], artifacts: Path
) -> None:
    _fill_her2_low_metastatic(page)
    page.click("#assess-button")
    page.wait_for_selector("#call-her2")
    her2 = page.locator("#call-her2 td.call").inner_text()
    assert "HER2-low" in her2
    aid = _current_id(page)
    assert page.url.endswith(f"/ui/assessments/{aid}?lang=en")
    stored = _stored_assessment(server, tokens["read"], aid)
    assert stored["codes"]["her2.category"] == "HER2-low"

    options = stored["sections"].get("options")
    assert options is not None, "the options section is part of assess"
    offered = [o for dp in options["decision_points"] for o in dp["options"] + dp["discuss"]
               if "trastuzumab deruxtecan" in o["agents"]]  # fmt: skip
    assert offered, "T-DXd is offered for HER2-low metastatic disease after chemotherapy"
    row = page.locator("tr.option", has_text="trastuzumab deruxtecan").first
    text = row.inner_text()
    assert "DESTINY-Breast04" in text  # the trial
    assert offered[0]["grade"]["label"] in row.locator(".badge.grade").inner_text()  # the grade
    # the board sees provenance and missing data on the page too
    assert page.locator("#provenance").is_visible() and page.locator("#missing").is_visible()
    page.locator("#result").screenshot(path=str(artifacts / "assessment-en.png"))
    # README-sized view: the calls down to the T-DXd option (copied to docs/img by hand)
    top = page.locator("#h-calls").bounding_box()
    bottom = row.bounding_box()
    assert top is not None and bottom is not None
    scroll_y = page.evaluate("window.scrollY")
    page.screenshot(
        path=str(artifacts / "tumour-board-readme.png"),
        full_page=True,
        clip={"x": 0, "y": top["y"] + scroll_y - 10, "width": 1500,
              "height": bottom["y"] + bottom["height"] - top["y"] + 20},
    )  # fmt: skip
    page.screenshot(path=str(artifacts / "tumour-board-en.png"), full_page=False)


def test_invalid_value_shows_the_message_next_to_the_field(page: Any, artifacts: Path) -> None:
    page.fill("#f-biomarkers-her2_ihc", "7")
    page.click("#assess-button")
    message = page.locator("#err-f-biomarkers-her2_ihc")
    message.wait_for(state="visible")
    text = message.inner_text()
    assert "biomarkers.her2_ihc" in text and "3" in text
    assert page.get_attribute("#f-biomarkers-her2_ihc", "aria-invalid") == "true"
    assert page.evaluate("document.activeElement.id") == "f-biomarkers-her2_ihc"
    page.locator("#enter").screenshot(path=str(artifacts / "field-error.png"))
    page.fill("#f-biomarkers-her2_ihc", "2")  # back to a valid case


def test_switch_to_chinese_keeps_the_open_assessment(page: Any, artifacts: Path) -> None:
    aid = _current_id(page)
    page.click("#lang-switch")
    page.wait_for_url(f"**/ui/assessments/{aid}?lang=zh")
    page.wait_for_selector("#call-her2")
    assert page.get_attribute("html", "lang") == "zh-CN"
    assert "HER2低表达" in page.locator("#call-her2 td.call").inner_text()
    assert "来源与版本" in page.locator("#h-provenance").inner_text()
    assert "晚期二线" in page.locator("#section-options").inner_text()
    assert _current_id(page) == aid
    # every word a reader sees is Chinese or a name: no code identifier outside the rule ids,
    # case-field paths and citations (the detail included, read while folded)
    shown = page.evaluate(
        """() => { const body = document.querySelector('#result-body').cloneNode(true);
        body.querySelectorAll('.rule-id, .field-path, .src').forEach(e => e.remove());
        return body.textContent; }"""
    )
    assert re.findall(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b", shown) == []
    # and no knowledge text in its English wording: the knowledge carries the Chinese of each
    # (condition names of the matched criteria, guideline texts, notes)
    flat = " ".join(shown.split())
    leaked = [
        en for en, zh in glossary().items()
        if en != zh and len(re.findall(r"[A-Za-z]{3,}", en)) >= 2 and en in flat
    ]  # fmt: skip
    assert leaked == []
    assert "HER2低表达（IHC 1+或IHC 2+/ISH阴性）" in flat  # a matched criterion, name_zh
    assert "详细信息" in page.locator("#detail > summary").inner_text()
    page.screenshot(path=str(artifacts / "tumour-board-zh.png"), full_page=False)
    page.click("#lang-switch")  # and back
    page.wait_for_url(f"**/ui/assessments/{aid}?lang=en")
    page.wait_for_selector("#call-her2")


def test_upload_a_bundled_example(page: Any) -> None:
    name = "triple-negative-brca1"
    page.set_input_files("#case-file", str(EXAMPLES_DIR / f"{name}.json"))
    before = _current_id(page)
    page.click("#upload-form button[type=submit]")
    page.wait_for_function(
        "(old) => { const el = document.querySelector('#stored-id');"
        " return el && el.textContent.trim() !== old; }",
        arg=before,
    )
    case_id = examples.load(name)["case_id"]
    assert case_id in page.locator("#identifiers").inner_text()
    assert "triple-negative" in page.locator("#call-subtype").inner_text()


def test_detail_is_folded_under_the_board_summary(page: Any, artifacts: Path) -> None:
    """The page shows the board summary; near misses, every criterion and the full sources sit
    in one folded <details> that opens on request (keyboard: Enter on its summary)."""
    page.wait_for_selector("#section-options")
    detail = page.locator("#detail")
    assert detail.get_attribute("open") is None
    assert not page.locator("#rules").is_visible()
    assert not page.locator("#detail-options").is_visible()
    assert page.locator("#section-options .summary-options").is_visible()
    page.focus("#detail > summary")
    page.keyboard.press("Enter")
    assert detail.get_attribute("open") is not None
    page.wait_for_selector("#rules", state="visible")
    assert page.locator("#detail-options").is_visible()
    assert page.locator("#rules tbody tr").count() > 0
    page.locator("#detail").screenshot(path=str(artifacts / "detail-open.png"))
    page.click("#detail > summary")  # fold it again
    assert detail.get_attribute("open") is None


def test_download_the_pdf(page: Any, artifacts: Path) -> None:
    with page.expect_download() as info:
        page.click("#download-pdf")
    download = info.value
    target = artifacts / "downloaded-report.pdf"
    download.save_as(str(target))
    assert target.read_bytes().startswith(b"%PDF-")
    assert download.suggested_filename.endswith("-en.pdf")


def test_dicom_rt_pair_upload_draws_dvh(page: Any, artifacts: Path) -> None:
    page.set_input_files("#rtdose", str(DICOM_EXAMPLE / "rtdose.dcm"))
    page.set_input_files("#rtstruct", str(DICOM_EXAMPLE / "rtss.dcm"))
    page.fill("#f-limits", "Heart=5")
    page.click("#dicom-form button[type=submit]")
    page.wait_for_selector("#dvh-result figure.plot img")
    assert "Heart" in page.locator("#dvh-result table").inner_text()
    page.locator("#dicom").screenshot(path=str(artifacts / "dvh.png"))


def test_keyboard_reaches_the_result_and_everything_is_local(page: Any, server: Server) -> None:
    page.goto(f"{server.base_url}/ui")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    page.keyboard.press("Enter")
    assert page.url.endswith("#result")
    # every form control has a label
    unlabeled = page.evaluate(
        "[...document.querySelectorAll('input, select, textarea')]"
        ".filter(el => !(el.labels && el.labels.length)).map(el => el.id || el.name)"
    )
    assert unlabeled == []
    assert page.requests, "requests were recorded"
    assert all(url.startswith(server.base_url) or url.startswith("blob:") for url in page.requests)
