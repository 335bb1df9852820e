"""Hypothesis strategies for cohort rows, concentrated on the knowledge's thresholds.

Values sit on and beside every cut-off the rules use (ER 1/10 %, ISH ratio 2.0 and 4/6 copies,
Ki-67 5/20/30 %, sizes 5/10/20/50 mm, nodes 0/1-3/4-9/10+, ages 25/50/65/70/85 ...), and
recorded T/N/M categories are drawn freely, so rows also contradict each other in every way the
case model knows. Records the flat table cannot express on their own (neoadjuvant details,
metastatic lines) are drawn whole, so every row is either valid for both the cohort engine and
the case model or invalid for both.
"""

from __future__ import annotations

import typing
from typing import Any

from hypothesis import strategies as st

from breastcds.cohort.schema import COLUMNS, MAX_LINES
from breastcds.model import case as case_model
from breastcds.model import codes


def _opt(values: list[Any], none_weight: int = 1) -> st.SearchStrategy[Any]:
    """One of ``values`` or None (not recorded), None drawn ``none_weight`` times in
    ``len(values) + none_weight``."""
    return st.sampled_from([None] * none_weight + values)


def _enum(e: Any) -> list[str]:
    return [m.value for m in e]


_T = list(typing.get_args(case_model.TCategory))
_N = list(typing.get_args(case_model.NCategory))
_M = list(typing.get_args(case_model.MCategory))
_AGENTS = [
    "paclitaxel;trastuzumab;pertuzumab", "epirubicin;cyclophosphamide", "docetaxel",
    "Herceptin; 紫杉醇", "tamoxifen", "letrozole;palbociclib", "fulvestrant;abemaciclib",
    "capecitabine", "trastuzumab deruxtecan", "Enhertu", "olaparib", "unknownium", "",
]  # fmt: skip

