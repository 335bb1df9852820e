"""The drug catalogue against the agent table of clinical_course.md §11 (shared reference)."""

from __future__ import annotations

import re

import pytest

from breastcds.knowledge.drugs import catalogue, parse_catalogue
from breastcds.knowledge.loader import KnowledgeError
from tests.conftest import REFERENCE

#: Row label of the §11 table -> catalogue group.
ROWS = {
    "anthracyclines (cytotoxic)": "anthracycline",
    "taxanes (cytotoxic)": "taxane",
    "platinum (cytotoxic)": "platinum",
    "other cytotoxics": "other_cytotoxic",
    "anti-HER2 antibodies": "anti_her2_antibody",
    "HER2 ADCs": "her2_adc",
    "HER2 TKIs": "her2_tki",
    "SERM": "serm",
    "aromatase inhibitors": "aromatase_inhibitor",
    "SERDs": "serd",
    "GnRH agonists (OFS; GnRH with AI in men)": "gnrh_agonist",
    "CDK4/6 inhibitors": "cdk46_inhibitor",
    "PI3K / AKT / mTOR": "pi3k_akt_mtor_inhibitor",
    "PARP inhibitors": "parp_inhibitor",
    "immune checkpoint inhibitors": "checkpoint_inhibitor",
    "TROP2 ADCs": "trop2_adc",
    "bone-modifying agents": "bone_modifying_agent",
}


def _reference_table() -> dict[str, list[str]]:
    text = (REFERENCE / "domain" / "clinical_course.md").read_text(encoding="utf-8")
    section = text.split("## 11.", 1)[1].split("## 12.", 1)[0]
    table: dict[str, list[str]] = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 2 or cells[0] in ("class", "---") or set(cells[0]) <= {"-"}:
            continue
        agents = re.sub(r"\([^)]*\)", "", cells[1])  # "(non-steroidal)" annotations
        table[cells[0]] = [a.strip() for a in agents.split(",") if a.strip()]
    return table


def test_every_reference_agent_is_catalogued_with_its_class() -> None:
    table = _reference_table()
    assert set(table) == set(ROWS), "the §11 table changed: update ROWS"
    by_inn = catalogue().by_inn()
    for row, agents in table.items():
        for agent in agents:
            assert agent in by_inn, f"{agent} ({row}) missing from drugs.yaml"
            assert by_inn[agent].group == ROWS[row], agent


def test_aromatase_inhibitor_types_and_deruxtecan_flag() -> None:
    # §11: anastrozole, letrozole non-steroidal; exemestane steroidal. §4.4: the deruxtecan
    # ADCs are trastuzumab deruxtecan and datopotamab deruxtecan.
    by_inn = catalogue().by_inn()
    assert {i for i, d in by_inn.items() if d.ai_type == "non_steroidal"} == {
        "anastrozole",
        "letrozole",
    }
    assert {i for i, d in by_inn.items() if d.ai_type == "steroidal"} == {"exemestane"}
    assert {i for i, d in by_inn.items() if d.deruxtecan} == {
        "trastuzumab deruxtecan",
        "datopotamab deruxtecan",
    }


def test_families_follow_the_reference_definitions() -> None:
    # §11: "cytotoxic" = the first four rows; "HER2-directed" = antibodies + HER2 ADCs + TKIs;
    # endocrine = SERM + AIs + SERDs (+ GnRH agonists).
    cat = catalogue()
    fam = {g.id: g.family for g in cat.groups}
    assert {g for g, f in fam.items() if f == "cytotoxic"} == {
        "anthracycline", "taxane", "platinum", "other_cytotoxic"
    }  # fmt: skip
    assert {g for g, f in fam.items() if f == "her2_directed"} == {
        "anti_her2_antibody", "her2_adc", "her2_tki"
    }  # fmt: skip
    assert {g for g, f in fam.items() if f == "endocrine"} == {
        "serm", "aromatase_inhibitor", "serd", "gnrh_agonist"
    }  # fmt: skip
    for d in cat.drugs:  # the older flags agree with the families
        assert d.chemotherapy == (cat.family_of(d) == "cytotoxic"), d.inn
        assert d.anti_her2 == (cat.family_of(d) == "her2_directed"), d.inn
        assert d.endocrine == (cat.family_of(d) == "endocrine"), d.inn
        assert d.zh and cat.group(d.group).zh


def test_unknown_group_is_rejected() -> None:
    text = (
        "version: 1\ngroups: [{id: taxane, family: cytotoxic, en: taxanes, zh: 紫杉类}]\n"
        "drugs: [{inn: x, class: taxane, group: serm, abbreviation: X, zh: 某}]\n"
    )
    with pytest.raises(KnowledgeError, match="group 'serm' is not listed"):
        parse_catalogue(text, "test")
