"""The one entry point: ``assess(case) -> Assessment``.

Validates the case, derives the classifications every later rule depends on, runs each
capability section, and returns one result with machine codes, reasons, warnings, missing-data
prompts and provenance. Adapters (CLI, service, reports, concordance) all call this function.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from breastcds._version import __version__
from breastcds.capabilities import Assessment, assess_sections
from breastcds.classify import her2, ki67, receptors, stage, subtype
from breastcds.knowledge import knowledge_version
from breastcds.model.assessment import (
    Citation,
    Classification,
    MissingInput,
    Provenance,
)
from breastcds.model.case import SCHEMA_VERSION, Case
from breastcds.model.parse import parse_case
from breastcds.model.plausibility import check as plausibility_check


def classify(case: Case) -> Classification:
    """All biomarker and stage classifications of a validated case (pure)."""
    b = case.biomarkers
    her2_result = her2.classify(b)
    er = receptors.er(b.er_percent)
    pr = receptors.pr(b.pr_percent)
    return Classification(
        her2=her2_result,
        er=er,
        pr=pr,
        ki67=ki67.classify(b.ki67_percent),
        subtype=subtype.classify(er, pr, her2_result, b.ki67_percent, b.genomics),
        stage_pathological=stage.pathological(case, her2_result, er, pr),
        stage_clinical=stage.clinical(case, her2_result, er, pr),
    )


def codes(c: Classification) -> dict[str, str | int | float | None]:
    """Stable machine codes of the classification."""
    sp = c.stage_pathological
    return {
        "her2.status": c.her2.status,
        "her2.category": c.her2.category,
        "her2.ish_group": c.her2.ish_group,
        "er.status": c.er.status,
        "pr.status": c.pr.status,
        "ki67.group": c.ki67.group,
        "subtype": c.subtype.subtype,
        "stage.setting": sp.setting,
        "stage.t": sp.t,
        "stage.n": sp.n,
        "stage.m": sp.m,
        "stage.anatomic": sp.anatomic,
        "stage.prognostic_pathological": sp.prognostic.stage if sp.prognostic else None,
        "stage.clinical_anatomic": c.stage_clinical.anatomic,
        "stage.prognostic_clinical": (
            c.stage_clinical.prognostic.stage if c.stage_clinical.prognostic else None
        ),
    }


def assess(
    case: Case | Mapping[str, Any] | str | bytes,
    *,
    today: dt.date | None = None,
    now: dt.datetime | None = None,
) -> Assessment:
    """Assess one case (model, dict or JSON text).

    Raises :class:`breastcds.model.CaseValidationError` naming each bad field when the case is
    impossible or contradictory; never returns a verdict on such input.
    """
    valid = parse_case(case, today=today)
    classification = classify(valid)
    sections = assess_sections(valid, classification)
    missing = _with_reported(_missing(classification), valid)
    stamp = (now or dt.datetime.now(dt.UTC)).isoformat(timespec="seconds")
    return Assessment(
        case_id=valid.case_id,
        codes=codes(classification),
        classification=classification,
        sections=sections,
        warnings=plausibility_check(valid),
        missing=missing,
        provenance=Provenance(
            breastcds_version=__version__,
            knowledge_version=knowledge_version(),
            case_schema_version=SCHEMA_VERSION,
            assessed_at=stamp,
            sources=_citations(classification),
        ),
    )


def _missing(c: Classification) -> list[MissingInput]:
    seen: set[str] = set()
    out: list[MissingInput] = []
    # Pathological staging prompts matter once the clinical stage cannot stand in for it
    # (before surgery the clinical stage is the board's stage).
    stage_missing = c.stage_pathological.missing if c.stage_clinical.anatomic is None else []
    for group in (c.her2.missing, c.subtype.missing, stage_missing):
        for m in group:
            if m.field not in seen:
                seen.add(m.field)
                out.append(m)
    return out


_REPORTED = {
    "biomarkers.er_percent": ("er_status_reported", "ER"),
    "biomarkers.pr_percent": ("pr_status_reported", "PR"),
    "biomarkers.her2_ihc": ("her2_status_reported", "HER2"),
}


def _with_reported(missing: list[MissingInput], case: Case) -> list[MissingInput]:
    """Prompts that say what was received when only a qualitative result was reported."""
    out = []
    for m in missing:
        reported = _REPORTED.get(m.field)
        status = getattr(case.biomarkers, reported[0]) if reported else None
        if reported and status is not None:
            m = m.model_copy(
                update={
                    "reason": f"{m.reason}; {reported[1]} was received as '{status}' without "
                    f"the {'score' if reported[1] == 'HER2' else '%'} "
                    f"(biomarkers.{reported[0]})"
                }
            )
        out.append(m)
    return out


def _citations(c: Classification) -> list[Citation]:
    pairs = [
        ("her2", c.her2.source),
        ("er", c.er.source),
        ("pr", c.pr.source),
        ("ki67", c.ki67.source),
        ("subtype", c.subtype.source),
        ("stage.anatomic", c.stage_pathological.source),
    ]
    for name, p in (
        ("stage.prognostic_pathological", c.stage_pathological.prognostic),
        ("stage.prognostic_clinical", c.stage_clinical.prognostic),
    ):
        if p is not None:
            pairs.append((name, p.source))
    return [Citation(rule=r, source=s) for r, s in pairs]
