"""The CSCO-area denominator (``knowledge/csco_areas.yaml``, ``breastcds kb lint --csco-areas``).

Every option rule sits in exactly one area of the CSCO Breast Cancer Guidelines 2026; an area
has a graded table (Level I-III columns) or none, as the chapter inventory in
docs/csco_grading.md found. The classification never grades: a rule in an area without a
graded table carries no CSCO level, and the counts agree with ``kb lint``'s grading note.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from breastcds.cli.main import app
from breastcds.knowledge.loader import KnowledgeError, load_yaml
from breastcds.options.csco_areas import AREAS_FILE, denominator, load_areas, markdown, parse_areas
from breastcds.options.lint import grading_notes
from breastcds.options.schema import load_kb

KB = load_kb()
D = denominator(KB)


def test_every_option_rule_is_in_exactly_one_area() -> None:
    assert D.errors() == []
    placed = [r for row in D.rows for r in row.rules]
    options = [r.id for r in KB.rules if r.recommendation == "option"]
    assert sorted(placed) == sorted(options)


def test_no_rule_in_an_area_without_a_graded_table_carries_a_level() -> None:
    # a level there would have been read in no table: the classification or the grade is wrong
    for row in D.rows:
        if not row.area.graded:
            assert row.verified == (), (row.area.id, row.verified)


def test_the_total_is_the_lint_figure() -> None:
    verified, total = D.totals()
    (note,) = grading_notes(KB)
    assert note.startswith(f"{verified} of {total} option rules carry a verified CSCO level")
    g_v, g_n = D.totals(graded=True)
    u_v, u_n = D.totals(graded=False)
    assert (g_v + u_v, g_n + u_n) == (verified, total)


def test_the_local_areas_are_where_the_inventory_puts_them() -> None:
    areas = load_areas()
    ids = (
        "local.rt.whole_breast_adjuvant_sentinel_1_2", "local.rt.omission",
        "axilla.no_alnd_z0011", "axilla.slnb_cn0", "local.axilla.slnb",
        "local.margin.re_excision_dcis", "followup.mammography", "local.brain.srs_5_to_10",
        "course.metastatic.bone_modifying_agent_pamidronate",
        "local.counselling.germline_testing", "local.recurrence.biopsy",
        "recurrence.her2.trastuzumab_deruxtecan_refractory",
    )  # fmt: skip
    where = {rid: [a.id for a in areas.areas_of(rid)] for rid in ids}
    assert where == {
        "local.rt.whole_breast_adjuvant_sentinel_1_2": ["radiotherapy_after_surgery"],
        # omission is a note of the RT chapter (no cell): counted in the graded area, unverified
        "local.rt.omission": ["radiotherapy_after_surgery"],
        "axilla.no_alnd_z0011": ["radiotherapy_after_surgery"],
        "axilla.slnb_cn0": ["axillary_surgery"],
        "local.axilla.slnb": ["axillary_surgery"],
        "local.margin.re_excision_dcis": ["surgery_and_margins"],
        "followup.mammography": ["follow_up_and_monitoring"],
        "local.brain.srs_5_to_10": ["brain_metastases"],
        "course.metastatic.bone_modifying_agent_pamidronate": ["bone_metastases"],
        "local.counselling.germline_testing": ["counselling"],
        "local.recurrence.biopsy": ["locoregional_recurrence"],
        "recurrence.her2.trastuzumab_deruxtecan_refractory": ["locoregional_recurrence"],
    }


def test_a_rule_matching_no_area_or_two_is_reported() -> None:
    data: dict[str, Any] = load_yaml(AREAS_FILE)
    areas = [dict(a) for a in data["areas"]]
    men = next(a for a in areas if a["id"] == "men")
    men["rules"] = ["course.pregnancy.*"]  # now two areas claim pregnancy, none the men
    d = denominator(KB, parse_areas({**data, "areas": areas}))
    errors = "\n".join(d.errors())
    assert "'course.male.adjuvant_tamoxifen' is in no CSCO area" in errors
    assert re.search(r"course\.pregnancy\.\S+' is in more than one CSCO area", errors)


@pytest.mark.parametrize(
    ("change", "message"),
    [({"graded": "sometimes"}, "graded"), ({"rules": []}, "rules"),
     ({"colour": "red"}, "colour"), ({"id": "neoadjuvant"}, "duplicate area ids"),
     ({"other_editions": [{"edition": "2019", "found": "abstract only"}]},
      "other_editions names no edition")],
)  # fmt: skip
def test_a_bad_area_file_is_refused_naming_the_field(change: dict[str, Any], message: str) -> None:
    data: dict[str, Any] = yaml.safe_load(yaml.safe_dump(load_yaml(AREAS_FILE)))
    data["areas"][-1].update(change)
    with pytest.raises(KnowledgeError, match=message):
        parse_areas(data)


def test_markdown_table_and_figures() -> None:
    text = markdown(D)
    assert text.count("\n| ") == len(D.rows)  # one row per area below the header
    v, n = D.totals(graded=True)
    assert f"- areas with a graded table: {v} of {n} option rules verified" in text
    assert "| surgery_and_margins | " in text


def test_cli_prints_the_table() -> None:
    result = CliRunner().invoke(app, ["kb", "lint", "--csco-areas"])
    assert result.exit_code == 0, result.output
    assert "| radiotherapy_after_surgery |" in result.output
    assert "- all areas:" in result.output


# ---------------------------------------------------------------- other editions (issue 16 item 2)
# The issue names the 2024, 2022 and 2020 editions; 2025 is the book the 2026 edition updates.
# docs/csco_grading.md ("Other editions") logs what was searched for each and what came back.
OTHER_EDITIONS = {"2025", "2024", "2022", "2020"}
UNGRADED = {
    "surgery_and_margins", "axillary_surgery", "follow_up_and_monitoring", "counselling",
    "locoregional_recurrence", "men", "pregnancy", "er_low", "dcis_endocrine",
}  # fmt: skip


def test_every_area_without_a_graded_table_is_answered_for_every_other_edition() -> None:
    # the denominator decision rests on all editions: each ungraded area says what each gave
    areas = load_areas()
    assert {e.id for e in areas.editions} == OTHER_EDITIONS
    assert {a.id for a in areas.areas if not a.graded} == UNGRADED
    for a in areas.areas:
        if not a.graded:
            assert sorted(f.edition for f in a.other_editions) == sorted(OTHER_EDITIONS), a.id


def test_no_other_edition_was_read_in_full() -> None:
    # Finding of 2026-12-05: the 2024/2022 open-access papers are reachable as abstracts only,
    # 2020 as a first page, 2025 as a chapter list. No area may be graded from them: when a
    # full text is found, this test changes together with the area rows and the rules' grades.
    areas = load_areas()
    assert [e.id for e in areas.editions if e.full_text] == []
    for e in areas.editions:  # each says where it was looked for (a corpus or the code index)
        assert "pages corpus" in e.searched or "find_string" in e.searched, e.id


def test_men_and_young_patient_chapters_are_new_in_2026() -> None:
    # 2026 update points (book pages 20-24): 八 年轻乳腺癌, 九 男性乳腺癌 新增 — so the 2025
    # book had no chapter that could have graded the men, pregnancy or counselling rules
    by_id = {a.id: a for a in load_areas().areas}
    for area in ("men", "pregnancy", "counselling"):
        assert "new in 2026" in (by_id[area].found_in("2025") or ""), area


@pytest.mark.parametrize(
    ("change", "message"),
    [({"id": "twenty"}, "id"), ({"full_text": "maybe"}, "full_text"),
     ({"searched": ""}, "searched"), ({"url": "x"}, "url"), ({"citation": ""}, "citation")],
)  # fmt: skip
def test_a_bad_edition_is_refused_naming_the_field(change: dict[str, Any], message: str) -> None:
    data: dict[str, Any] = yaml.safe_load(yaml.safe_dump(load_yaml(AREAS_FILE)))
    data["editions"][0].update(change)
    with pytest.raises(KnowledgeError, match=message):
        parse_areas(data)


def test_a_duplicate_edition_is_refused() -> None:
    data: dict[str, Any] = yaml.safe_load(yaml.safe_dump(load_yaml(AREAS_FILE)))
    data["editions"].append(dict(data["editions"][0]))
    with pytest.raises(KnowledgeError, match="duplicate edition ids"):
        parse_areas(data)
    data = yaml.safe_load(yaml.safe_dump(load_yaml(AREAS_FILE)))
    men = next(a for a in data["areas"] if a["id"] == "men")
    men["other_editions"].append(dict(men["other_editions"][0]))
    with pytest.raises(KnowledgeError, match="names an edition twice"):
        parse_areas(data)


def test_markdown_names_the_other_editions() -> None:
    text = markdown(D)
    for e in load_areas().editions:
        assert f"- other edition {e.id}: {e.citation} (full text not reachable)" in text
