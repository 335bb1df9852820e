"""Facts: the named, typed values that knowledge conditions read from a classified case.

A fact has a name used in the YAML (``her2.category``, ``age``), a type, the case-model field a
missing-data prompt should name, and an extractor over (case, classification). ``None`` means
not recorded / not derivable; conditions treat it as *unknown*, never as false or zero.

Capabilities may register further facts (``register``) from their own modules; every fact a
condition names must be registered, so the schema rejects unknown fact names at load time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from breastcds.knowledge.once import once_per_assessment
from breastcds.model.assessment import Classification
from breastcds.model.case import Case
from breastcds.model.paths import case_path

FactType = Literal["number", "bool", "enum", "list"]
Extractor = Callable[[Case, Classification], Any]


@dataclass(frozen=True)
class Fact:
    name: str
    type: FactType
    field: str  # case-model path a missing-data prompt names
    description: str
    extract: Extractor
    values: tuple[str, ...] | None = None  # allowed values of an enum fact


FACTS: dict[str, Fact] = {}


def register(fact: Fact) -> None:
    """Register a fact (idempotent by name; a different definition under one name is an error)."""
    existing = FACTS.get(fact.name)
    if existing is not None and (existing.type, existing.field) != (fact.type, fact.field):
        raise ValueError(f"fact {fact.name!r} is already registered differently")
    FACTS[fact.name] = fact


def _enum(v: Any) -> str | None:
    return None if v is None else str(getattr(v, "value", v))


def _f(name: str, type_: FactType, field: str, description: str, extract: Extractor,
       values: tuple[str, ...] | None = None) -> None:  # fmt: skip
    register(Fact(name, type_, field, description, extract, values))


def _t_main(t: str | None) -> str | None:
    from breastcds.knowledge.staging import t_main  # the t_group table (reads this registry)

    return None if t is None else t_main(t)


def _n_main(n: str | None) -> str | None:
    from breastcds.knowledge.staging import n_group  # the n_group table

    return None if n is None else n_group(n)


def _brain(case: Case, _: Classification) -> bool | None:
    sites = case.tumour.metastatic_sites
    if sites is None:
        return None
    return any(s.value in ("brain", "leptomeninges") for s in sites)


def _metastatic(_: Case, c: Classification) -> bool | None:
    m = c.stage_pathological.m or c.stage_clinical.m
    return None if m is None else m == "M1"


def _any_t(c: Classification) -> str | None:
    return c.stage_pathological.t or c.stage_clinical.t


# --- patient ---------------------------------------------------------------------------------
_f(
    "age",
    "number",
    "patient.age_years",
    "age at diagnosis, years",
    lambda k, c: k.patient.age_years,
)
_f("sex", "enum", "patient.sex", "sex", lambda k, c: _enum(k.patient.sex), ("female", "male"))
_f(
    "menopausal_status",
    "enum",
    "patient.menopausal_status",
    "menopausal status",
    lambda k, c: _enum(k.patient.menopausal_status),
    ("pre", "peri", "post"),
)
_f("ecog", "number", "patient.ecog", "ECOG performance status", lambda k, c: k.patient.ecog)

# --- tumour ----------------------------------------------------------------------------------
_f(
    "size_mm",
    "number",
    "tumour.size_mm",
    "invasive size (pathological), mm",
    lambda k, c: k.tumour.size_mm,
)
_f("grade", "number", "tumour.grade", "histological grade 1-3", lambda k, c: k.tumour.grade)
_f("lvi", "bool", "tumour.lvi", "lymphovascular invasion", lambda k, c: k.tumour.lvi)
_f(
    "margin_mm",
    "number",
    "tumour.margin_mm",
    "closest invasive margin, mm (0 = on ink)",
    lambda k, c: k.tumour.margin_mm,
)
_f(
    "nodes_positive",
    "number",
    "tumour.nodes_positive",
    "positive axillary nodes",
    lambda k, c: k.tumour.nodes_positive,
)
_f(
    "nodes_micrometastases_only",
    "bool",
    "tumour.nodes_micrometastases_only",
    "nodal disease is micrometastatic only",
    lambda k, c: k.tumour.nodes_micrometastases_only,
)
_f(
    "histology",
    "enum",
    "tumour.histology",
    "histological type",
    lambda k, c: _enum(k.tumour.histology),
)
_f(
    "focality",
    "enum",
    "tumour.focality",
    "focality",
    lambda k, c: _enum(k.tumour.focality),
    ("unifocal", "multifocal", "multicentric"),
)
_f("dcis_only", "bool", "tumour.dcis_only", "pure DCIS", lambda k, c: k.tumour.dcis_only)
_f(
    "t",
    "enum",
    "tumour.size_mm",
    "pathological T main group (T0, Tis, T1mi, T1-T4)",
    lambda k, c: _t_main(c.stage_pathological.t),
    ("T0", "Tis", "T1mi", "T1", "T2", "T3", "T4"),
)
_f(
    "n",
    "enum",
    "tumour.nodes_positive",
    "pathological N main group",
    lambda k, c: _n_main(c.stage_pathological.n),
    ("N0", "N1mi", "N1", "N2", "N3"),
)
_f(
    "clinical_t",
    "enum",
    "tumour.clinical_t",
    "clinical T main group",
    lambda k, c: _t_main(c.stage_clinical.t),
    ("T0", "Tis", "T1mi", "T1", "T2", "T3", "T4"),
)
_f(
    "clinical_n",
    "enum",
    "tumour.clinical_n",
    "clinical N main group",
    lambda k, c: _n_main(c.stage_clinical.n),
    ("N0", "N1mi", "N1", "N2", "N3"),
)
_f(
    "any_t",
    "enum",
    "tumour.size_mm",
    "pathological T, else clinical T (main group)",
    lambda k, c: _t_main(_any_t(c)),
    ("T0", "Tis", "T1mi", "T1", "T2", "T3", "T4"),
)
_f(
    "m",
    "enum",
    "tumour.clinical_m",
    "M0/M1",
    lambda k, c: c.stage_pathological.m or c.stage_clinical.m,
    ("M0", "M1"),
)
_f("metastatic", "bool", "tumour.clinical_m", "distant metastatic disease (M1)", _metastatic)
_f(
    "stage_anatomic",
    "enum",
    "tumour.size_mm",
    "pathological anatomic stage group",
    lambda k, c: c.stage_pathological.anatomic,
)
_f(
    "clinical_stage_anatomic",
    "enum",
    "tumour.clinical_t",
    "clinical anatomic stage group",
    lambda k, c: c.stage_clinical.anatomic,
)
_f(
    "metastatic_sites",
    "list",
    "tumour.metastatic_sites",
    "distant metastatic sites",
    lambda k, c: (
        None if k.tumour.metastatic_sites is None else [s.value for s in k.tumour.metastatic_sites]
    ),
)
_f(
    "brain_metastases",
    "bool",
    "tumour.metastatic_sites",
    "brain or leptomeningeal metastases",
    _brain,
)
_f(
    "visceral_crisis",
    "bool",
    "tumour.visceral_crisis",
    "visceral crisis",
    lambda k, c: k.tumour.visceral_crisis,
)

# --- biomarkers ------------------------------------------------------------------------------
_f("er_percent", "number", "biomarkers.er_percent", "ER %", lambda k, c: k.biomarkers.er_percent)
_f("pr_percent", "number", "biomarkers.pr_percent", "PR %", lambda k, c: k.biomarkers.pr_percent)
_f(
    "ki67_percent",
    "number",
    "biomarkers.ki67_percent",
    "Ki-67 %",
    lambda k, c: k.biomarkers.ki67_percent,
)
_f(
    "er.status",
    "enum",
    "biomarkers.er_percent",
    "ER status (ASCO/CAP 2020)",
    lambda k, c: None if c.er.status == "not_recorded" else c.er.status,
    ("negative", "low_positive", "positive"),
)
_f(
    "pr.status",
    "enum",
    "biomarkers.pr_percent",
    "PR status",
    lambda k, c: None if c.pr.status == "not_recorded" else c.pr.status,
    ("negative", "positive"),
)
_f(
    "her2.status",
    "enum",
    "biomarkers.her2_ihc",
    "HER2 status (ASCO/CAP 2018/2023)",
    lambda k, c: None if c.her2.status == "pending" else c.her2.status,
    ("negative", "positive"),
)
_f(
    "her2.category",
    "enum",
    "biomarkers.her2_ihc",
    "HER2 clinical category",
    lambda k, c: None if c.her2.category == "pending" else c.her2.category,
    ("HER2-0", "HER2-ultralow", "HER2-low", "HER2-positive"),
)
_f(
    "subtype",
    "enum",
    "biomarkers.er_percent",
    "surrogate intrinsic subtype (St Gallen 2013)",
    lambda k, c: None if c.subtype.subtype == "pending" else c.subtype.subtype,
    (
        "luminal_a",
        "luminal_b_her2_negative",
        "luminal_b_her2_positive",
        "her2_enriched",
        "triple_negative",
        "flag_er_low",
        "unclassified",
    ),
)
_f(
    "oncotype_rs",
    "number",
    "biomarkers.genomics.oncotype_rs",
    "Oncotype DX recurrence score",
    lambda k, c: k.biomarkers.genomics.oncotype_rs,
)
_f(
    "mammaprint",
    "enum",
    "biomarkers.genomics.mammaprint",
    "MammaPrint result",
    lambda k, c: _enum(k.biomarkers.genomics.mammaprint),
    ("ultralow", "low", "high"),
)
_f(
    "prosigna_ror",
    "number",
    "biomarkers.genomics.prosigna_ror",
    "PAM50/Prosigna ROR score",
    lambda k, c: k.biomarkers.genomics.prosigna_ror,
)
_f(
    "germline_brca",
    "enum",
    "biomarkers.germline_brca",
    "germline BRCA1/2 result",
    lambda k, c: _enum(k.biomarkers.germline_brca),
    ("brca1", "brca2", "negative"),
)
_f(
    "pdl1_cps",
    "number",
    "biomarkers.pdl1_cps",
    "PD-L1 22C3 CPS",
    lambda k, c: k.biomarkers.pdl1_cps,
)
for _gene in ("pik3ca", "esr1", "akt1", "pten"):
    _f(
        _gene,
        "enum",
        case_path("biomarkers", _gene),
        f"{_gene.upper()} status",
        (lambda g: lambda k, c: _enum(getattr(k.biomarkers, g)))(_gene),
        ("mutated", "wild_type"),
    )

# --- treatment -------------------------------------------------------------------------------
_f(
    "surgery_type",
    "enum",
    "treatment.surgery.type",
    "type of breast surgery",
    lambda k, c: None if k.treatment.surgery is None else _enum(k.treatment.surgery.type),
    ("breast_conserving", "mastectomy", "none"),
)
_f(
    "neoadjuvant_response",
    "enum",
    "treatment.neoadjuvant.response",
    "response to neoadjuvant therapy",
    lambda k, c: (
        None if k.treatment.neoadjuvant is None else _enum(k.treatment.neoadjuvant.response)
    ),
    ("pcr", "residual_invasive"),
)
_f(
    "adjuvant_chemotherapy_done",
    "bool",
    "treatment.adjuvant_chemotherapy_done",
    "adjuvant chemotherapy given",
    lambda k, c: k.treatment.adjuvant_chemotherapy_done,
)
_f(
    "endocrine_therapy_planned",
    "bool",
    "treatment.endocrine_therapy_planned",
    "adjuvant endocrine therapy planned",
    lambda k, c: k.treatment.endocrine_therapy_planned,
)
_f(
    "months_since_trastuzumab",
    "number",
    "treatment.months_since_trastuzumab",
    "months since the last trastuzumab dose",
    lambda k, c: k.treatment.months_since_trastuzumab,
)
_f("clinical_t_category", "enum", "tumour.clinical_t",
   "clinical T category as staged (T1a..T4d)",
   lambda k, c: c.stage_clinical.t,
   ("TX", "Tis", "T0", "T1mi", "T1a", "T1b", "T1c", "T1", "T2", "T3", "T4", "T4a", "T4b",
    "T4c", "T4d"))  # fmt: skip
_f(
    "clinical_size_mm",
    "number",
    "tumour.clinical_size_mm",
    "clinical (imaging) size, mm",
    lambda k, c: k.tumour.clinical_size_mm,
)

_DECISION_POINTS = (
    "neoadjuvant", "adjuvant", "post_neoadjuvant", "extended_adjuvant", "metastatic_line_1",
    "metastatic_line_2", "metastatic_line_3plus", "locoregional_recurrence", "dcis", "surgery",
    "axilla", "follow_up",
)  # fmt: skip


def _decision_point(case: Case, c: Classification) -> str | None:
    from breastcds.knowledge.precedence import decision_point  # the table reads this registry

    return decision_point(case, c)


_f(
    "decision_point",
    "enum",
    "decision_point",
    "the decision point: the case's, else inferred from the course (clinical_course.md 1.1)",
    _decision_point,
    _DECISION_POINTS,
)


# --- derived facts (knowledge/derived_facts.yaml): the registry loads them here, its one place;
# knowledge.derived registers them when loaded (it reads the names above, whichever of the two
# modules is imported first).
from breastcds.knowledge import derived as _derived  # noqa: E402,F401


class LazyFacts(Mapping[str, Any]):
    """The facts of one case, each extracted when first read (for values computed from other
    facts while the full extraction is under way: the decision point, the RT-omission summary)."""

    def __init__(self, case: Case, classification: Classification) -> None:
        self._case, self._c = case, classification
        self._cache: dict[str, Any] = {}

    def __getitem__(self, name: str) -> Any:
        if name not in self._cache:
            self._cache[name] = FACTS[name].extract(self._case, self._c)
        return self._cache[name]

    def __iter__(self) -> Iterator[str]:
        return iter(FACTS)

    def __len__(self) -> int:
        return len(FACTS)


@once_per_assessment
def _extract_all(case: Case, classification: Classification) -> dict[str, Any]:
    return {name: fact.extract(case, classification) for name, fact in FACTS.items()}


def extract(case: Case, classification: Classification) -> dict[str, Any]:
    """Every registered fact of one case (None = unknown); a fresh dict on every call, the
    extraction itself once per assessment (:mod:`breastcds.knowledge.once`)."""
    return dict(_extract_all(case, classification))
