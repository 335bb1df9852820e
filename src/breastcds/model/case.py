"""The case model: one patient and one primary breast tumour, as recorded.

Conventions
- ``None`` means *not recorded*; it is never read as negative, zero or normal.
- Units are in the field names (``_mm``, ``_percent``, ``_gy``, ``_months``).
- Impossible values are rejected by the field declarations (``ge``/``le``, allowed codes) and
  contradictions between fields by the checks of ``knowledge/consistency.yaml``, which every
  record runs (:mod:`breastcds.model.consistency`; the cohort engine runs the same checks),
  except the one check that pairs the items of two lists: a prior course recorded both in
  ``treatment.radiotherapy_courses`` and in ``reirradiation.courses`` must be recorded alike
  (:mod:`breastcds.model.course_records`);
  implausible but possible values are accepted and reported as warnings
  (:mod:`breastcds.model.plausibility`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal, Self

from pydantic import (
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails

from breastcds.model.codes import (
    AxillarySurgery,
    AxillaryUltrasound,
    DecisionPoint,
    DeclinedClass,
    Detection,
    Focality,
    GeriatricAssessment,
    GermlineBrca,
    Histology,
    IhcZeroStaining,
    Laterality,
    LineOutcome,
    MammaPrintResult,
    MenopausalStatus,
    MetastaticSite,
    MutationStatus,
    NeoadjuvantResponse,
    RecurrenceSite,
    RiskCategory,
    Sex,
    SurgeryType,
)
from breastcds.model.consistency import check_record
from breastcds.model.course_records import disagreements
from breastcds.model.errors import Inconsistency
from breastcds.model.reirradiation import ReirradiationPlan
from breastcds.model.rt_course import RadiotherapyCourse
from breastcds.model.strict import StrictInput

SCHEMA_VERSION: Literal["1.0"] = "1.0"

# AJCC 8th edition breast categories accepted as recorded (Amin et al., AJCC 2017; 2018 update).
TCategory = Literal[
    "TX",
    "Tis",
    "T0",
    "T1mi",
    "T1a",
    "T1b",
    "T1c",
    "T1",
    "T2",
    "T3",
    "T4",
    "T4a",
    "T4b",
    "T4c",
    "T4d",
]
NCategory = Literal[
    "NX",
    "N0",
    "N0(i+)",
    "N0(mol+)",
    "N1mi",
    "N1",
    "N1a",
    "N1b",
    "N1c",
    "N2",
    "N2a",
    "N2b",
    "N3",
    "N3a",
    "N3b",
    "N3c",
]
MCategory = Literal["M0", "cM0(i+)", "M1"]
ReportedStatus = Literal["positive", "negative"]


class _Model(StrictInput):
    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        use_enum_values=False,
        allow_inf_nan=False,
        defer_build=True,
    )

    @model_validator(mode="after")
    def _checks(self) -> Self:
        """The consistency checks of this record (knowledge/consistency.yaml)."""
        check_record(self)
        return self


class Comorbidities(_Model):
    """Comorbidity flags that change treatment choices (None = not recorded)."""

    cardiac_dysfunction: bool | None = Field(
        None,
        description="LVEF < 50 % or symptomatic heart failure (anthracycline/anti-HER2 caution)",
    )
    coronary_disease: bool | None = None
    diabetes: bool | None = None
    interstitial_lung_disease: bool | None = Field(
        None, description="history of ILD/pneumonitis (trastuzumab deruxtecan caution)"
    )
    connective_tissue_disease: bool | None = Field(
        None, description="active scleroderma/SLE (radiotherapy caution)"
    )
    peripheral_neuropathy: bool | None = None
    osteoporosis: bool | None = None
    pregnancy: bool | None = Field(
        None, description="kept readable for stored cases; new cases use patient.pregnant"
    )
    current_smoker: bool | None = Field(None, description="current smoker (PREDICT v3 input)")
    venous_thromboembolism: bool | None = Field(
        None, description="prior venous thromboembolism (tamoxifen caution)"
    )
    diabetes_uncontrolled: bool | None = Field(
        None, description="uncontrolled diabetes (PI3K/AKT/mTOR inhibitor caution)"
    )
    active_autoimmune_disease: bool | None = Field(
        None, description="active autoimmune disease (checkpoint-inhibitor caution)"
    )


class Patient(_Model):
    id: str | None = Field(None, description="local identifier; never logged")
    age_years: int | None = Field(None, ge=0, le=120, description="age at diagnosis, years")
    sex: Sex | None = None
    menopausal_status: MenopausalStatus | None = None
    ecog: int | None = Field(None, ge=0, le=4, description="ECOG performance status 0-4")
    comorbidities: Comorbidities = Field(default_factory=Comorbidities)
    pregnant: bool | None = Field(None, description="pregnant now (None = not recorded)")
    gestation_weeks: float | None = Field(
        None, ge=0, le=45, description="gestational age, completed weeks (only when pregnant)"
    )
    geriatric_assessment: GeriatricAssessment | None = Field(
        None, description="result of a geriatric assessment (G8 + full assessment)"
    )
    declines: list[DeclinedClass] | None = Field(
        None, description="treatment classes the patient declines; [] = none declined"
    )


class IshResult(_Model):
    """Dual-probe ISH count (ASCO/CAP 2018): HER2/CEP17 ratio and mean HER2 copies per cell."""

    ratio: float = Field(ge=0, le=100, description="HER2/CEP17 ratio")
    her2_copies: float = Field(ge=0, le=200, description="average HER2 signals per cell")
    cells_counted: int | None = Field(None, ge=1, le=10000)


class Tumour(_Model):
    laterality: Laterality | None = None
    histology: Histology | None = None
    dcis_only: bool | None = Field(None, description="pure DCIS, no invasive carcinoma")
    size_mm: float | None = Field(
        None, ge=0, le=1000, description="largest invasive focus, mm (pathological, as reported)"
    )
    clinical_size_mm: float | None = Field(None, ge=0, le=1000, description="imaging size, mm")
    focality: Focality | None = None
    grade: int | None = Field(None, ge=1, le=3, description="Nottingham histological grade 1-3")
    lvi: bool | None = Field(None, description="lymphovascular invasion")
    margin_mm: float | None = Field(
        None, ge=0, le=200, description="closest invasive margin, mm (0 = tumour on ink)"
    )
    nodes_examined: int | None = Field(None, ge=0, le=100)
    nodes_positive: int | None = Field(
        None,
        ge=0,
        le=100,
        description="axillary nodes with metastasis > 0.2 mm (macro- or micrometastasis); "
        "isolated tumour cells are not counted",
    )
    nodes_micrometastases_only: bool | None = Field(
        None, description="every involved node holds micrometastases only (0.2-2 mm)"
    )
    clinical_t: TCategory | None = None
    clinical_n: NCategory | None = None
    clinical_m: MCategory | None = None
    pathological_t: TCategory | None = None
    pathological_n: NCategory | None = None
    pathological_m: MCategory | None = None
    metastatic_sites: list[MetastaticSite] | None = Field(
        None, description="distant sites; [] = staged and none found; None = not recorded"
    )
    visceral_crisis: bool | None = None
    detection: Detection | None = None
    axillary_ultrasound: AxillaryUltrasound | None = Field(
        None, description="axillary ultrasound before surgery (normal | suspicious)"
    )
    brain_metastases_count: int | None = Field(
        None, ge=0, le=1000, description="number of brain metastases"
    )
    brain_metastases_symptomatic: bool | None = Field(
        None, description="brain metastases cause symptoms"
    )
    dcis_extent_mm: float | None = Field(
        None, ge=0, le=1000, description="extent of pure DCIS, mm (with dcis_only)"
    )
    dcis_nuclear_grade: int | None = Field(
        None, ge=1, le=3, description="DCIS nuclear grade 1-3 (with dcis_only)"
    )


class Genomics(_Model):
    """Multigene assay results (None = not done / not recorded)."""

    oncotype_rs: int | None = Field(None, ge=0, le=100, description="Oncotype DX recurrence score")
    mammaprint: MammaPrintResult | None = None
    prosigna_ror: int | None = Field(None, ge=0, le=100, description="PAM50/Prosigna ROR score")
    prosigna_risk: RiskCategory | None = None
    endopredict_epclin: float | None = Field(None, ge=0, le=10, description="EPclin score")


class Biomarkers(_Model):
    er_percent: float | None = Field(None, ge=0, le=100, description="ER-positive tumour nuclei, %")
    pr_percent: float | None = Field(None, ge=0, le=100, description="PR-positive tumour nuclei, %")
    her2_ihc: int | None = Field(None, ge=0, le=3, description="HER2 IHC score 0, 1, 2 or 3")
    her2_ihc0_staining: IhcZeroStaining | None = Field(
        None, description="only with IHC 0: 'none' (null) or 'faint_le10' (ultralow)"
    )
    her2_ish: IshResult | None = Field(None, description="dual-probe ISH, first count")
    her2_ish_recount: IshResult | None = Field(
        None, description="additional count by a second observer (ASCO/CAP 2018 groups 2-4)"
    )
    her2_single_probe_copies: float | None = Field(
        None, ge=0, le=200, description="single-probe ISH, average HER2 copies per cell"
    )
    ki67_percent: float | None = Field(None, ge=0, le=100, description="Ki-67 positive nuclei, %")
    genomics: Genomics = Field(default_factory=Genomics)
    germline_brca: GermlineBrca | None = None
    pdl1_cps: float | None = Field(
        None, ge=0, le=100, description="PD-L1 22C3 combined positive score"
    )
    pik3ca: MutationStatus | None = None
    esr1: MutationStatus | None = None
    akt1: MutationStatus | None = None
    pten: MutationStatus | None = None
    # Qualitative results as a source system reported them (e.g. an EHR's "ER Positive"), kept
    # when the % / score is not recorded. They do not stand in for er_percent, pr_percent or
    # her2_ihc (ER-low and HER2-low need the number); the prompts name what was received.
    er_status_reported: ReportedStatus | None = Field(
        None, description="ER as reported qualitatively (positive/negative); % not recorded"
    )
    pr_status_reported: ReportedStatus | None = Field(
        None, description="PR as reported qualitatively (positive/negative); % not recorded"
    )
    her2_status_reported: ReportedStatus | None = Field(
        None, description="HER2 as reported qualitatively (positive/negative); score not recorded"
    )


class SurgeryRecord(_Model):
    type: SurgeryType | None = None
    date: dt.date | None = None
    axillary: AxillarySurgery | None = None
    sentinel_nodes_positive: int | None = Field(
        None, ge=0, le=20, description="sentinel nodes with metastasis (macro or micro)"
    )
    sentinel_nodes_examined: int | None = Field(None, ge=0, le=20)


class NeoadjuvantRecord(_Model):
    agents: list[str] = Field(default_factory=list, description="INN names, lower case")
    response: NeoadjuvantResponse | None = None
    ypt: TCategory | None = None
    ypn: NCategory | None = None


class EndocrineRecord(_Model):
    """Adjuvant endocrine therapy so far (clinical_course.md 1.3)."""

    agents: list[str] | None = Field(
        None, description="INN names, lower case; [] = none given; null = not recorded"
    )
    years_completed: float | None = Field(
        None, ge=0, le=15, description="years of endocrine therapy taken"
    )
    ongoing: bool | None = Field(None, description="still taking it (at the relapse, if any)")
    months_since_end: float | None = Field(
        None,
        ge=0,
        le=600,
        description="months from the end of endocrine therapy to the relapse (to now without one)",
    )


class RecurrenceRecord(_Model):
    """A recurrence after treatment of the primary (clinical_course.md section 2)."""

    site: RecurrenceSite | None = None
    months_since_diagnosis: float | None = Field(None, ge=0, le=600)
    months_since_last_radiotherapy: float | None = Field(None, ge=0, le=600)
    on_therapy: list[str] | None = Field(
        None, description="agents taken when it was found (INN); [] = none"
    )
    biopsied: bool | None = None
    restaged: bool | None = None
    resected: bool | None = None


class MetastaticLine(_Model):
    agents: list[str] = Field(default_factory=list, description="INN names, lower case")
    outcome: LineOutcome | None = None
    months: float | None = Field(None, ge=0, le=600, description="time on that line, months")


class Treatment(_Model):
    surgery: SurgeryRecord | None = None
    neoadjuvant: NeoadjuvantRecord | None = None
    adjuvant_chemotherapy_done: bool | None = None
    adjuvant_agents: list[str] | None = None
    endocrine_therapy_planned: bool | None = None
    months_since_trastuzumab: float | None = Field(None, ge=0, le=600)
    radiotherapy_courses: list[RadiotherapyCourse] = Field(default_factory=list)
    mean_heart_dose_gy: float | None = Field(
        None,
        ge=0,
        le=60,
        description="mean heart dose of the (planned) breast radiotherapy, Gy (physical); "
        "PREDICT v3 input; filled from a DICOM DVH by `breastcds assess --rt-dose/--rt-struct`",
    )
    mean_heart_dose_source: str | None = Field(
        None, description="where mean_heart_dose_gy comes from (e.g. 'DVH of ROI Heart')"
    )
    metastatic_lines: list[MetastaticLine] = Field(default_factory=list)
    radiotherapy_given: bool | None = Field(
        None,
        description="any radiotherapy before (None = not recorded; false = none, so an empty "
        "radiotherapy_courses list is read as none)",
    )
    endocrine: EndocrineRecord | None = Field(None, description="adjuvant endocrine therapy")
    recurrence: RecurrenceRecord | None = Field(
        None, description="a recurrence (None = none recorded)"
    )
    months_since_chemotherapy: float | None = Field(
        None,
        ge=0,
        le=600,
        description="months from the end of (neo)adjuvant chemotherapy (last cytotoxic dose) to "
        "the relapse or metastatic diagnosis, to now without one (None = not recorded); the "
        "relapse windows of clinical_course.md 1.3 read it",
    )
    months_since_curative_therapy: float | None = Field(
        None,
        ge=0,
        le=600,
        description="months from the completion of all curative-intent treatment of the primary "
        "(the later of definitive surgery and the last dose of (neo)adjuvant chemotherapy, "
        "checkpoint inhibitor or PARP inhibitor; endocrine therapy and radiotherapy not counted) "
        "to the relapse (None = not recorded); the >= 6-month interval of KEYNOTE-355 and "
        "ASCENT-04 reads it",
    )
    de_novo_metastatic: bool | None = Field(
        None,
        description="stage IV at first diagnosis with no prior therapy for breast cancer (true: "
        "there is no recurrence to record; None = not recorded)",
    )


class Case(_Model):
    """One patient, one primary breast cancer, as recorded."""

    schema_version: Literal["1.0"] = SCHEMA_VERSION
    case_id: str | None = Field(None, description="local identifier of this case")
    assessment_date: dt.date | None = Field(
        None, description="date the case is assessed; defaults to today"
    )
    decision_point: DecisionPoint | None = Field(
        None, description="the decision the board is taking (optional)"
    )
    patient: Patient = Field(default_factory=Patient)
    tumour: Tumour = Field(default_factory=Tumour)
    biomarkers: Biomarkers = Field(default_factory=Biomarkers)
    treatment: Treatment = Field(default_factory=Treatment)
    reirradiation: ReirradiationPlan | None = Field(
        None,
        description="a planned new radiotherapy course in a previously irradiated patient: "
        "courses with organ doses, overlap, recovery assumption (see docs/reirradiation.md)",
    )

    @field_validator("assessment_date")
    @classmethod
    def _not_future(cls, value: dt.date | None, info: ValidationInfo) -> dt.date | None:
        today = _today(info)
        if value is not None and value > today:
            raise Inconsistency("", value.isoformat(), f"date is in the future (today is {today})")
        return value

    @model_validator(mode="after")
    def _dates_not_future(self, info: ValidationInfo) -> Case:
        today = self.assessment_date or _today(info)
        for path, value in _dates(self):
            if value > today:
                raise Inconsistency(
                    path, value.isoformat(), f"date is after the assessment date ({today})"
                )
        return self

    @model_validator(mode="after")
    def _one_course_one_record(self) -> Case:
        """A prior course recorded in the course of care and in the re-irradiation plan is
        recorded alike: every field both records hold agrees (:mod:`.course_records`; not a
        ``consistency.yaml`` row: it pairs the items of two lists, see that module)."""
        if self.reirradiation is None:
            return self
        found = disagreements(self.treatment.radiotherapy_courses, self.reirradiation.courses)
        if found:
            raise ValidationError.from_exception_data(
                type(self).__name__,
                [
                    InitErrorDetails(type="value_error", loc=(), input=e.value, ctx={"error": e})
                    for e in found
                ],
            )
        return self


def _today(info: ValidationInfo) -> dt.date:
    ctx: Any = info.context
    if isinstance(ctx, dict) and isinstance(ctx.get("today"), dt.date):
        return ctx["today"]  # type: ignore[no-any-return]
    return dt.date.today()


def _dates(case: Case) -> list[tuple[str, dt.date]]:
    from breastcds.model.paths import case_path  # the registry is generated from this module

    out: list[tuple[str, dt.date]] = []
    t = case.treatment
    if t.surgery and t.surgery.date:
        out.append(("treatment.surgery.date", t.surgery.date))
    for i, course in enumerate(t.radiotherapy_courses):
        for name in ("start_date", "end_date"):
            value = getattr(course, name)
            if value is not None:
                out.append((case_path("treatment", "radiotherapy_courses", i, name), value))
    return out