SIMPLE: dict[str, st.SearchStrategy[Any]] = {
    "decision_point": _opt(_enum(codes.DecisionPoint), none_weight=30),
    "age_years": _opt([24, 25, 35, 40, 49, 50, 64, 65, 69, 70, 85, 86, 120]),
    "sex": _opt(["female"] * 8 + ["male"]),
    "menopausal_status": _opt(_enum(codes.MenopausalStatus)),
    "ecog": _opt([0, 1, 2, 3, 4]),
    "laterality": _opt(["left", "right", "left", "right", "bilateral"]),
    "histology": _opt(["ductal_nst", "lobular", "other"]),
    "dcis_only": _opt([False] * 12 + [True]),
    "size_mm": _opt([0.0, 0.5, 1.0, 1.5, 5.0, 5.1, 10.0, 20.0, 20.5, 30.0, 50.0, 51.0, 500.0,
                     501.0]),
    "clinical_size_mm": _opt([0.0, 5.0, 20.0, 21.0, 50.0, 60.0], none_weight=3),
    "focality": _opt(_enum(codes.Focality)),
    "grade": _opt([1, 2, 3]),
    "lvi": _opt([False, True]),
    "margin_mm": _opt([0.0, 0.5, 1.0, 2.0, 3.0, 10.0]),
    "nodes_examined": _opt([0, 3, 10, 20, 40, 100], none_weight=6),
    "nodes_positive": _opt([0, 1, 2, 3, 4, 9, 10, 30]),
    "nodes_micrometastases_only": _opt([False, True], none_weight=2),
    "clinical_t": _opt(_T, none_weight=40),
    "clinical_n": _opt(_N, none_weight=20),
    "clinical_m": _opt(["M0", "M0", "M0", "cM0(i+)", "M1"], none_weight=2),
    "pathological_t": _opt(_T, none_weight=60),
    "pathological_n": _opt(_N, none_weight=60),
    "pathological_m": _opt(_M, none_weight=20),
    "metastatic_sites": _opt(["none", "bone", "brain;liver", "leptomeninges", "lung;bone"],
                             none_weight=10),
    "visceral_crisis": _opt([False, True]),
    "detection": _opt(_enum(codes.Detection)),
    "er_percent": _opt([0.0, 0.5, 1.0, 5.0, 10.0, 10.5, 20.0, 50.0, 100.0]),
    "pr_percent": _opt([0.0, 0.9, 1.0, 10.0, 19.9, 20.0, 60.0]),
    "her2_ihc": _opt([0, 1, 2, 3]),
    "her2_ihc0_staining": _opt(_enum(codes.IhcZeroStaining), none_weight=8),
    "her2_single_probe_copies": _opt([3.9, 4.0, 5.99, 6.0], none_weight=4),
    "ki67_percent": _opt([0.0, 5.0, 5.5, 10.0, 10.5, 19.9, 20.0, 29.9, 30.0, 80.0]),
    "oncotype_rs": _opt([0, 10, 11, 15, 16, 25, 26, 31], none_weight=3),
    "mammaprint": _opt(_enum(codes.MammaPrintResult), none_weight=4),
    "prosigna_ror": _opt([0, 10, 40, 41, 60], none_weight=4),
    "prosigna_risk": _opt(_enum(codes.RiskCategory), none_weight=4),
    "germline_brca": _opt(_enum(codes.GermlineBrca), none_weight=2),
    "pdl1_cps": _opt([0.0, 1.0, 9.9, 10.0, 50.0], none_weight=2),
    "pik3ca": _opt(_enum(codes.MutationStatus)),
    "esr1": _opt(_enum(codes.MutationStatus)),
    "akt1": _opt(_enum(codes.MutationStatus), none_weight=3),
    "pten": _opt(_enum(codes.MutationStatus), none_weight=3),
    "surgery_type": _opt(["breast_conserving", "breast_conserving", "mastectomy", "none"]),
    "axillary_surgery": _opt(_enum(codes.AxillarySurgery), none_weight=2),
    "adjuvant_chemotherapy_done": _opt([False, True]),
    "adjuvant_agents": _opt(["docetaxel;cyclophosphamide", "tamoxifen", "mysterydrug",
                             "epirubicin; cyclophosphamide; paclitaxel", "none",
                             "docetaxel;carboplatin;trastuzumab"], none_weight=2),
    "endocrine_therapy_planned": _opt([False, True]),
    "months_since_trastuzumab": _opt([0.0, 5.9, 6.0, 12.0, 13.0], none_weight=3),
    "months_since_chemotherapy": _opt([0.0, 6.0, 6.5, 12.0, 13.0], none_weight=3),
    "months_since_curative_therapy": _opt([0.0, 5.9, 6.0, 12.0], none_weight=3),
    "mean_heart_dose_gy": _opt([0.0, 2.0, 49.9, 50.0, 55.0, 60.0], none_weight=2),
    "prior_breast_radiotherapy": _opt([False, True], none_weight=3),
    "cardiac_dysfunction": _opt([False, True]),
    "interstitial_lung_disease": _opt([False, True]),
    "connective_tissue_disease": _opt([False, True]),
    "pregnancy": _opt([False, True], none_weight=2),
    "current_smoker": _opt([False, True]),
    "peripheral_neuropathy": _opt([False, True], none_weight=2),
    "osteoporosis": _opt([False, True], none_weight=2),
    "venous_thromboembolism": _opt([False, True], none_weight=2),
    "diabetes_uncontrolled": _opt([False, True], none_weight=2),
    "active_autoimmune_disease": _opt([False, True], none_weight=2),
    # pregnant may contradict the older pregnancy column or sex; gestation may lack pregnancy
    "pregnant": _opt([False, True], none_weight=2),
    "gestation_weeks": _opt([0.0, 12.0, 13.9, 14.0, 34.9, 35.0, 45.0], none_weight=10),
    "geriatric_assessment": _opt(_enum(codes.GeriatricAssessment), none_weight=2),
    "declines": _opt(["none", "chemotherapy", "radiotherapy;endocrine_therapy", "surgery",
                      "anti_her2_therapy;mastectomy", "chemotherapy;chemotherapy",
                      "none;radiotherapy"], none_weight=5),
    "axillary_ultrasound": _opt(_enum(codes.AxillaryUltrasound)),
    "brain_metastases_count": _opt([0, 1, 4, 5, 10, 11], none_weight=4),
    "brain_metastases_symptomatic": _opt([False, True], none_weight=4),
    "dcis_extent_mm": _opt([0.0, 10.0, 25.0, 40.0, 41.0, 100.0], none_weight=4),
    "dcis_nuclear_grade": _opt([1, 2, 3], none_weight=3),
    "sentinel_nodes_positive": _opt([0, 1, 2, 3, 20], none_weight=3),
    # radiotherapy before: given or never (contradicting recorded courses at times)
    "radiotherapy_given": _opt([False, True], none_weight=2),
    "prior_radiotherapy_regions": _opt(["whole_breast", "chest_wall", "partial_breast",
                                        "whole_breast;tumour_bed_boost", "regional_nodes",
                                        "chest_wall;supraclavicular", "axilla;internal_mammary",
                                        "brain", "whole_breast;whole_breast"], none_weight=6),
    "de_novo_metastatic": _opt([False, True], none_weight=4),
}  # fmt: skip

