"""AJCC 8th edition breast staging: T, N, M and the anatomic stage group.

Source: AJCC Cancer Staging Manual, 8th ed. (Amin et al., 2017), breast chapter, 2018 revision.
pT from size and pN from node counts are the decision tables of
knowledge/classification/staging.yaml (run here and compiled by the cohort engine); the
stage-group table is knowledge/ajcc8_anatomic_stage.yaml. A recorded category always wins over
a derived one; a recorded category that contradicts the measured size or node count is not used
(a prompt names both fields) - breastcds never picks one silently.

Size is taken as reported by the pathologist (AJCC asks the report to round to the nearest
millimetre, with 1-2 mm tumours rounded up to 2 mm); breastcds does not re-round it.
"""

from __future__ import annotations

from typing import Literal, cast

from breastcds.classify import prognostic_stage
from breastcds.knowledge.rule_tables import active, decide
from breastcds.knowledge.schema import anatomic_stage_table
from breastcds.model.ajcc import m_group, n_group, t_group
from breastcds.model.assessment import (
    Her2Result,
    MissingInput,
    PrognosticStageResult,
    ReceptorResult,
    StageResult,
)
from breastcds.model.case import Case

_PROGNOSTIC_FIELDS = {
    "t": "tumour.size_mm",
    "n": "tumour.nodes_positive",
    "m": "tumour.clinical_m",
    "grade": "tumour.grade",
    "her2": "biomarkers.her2_ihc",
    "er": "biomarkers.er_percent",
    "pr": "biomarkers.pr_percent",
}


def _positive(r: ReceptorResult | None) -> bool | None:
    """ER/PR positive for AJCC (>= 1 %, ER-low included); None when not recorded."""
    if r is None or r.status == "not_recorded":
        return None
    return r.status in ("positive", "low_positive")


def prognostic(
    setting: Literal["pathological", "clinical", "post_neoadjuvant"],
    t: str | None,
    n: str | None,
    m: str | None,
    case: Case,
    her2: Her2Result | None,
    er: ReceptorResult | None,
    pr: ReceptorResult | None,
) -> PrognosticStageResult:
    """AJCC 8 prognostic stage group (pathological or clinical table) of one staging setting."""
    her2_pos = None if her2 is None or her2.status == "pending" else her2.status == "positive"
    args = (
        t or "TX",
        n or "NX",
        m or "MX",
        case.tumour.grade,
        her2_pos,
        _positive(er),
        _positive(pr),
    )
    if setting == "clinical":
        r = prognostic_stage.clinical(*args)
    else:
        r = prognostic_stage.pathological(
            *args,
            case.biomarkers.genomics.oncotype_rs,
            neoadjuvant_therapy=setting == "post_neoadjuvant",
        )
    fields = dict(_PROGNOSTIC_FIELDS)
    if setting == "clinical":
        fields.update(t="tumour.clinical_t", n="tumour.clinical_n")
    return PrognosticStageResult(
        stage=r.stage,
        status="assigned" if r.status == "assigned" else "not_assignable",
        reasons=list(r.reasons),
        missing=[
            MissingInput(field=fields.get(k, k), reason=f"{k} is needed for the {r.table} table")
            for k in r.missing
        ],
        row_id=r.row_id,
        source=r.source,
    )


Origin = Literal["recorded", "derived", "missing"]


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
    """Anatomic stage group and table row id, or (None, None) if the table has no row."""
    table = anatomic_stage_table()
    tg = t_group(t) if t else "TX"
    ng = n_group(n) if n else "NX"
    if m is None:
        return None, None
    mg = m_group(m)
    for row in table.rows:
        if row.m != mg:
            continue
        if ("any" in row.t or tg in row.t) and ("any" in row.n or ng in row.n):
            return row.stage, row.id
    return None, None


def _derive_t(
    recorded: str | None, size_mm: float | None, dcis_only: bool | None, field: str, size_field: str
) -> tuple[str | None, Origin, list[str], list[MissingInput]]:
    reasons: list[str] = []
    missing: list[MissingInput] = []
    derived: str | None = None
    if dcis_only:
        derived = "Tis"
        reasons.append("pure DCIS: Tis")
    elif size_mm is not None:
        derived = t_from_size(size_mm)
        reasons.append(f"invasive size {size_mm:g} mm: {derived}")
    if recorded is not None:
        if (
            derived is not None
            and t_group(recorded) not in ("T4", "TX")
            and t_group(recorded) != t_group(derived)
        ):
            missing.append(
                MissingInput(
                    field=field,
                    reason=f"recorded {recorded} contradicts {size_field} ({derived}); correct one",
                )
            )
            return (
                None,
                "missing",
                [f"recorded {recorded} contradicts {derived} from size"],
                missing,
            )
        return recorded, "recorded", [f"{recorded} as recorded"], missing
    if derived is not None:
        return derived, "derived", reasons, missing
    missing.append(MissingInput(field=size_field, reason="invasive size decides T"))
    return None, "missing", ["T not recorded and no size"], missing


