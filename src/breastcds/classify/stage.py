"""AJCC 8th edition breast staging: T, N, M and the anatomic stage group.

Source: AJCC Cancer Staging Manual, 8th ed. (Amin et al., 2017), breast chapter, 2018 revision.
Every step is a decision table run here and compiled by the cohort engine (cohort/facts.py):
pT from size, pN from node counts and the main groups (knowledge/classification/staging.yaml);
the T, N and M of each setting - a recorded category wins over a derived one, a recorded
category that contradicts the measured size or node count is not used (a prompt names the
field; breastcds never picks one silently), M from the metastatic sites - and the first
matching row of knowledge/ajcc8_anatomic_stage.yaml (staging_settings.yaml). This module binds
a case's fields to the tables' inputs and shapes the result.

Size is taken as reported by the pathologist (AJCC asks the report to round to the nearest
millimetre, with 1-2 mm tumours rounded up to 2 mm); breastcds does not re-round it.
"""

from __future__ import annotations

from typing import Any, Literal, cast

from breastcds.classify import prognostic_stage
from breastcds.knowledge.rule_tables import active, decide
from breastcds.knowledge.schema import anatomic_stage_table
from breastcds.model.assessment import (
    Her2Result,
    MissingInput,
    PrognosticStageResult,
    ReceptorResult,
    StageResult,
)
from breastcds.model.case import Case


def prognostic_decision(
    setting: Literal["pathological", "clinical", "post_neoadjuvant"],
    t: str | None,
    n: str | None,
    m: str | None,
    case: Case,
    her2: Her2Result | None,
    er: ReceptorResult | None,
    pr: ReceptorResult | None,
) -> prognostic_stage.PrognosticStage:
    """The prognostic stage table of one staging setting run on a case's categories and
    classification (the pathological table after surgery first, with the post-neoadjuvant
    setting as neoadjuvant therapy and no neoadjuvant record as a treatment sequence not
    stated; the clinical table otherwise)."""
    t_cat, n_cat, m_cat = t or "TX", n or "NX", m or "MX"
    her2_status = None if her2 is None else her2.status
    er_status = None if er is None else er.status
    pr_status = None if pr is None else pr.status
    grade = case.tumour.grade
    if setting == "clinical":
        return prognostic_stage.setting_stage(
            "clinical", t_cat, n_cat, m_cat, grade, her2_status, er_status, pr_status
        )
    return prognostic_stage.setting_stage(
        "pathological",
        t_cat,
        n_cat,
        m_cat,
        grade,
        her2_status,
        er_status,
        pr_status,
        case.biomarkers.genomics.oncotype_rs,
        # the case records neoadjuvant therapy or nothing: absent is "not stated", not "none"
        neoadjuvant_therapy=True if setting == "post_neoadjuvant" else None,
    )


def prognostic_result(r: prognostic_stage.PrognosticStage) -> PrognosticStageResult:
    """The assessment's prognostic stage of a setting (the table's stage, reasons, prompts)."""
    return PrognosticStageResult(
        stage=r.stage,
        status="assigned" if r.status == "assigned" else "not_assignable",
        reasons=list(r.reasons),
        missing=[MissingInput(field=field, reason=reason) for field, reason in r.prompts],
        row_id=r.row_id,
        source=r.source,
    )


Origin = Literal["recorded", "derived", "missing"]
Derived = tuple[str | None, Origin, list[str], list[MissingInput]]


def t_from_size(size_mm: float) -> str:
    """pT category from the size of the largest invasive focus (mm); size 0 -> T0
    (the pt_from_size table, knowledge/classification/staging.yaml)."""
    return str(decide(active()["pt_from_size"], {"size": size_mm}).outputs["category"])


def n_from_nodes(
    nodes_positive: int | None,
    micrometastases_only: bool | None,
    nodes_examined: int | None = None,
) -> str | None:
    """pN category from axillary node findings; None when undecidable (the pn_from_nodes
    table, knowledge/classification/staging.yaml).

    No node examined (``nodes_examined == 0``) is pNX, not pN0: the pN category needs nodes
    removed and examined (AJCC 8th ed., breast, regional lymph nodes).
    """
    facts = {"nodes": nodes_positive, "micro_only": micrometastases_only,
             "examined": nodes_examined}  # fmt: skip
    return cast(str | None, decide(active()["pn_from_nodes"], facts).outputs["category"])


def anatomic_stage(t: str | None, n: str | None, m: str | None) -> tuple[str | None, str | None]:
    """Anatomic stage group and table row id, or (None, None) if the table has no row (the
    anatomic_stage table: first matching row of knowledge/ajcc8_anatomic_stage.yaml)."""
    out = decide(active()["anatomic_stage"], {"recorded": t, "n": n, "m": m}).outputs
    return cast(str | None, out["stage"]), cast(str | None, out["row_id"])


