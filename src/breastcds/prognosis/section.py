"""The ``prognosis`` section of :func:`breastcds.assess`: PREDICT v3.2 / v2.2, NPI, CTS5.

Every figure carries the model and version that produced it. PREDICT v3.2 is primary and
v2.2 is shown alongside. The case is mapped to model inputs by
:mod:`breastcds.prognosis.mapping`, which states every mapping; the single case runs through
the batch core as a one-row batch.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from breastcds.model.assessment import Classification, MissingInput
from breastcds.model.case import Case
from breastcds.model.codes import MenopausalStatus
from breastcds.prognosis import cts5 as cts5_model
from breastcds.prognosis import formulas, scores
from breastcds.prognosis import npi as npi_model
from breastcds.prognosis.mapping import (
    R_CODE,
    ModelName,
    PredictMapping,
    Treatment,
    input_limits,
    map_case,
    regimen_name,
)

if TYPE_CHECKING:
    from breastcds.prognosis import predict

REPORT_YEARS: tuple[int, ...] = (5, 10, 15)
Status = Literal["computed", "not_applicable", "needs_data"]

LABELS: dict[Treatment, str] = {
    "endocrine": "endocrine therapy (5 years)",
    "chemotherapy": "chemotherapy (3rd generation)",
    "trastuzumab": "trastuzumab",
    "bisphosphonate": "bisphosphonate",
    "radiotherapy": "radiotherapy",
}


class _R(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)


class MappingNote(_R):
    """How one model input was derived from the case."""

    input: str
    value: float | None
    case_field: str
    text: str
    models: list[str]
    flag: bool = False


class Outcome(_R):
    """One regimen at 5/10/15 years (percent; benefits in percentage points of survival)."""

    model: str = Field(description="model and version, e.g. 'PREDICT v3.2'")
    regimen: str = Field(description="official regimen code (s/surg, h, hc, ...)")
    label: str
    treatments: list[str]
    overall_survival_pct: dict[int, float]
    breast_cancer_mortality_pct: dict[int, float] | None = None
    other_mortality_pct: dict[int, float] | None = None
    added: str | None = Field(None, description="treatment added in this step (None: surgery)")
    added_benefit_pp: dict[int, float] | None = Field(
        None, description="overall-survival gain of the added treatment over the previous step"
    )
    total_benefit_pp: dict[int, float] | None = Field(
        None, description="overall-survival gain of the regimen over surgery only"
    )


class ComponentResult(_R):
    treatment: str
    status: Literal["included", "not_applicable", "needs_data"]
    reason: str


class Curve(_R):
    """Year-by-year (1-15) curve of one regimen, percent."""

    model: str
    regimen: str
    label: str
    years: list[int]
    overall_survival_pct: list[float]
    breast_cancer_mortality_pct: list[float] | None = None


class ModelResult(_R):
    model: str = Field(description="'PREDICT v3.2' or 'PREDICT v2.2'")
    version: str
    role: Literal["primary", "alongside"]
    status: Status
    reasons: list[str] = Field(default_factory=list)
    missing: list[MissingInput] = Field(default_factory=list)
    inputs: dict[str, float] = Field(default_factory=dict)
    outcomes: list[Outcome] = Field(
        default_factory=list, description="surgery only, then each treatment added in order"
    )
    components: list[ComponentResult] = Field(default_factory=list)
    curves: list[Curve] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)
    source: str


class NPISection(_R):
    model: str = "NPI"
    status: Status
    reasons: list[str] = Field(default_factory=list)
    missing: list[MissingInput] = Field(default_factory=list)
    index: float | None = None
    size_mm: float | None = None
    node_stage: int | None = None
    grade: int | None = None
    group: str | None = Field(None, description="Blamey 2007 six groups")
    group_classic: str | None = Field(None, description="classic three groups")
    notes: list[str] = Field(default_factory=list)
    source: str = npi_model.SOURCE


class CTS5Section(_R):
    model: str = "CTS5"
    status: Status
    reasons: list[str] = Field(default_factory=list)
    missing: list[MissingInput] = Field(default_factory=list)
    score: float | None = None
    node_category: int | None = None
    size_used_mm: float | None = None
    risk_group: str | None = None
    risk_band_pct: tuple[float | None, float | None] | None = Field(
        None, description="published distant-recurrence risk in years 5-10 (lower, upper)"
    )
    applies: str = (
        "CTS5 estimates late distant recurrence (years 5-10) for ER-positive disease after "
        "5 years of endocrine therapy, in patients free of distant recurrence at 5 years"
    )
    notes: list[str] = Field(default_factory=list)
    source: str = cts5_model.SOURCE


class PrognosisSection(_R):
    status: Status = Field(description="status of PREDICT (the primary model)")
    reasons: list[str] = Field(default_factory=list)
    missing: list[MissingInput] = Field(default_factory=list)
    mapping: list[MappingNote] = Field(default_factory=list)
    predict_v32: ModelResult
    predict_v22: ModelResult
    npi: NPISection
    cts5: CTS5Section


# --------------------------------------------------------------------------------------------
# PREDICT
# --------------------------------------------------------------------------------------------


def run_model(model: ModelName, inputs: predict.PredictInputs) -> predict.PredictResult:
    """Run PREDICT (public API) on ``inputs``; nodes = 0.5 is the official half node.

    The validator admits 0.5 (one node holding micrometastases only, as the official web tool
    enters it; see :mod:`.mapping`) and applies the input limits of the active knowledge
    (:func:`.mapping.input_limits`, the bounds the population tables read); an invalid row
    raises with the validator's messages.
    """
    import numpy as np

    from breastcds.prognosis import predict  # numpy: loaded only when PREDICT runs

    limits = input_limits()
    result = predict.v32(inputs, limits) if model == "v3.2" else predict.v22(inputs, limits)
    if not bool(np.all(result.applicable)):
        raise ValueError("; ".join(e.message for e in result.errors))
    return result


def _at(values: predict.FloatArray) -> dict[int, float]:
    return {y: float(100.0 * values[y - 1]) for y in REPORT_YEARS}


def _label(model: ModelName, steps: tuple[Treatment, ...]) -> str:
    if not steps:
        return "surgery only"
    return "surgery + " + " + ".join(LABELS[t] for t in steps)


def _predict_result(model: ModelName, m: PredictMapping) -> ModelResult:
    version = model[1:]
    name = f"PREDICT {model}"
    source = (
        f"{R_CODE}, R/benefits32.R (PREDICT v3.2)"
        if model == "v3.2"
        else f"{R_CODE}, R/benefits22.R; Candido dos Reis FJ et al., Breast Cancer Res 2017"
    )
    role: Literal["primary", "alongside"] = "primary" if model == "v3.2" else "alongside"
    components = [
        ComponentResult(treatment=c.treatment, status=c.status, reason=c.reason)
        for c in m.components
        if model in c.models
    ]
    base = {"model": name, "version": version, "role": role, "source": source}
    if m.status == "not_applicable":
        return ModelResult(**base, status="not_applicable", reasons=list(m.reasons))
    if m.status == "needs_data" or not m.runnable(model):
        missing = list(m.missing) + (list(m.missing_v32) if model == "v3.2" else [])
        return ModelResult(**base, status="needs_data", missing=missing, components=components)

    from breastcds.prognosis import predict  # numpy: loaded only when PREDICT runs

    try:
        res = run_model(model, m.inputs(model))
    except ValueError as exc:  # mapping and model validation disagree: report, never raise
        return ModelResult(**base, status="not_applicable", reasons=[str(exc)])
    included = m.included(model)
    steps: list[tuple[Treatment, ...]] = [included[:i] for i in range(len(included) + 1)]
    surgery = res.regimen_index(regimen_name(model, ()))
    with_breast = model == "v3.2"
    outcomes: list[Outcome] = []
    curves: list[Curve] = []
    previous = surgery
    for i, step in enumerate(steps):
        reg = regimen_name(model, step)
        j = res.regimen_index(reg)
        os_ = res.overall_survival[0, j]
        # v2.2: the official tool reports all-cause survival; the breast/other split of
        # treatment regimens is not the official output, so only surgery only carries it.
        split = with_breast or i == 0
        outcomes.append(
            Outcome(
                model=name,
                regimen=reg,
                label=_label(model, step),
                treatments=list(step),
                overall_survival_pct=_at(os_),
                breast_cancer_mortality_pct=_at(res.cum_mort_breast[0, j]) if split else None,
                other_mortality_pct=_at(res.cum_mort_other[0, j]) if split else None,
                added=step[-1] if step else None,
                added_benefit_pp=_at(res.cum_mort_all[0, previous] - res.cum_mort_all[0, j])
                if step
                else None,
                total_benefit_pp=_at(res.cum_mort_all[0, surgery] - res.cum_mort_all[0, j])
                if step
                else None,
            )
        )
        curves.append(
            Curve(
                model=name,
                regimen=reg,
                label=_label(model, step),
                years=[int(y) for y in predict.YEARS],
                overall_survival_pct=[float(100.0 * x) for x in os_],
                breast_cancer_mortality_pct=[float(100.0 * x) for x in res.cum_mort_breast[0, j]]
                if split
                else None,
            )
        )
        previous = j
    notes = [
        "Benefits are absolute overall-survival gains in percentage points; each treatment is "
        "added to the previous regimen in the official order (endocrine, chemotherapy, "
        "trastuzumab, bisphosphonate, radiotherapy).",
        "Figures show the estimated outcome if the treatment is given; they are not a "
        "recommendation and do not account for the case's actual adjuvant therapy.",
    ]
    if model == "v3.2":
        notes.append(
            "PREDICT v3.2 counts other-cause deaths from chemotherapy (HR 1.2) and, with "
            "radiotherapy, ln(1.02) per Gy mean heart dose: a treatment can show a negative "
            "overall-survival benefit."
        )
    values = m.values
    inputs = {k: float(values[k]) for k in predict.required_fields(model)}
    if model == "v3.2" and "radiotherapy" not in included:
        inputs.pop("heart_gy", None)
        inputs.pop("radio", None)
    return ModelResult(
        **base,
        status="computed",
        inputs=inputs,
        outcomes=outcomes,
        components=components,
        curves=curves,
        notes=notes,
    )


# --------------------------------------------------------------------------------------------
# NPI and CTS5
# --------------------------------------------------------------------------------------------


_Score = TypeVar("_Score", NPISection, CTS5Section)


def _not_computed(
    score: scores.Score, case: Case, c: Classification, kind: type[_Score]
) -> _Score | None:
    """The score's section when its population and input tables (``<score>_*`` of
    knowledge/classification/prognostic_scores.yaml) rule it out or ask for data, else None."""
    app = scores.applicability(score, case, c)
    if app.status == "not_applicable":
        return kind(status="not_applicable", reasons=list(app.reasons))
    if app.status == "needs_data":
        return kind(status="needs_data", missing=list(app.missing))
    return None


def _npi(case: Case, c: Classification) -> NPISection:
    """NPI when its tables allow it (formula: derived facts, :mod:`.npi`)."""
    if (ruled_out := _not_computed("npi", case, c, NPISection)) is not None:
        return ruled_out
    t = case.tumour
    assert t.size_mm is not None and t.nodes_positive is not None and t.grade is not None
    r = npi_model.npi(t.size_mm, t.nodes_positive, t.grade)
    notes = [
        f"NPI = {r.size_mm:g} mm / {formulas.parameter('npi_size_mm_per_point'):g} + node "
        f"stage {r.node_stage} + grade {r.grade} "
        f"= {r.index:.2f}",
        "node stage from tumour.nodes_positive (macro- and micrometastases counted; "
        "isolated tumour cells not)",
    ]
    return NPISection(
        status="computed",
        index=r.index,
        size_mm=r.size_mm,
        node_stage=r.node_stage,
        grade=r.grade,
        group=r.group,
        group_classic=r.group_classic,
        notes=notes,
    )


#: CTS5 coefficients (parameters ``cts5_<name>`` of knowledge/derived_facts.yaml) in the note
_CTS5_COEFFICIENTS = (
    "nodes_coefficient",
    "scale",
    "size_coefficient",
    "size_squared_coefficient",
    "grade_coefficient",
    "age_coefficient",
)


def _cts5(case: Case, c: Classification) -> CTS5Section:
    """CTS5 when its tables allow it (formula: derived facts, :mod:`.cts5`)."""
    if (ruled_out := _not_computed("cts5", case, c, CTS5Section)) is not None:
        return ruled_out
    p, t = case.patient, case.tumour
    assert p.age_years is not None and t.size_mm is not None
    assert t.grade is not None and t.nodes_positive is not None
    r = cts5_model.cts5(p.age_years, t.size_mm, t.grade, t.nodes_positive)
    k = {name: formulas.parameter(f"cts5_{name}") for name in _CTS5_COEFFICIENTS}
    notes = [
        f"CTS5 = {k['nodes_coefficient']:g} x node category {r.node_category} + "
        f"{k['scale']:g} x ({k['size_coefficient']:g} x {r.size_used_mm:g} - "
        f"{k['size_squared_coefficient']:g} x {r.size_used_mm:g}^2 + "
        f"{k['grade_coefficient']:g} x {t.grade} + {k['age_coefficient']:g} x "
        f"{p.age_years}) = {r.score:.3f}",
        "applies after 5 years of endocrine therapy; the result is the group's published "
        "5-10-year distant-recurrence band (no continuous risk is computed)",
    ]
    if t.size_mm > (cap := cts5_model.size_cap_mm()):
        notes.append(f"size capped at {cap:g} mm")
    if c.er.status == "low_positive":
        notes.append("ER-low (1-10 %): counted as ER-positive; CTS5 evidence is in ER-positive "
                     "trial populations (flag)")  # fmt: skip
    if p.menopausal_status != MenopausalStatus.post:
        notes.append(
            "derived in postmenopausal women (ATAC, BIG 1-98); menopausal status here is "
            f"{p.menopausal_status.value if p.menopausal_status else 'not recorded'}"
        )
    return CTS5Section(
        status="computed",
        score=r.score,
        node_category=r.node_category,
        size_used_mm=r.size_used_mm,
        risk_group=r.risk_group,
        risk_band_pct=r.risk_band_pct,
        notes=notes,
    )


# --------------------------------------------------------------------------------------------
# Section
# --------------------------------------------------------------------------------------------


def prognosis(
    case: Case, classification: Classification, *, heart_dose_gy: float | None = None
) -> PrognosisSection:
    """PREDICT v3.2 (primary) and v2.2, NPI and CTS5 for one case (pure)."""
    m = map_case(case, classification, heart_dose_gy=heart_dose_gy)
    v32 = _predict_result("v3.2", m)
    v22 = _predict_result("v2.2", m)
    notes = [
        MappingNote(
            input=s.input,
            value=s.value,
            case_field=s.case_field,
            text=s.text,
            models=list(s.models),
            flag=s.flag,
        )
        for s in m.statements
    ]
    # a not-applicable case is not prompted for v3.2-only inputs (smoking)
    missing = list(m.missing) + (list(m.missing_v32) if m.status != "not_applicable" else [])
    return PrognosisSection(
        status=v32.status,
        reasons=list(m.reasons),
        missing=missing,
        mapping=notes if m.status != "not_applicable" else [],
        predict_v32=v32,
        predict_v22=v22,
        npi=_npi(case, classification),
        cts5=_cts5(case, classification),
    )


def section(case: Case, classification: Classification) -> PrognosisSection:
    """The ``prognosis`` section (always present; not-applicable states carry their reasons)."""
    return prognosis(case, classification)
