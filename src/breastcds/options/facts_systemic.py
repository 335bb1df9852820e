"""Treatment-history and option-specific facts, computed from the drug catalogue.

Registered into :data:`breastcds.knowledge.facts.FACTS` on import so that option rules may name
them. ``None`` = unknown: an agent that is not in the catalogue makes every class-based history
fact unknown (never silently "not given"); a metastatic decision point beyond the first line with
no prior line recorded makes the metastatic-history facts unknown.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from breastcds.course import history
from breastcds.knowledge.drugs import Drug, catalogue
from breastcds.knowledge.facts import Fact, FactType, register
from breastcds.model.assessment import Classification
from breastcds.model.case import Case, MetastaticLine

_LINES = "treatment.metastatic_lines"


def _enum_value(v: Any) -> str | None:
    return None if v is None else str(getattr(v, "value", v))


def _drugs(agents: Iterable[str]) -> list[Drug] | None:
    """Catalogue entries of the agents; None when any agent is unknown to the catalogue."""
    cat = catalogue()
    out: list[Drug] = []
    for a in agents:
        d = cat.resolve(a)
        if d is None:
            return None
        out.append(d)
    return out


def _lines(case: Case) -> list[list[Drug]] | None:
    """Drugs per metastatic line, or None when the history cannot be read."""
    lines = case.treatment.metastatic_lines
    dp = case.decision_point.value if case.decision_point is not None else None
    if not lines and dp in ("metastatic_line_2", "metastatic_line_3plus"):
        return None  # a later line is being decided but no earlier line is recorded
    out: list[list[Drug]] = []
    for line in lines:
        drugs = _drugs(line.agents)
        if drugs is None:
            return None
        out.append(drugs)
    return out


def _count(pred: Callable[[Drug], bool]) -> Callable[[Case, Classification], int | None]:
    def extract(case: Case, _: Classification) -> int | None:
        lines = _lines(case)
        return None if lines is None else sum(1 for ds in lines if any(pred(d) for d in ds))

    return extract


def _any(pred: Callable[[Drug], bool]) -> Callable[[Case, Classification], bool | None]:
    counter = _count(pred)

    def extract(case: Case, c: Classification) -> bool | None:
        n = counter(case, c)
        return None if n is None else n > 0

    return extract


def _metastatic_classes(case: Case, _: Classification) -> list[str] | None:
    lines = _lines(case)
    return None if lines is None else sorted({d.drug_class for ds in lines for d in ds})


def _et_cdk_progression_6m(case: Case, _: Classification) -> bool | None:
    """Progression within 6 months on an endocrine + CDK4/6-inhibitor line (DESTINY-Breast06)."""
    if _lines(case) is None:
        return None
    unknown = False
    for line in case.treatment.metastatic_lines:
        if not _is_et_cdk(line):
            continue
        if line.outcome is None or line.months is None:
            unknown = True
        elif line.outcome.value == "progression" and line.months <= 6:
            return True
    return None if unknown else False


def _is_et_cdk(line: MetastaticLine) -> bool:
    drugs = _drugs(line.agents) or []
    return any(d.endocrine for d in drugs) and any(d.drug_class == "cdk46_inhibitor" for d in drugs)


def _neo_classes(case: Case, _: Classification) -> list[str] | None:
    neo = case.treatment.neoadjuvant
    if neo is None:
        return None
    drugs = _drugs(neo.agents)
    return None if drugs is None else sorted({d.drug_class for d in drugs})


def _adj_agents(case: Case, _: Classification) -> list[str] | None:
    agents = case.treatment.adjuvant_agents
    if agents is None:
        return None
    drugs = _drugs(agents)
    return None if drugs is None else sorted({d.inn for d in drugs})


def _early_chemo(case: Case) -> bool | None:
    """(Neo)adjuvant chemotherapy given: True, False, or None when not recorded."""
    t = case.treatment
    if t.neoadjuvant is not None:
        neo = _drugs(t.neoadjuvant.agents)
        if neo is None:
            return None
        if any(d.chemotherapy for d in neo):
            return True
    adjuvant = t.adjuvant_chemotherapy_done
    if adjuvant is None and t.adjuvant_agents is not None:
        drugs = _drugs(t.adjuvant_agents)
        if drugs is None:
            return None
        adjuvant = any(d.chemotherapy for d in drugs)
    return adjuvant


def _prior_chemo_regimens(case: Case, c: Classification) -> int | None:
    """Chemotherapy regimens so far: metastatic chemotherapy lines + (neo)adjuvant chemotherapy."""
    lines = _count(lambda d: d.chemotherapy)(case, c)
    if lines is None:
        return None
    early = _early_chemo(case)
    if early is None:
        return lines if lines >= 2 else None  # a lower bound decides ">= 2" only
    return lines + (1 if early else 0)


def _f(name: str, type_: FactType, field: str, description: str,
       extract: Callable[[Case, Classification], Any],
       values: tuple[str, ...] | None = None) -> None:  # fmt: skip
    register(Fact(name, type_, field, description, extract, values))


_f(
    "metastatic_chemotherapy_lines",
    "number",
    _LINES,
    "metastatic lines that contained cytotoxic chemotherapy",
    _count(lambda d: d.chemotherapy),
)
_f(
    "prior_metastatic_chemotherapy",
    "bool",
    _LINES,
    "any cytotoxic chemotherapy in the metastatic setting",
    _any(lambda d: d.chemotherapy),
)
_f(
    "metastatic_endocrine_lines",
    "number",
    _LINES,
    "metastatic lines that contained endocrine therapy",
    _count(lambda d: d.endocrine),
)
_f(
    "progression_on_et_cdk46i_within_6_months",
    "bool",
    _LINES,
    "progression within 6 months on endocrine therapy + CDK4/6 inhibitor (metastatic)",
    _et_cdk_progression_6m,
)
_f(
    "prior_metastatic_cdk46i",
    "bool",
    _LINES,
    "a CDK4/6 inhibitor in the metastatic setting",
    _any(lambda d: d.drug_class == "cdk46_inhibitor"),
)
_f(
    "prior_metastatic_aromatase_inhibitor",
    "bool",
    _LINES,
    "an aromatase inhibitor in the metastatic setting",
    _any(lambda d: d.drug_class == "aromatase_inhibitor"),
)
_f(
    "prior_metastatic_anti_her2",
    "bool",
    _LINES,
    "HER2-directed therapy in the metastatic setting",
    _any(lambda d: d.anti_her2),
)
_f(
    "prior_metastatic_trastuzumab",
    "bool",
    _LINES,
    "trastuzumab (or a trastuzumab ADC) in the metastatic setting",
    _any(lambda d: d.inn.startswith("trastuzumab")),
)
_f(
    "prior_metastatic_taxane",
    "bool",
    _LINES,
    "a taxane in the metastatic setting",
    _any(lambda d: d.drug_class == "taxane"),
)
_f(
    "metastatic_classes",
    "list",
    _LINES,
    "drug classes given in the metastatic setting",
    _metastatic_classes,
)
_f(
    "neoadjuvant_classes",
    "list",
    "treatment.neoadjuvant.agents",
    "drug classes given before surgery",
    _neo_classes,
)
_f("adjuvant_agents", "list", "treatment.adjuvant_agents", "adjuvant agents (INN)", _adj_agents)
_f(
    "prior_chemotherapy_regimens",
    "number",
    "treatment.adjuvant_chemotherapy_done",
    "chemotherapy regimens so far (metastatic lines + (neo)adjuvant)",
    _prior_chemo_regimens,
)
_f(
    "early_chemotherapy_given",
    "bool",
    "treatment.adjuvant_chemotherapy_done",
    "(neo)adjuvant chemotherapy given",
    lambda k, c: _early_chemo(k),
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


# --- the course of care (clinical_course.md sections 1-4; TEAM.md contract 2) -----------------
def _rt_omission_supported(case: Case, c: Classification) -> bool:
    """The omission summary is 'discuss' (a supporting set is met) with the sets read as the
    course-level decision reads them (endocrine therapy presumed: ``course_presumptions`` of
    ``knowledge/rt_omission.yaml``).

    Not applicable, not supported or not yet judgeable -> False: the action is not offered; the
    radiotherapy section names what is missing.
    """
    from breastcds.radiotherapy.omission import course_summary

    return course_summary(case, c).verdict == "discuss"


def _decision_point(case: Case, c: Classification) -> str | None:
    from breastcds.course.inference import decision_point

    return decision_point(case, c).decision_point


def _er_positive(c: Classification) -> bool | None:
    status = c.er.status
    return None if status == "not_recorded" else status in ("positive", "low_positive")


def _declines(case: Case, _: Classification) -> list[str] | None:
    d = case.patient.declines
    return None if d is None else [x.value for x in d]


def _recurrence(attr: str) -> Callable[[Case, Classification], Any]:
    def extract(case: Case, _: Classification) -> Any:
        rec = case.treatment.recurrence
        value = None if rec is None else getattr(rec, attr)
        return getattr(value, "value", value)

    return extract


def _endocrine_attr(attr: str) -> Callable[[Case, Classification], Any]:
    def extract(case: Case, _: Classification) -> Any:
        e = case.treatment.endocrine
        return None if e is None else getattr(e, attr)

    return extract


def _surgery_attr(attr: str) -> Callable[[Case, Classification], Any]:
    def extract(case: Case, _: Classification) -> Any:
        s = case.treatment.surgery
        value = None if s is None else getattr(s, attr)
        return getattr(value, "value", value)

    return extract


def _tumour_attr(attr: str) -> Callable[[Case, Classification], Any]:
    def extract(case: Case, _: Classification) -> Any:
        value = getattr(case.tumour, attr)
        return getattr(value, "value", value)

    return extract


_COURSE_POINTS = (
    "neoadjuvant", "adjuvant", "post_neoadjuvant", "extended_adjuvant", "metastatic_line_1",
    "metastatic_line_2", "metastatic_line_3plus", "locoregional_recurrence", "dcis", "surgery",
    "axilla", "follow_up",
)  # fmt: skip
_f(
    "decision_point",
    "enum",
    "decision_point",
    "the decision point: the case's, else inferred from the course (clinical_course.md 1.1)",
    _decision_point,
    _COURSE_POINTS,
)
_f(
    "prior_agents",
    "list",
    "treatment",
    "every agent given before, any setting (INN)",
    lambda k, c: history.prior_agents(k),
)
_f(
    "progressed_on",
    "list",
    "treatment.endocrine.months_since_end",
    "agents the disease progressed on (metastatic line, or relapse during / soon after)",
    lambda k, c: history.progressed_on(k, _er_positive(c)),
)
_f(
    "endocrine_resistance",
    "enum",
    "treatment.endocrine.months_since_end",
    "endocrine resistance of the relapse (ESO-ESMO ABC 5)",
    lambda k, c: history.endocrine_resistance(k),
    ("primary", "secondary", "sensitive"),
)
_f(
    "completed_metastatic_lines",
    "number",
    "treatment.metastatic_lines",
    "completed lines for advanced disease (clinical_course.md 1.2)",
    lambda k, c: history.completed_metastatic_lines(k),
)
_f(
    "rt_omission_supported",
    "bool",
    "tumour.margin_mm",
    "the radiotherapy section finds RT omission reasonable to discuss (a supporting set is met)",
    _rt_omission_supported,
)
_f(
    "progressed_on_recorded",
    "bool",
    "treatment.endocrine.months_since_end",
    "the agents the disease progressed on are known (false: the endocrine timing of an "
    "ER-positive relapse is not recorded, so progressed_on is unknown)",
    lambda k, c: history.progressed_on(k, _er_positive(c)) is not None,
)
_f(
    "taxane_failure",
    "bool",
    "treatment.months_since_chemotherapy",
    "CSCO taxane failure: progression on a salvage taxane, or relapse <= 12 months after "
    "(neo)adjuvant taxane chemotherapy (CSCO BC 2026 四(三) note 2)",
    lambda k, c: history.taxane_failure(k),
)
