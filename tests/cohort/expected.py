"""What :func:`breastcds.assess` says for one cohort row, in the cohort engine's columns."""

from __future__ import annotations

import math
from typing import Any

from breastcds.classify.stage import prognostic_decision
from breastcds.cohort.engine import CODES, DECISION_POINTS, PREDICT_FIGURES, PROGNOSTIC
from breastcds.cohort.schema import row_to_case
from breastcds.entrypoint import assess
from breastcds.knowledge.schema_rt_omission import load_rt_omission
from breastcds.prognosis.mapping import map_case
from breastcds.prognosis.scores import VALUES, applicability
from breastcds.prognosis.section import REPORT_YEARS

#: Float columns (PREDICT percentages and percentage points) agree to 1e-12 relative, or 1e-12
#: absolute for figures near 0 (a difference of two percentages carries their last-bit error):
#: the engine computes a batch of rows in one array, ``assess`` one row, and numpy may round the
#: last bit differently for arrays of different lengths on different CPUs.
REL_TOL = 1e-12
ABS_TOL = 1e-12


def expected(row: dict[str, Any]) -> dict[str, Any]:
    """The cohort output columns computed through ``assess`` on ``row_to_case(row)``."""
    case = row_to_case(row)
    a = assess(case)
    out: dict[str, Any] = {"row": row["row"], "case_id": row["case_id"]}
    for code in CODES:
        out[code] = a.codes[code]
    c = a.classification
    for setting, _, _, name in PROGNOSTIC:  # the row that decided: the table assess runs
        s = c.stage_pathological if setting == "pathological" else c.stage_clinical
        assert s.prognostic is not None
        d = prognostic_decision(s.setting, s.t, s.n, s.m, case, c.her2, c.er, c.pr)
        assert (d.stage, d.row_id) == (s.prognostic.stage, s.prognostic.row_id)
        out[f"{name}.reason"] = d.code
        out[f"{name}.missing"] = [m.field for m in s.prognostic.missing]
    opts = {d.decision_point: d for d in a.sections.options.decision_points}
    for dp in DECISION_POINTS:
        d = opts.get(dp)
        out[f"options.{dp}"] = None if d is None else [o.rule_id for o in d.options]
        out[f"prompts.{dp}"] = None if d is None else [p.field for p in d.prompts]
    rt = a.sections.radiotherapy
    out["rt.applicable"] = rt.applicable
    out["rt.not_applicable_reason"] = rt.not_applicable_reason
    out["rt.summary"] = rt.summary.verdict
    out["rt.course_summary"] = rt.course_summary().verdict
    by_id = {s.id: s for s in rt.omission}
    for s in load_rt_omission().sets:
        r = by_id.get(s.id)
        out[f"rt.{s.id}.verdict"] = None if r is None else r.verdict
        out[f"rt.{s.id}.failed"] = None if r is None else [x.name for x in r.failed]
        out[f"rt.{s.id}.missing"] = None if r is None else [x.name for x in r.unknown]
    p = a.sections.prognosis.predict_v32
    out["predict.status"] = p.status
    mapping = map_case(case, a.classification)
    if p.status == "not_applicable":  # the section's reasons are the coded population reasons
        assert p.reasons == list(mapping.reasons)
    out["predict.not_applicable"] = (
        list(mapping.reason_codes) if p.status == "not_applicable" else None
    )
    out["predict.missing"] = [m.field for m in p.missing] if p.status == "needs_data" else None
    computed = p.status == "computed"
    out["predict.regimen"] = p.outcomes[-1].regimen if computed else None
    for name, section in (("npi", a.sections.prognosis.npi), ("cts5", a.sections.prognosis.cts5)):
        app = applicability(name, case, a.classification)  # the section's tables, with codes
        assert (section.status, section.reasons) == (app.status, list(app.reasons))
        out[f"{name}.status"] = section.status
        not_applicable = section.status == "not_applicable"
        out[f"{name}.not_applicable"] = list(app.codes) if not_applicable else None
        needs = section.status == "needs_data"
        out[f"{name}.missing"] = [m.field for m in section.missing] if needs else None
        shown = {"npi.index": "index", "npi.group": "group", "npi.group_classic": "group_classic",
                 "cts5.score": "score", "cts5.risk_group": "risk_group"}  # fmt: skip
        for column in VALUES[name]:
            out[column] = getattr(section, shown[column])
    for y in REPORT_YEARS:
        for fig in PREDICT_FIGURES:
            out[f"predict.{fig}.{y}y"] = None
        if computed:
            first, last = p.outcomes[0], p.outcomes[-1]
            assert last.breast_cancer_mortality_pct is not None
            assert last.total_benefit_pp is not None
            out[f"predict.os_surgery.{y}y"] = first.overall_survival_pct[y]
            out[f"predict.os.{y}y"] = last.overall_survival_pct[y]
            out[f"predict.bc_mortality.{y}y"] = last.breast_cancer_mortality_pct[y]
            out[f"predict.benefit.{y}y"] = last.total_benefit_pp[y]
    return out


def mismatches(results: list[dict[str, Any]], rows: list[dict[str, Any]]) -> list[str]:
    """Every (row, column) where the engine and ``assess`` disagree, described."""
    found: list[str] = []
    by_row = {r["row"]: r for r in results}
    for row in rows:
        want = expected(row)
        got = by_row.get(row["row"])
        if got is None:
            found.append(f"row {row['row']}: missing from the results")
            continue
        for key, value in want.items():
            actual = got[key]
            if isinstance(value, float) and isinstance(actual, float):
                if not math.isclose(value, actual, rel_tol=REL_TOL, abs_tol=ABS_TOL):
                    found.append(f"row {row['row']} {key}: engine {actual!r}, assess {value!r}")
            elif actual != value:
                found.append(f"row {row['row']} {key}: engine {actual!r}, assess {value!r}")
    return found


def hand_built_results(data: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Run hand-built cohort rows (column -> value; list columns as text) through the cohort
    engine, check that every row agrees with ``assess``, and return the results by case id."""
    import polars as pl

    from breastcds.cohort.engine import run_batch
    from breastcds.cohort.schema import COLUMNS
    from breastcds.cohort.validate import canonical_dtype, prepare

    schema = {c.name: canonical_dtype(c) if c.kind not in ("list", "enum_list") else pl.String()
              for c in COLUMNS}  # fmt: skip
    frame = pl.DataFrame(data, schema=schema)
    result = run_batch(frame)
    assert result.errors.height == 0
    valid, _ = prepare(frame)
    found = mismatches(result.results.to_dicts(), valid.to_dicts())
    assert not found, "\n".join(found[:20])
    return {r["case_id"]: r for r in result.results.to_dicts()}
