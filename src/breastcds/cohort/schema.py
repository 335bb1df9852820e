"""The flat cohort table: one row per patient/tumour episode, one column per recorded item.

Every column maps to one field of the case model (:class:`breastcds.model.case.Case`); its
allowed range is read from that field's own declaration (``ge``/``le``), its allowed values from
the case model's enumerations, so the cohort table cannot drift from the case model. "Not
recorded" is null (empty in CSV); it is never read as 0, false or negative.

List-valued items are one text column with ``;`` between the entries (the same in CSV, NDJSON
and Parquet; a Parquet list column is accepted as well). ``metastatic_sites`` uses the word
``none`` for "staged and no distant site found" (the case model's ``[]``); empty means not
recorded. Metastatic treatment history holds up to :data:`MAX_LINES` lines
(``metastatic_line1_agents`` ...), each line present when its agents are given; in the same way
the adjuvant endocrine record is present when ``endocrine_agents`` is given and the recurrence
record when ``recurrence_site`` is given (``none`` in their agent lists: recorded, none taken).
Earlier radiotherapy is ``radiotherapy_given`` (false: never irradiated) and one course per
region of ``prior_radiotherapy_regions``.

:func:`row_to_case` builds the case of one (normalised) row; the equality tests run
:func:`breastcds.assess` on it and compare every output column of the cohort engine.
"""

from __future__ import annotations

import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model

from breastcds.model import case as case_model
from breastcds.model import codes
from breastcds.model.case import Case
from breastcds.model.errors import field_bounds
from breastcds.model.parse import parse_case
from breastcds.model.paths import case_path

Kind = Literal["int", "float", "bool", "enum", "text", "list", "enum_list"]

#: Metastatic lines held as flat columns (line 1 = first line in the metastatic setting).
MAX_LINES = 3
#: ``metastatic_sites`` value for "staged, no distant metastasis found" (case model: ``[]``).
NO_SITES = "none"
LIST_SEPARATOR = ";"


@dataclass(frozen=True)
class Column:
    """One column of the cohort table and the case-model field it fills."""

    name: str
    kind: Kind
    case_field: str
    description: str
    unit: str | None = None
    values: tuple[str, ...] | None = None  # enum / enum_list: allowed values
    none_is_empty: bool = False  # list: the word 'none' alone is the case model's [] (recorded)

    @property
    def bounds(self) -> dict[str, float]:
        """Numeric bounds declared on the case-model field (``ge``/``gt``/``le``/``lt``)."""
        if self.kind not in ("int", "float"):
            return {}
        loc = tuple(int(p) if p.isdigit() else p for p in self.case_field.split("."))
        return {k: float(v) for k, v in field_bounds(loc).items()}

    def allowed(self) -> str:
        """Allowed values in words (for the column reference and error messages)."""
        if self.values is not None:
            head = "entries from: " if self.kind == "enum_list" else ""
            return head + ", ".join(self.values)
        b = self.bounds
        if b:
            low = f">= {b['ge']:g}" if "ge" in b else (f"> {b['gt']:g}" if "gt" in b else "")
            high = f"<= {b['le']:g}" if "le" in b else (f"< {b['lt']:g}" if "lt" in b else "")
            kind = "integer " if self.kind == "int" else "number "
            return kind + " and ".join(p for p in (low, high) if p)
        if self.kind == "bool":
            return "true / false"
        if self.kind == "list":
            none = f"; '{NO_SITES}' alone = none" if self.none_is_empty else ""
            return f"names separated by '{LIST_SEPARATOR}'{none}"
        return "text"


def _enum(e: type[StrEnum]) -> tuple[str, ...]:
    return tuple(m.value for m in e)


def _literal(t: Any) -> tuple[str, ...]:
    return tuple(str(a) for a in typing.get_args(t))


_T = _literal(case_model.TCategory)
_N = _literal(case_model.NCategory)
_M = _literal(case_model.MCategory)
_STATUS = _enum(codes.MutationStatus)