#: Agents as taken at a recurrence or as adjuvant endocrine therapy ('none' = none taken).
_ENDOCRINE_AGENTS = [
    "tamoxifen",
    "letrozole",
    "anastrozole",
    "exemestane",
    "Arimidex",
    "tamoxifen;letrozole",
    "goserelin;exemestane",
    "none",
    "unknownium",
]
_ON_THERAPY = [
    "none",
    "anastrozole",
    "letrozole",
    "tamoxifen",
    "paclitaxel",
    "trastuzumab",
    "capecitabine",
    "docetaxel;trastuzumab",
    "unknownium",
    "fulvestrant;palbociclib",
]


@st.composite
def _ish(draw: st.DrawFn) -> dict[str, Any]:
    """First dual-probe count and, mostly with it, the second observer's recount."""
    out: dict[str, Any] = {}
    first = draw(st.sampled_from([False, True, True]))
    recount = draw(st.sampled_from([False] * 3 + [True] if first else [False] * 30 + [True]))
    for prefix, present in (("her2_ish", first), ("her2_ish_recount", recount)):
        out[f"{prefix}_ratio"] = draw(st.sampled_from([1.5, 1.99, 2.0, 2.5])) if present else None
        out[f"{prefix}_copies"] = (
            draw(st.sampled_from([3.0, 3.99, 4.0, 5.99, 6.0, 8.0])) if present else None
        )
    return out


@st.composite
def _neoadjuvant(draw: st.DrawFn) -> dict[str, Any]:
    if not draw(st.sampled_from([False] * 4 + [True])):
        flag = draw(st.sampled_from([None, False]))
        return {"neoadjuvant": flag, "neoadjuvant_agents": None, "neoadjuvant_response": None,
                "ypt": None, "ypn": None}  # fmt: skip
    return {
        "neoadjuvant": True,
        "neoadjuvant_agents": draw(_opt(_AGENTS)),
        "neoadjuvant_response": draw(_opt(_enum(codes.NeoadjuvantResponse))),
        "ypt": draw(_opt(_T, none_weight=2)),
        "ypn": draw(_opt(_N, none_weight=2)),
    }


@st.composite
def _lines(draw: st.DrawFn) -> dict[str, Any]:
    n = draw(st.sampled_from([0, 0, 0, 1, 2, 3]))
    out: dict[str, Any] = {}
    for k in range(1, MAX_LINES + 1):
        has = k <= n
        out[f"metastatic_line{k}_agents"] = draw(st.sampled_from(_AGENTS)) if has else None
        out[f"metastatic_line{k}_outcome"] = draw(_opt(_enum(codes.LineOutcome))) if has else None
        out[f"metastatic_line{k}_months"] = draw(_opt([1.0, 6.0, 6.5, 12.0])) if has else None
    return out


@st.composite
def _endocrine(draw: st.DrawFn) -> dict[str, Any]:
    """The adjuvant endocrine record, drawn whole (its details only with its agents)."""
    agents = draw(_opt(_ENDOCRINE_AGENTS, none_weight=6))
    has = agents is not None
    return {
        "endocrine_agents": agents,
        "endocrine_years_completed": draw(_opt([0.0, 1.0, 1.9, 2.0, 4.9, 5.0, 7.5, 10.0]))
        if has else None,
        "endocrine_ongoing": draw(_opt([False, True])) if has else None,
        "endocrine_months_since_end": draw(_opt([0.0, 6.0, 12.0, 12.5, 20.0, 60.0], 2))
        if has else None,
    }  # fmt: skip