def _run(table: str, facts: dict[str, Any]) -> Derived:
    """One staging-setting table (knowledge/classification/staging_settings.yaml) for a case:
    the category, its origin, the reasons and the fields a missing category asks for."""
    d = decide(active()[table], facts)
    value = d.outputs["category" if "category" in d.outputs else "m"]
    return (
        cast(str | None, value),
        cast(Origin, d.outputs["origin"]),
        [r.en for r in d.reasons],
        [MissingInput(field=p.field, reason=p.reason.en) for p in d.missing],
    )


def _derive_m(case: Case, pathological_m: str | None) -> Derived:
    sites = case.tumour.metastatic_sites
    return _run(
        "m_category",
        {
            "pathological_m": pathological_m,
            "clinical_m": case.tumour.clinical_m,
            "sites": None if sites is None else [s.value for s in sites],
            "site_count": None if sites is None else len(sites),
        },
    )


def pathological(
    case: Case,
    her2: Her2Result | None = None,
    er: ReceptorResult | None = None,
    pr: ReceptorResult | None = None,
) -> StageResult:
    """Pathological (or post-neoadjuvant yp) T, N, M and the anatomic stage group."""
    tu = case.tumour
    neo = case.treatment.neoadjuvant
    setting: Literal["pathological", "post_neoadjuvant"] = (
        "post_neoadjuvant" if neo is not None else "pathological"
    )
    t, t_origin, t_reasons, t_missing = _run(
        f"t_category.{setting}",
        {
            "recorded": neo.ypt if neo is not None else tu.pathological_t,
            "size": tu.size_mm,
            "dcis_only": tu.dcis_only,
        },
    )
    n, n_origin, n_reasons, n_missing = _run(
        f"n_category.{setting}",
        {
            "recorded": neo.ypn if neo is not None else tu.pathological_n,
            "nodes": tu.nodes_positive,
            "micro_only": tu.nodes_micrometastases_only,
            "examined": tu.nodes_examined,
        },
    )
    m, m_origin, m_reasons, m_missing = _derive_m(case, tu.pathological_m)
    return _result(
        case,
        (her2, er, pr),
        setting,
        t,
        n,
        m,
        t_origin,
        n_origin,
        m_origin,
        t_reasons + n_reasons + m_reasons,
        t_missing + n_missing + m_missing,
    )


def clinical(
    case: Case,
    her2: Her2Result | None = None,
    er: ReceptorResult | None = None,
    pr: ReceptorResult | None = None,
) -> StageResult:
    """Clinical cT, cN, cM (recorded, cT also from imaging size) and the anatomic stage group."""
    tu = case.tumour
    t, t_origin, t_reasons, t_missing = _run(
        "t_category.clinical", {"recorded": tu.clinical_t, "size": tu.clinical_size_mm}
    )
    n, n_origin, n_reasons, n_missing = _run("cn_category", {"recorded": tu.clinical_n})
    m, m_origin, m_reasons, m_missing = _derive_m(case, None)
    return _result(
        case,
        (her2, er, pr),
        "clinical",
        t,
        n,
        m,
        t_origin,
        n_origin,
        m_origin,
        t_reasons + n_reasons + m_reasons,
        t_missing + n_missing + m_missing,
    )


def _result(
    case: Case,
    markers: tuple[Her2Result | None, ReceptorResult | None, ReceptorResult | None],
    setting: Literal["pathological", "clinical", "post_neoadjuvant"],
    t: str | None,
    n: str | None,
    m: str | None,
    t_origin: Origin,
    n_origin: Origin,
    m_origin: Origin,
    reasons: list[str],
    missing: list[MissingInput],
) -> StageResult:
    table = anatomic_stage_table()
    stage, row_id = anatomic_stage(t, n, m)
    if stage is not None:
        reasons = [*reasons, f"{t or 'TX'} {n or 'NX'} {m}: anatomic stage {stage} ({row_id})"]
    else:
        reasons = [*reasons, "anatomic stage not assignable from the recorded T, N, M"]
    return StageResult(
        setting=setting,
        t=t,
        n=n,
        m=m,
        t_origin=t_origin,
        n_origin=n_origin,
        m_origin=m_origin,
        anatomic=stage,
        anatomic_row_id=row_id,
        prognostic=prognostic_result(prognostic_decision(setting, t, n, m, case, *markers)),
        reasons=reasons,
        missing=missing if stage is None else [],
        source=f"{table.source} ({table.version})",
    )