def _columns() -> tuple[Column, ...]:
    c = Column
    cols: list[Column] = [
        c("case_id", "text", "case_id", "local identifier of the episode (never logged)"),
        c(
            "decision_point",
            "enum",
            "decision_point",
            "decision the board is taking; empty = every applicable decision point",
            values=_enum(codes.DecisionPoint),
        ),
        # patient
        c("age_years", "int", "patient.age_years", "age at diagnosis", "years"),
        c("sex", "enum", "patient.sex", "sex", values=_enum(codes.Sex)),
        c(
            "menopausal_status",
            "enum",
            "patient.menopausal_status",
            "menopausal status",
            values=_enum(codes.MenopausalStatus),
        ),
        c("ecog", "int", "patient.ecog", "ECOG performance status"),
        c(
            "cardiac_dysfunction",
            "bool",
            "patient.comorbidities.cardiac_dysfunction",
            "LVEF < 50 % or symptomatic heart failure",
        ),
        c(
            "interstitial_lung_disease",
            "bool",
            "patient.comorbidities.interstitial_lung_disease",
            "history of interstitial lung disease / pneumonitis",
        ),
        c(
            "connective_tissue_disease",
            "bool",
            "patient.comorbidities.connective_tissue_disease",
            "active scleroderma / SLE",
        ),
        c(
            "pregnancy",
            "bool",
            "patient.comorbidities.pregnancy",
            "pregnant (older column, kept readable; new tables use 'pregnant')",
        ),
        c(
            "current_smoker",
            "bool",
            "patient.comorbidities.current_smoker",
            "current smoker (never/ex = false); PREDICT v3.2 input",
        ),
        c(
            "peripheral_neuropathy",
            "bool",
            "patient.comorbidities.peripheral_neuropathy",
            "pre-existing peripheral neuropathy",
        ),
        c("osteoporosis", "bool", "patient.comorbidities.osteoporosis", "osteoporosis"),
        c(
            "venous_thromboembolism",
            "bool",
            "patient.comorbidities.venous_thromboembolism",
            "prior venous thromboembolism",
        ),
        c(
            "diabetes_uncontrolled",
            "bool",
            "patient.comorbidities.diabetes_uncontrolled",
            "uncontrolled diabetes",
        ),
        c(
            "active_autoimmune_disease",
            "bool",
            "patient.comorbidities.active_autoimmune_disease",
            "active autoimmune disease",
        ),
        c("pregnant", "bool", "patient.pregnant", "pregnant now"),
        c(
            "gestation_weeks",
            "float",
            "patient.gestation_weeks",
            "gestational age in completed weeks (only with pregnant = true)",
            "weeks",
        ),
        c(
            "geriatric_assessment",
            "enum",
            "patient.geriatric_assessment",
            "result of a geriatric assessment (G8 + full assessment)",
            values=_enum(codes.GeriatricAssessment),
        ),
        c(
            "declines",
            "enum_list",
            "patient.declines",
            f"treatment classes the patient declines; '{NO_SITES}' = none declined",
            values=(NO_SITES, *_enum(codes.DeclinedClass)),
        ),
        # tumour
        c("laterality", "enum", "tumour.laterality", "side", values=_enum(codes.Laterality)),
        c(
            "histology",
            "enum",
            "tumour.histology",
            "invasive histological type",
            values=_enum(codes.Histology),
        ),
        c("dcis_only", "bool", "tumour.dcis_only", "pure DCIS, no invasive carcinoma"),
        c("size_mm", "float", "tumour.size_mm", "largest invasive focus (pathological)", "mm"),
        c("clinical_size_mm", "float", "tumour.clinical_size_mm", "imaging size", "mm"),
        c("focality", "enum", "tumour.focality", "focality", values=_enum(codes.Focality)),
        c("grade", "int", "tumour.grade", "Nottingham histological grade"),
        c("lvi", "bool", "tumour.lvi", "lymphovascular invasion"),
        c("margin_mm", "float", "tumour.margin_mm", "closest invasive margin (0 = on ink)", "mm"),
        c("nodes_examined", "int", "tumour.nodes_examined", "axillary nodes examined"),
        c(
            "nodes_positive",
            "int",
            "tumour.nodes_positive",
            "axillary nodes with metastasis > 0.2 mm (isolated tumour cells not counted)",
        ),
        c(
            "nodes_micrometastases_only",
            "bool",
            "tumour.nodes_micrometastases_only",
            "every involved node holds micrometastases only (0.2-2 mm)",
        ),
        c("clinical_t", "enum", "tumour.clinical_t", "clinical T (AJCC 8)", values=_T),
        c("clinical_n", "enum", "tumour.clinical_n", "clinical N (AJCC 8)", values=_N),
        c("clinical_m", "enum", "tumour.clinical_m", "clinical M (AJCC 8)", values=_M),
        c("pathological_t", "enum", "tumour.pathological_t", "pathological T (AJCC 8)", values=_T),
        c("pathological_n", "enum", "tumour.pathological_n", "pathological N (AJCC 8)", values=_N),
        c("pathological_m", "enum", "tumour.pathological_m", "pathological M", values=_M),
        c(
            "metastatic_sites",
            "enum_list",
            "tumour.metastatic_sites",
            f"distant sites; '{NO_SITES}' = staged, none found",
            values=(NO_SITES, *_enum(codes.MetastaticSite)),
        ),
        c("visceral_crisis", "bool", "tumour.visceral_crisis", "visceral crisis"),
        c(
            "detection",
            "enum",
            "tumour.detection",
            "screen-detected or symptomatic",
            values=_enum(codes.Detection),
        ),
        c(
            "axillary_ultrasound",
            "enum",
            "tumour.axillary_ultrasound",
            "axillary ultrasound before surgery",
            values=_enum(codes.AxillaryUltrasound),
        ),
        c(
            "brain_metastases_count",
            "int",
            "tumour.brain_metastases_count",
            "number of brain metastases (0 = none; more than 0 needs a brain site)",
        ),
        c(
            "brain_metastases_symptomatic",
            "bool",
            "tumour.brain_metastases_symptomatic",
            "brain metastases cause symptoms",
        ),
        c(
            "dcis_extent_mm",
            "float",
            "tumour.dcis_extent_mm",
            "extent of pure DCIS (only with dcis_only = true)",
            "mm",
        ),
        c(
            "dcis_nuclear_grade",
            "int",
            "tumour.dcis_nuclear_grade",
            "DCIS nuclear grade (only with dcis_only = true)",
        ),
        # biomarkers
        c("er_percent", "float", "biomarkers.er_percent", "ER-positive tumour nuclei", "%"),
        c("pr_percent", "float", "biomarkers.pr_percent", "PR-positive tumour nuclei", "%"),
        c("her2_ihc", "int", "biomarkers.her2_ihc", "HER2 IHC score 0, 1, 2 or 3"),
        c(
            "her2_ihc0_staining",
            "enum",
            "biomarkers.her2_ihc0_staining",
            "IHC 0 only: 'none' (null) or 'faint_le10' (ultralow)",
            values=_enum(codes.IhcZeroStaining),
        ),
        c(
            "her2_ish_ratio",
            "float",
            "biomarkers.her2_ish.ratio",
            "dual-probe ISH HER2/CEP17 ratio (first count)",
        ),
        c(
            "her2_ish_copies",
            "float",
            "biomarkers.her2_ish.her2_copies",
            "dual-probe ISH average HER2 copies per cell (first count)",
            "copies/cell",
        ),
        c(
            "her2_ish_recount_ratio",
            "float",
            "biomarkers.her2_ish_recount.ratio",
            "HER2/CEP17 ratio of the additional count by a second observer",
        ),
        c(
            "her2_ish_recount_copies",
            "float",
            "biomarkers.her2_ish_recount.her2_copies",
            "HER2 copies per cell of the additional count",
            "copies/cell",
        ),
        c(
            "her2_single_probe_copies",
            "float",
            "biomarkers.her2_single_probe_copies",
            "single-probe ISH average HER2 copies per cell",
            "copies/cell",
        ),
        c("ki67_percent", "float", "biomarkers.ki67_percent", "Ki-67 positive nuclei", "%"),
        c("oncotype_rs", "int", "biomarkers.genomics.oncotype_rs", "Oncotype DX recurrence score"),
        c(
            "mammaprint",
            "enum",
            "biomarkers.genomics.mammaprint",
            "MammaPrint result",
            values=_enum(codes.MammaPrintResult),
        ),
        c("prosigna_ror", "int", "biomarkers.genomics.prosigna_ror", "PAM50/Prosigna ROR score"),
        c(
            "prosigna_risk",
            "enum",
            "biomarkers.genomics.prosigna_risk",
            "Prosigna risk group",
            values=_enum(codes.RiskCategory),
        ),
        c(
            "germline_brca",
            "enum",
            "biomarkers.germline_brca",
            "germline BRCA1/2 result",
            values=_enum(codes.GermlineBrca),
        ),
        c("pdl1_cps", "float", "biomarkers.pdl1_cps", "PD-L1 22C3 combined positive score"),
        c("pik3ca", "enum", "biomarkers.pik3ca", "PIK3CA status", values=_STATUS),
        c("esr1", "enum", "biomarkers.esr1", "ESR1 status", values=_STATUS),
        c("akt1", "enum", "biomarkers.akt1", "AKT1 status", values=_STATUS),
        c("pten", "enum", "biomarkers.pten", "PTEN status", values=_STATUS),
        # treatment
        c(
            "surgery_type",
            "enum",
            "treatment.surgery.type",
            "breast surgery",
            values=_enum(codes.SurgeryType),
        ),
        c(
            "axillary_surgery",
            "enum",
            "treatment.surgery.axillary",
            "axillary surgery",
            values=_enum(codes.AxillarySurgery),
        ),
        c(
            "sentinel_nodes_positive",
            "int",
            "treatment.surgery.sentinel_nodes_positive",
            "sentinel nodes with metastasis (macro or micro)",
        ),
        c(
            "neoadjuvant",
            "bool",
            "treatment.neoadjuvant",
            "neoadjuvant therapy given (true creates the neoadjuvant record; the other "
            "neoadjuvant columns need it)",
        ),
        c(
            "neoadjuvant_agents",
            "list",
            "treatment.neoadjuvant.agents",
            "neoadjuvant agents (INN or brand)",
        ),
        c(
            "neoadjuvant_response",
            "enum",
            "treatment.neoadjuvant.response",
            "response to neoadjuvant therapy",
            values=_enum(codes.NeoadjuvantResponse),
        ),
        c("ypt", "enum", "treatment.neoadjuvant.ypt", "post-neoadjuvant ypT", values=_T),
        c("ypn", "enum", "treatment.neoadjuvant.ypn", "post-neoadjuvant ypN", values=_N),
        c(
            "adjuvant_chemotherapy_done",
            "bool",
            "treatment.adjuvant_chemotherapy_done",
            "adjuvant chemotherapy given",
        ),
        c(
            "adjuvant_agents",
            "list",
            "treatment.adjuvant_agents",
            f"adjuvant agents (INN or brand); '{NO_SITES}' = recorded, none given",
            none_is_empty=True,
        ),
        c(
            "endocrine_therapy_planned",
            "bool",
            "treatment.endocrine_therapy_planned",
            "adjuvant endocrine therapy planned",
        ),
        c(
            "months_since_trastuzumab",
            "float",
            "treatment.months_since_trastuzumab",
            "time since the last trastuzumab dose",
            "months",
        ),
        c(
            "months_since_chemotherapy",
            "float",
            "treatment.months_since_chemotherapy",
            "time from the end of (neo)adjuvant chemotherapy to the metastatic diagnosis",
            "months",
        ),
        c(
            "months_since_curative_therapy",
            "float",
            "treatment.months_since_curative_therapy",
            "time from the end of all curative-intent treatment (surgery, (neo)adjuvant "
            "chemotherapy, checkpoint or PARP inhibitor) to the relapse",
            "months",
        ),
        c(
            "mean_heart_dose_gy",
            "float",
            "treatment.mean_heart_dose_gy",
            "mean heart dose of the (planned) breast radiotherapy; PREDICT v3.2 input",
            "Gy",
        ),
        c(
            "prior_breast_radiotherapy",
            "bool",
            "treatment.radiotherapy_courses",
            "true: a previous breast/chest-wall course (the case gets one whole-breast course); "
            "false or empty: none recorded (the case model cannot state 'never irradiated'; "
            "use radiotherapy_given)",
        ),
        c(
            "radiotherapy_given",
            "bool",
            "treatment.radiotherapy_given",
            "any radiotherapy before (false: never irradiated, so no course may be given)",
        ),
        c(
            "prior_radiotherapy_regions",
            "enum_list",
            case_path("treatment", "radiotherapy_courses", "*", "region"),
            "regions of previous radiotherapy courses, one course per region (beside the "
            "whole-breast course of prior_breast_radiotherapy)",
            values=_enum(codes.RadiotherapyRegion),
        ),
        c(
            "de_novo_metastatic",
            "bool",
            "treatment.de_novo_metastatic",
            "stage IV at first diagnosis, no prior therapy (no recurrence or earlier therapy "
            "may be given)",
        ),
        # adjuvant endocrine therapy (the record exists when endocrine_agents is given)
        c(
            "endocrine_agents",
            "list",
            case_path("treatment", "endocrine", "agents"),
            f"adjuvant endocrine agents (INN or brand); '{NO_SITES}' = recorded, none taken; "
            "the endocrine record exists when given (the other endocrine columns need it)",
            none_is_empty=True,
        ),
        c(
            "endocrine_years_completed",
            "float",
            case_path("treatment", "endocrine", "years_completed"),
            "years of adjuvant endocrine therapy taken",
            "years",
        ),
        c(
            "endocrine_ongoing",
            "bool",
            case_path("treatment", "endocrine", "ongoing"),
            "adjuvant endocrine therapy still taken (at the relapse, if any)",
        ),
        c(
            "endocrine_months_since_end",
            "float",
            case_path("treatment", "endocrine", "months_since_end"),
            "months from the end of adjuvant endocrine therapy to the relapse (to now without one)",
            "months",
        ),
        # recurrence after treatment of the primary (the record exists when recurrence_site is
        # given)
        c(
            "recurrence_site",
            "enum",
            case_path("treatment", "recurrence", "site"),
            "site of a recurrence; the recurrence record exists when given (the other "
            "recurrence columns need it)",
            values=_enum(codes.RecurrenceSite),
        ),
        c(
            "recurrence_months_since_diagnosis",
            "float",
            case_path("treatment", "recurrence", "months_since_diagnosis"),
            "months from the primary diagnosis to the recurrence",
            "months",
        ),
        c(
            "recurrence_months_since_last_radiotherapy",
            "float",
            case_path("treatment", "recurrence", "months_since_last_radiotherapy"),
            "months from the end of the last radiotherapy to the recurrence",
            "months",
        ),
        c(
            "recurrence_on_therapy",
            "list",
            case_path("treatment", "recurrence", "on_therapy"),
            f"agents taken when the recurrence was found (INN or brand); '{NO_SITES}' = none",
            none_is_empty=True,
        ),
        c(
            "recurrence_biopsied",
            "bool",
            case_path("treatment", "recurrence", "biopsied"),
            "recurrence biopsied",
        ),
        c(
            "recurrence_restaged",
            "bool",
            case_path("treatment", "recurrence", "restaged"),
            "restaged for distant disease after the recurrence",
        ),
        c(
            "recurrence_resected",
            "bool",
            case_path("treatment", "recurrence", "resected"),
            "recurrence resected",
        ),
    ]
    for k in range(1, MAX_LINES + 1):
        i = k - 1
        cols += [
            c(
                f"metastatic_line{k}_agents",
                "list",
                case_path("treatment", "metastatic_lines", i, "agents"),
                f"agents of metastatic line {k} (INN or brand); the line exists when given",
            ),
            c(
                f"metastatic_line{k}_outcome",
                "enum",
                case_path("treatment", "metastatic_lines", i, "outcome"),
                f"outcome of metastatic line {k}",
                values=_enum(codes.LineOutcome),
            ),
            c(
                f"metastatic_line{k}_months",
                "float",
                case_path("treatment", "metastatic_lines", i, "months"),
                f"time on metastatic line {k}",
                "months",
            ),
        ]
    return tuple(cols)  # fmt: skip