@st.composite
def _recurrence(draw: st.DrawFn) -> dict[str, Any]:
    """The recurrence record, drawn whole (its details only with its site)."""
    site = draw(_opt(_enum(codes.RecurrenceSite), none_weight=4))
    has = site is not None
    return {
        "recurrence_site": site,
        "recurrence_months_since_diagnosis": draw(
            _opt([3.0, 6.0, 6.5, 12.0, 12.5, 24.0, 74.0])) if has else None,
        "recurrence_months_since_last_radiotherapy": draw(
            _opt([6.0, 12.0, 12.5, 70.0], none_weight=2)) if has else None,
        "recurrence_on_therapy": draw(_opt(_ON_THERAPY, none_weight=2)) if has else None,
        "recurrence_biopsied": draw(_opt([False, True])) if has else None,
        "recurrence_restaged": draw(_opt([False, True])) if has else None,
        "recurrence_resected": draw(_opt([False, True], none_weight=2)) if has else None,
    }  # fmt: skip


@st.composite
def rows(draw: st.DrawFn) -> dict[str, Any]:
    """One cohort row (canonical Python values; list items as ';' text)."""
    row: dict[str, Any] = {name: draw(s) for name, s in SIMPLE.items()}
    row.update(draw(_ish()))
    row.update(draw(_neoadjuvant()))
    row.update(draw(_lines()))
    row.update(draw(_endocrine()))
    row.update(draw(_recurrence()))
    assert set(row) | {"case_id"} == {c.name for c in COLUMNS}
    return row


#: Items a course row draws freely (the rest stay not recorded, so most rows are valid).
_COURSE_ITEMS = (
    "decision_point", "age_years", "sex", "menopausal_status", "ecog", "er_percent",
    "pr_percent", "her2_ihc", "ki67_percent", "germline_brca", "surgery_type", "axillary_surgery",
    "margin_mm", "focality", "detection", "geriatric_assessment", "declines",
    "interstitial_lung_disease", "cardiac_dysfunction", "osteoporosis", "venous_thromboembolism",
    "adjuvant_chemotherapy_done", "adjuvant_agents", "months_since_trastuzumab",
    "months_since_chemotherapy", "months_since_curative_therapy", "prior_breast_radiotherapy",
    "radiotherapy_given",
    "prior_radiotherapy_regions", "endocrine_therapy_planned", "pik3ca", "esr1",
)  # fmt: skip


@st.composite
def course_rows(draw: st.DrawFn) -> dict[str, Any]:
    """A row at a course decision point: pure DCIS, a locoregional or distant recurrence, or
    de novo metastatic disease, with the endocrine record and the radiotherapy history; the
    items that would contradict the scenario stay not recorded, so most rows are valid."""
    row: dict[str, Any] = {c.name: None for c in COLUMNS if c.name != "case_id"}
    for name in _COURSE_ITEMS:
        row[name] = draw(SIMPLE[name])
    row.update(draw(_endocrine()))
    scenario = draw(st.sampled_from(["dcis", "locoregional", "distant", "de_novo"]))
    if scenario == "dcis":
        row["dcis_only"] = True
        for name in ("dcis_extent_mm", "dcis_nuclear_grade"):
            row[name] = draw(SIMPLE[name])
        row["decision_point"] = draw(st.sampled_from([None, None, None, "dcis"]))
        return row
    row["size_mm"] = draw(SIMPLE["size_mm"])
    row["grade"] = draw(SIMPLE["grade"])
    row["nodes_positive"] = draw(SIMPLE["nodes_positive"])
    if scenario == "de_novo":
        sites = draw(st.sampled_from(["bone", "lung;bone", "liver"]))
        row |= {"de_novo_metastatic": True, "clinical_m": "M1", "adjuvant_agents": None,
                "adjuvant_chemotherapy_done": None, "months_since_chemotherapy": None,
                "months_since_curative_therapy": None,
                "metastatic_sites": sites}  # fmt: skip
        row.update(draw(_lines()))
        return row
    row.update(draw(_recurrence().filter(lambda r: r["recurrence_site"] is not None)))
    distant = row["recurrence_site"] == "distant"
    if distant:
        row["clinical_m"] = draw(st.sampled_from(["M1", "M1", None]))
        row["metastatic_sites"] = draw(_opt(["bone", "brain;liver", "lung;bone"]))
        row.update(draw(_lines()))
    else:
        row["clinical_m"] = draw(_opt(["M0", "M0", "M1"]))
        row["decision_point"] = draw(st.sampled_from([None, None, None, "locoregional_recurrence"]))
    return row