def _derive_n(
    recorded: str | None, case: Case
) -> tuple[str | None, Origin, list[str], list[MissingInput]]:
    tu = case.tumour
    derived = n_from_nodes(
        tu.nodes_positive, tu.nodes_micrometastases_only, nodes_examined=tu.nodes_examined
    )
    if derived is not None:
        if tu.nodes_micrometastases_only:
            why = "micrometastases only (0.2-2 mm)"
        else:
            why = f"{tu.nodes_positive} positive axillary node(s)"
        reason = f"{why}: {derived}"
    if recorded is not None:
        if (
            derived is not None
            and n_group(recorded) != n_group(derived)
            and recorded not in ("N1b", "N1c", "N2b", "N3b", "N3c")
        ):
            return (
                None,
                "missing",
                [f"recorded {recorded} contradicts {derived} from nodes"],
                [
                    MissingInput(
                        field="tumour.pathological_n",
                        reason=f"recorded {recorded} contradicts tumour.nodes_positive "
                        f"({derived}); correct one",
                    )
                ],
            )
        return recorded, "recorded", [f"{recorded} as recorded"], []
    if derived is not None:
        return derived, "derived", [reason], []
    if tu.nodes_examined == 0:
        return (
            None,
            "missing",
            ["no axillary node examined: pNX (not pN0)"],
            [
                MissingInput(
                    field="tumour.pathological_n",
                    reason="no node examined: pN cannot be assessed; record the N category if "
                    "staged otherwise",
                )
            ],
        )
    return (
        None,
        "missing",
        ["N not recorded and no node count"],
        [MissingInput(field="tumour.nodes_positive", reason="positive node count decides N")],
    )


def _derive_m(
    case: Case, recorded: str | None
) -> tuple[str | None, Origin, list[str], list[MissingInput]]:
    sites = case.tumour.metastatic_sites
    if recorded is not None:
        return m_group(recorded), "recorded", [f"{recorded} as recorded"], []
    if sites:
        return "M1", "derived", [f"distant metastases: {', '.join(s.value for s in sites)}"], []
    if sites == []:
        return "M0", "derived", ["staged with no distant metastases"], []
    return (
        None,
        "missing",
        ["M not recorded"],
        [MissingInput(field="tumour.clinical_m", reason="M0/M1 decides the stage group")],
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
    recorded_t = neo.ypt if neo is not None else tu.pathological_t
    recorded_n = neo.ypn if neo is not None else tu.pathological_n
    t, t_origin, t_reasons, t_missing = _derive_t(
        recorded_t,
        tu.size_mm,
        tu.dcis_only,
        "treatment.neoadjuvant.ypt" if neo is not None else "tumour.pathological_t",
        "tumour.size_mm",
    )
    n, n_origin, n_reasons, n_missing = _derive_n(recorded_n, case)
    m, m_origin, m_reasons, m_missing = _derive_m(case, tu.pathological_m or tu.clinical_m)
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
    t, t_origin, t_reasons, t_missing = _derive_t(
        tu.clinical_t, tu.clinical_size_mm, None, "tumour.clinical_t", "tumour.clinical_size_mm"
    )
    if tu.clinical_n is not None:
        n: str | None = tu.clinical_n
        n_origin: Origin = "recorded"
        n_reasons = [f"c{tu.clinical_n} as recorded"]
        n_missing: list[MissingInput] = []
    else:
        n, n_origin, n_reasons = None, "missing", ["cN not recorded"]
        n_missing = [MissingInput(field="tumour.clinical_n", reason="clinical N decides the stage")]
    m, m_origin, m_reasons, m_missing = _derive_m(case, tu.clinical_m)
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
        prognostic=prognostic(setting, t, n, m, case, *markers),
        reasons=reasons,
        missing=missing if stage is None else [],
        source=f"{table.source} ({table.version})",
    )