COLUMNS: tuple[Column, ...] = _columns()
BY_NAME: dict[str, Column] = {col.name: col for col in COLUMNS}


def split_list(text: str | Sequence[str] | None) -> list[str] | None:
    """``"a; b"`` -> ["a", "b"]; entries are stripped and empty entries dropped (None stays)."""
    if text is None:
        return None
    items = text.split(LIST_SEPARATOR) if isinstance(text, str) else list(text)
    return [s.strip() for s in items if s.strip()]


# --------------------------------------------------------------------------------------------
# Row -> Case
# --------------------------------------------------------------------------------------------


def none_as_empty(text: str | Sequence[str] | None) -> list[str] | None:
    """A list column whose ``none_is_empty`` is set (or an enum-list column allowing ``none``)
    as the case model holds it: ``none`` alone -> [] (recorded, none)."""
    items = split_list(text)
    return [] if items == [NO_SITES] else items


def _drop_none(d: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if v is not None}


def row_to_case_dict(row: Mapping[str, Any]) -> dict[str, Any]:
    """The case-model dictionary of one normalised row (see :mod:`.io`); None = not recorded."""
    g = row.get
    surgery = _drop_none({
        "type": g("surgery_type"), "axillary": g("axillary_surgery"),
        "sentinel_nodes_positive": g("sentinel_nodes_positive"),
    })  # fmt: skip
    neo: dict[str, Any] | None = None
    if g("neoadjuvant") is True:
        neo = _drop_none({
            "agents": split_list(g("neoadjuvant_agents")) or [],
            "response": g("neoadjuvant_response"),
            "ypt": g("ypt"),
            "ypn": g("ypn"),
        })  # fmt: skip

    def ish(prefix: str) -> dict[str, Any] | None:
        ratio, copies = g(f"{prefix}_ratio"), g(f"{prefix}_copies")
        if ratio is None and copies is None:
            return None
        return _drop_none({"ratio": ratio, "her2_copies": copies})

    endocrine: dict[str, Any] | None = None
    if g("endocrine_agents") is not None:  # the record exists when its agents are given
        endocrine = _drop_none({
            "agents": none_as_empty(g("endocrine_agents")),
            "years_completed": g("endocrine_years_completed"),
            "ongoing": g("endocrine_ongoing"),
            "months_since_end": g("endocrine_months_since_end"),
        })  # fmt: skip
    recurrence: dict[str, Any] | None = None
    if g("recurrence_site") is not None:  # the record exists when its site is given
        recurrence = _drop_none({
            "site": g("recurrence_site"),
            "months_since_diagnosis": g("recurrence_months_since_diagnosis"),
            "months_since_last_radiotherapy": g("recurrence_months_since_last_radiotherapy"),
            "on_therapy": none_as_empty(g("recurrence_on_therapy")),
            "biopsied": g("recurrence_biopsied"),
            "restaged": g("recurrence_restaged"),
            "resected": g("recurrence_resected"),
        })  # fmt: skip
    courses = [{"region": "whole_breast"}] if g("prior_breast_radiotherapy") is True else []
    courses += [{"region": r} for r in split_list(g("prior_radiotherapy_regions")) or []]
    sites, declines = none_as_empty(g("metastatic_sites")), none_as_empty(g("declines"))
    lines = []
    for k in range(1, MAX_LINES + 1):
        agents = split_list(g(f"metastatic_line{k}_agents"))
        if agents is None:
            break
        lines.append(_drop_none({
            "agents": agents,
            "outcome": g(f"metastatic_line{k}_outcome"),
            "months": g(f"metastatic_line{k}_months"),
        }))  # fmt: skip
    comorbidities = {
        name: g(name)
        for name in ("cardiac_dysfunction", "interstitial_lung_disease",
                     "connective_tissue_disease", "pregnancy", "current_smoker",
                     "peripheral_neuropathy", "osteoporosis", "venous_thromboembolism",
                     "diabetes_uncontrolled", "active_autoimmune_disease")
    }  # fmt: skip
    return _drop_none({
        "case_id": g("case_id"),
        "decision_point": g("decision_point"),
        "patient": _drop_none({
            "age_years": g("age_years"), "sex": g("sex"),
            "menopausal_status": g("menopausal_status"), "ecog": g("ecog"),
            "comorbidities": _drop_none(comorbidities),
            "pregnant": g("pregnant"), "gestation_weeks": g("gestation_weeks"),
            "geriatric_assessment": g("geriatric_assessment"), "declines": declines,
        }),
        "tumour": _drop_none({
            **{name: g(name) for name in (
                "laterality", "histology", "dcis_only", "size_mm", "clinical_size_mm",
                "focality", "grade", "lvi", "margin_mm", "nodes_examined", "nodes_positive",
                "nodes_micrometastases_only", "clinical_t", "clinical_n", "clinical_m",
                "pathological_t", "pathological_n", "pathological_m", "visceral_crisis",
                "detection", "axillary_ultrasound", "brain_metastases_count",
                "brain_metastases_symptomatic", "dcis_extent_mm", "dcis_nuclear_grade")},
            "metastatic_sites": sites,
        }),
        "biomarkers": _drop_none({
            **{name: g(name) for name in (
                "er_percent", "pr_percent", "her2_ihc", "her2_ihc0_staining",
                "her2_single_probe_copies", "ki67_percent", "germline_brca", "pdl1_cps",
                "pik3ca", "esr1", "akt1", "pten")},
            "her2_ish": ish("her2_ish"),
            "her2_ish_recount": ish("her2_ish_recount"),
            "genomics": _drop_none({
                "oncotype_rs": g("oncotype_rs"), "mammaprint": g("mammaprint"),
                "prosigna_ror": g("prosigna_ror"), "prosigna_risk": g("prosigna_risk"),
            }),
        }),
        "treatment": _drop_none({
            "surgery": surgery or None,
            "neoadjuvant": neo,
            "adjuvant_chemotherapy_done": g("adjuvant_chemotherapy_done"),
            "adjuvant_agents": none_as_empty(g("adjuvant_agents")),
            "endocrine_therapy_planned": g("endocrine_therapy_planned"),
            "months_since_trastuzumab": g("months_since_trastuzumab"),
            "months_since_chemotherapy": g("months_since_chemotherapy"),
            "months_since_curative_therapy": g("months_since_curative_therapy"),
            "mean_heart_dose_gy": g("mean_heart_dose_gy"),
            "radiotherapy_courses": courses,
            "radiotherapy_given": g("radiotherapy_given"),
            "de_novo_metastatic": g("de_novo_metastatic"),
            "endocrine": endocrine,
            "recurrence": recurrence,
            "metastatic_lines": lines,
        }),
    })  # fmt: skip


def row_to_case(row: Mapping[str, Any]) -> Case:
    """The validated :class:`Case` of one normalised cohort row.

    Raises :class:`breastcds.model.CaseValidationError` exactly when the case model refuses the
    row; :mod:`.validate` reports the same rows in the error table (tested).
    """
    return parse_case(row_to_case_dict(row))


# --------------------------------------------------------------------------------------------
# JSON Schema (pydantic model of one row) and the column reference
# --------------------------------------------------------------------------------------------

_PY: dict[str, Any] = {"int": int, "float": float, "bool": bool, "text": str, "list": str,
                       "enum_list": str}  # fmt: skip


@cache
def row_model() -> type[BaseModel]:
    """A pydantic model of one cohort row (types, ranges, allowed values; all optional)."""
    fields: dict[str, Any] = {}
    for col in COLUMNS:
        b = col.bounds
        kwargs: dict[str, Any] = {
            "description": col.description
            + (f" ({col.unit})" if col.unit else "")
            + f"; case model: {col.case_field}"
        }
        for key in ("ge", "gt", "le", "lt"):
            if key in b:
                kwargs[key] = int(b[key]) if col.kind == "int" else b[key]
        typ: Any = Literal[col.values] if col.kind == "enum" and col.values else _PY[col.kind]
        fields[col.name] = (typ | None, Field(None, **kwargs))
    model: type[BaseModel] = create_model(
        "CohortRow", __config__=ConfigDict(extra="forbid"), **fields
    )
    return model


def json_schema() -> dict[str, Any]:
    """JSON Schema of one cohort row."""
    return row_model().model_json_schema()


def column_reference() -> str:
    """The column reference as a Markdown table (docs/cohort.md embeds it; a test keeps it)."""
    lines = [
        "| column | type | unit | allowed | case-model field | meaning |",
        "|---|---|---|---|---|---|",
    ]
    for col in COLUMNS:
        lines.append(
            f"| `{col.name}` | {col.kind} | {col.unit or ''} | {col.allowed()} | "
            f"`{col.case_field}` | {col.description} |"
        )
    return "\n".join(lines)
