"""Compiled knowledge over a cohort table: classification, options, RT omission, PREDICT v3.2.

Everything here is compiled from the one knowledge base and model code:

* option rules (``knowledge/systemic/*.yaml``, loaded by :func:`breastcds.options.schema.load_kb`)
  and the radiotherapy-omission criteria (``knowledge/rt_omission.yaml``) are compiled with
  :func:`breastcds.knowledge.conditions.to_polars`; the missing-data prompts follow the
  evaluator's reporting rules compiled by
  :func:`breastcds.knowledge.conditions.unknown_fields_to_polars`;
* the options safety guard is the options engine's own function, tabulated over its inputs;
* PREDICT v3.2 runs in the vectorised core through :func:`breastcds.prognosis.section.run_model`
  (the function the prognosis section calls), chunk by chunk;
* the case facts and classifications come from :mod:`breastcds.cohort.facts`.

:func:`run_batch` turns one raw batch into (results, errors); :func:`run_file` streams a file
through it and writes Parquet; the Dask engine maps :func:`run_batch` over partitions.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pyarrow.parquet as pq  # type: ignore[import-untyped]

from breastcds.cohort import facts as F
from breastcds.cohort.io import scan
from breastcds.cohort.validate import ERROR_SCHEMA, ROW, prepare
from breastcds.course import prompts as prompt_relevance
from breastcds.course.inference import fallback_applies
from breastcds.knowledge import rule_tables
from breastcds.knowledge.conditions import or_into, to_polars, unknown_fields_to_polars
from breastcds.knowledge.decision_points import ALL_DECISION_POINTS, EARLY, METASTATIC
from breastcds.knowledge.facts import FACTS
from breastcds.knowledge.schema_rt_omission import load_rt_omission
from breastcds.options import engine as options_engine
from breastcds.options.guards import (
    OptionShape,
    action_rule_id,
    as_expr,
    decide,
    load_guards,
    polars_algebra,
)
from breastcds.options.guards import active as guard_active
from breastcds.options.schema import KnowledgeBase, Rule, load_kb
from breastcds.prognosis import predict, scores
from breastcds.prognosis.mapping import (
    HALF_NODE,
    REGIMEN_ORDER,
    component_tables,
    population_tables,
)
from breastcds.prognosis.scores import SCORES, Score
from breastcds.prognosis.section import REPORT_YEARS, run_model

c = pl.col
lit = pl.lit
_STR_LIST = pl.List(pl.String)

#: Every decision point of the course of care (knowledge/decision_points.py), in its order.
DECISION_POINTS: tuple[str, ...] = ALL_DECISION_POINTS

#: Assessment codes (:func:`breastcds.entrypoint.codes`) produced per row, and their source.
CODES: dict[str, str] = {
    "her2.status": F.HER2_STATUS, "her2.category": F.HER2_CATEGORY,
    "her2.ish_group": F.HER2_ISH_GROUP, "er.status": F.ER_STATUS, "pr.status": F.PR_STATUS,
    "ki67.group": F.KI67_GROUP, "subtype": F.SUBTYPE, "stage.setting": F.SP_SETTING,
    "stage.t": F.SP_T, "stage.n": F.SP_N, "stage.m": F.SP_M, "stage.anatomic": F.SP_STAGE,
    "stage.clinical_anatomic": F.SC_STAGE,
    "stage.prognostic_pathological": "c.sp.prognostic",
    "stage.prognostic_clinical": "c.sc.prognostic",
}  # fmt: skip


class UnsupportedKnowledge(RuntimeError):
    """The knowledge base names a fact the cohort table does not provide."""


# --------------------------------------------------------------------------------------------
# Options per decision point (breastcds.options.engine)
# --------------------------------------------------------------------------------------------

_HER2_STATUSES: tuple[str | None, ...] = (None, "negative", "positive")
_HER2_CATEGORIES: tuple[str | None, ...] = (None, "HER2-0", "HER2-ultralow", "HER2-low",
                                            "HER2-positive")  # fmt: skip
_ER_STATUSES: tuple[str | None, ...] = (None, "negative", "low_positive", "positive")
_GUARD_DOMAIN = list(itertools.product(_HER2_STATUSES, _HER2_CATEGORIES, _ER_STATUSES))


def _guard_key() -> pl.Expr:
    """Index of (her2.status, her2.category, er.status) in the guard's input domain."""

    def idx(col: str, values: tuple[str | None, ...]) -> pl.Expr:
        known = [v for v in values if v is not None]
        return (
            c(col)
            .replace_strict(known, list(range(1, len(known) + 1)), default=0,
                            return_dtype=pl.Int64)
            .fill_null(0)
        )  # fmt: skip

    n_cat, n_er = len(_HER2_CATEGORIES), len(_ER_STATUSES)
    return (
        idx("her2.status", _HER2_STATUSES) * (n_cat * n_er)
        + idx("her2.category", _HER2_CATEGORIES) * n_er
        + idx("er.status", _ER_STATUSES)
    )


def _blocked(rule: Rule, kb: KnowledgeBase, dp: str) -> pl.Expr:
    """The options engine's safety guard, evaluated over every value of its inputs."""
    keys = [
        i
        for i, (status, category, er) in enumerate(_GUARD_DOMAIN)
        if options_engine._guard(
            rule, kb, {"her2.status": status, "her2.category": category, "er.status": er}, dp
        )
        is not None
    ]
    if not keys:
        return lit(False)
    if len(keys) == len(_GUARD_DOMAIN):
        return lit(True)
    return c("__guard_key").is_in(keys)


def _active(dp: str) -> pl.Expr:
    """Is ``dp`` one of the row's decision points (:func:`options.engine.decision_points`): the
    row's (named or inferred), else the ``fallback`` of knowledge/decision_points.yaml."""
    return (
        pl.when(c("decision_point").is_not_null())
        .then(c("decision_point").eq(dp))
        .otherwise(fallback_applies(dp))
    )


def _conflict(dp: str) -> pl.Expr:
    if dp in METASTATIC:
        return c("metastatic").eq(False).fill_null(False)
    if dp in EARLY and dp != "follow_up":
        return c("metastatic").eq(True).fill_null(False)
    return lit(False)


def _ranked(kb: KnowledgeBase) -> list[Rule]:
    """Rules in the engine's ranking order (:meth:`Rule.rank_key`: grade, trial result,
    priority, id)."""
    return sorted(kb.rules, key=lambda r: r.rank_key())


Stages = list[list[pl.Expr]]
_WORD_BITS = 62


def _safe(name: str) -> str:
    return name.replace(".", "_")


@dataclass(frozen=True)
class Encoded:
    """A list-of-labels output column computed as bit words (one bit per label) and decoded
    once per distinct value after the batch is collected: building lists row by row in
    polars costs far more than integer arithmetic."""

    name: str
    labels: tuple[str, ...]
    sort_unique: bool = False

    @property
    def words(self) -> list[str]:
        n = max(1, -(-len(self.labels) // _WORD_BITS))
        return [f"__bits.{self.name}.{w}" for w in range(n)]

    def exprs(self, flags: list[pl.Expr], null_when: pl.Expr | None = None) -> list[pl.Expr]:
        """Word columns from one boolean expression per label (null counts as unset)."""
        assert len(flags) == len(self.labels)
        out = []
        for w, word in enumerate(self.words):
            chunk = flags[w * _WORD_BITS : (w + 1) * _WORD_BITS]
            value = (
                pl.sum_horizontal(
                    [pl.when(f.fill_null(False)).then(lit(1 << j)).otherwise(lit(0))
                     for j, f in enumerate(chunk)]
                ).cast(pl.Int64)
                if chunk
                else lit(0, pl.Int64)
            )  # fmt: skip
            if null_when is not None:
                value = pl.when(null_when).then(None).otherwise(value)
            out.append(value.alias(word))
        return out

    def any_set(self) -> pl.Expr:
        return pl.any_horizontal([c(w) > 0 for w in self.words])

    def decode(self, frame: pl.DataFrame) -> pl.DataFrame:
        """Replace the words by the list column ``name`` (null words -> null)."""
        keys = frame.select(self.words).unique().drop_nulls()
        lists: list[list[str]] = []
        for row in keys.iter_rows():
            labels = [
                self.labels[w * _WORD_BITS + j]
                for w, word in enumerate(row)
                for j in range(_WORD_BITS)
                if (word >> j) & 1
            ]
            lists.append(sorted(set(labels)) if self.sort_unique else labels)
        mapping = keys.with_columns(pl.Series(self.name, lists, dtype=_STR_LIST))
        joined = frame.join(mapping, on=self.words, how="left", maintain_order="left")
        return joined.drop(self.words)


def option_columns(kb: KnowledgeBase) -> tuple[Stages, list[Encoded]]:
    """``options.<dp>`` (offered option rule ids, ranked) and ``prompts.<dp>`` (case fields).

    Stage 1 evaluates every rule once (``when``, exclusions, reported unknown fields); stage 2
    assembles the decision points from those columns.
    """
    pending = c(F.HER2_STATUS).eq("pending") | c(F.HER2_CATEGORY).eq("pending")
    stage1: list[pl.Expr] = []
    unknown_cols: dict[str, dict[str, str]] = {}
    for rule in kb.rules:
        rid = _safe(rule.id)
        when = lit(True) if rule.when is None else to_polars(rule.when)
        stage1.append(when.alias(f"__w.{rid}"))
        excluded = (
            pl.any_horizontal([to_polars(u).eq(True).fill_null(False) for u in rule.unless])
            if rule.unless
            else lit(False)
        )
        stage1.append(excluded.alias(f"__x.{rid}"))
        if rule.recommendation == "option" and rule.when is not None:
            cols: dict[str, str] = {}
            for i, (field, e) in enumerate(sorted(unknown_fields_to_polars(rule.when).items())):
                name = f"__u.{rid}.{i}"
                stage1.append(e.fill_null(False).alias(name))
                cols[field] = name
            unknown_cols[rule.id] = cols
    stage2: list[pl.Expr] = []
    stage3: list[pl.Expr] = []
    stage4: list[pl.Expr] = []
    encoded: list[Encoded] = []
    her2_fields = (
        "biomarkers.her2_ihc",
        "biomarkers.her2_ihc0_staining",
        "biomarkers.her2_ish",
        "biomarkers.her2_ish_recount",
    )
    guard_set = load_guards()
    for dp in DECISION_POINTS:
        pre: list[tuple[Rule, str]] = []  # option rules and their pre-guard "offered" column
        flags: dict[str, pl.Expr] = {}
        for rule in _ranked(kb):
            if dp not in rule.decision_points:
                continue
            rid = _safe(rule.id)
            when = c(f"__w.{rid}")
            ok = when.eq(True).fill_null(False) & ~c(f"__x.{rid}") & ~_blocked(rule, kb, dp)
            if rule.recommendation == "option":
                name = f"__ok.{dp}.{rid}"
                stage2.append(ok.alias(name))
                pre.append((rule, name))
                for field, uname in unknown_cols.get(rule.id, {}).items():
                    or_into(flags, field, when.is_null() & c(uname))
        # Patient and course guards (breastcds.options.guards): the same decision function as
        # the one-patient engine, over polars expressions.
        shapes = [OptionShape(r.id, r.option.agents, r.option.actions) for r, _ in pre]
        ok_col = {r.id: name for r, name in pre}
        offered_col = functools.partial(_column_of, ok_col)
        plain = polars_algebra(offered_col)
        for g in guard_set.guards:
            if g.at(dp):
                stage3.append(
                    as_expr(guard_active(g, dp, plain, shapes)).alias(_active_col(dp, g.id))
                )
        alg = polars_algebra(offered_col, functools.partial(_guard_col, dp))
        decision = decide(guard_set, dp, shapes, alg)
        offered = [(r.id, c(name) & ~as_expr(decision.blocked[r.id])) for r, name in pre]
        offered += [(action_rule_id(g, code), as_expr(flag)) for g, code, flag in decision.added]
        prompt_flags: list[tuple[str, pl.Expr]] = []
        her2_flags = [e for f, e in flags.items() if f.startswith("biomarkers.her2")]
        for field, e in sorted(flags.items()):
            keep = e & ~pending if field.startswith("biomarkers.her2") else e
            prompt_flags.append((field, keep & ~prompt_relevance.dropped_when(field)))
        if her2_flags:  # a pending HER2 names the field its classification asks for
            asked = pending & pl.any_horizontal(her2_flags)
            for field in her2_fields:
                prompt_flags.append((field, asked & c(F.HER2_MISSING).eq(field)))
        prompt_flags = [
            (f, e & ~as_expr(decision.suppressed[f]) if f in decision.suppressed else e)
            for f, e in prompt_flags
        ]
        prompt_flags += [(f, as_expr(e)) for f, e in decision.prompts.items()]
        inactive, conflict = ~_active(dp), _conflict(dp)
        for name, items, sort in ((f"options.{dp}", offered, False),
                                  (f"prompts.{dp}", prompt_flags, True)):  # fmt: skip
            enc = Encoded(name, tuple(label for label, _ in items), sort_unique=sort)
            flags_ = [e & ~conflict for _, e in items]
            stage4 += enc.exprs(flags_, null_when=inactive)
            encoded.append(enc)
    return [stage1, stage2, stage3, stage4], encoded


def _column_of(names: dict[str, str], key: str) -> pl.Expr:
    return c(names[key])


def _active_col(dp: str, guard_id: str) -> str:
    return f"__ga.{dp}.{_safe(guard_id)}"


def _guard_col(dp: str, g: Any) -> pl.Expr:
    return c(_active_col(dp, g.id))


def unprovided_fact_columns(names: set[str]) -> list[pl.Expr]:
    """Facts the rules or guards read that the cohort table has no column for: null (not
    recorded) in every row, exactly as the case model leaves them for such a row, so both
    engines judge them alike (a condition on them is unknown, never false)."""
    dtypes: dict[str, pl.DataType] = {
        "number": pl.Float64(), "bool": pl.Boolean(), "enum": pl.String(),
        "list": pl.List(pl.String()),
    }  # fmt: skip
    return [lit(None, dtype=dtypes[FACTS[f].type]).alias(f) for f in sorted(names)]


# --------------------------------------------------------------------------------------------
# Radiotherapy omission (breastcds.radiotherapy.omission)
# --------------------------------------------------------------------------------------------


def rt_columns() -> tuple[Stages, list[Encoded]]:
    """Applicability, summary and per-set verdict / failed / missing criteria.

    Stage 1 evaluates each criterion once; stage 2 builds the lists and the applicability;
    stage 3 the verdicts and the summary.
    """
    k = load_rt_omission()
    stage1: list[pl.Expr] = []
    chain: Any = None
    for i, crit in enumerate(k.applicability):
        cond = crit.condition()
        assert cond is not None
        stage1.append(to_polars(cond).alias(f"__a.{i}"))
        v = c(f"__a.{i}")
        steps = [(v.eq(False), f"not applicable: requires {crit.text}")]
        if not (crit.note and crit.note.startswith("assumed")):
            steps.append((v.is_null(), f"cannot tell whether {crit.text}: not recorded"))
        for when, text in steps:
            chain = (
                pl.when(when).then(lit(text)) if chain is None else chain.when(when).then(lit(text))
            )
    reason: pl.Expr = chain.otherwise(None) if chain is not None else lit(None, pl.String)
    stage2: list[pl.Expr] = [reason.alias("rt.not_applicable_reason")]
    applicable = c("rt.not_applicable_reason").is_null()
    stage3: list[pl.Expr] = [applicable.alias("rt.applicable")]
    encoded: list[Encoded] = []
    meets_support: list[pl.Expr] = []
    pending_support: list[pl.Expr] = []
    # the course-level reading (knowledge course_presumptions, as radiotherapy.omission reads
    # it): each presumption compiled once, beside the criterion as written, for supporting sets
    course_meets: list[pl.Expr] = []
    course_pending: list[pl.Expr] = []
    seen: set[str] = set()
    for s in k.sets:
        failed: list[tuple[str, pl.Expr]] = []
        missing: list[tuple[str, pl.Expr]] = []
        course_cols: list[pl.Expr] = []
        for j, crit in enumerate(s.criteria):
            cond = crit.condition()
            if cond is None:
                continue
            name = f"__rt.{s.id}.{j}"
            stage1.append(to_polars(cond).alias(name))
            failed.append((crit.name, c(name).eq(False)))
            missing.append((crit.name, c(name).is_null()))
            presumption = k.presumption(crit.name) if s.role == "supports_omission" else None
            if presumption is None:
                course_cols.append(c(name))
                continue
            presumed = f"__rtc.{crit.name}"
            if presumed not in seen:
                seen.add(presumed)
                stage1.append(to_polars(presumption.condition()).alias(presumed))
            course_cols.append(c(presumed))
        # criteria the case model cannot hold are never judged (listed last, as the evaluator)
        missing += [(crit.name, lit(True)) for crit in s.unrecordable()]
        f_enc = Encoded(f"rt.{s.id}.failed", tuple(n for n, _ in failed))
        m_enc = Encoded(f"rt.{s.id}.missing", tuple(n for n, _ in missing))
        stage2 += f_enc.exprs([e for _, e in failed], null_when=reason.is_not_null())
        stage2 += m_enc.exprs([e for _, e in missing], null_when=reason.is_not_null())
        encoded += [f_enc, m_enc]
        verdict = (
            pl.when(~applicable)
            .then(None)
            .when(f_enc.any_set())
            .then(lit("fails"))
            .when(m_enc.any_set())
            .then(lit("insufficient_data"))
            .otherwise(lit("meets"))
        )
        stage3.append(verdict.alias(f"rt.{s.id}.verdict"))
        if s.role == "supports_omission":
            meets_support.append(verdict.eq("meets"))
            pending_support.append(verdict.eq("insufficient_data"))
            course_fails = pl.any_horizontal([x.eq(False).fill_null(False) for x in course_cols])
            course_unknown = pl.any_horizontal(
                [x.is_null() for x in course_cols] + [lit(bool(s.unrecordable()))]
            )
            course_meets.append(~course_fails & ~course_unknown)
            course_pending.append(~course_fails & course_unknown)
    stage3.append(_rt_summary(applicable, meets_support, pending_support).alias("rt.summary"))
    stage3.append(_rt_summary(applicable, course_meets, course_pending).alias("rt.course_summary"))
    return [stage1, stage2, stage3], encoded


def _rt_summary(applicable: pl.Expr, meets: list[pl.Expr], pending: list[pl.Expr]) -> pl.Expr:
    """The omission summary from the supporting sets' verdicts (radiotherapy.omission._summary)."""
    return (
        pl.when(~applicable)
        .then(lit("not_applicable"))
        .when(pl.any_horizontal(meets))
        .then(lit("discuss"))
        .when(pl.any_horizontal(pending))
        .then(lit("insufficient_data"))
        .otherwise(lit("not_supported"))
    )


# --------------------------------------------------------------------------------------------
# PREDICT v3.2 (breastcds.prognosis.mapping + section)
# --------------------------------------------------------------------------------------------

_PREDICT_INPUTS = ("age", "screen", "size", "grade", "nodes", "er", "pr", "her2", "ki67",
                   "smoker", "heart_gy", "radio", "generation", "horm", "traz", "bis")  # fmt: skip


def _population_inputs() -> dict[str, pl.Expr]:
    """The population tables' inputs, as prognosis.mapping.population_facts binds them (and
    prognosis.scores.score_facts: grade, ER status)."""
    return {
        "sex": c("sex"), "age": c("age_years"), "site_count": c("metastatic_sites").list.len(),
        "clinical_m": c("clinical_m"), "pathological_m": c("pathological_m"),
        "dcis_only": c("dcis_only"), "laterality": c("laterality"),
        "neoadjuvant": c("neoadjuvant").eq(True), "decision_point": c("__recorded_decision_point"),
        "surgery_type": c("surgery_type"), "size": c("size_mm"), "nodes": c("nodes_positive"),
        "grade": c("grade"), "er_status": c(F.ER_STATUS),
    }  # fmt: skip


def _predict_tables() -> dict[str, dict[str, pl.Expr]]:
    """The PREDICT mapping tables (knowledge/classification/predict_mapping.yaml) compiled
    over the columns: per table its outputs and ``missing`` (the case field asked for, or null)."""
    inputs: dict[str, dict[str, pl.Expr]] = {
        "predict_size": {"size": c("size_mm"), "dcis_only": c("dcis_only")},
        "predict_screen": {"detection": c("detection")},
        "predict_grade": {"grade": c("grade")},
        "predict_nodes": {"nodes": c("nodes_positive"),
                          "micro_only": c("nodes_micrometastases_only")},
        "predict_er": {"status": c(F.ER_STATUS), "percent": c("er_percent")},
        "predict_pr": {"status": c(F.PR_STATUS), "percent": c("pr_percent")},
        "predict_her2": {"status": c(F.HER2_STATUS), "category": c(F.HER2_CATEGORY)},
        "predict_ki67": {"percent": c("ki67_percent")},
        "predict_smoker": {"smoker": c("current_smoker")},
    }  # fmt: skip
    population = _population_inputs()
    tables = rule_tables.active()
    for t in population_tables():
        inputs[t.id] = {i.name: population[i.name] for i in t.inputs if i.from_ is None}
    return {
        name: rule_tables.to_polars(tables[name], bound, missing=True)
        for name, bound in inputs.items()
    }


def _asked(table: rule_tables.Table) -> list[str]:
    """The case fields a table may ask for (its ``missing`` entries), in row order."""
    found: dict[str, None] = {}

    def walk(rows: tuple[rule_tables.Row, ...]) -> None:
        for row in rows:
            for part in (row, row.if_unknown):
                for m in part.missing if part is not None else ():
                    found[m.field] = None
            walk(row.rows)

    walk((table.if_unknown, *table.rows))
    return list(found)


def _predict_regimen() -> tuple[pl.Expr, list[pl.Expr]]:
    """The full PREDICT v3.2 regimen per row and the model's treatment inputs (``__p.horm``,
    ``__p.radio``, ``__p.heart_gy``, ...): the ``predict_component_*`` tables the prognosis
    section runs, compiled; the letters of the included treatments in the official order."""
    bound = {
        "er_status": c(F.ER_STATUS), "er_percent": c("er_percent"),
        "her2_status": c(F.HER2_STATUS), "her2_category": c(F.HER2_CATEGORY),
        "menopausal_status": c("menopausal_status"), "heart_gy": c("mean_heart_dose_gy"),
    }  # fmt: skip
    letters: list[tuple[int, pl.Expr]] = []
    inputs: list[pl.Expr] = []
    for ct in component_tables():
        if "v3.2" not in ct.models:
            continue
        own = {i.name: bound[i.name] for i in ct.table.inputs if i.name in bound}
        out = rule_tables.to_polars(ct.table, own, ["letter", *ct.inputs])
        if ct.letter is not None:
            letters.append((REGIMEN_ORDER.index(ct.letter), out["letter"].fill_null("")))
        inputs += [out[name].cast(pl.Float64).alias(f"__p.{name}") for name in ct.inputs]
        if "radio" in ct.inputs:  # the dose is used with radiotherapy only (as mapping.py)
            heart = pl.when(out["radio"].eq(1)).then(bound["heart_gy"]).otherwise(0.0)
            inputs.append(heart.alias("__p.heart_gy"))
    regimen = pl.concat_str([e for _, e in sorted(letters, key=lambda x: x[0])])
    return regimen, inputs


#: The mapping tables whose missing fields PREDICT v3.2 needs, after the population tables'.
_ASKING = ("predict_size", "predict_nodes", "predict_er", "predict_smoker")


def predict_mapping_columns() -> tuple[Stages, list[Encoded]]:
    """Status, reasons (codes), missing fields and model inputs of PREDICT v3.2 per row: the
    population and mapping tables the prognosis section runs, compiled."""
    t = _predict_tables()
    reasons: dict[str, pl.Expr] = {}
    missing: dict[str, pl.Expr] = {}
    tables = rule_tables.active()
    for table in population_tables():
        for code in table.outputs["not_applicable"]:
            if code is not None:
                reasons[str(code)] = t[table.id]["not_applicable"].eq(code)
    for name in (*(p.id for p in population_tables()), *_ASKING):
        for f in _asked(tables[name]):
            or_into(missing, f, t[name]["missing"].eq(f))
    reasons_enc = Encoded("predict.not_applicable", tuple(reasons))
    missing_enc = Encoded("predict.missing", tuple(missing))
    er = t["predict_er"]["code"]
    her2 = t["predict_her2"]["code"]
    nodes = c("nodes_positive").cast(pl.Float64)
    size = c("size_mm")
    regimen, treatment_inputs = _predict_regimen()
    stage1 = [
        *[e.alias(f"__p.r.{i}") for i, e in enumerate(reasons.values())],
        *[e.alias(f"__p.m.{i}") for i, e in enumerate(missing.values())],
        regimen.alias("__p.regimen"),
        c("age_years").cast(pl.Float64).alias("__p.age"),
        t["predict_screen"]["code"].cast(pl.Float64).alias("__p.screen"),
        size.alias("__p.size"),
        t["predict_grade"]["code"].cast(pl.Float64).alias("__p.grade"),
        pl.when(t["predict_nodes"]["half"]).then(HALF_NODE).otherwise(nodes).alias("__p.nodes"),
        er.cast(pl.Float64).alias("__p.er"),
        t["predict_pr"]["code"].cast(pl.Float64).alias("__p.pr"),
        her2.cast(pl.Float64).alias("__p.her2"),
        t["predict_ki67"]["code"].cast(pl.Float64).alias("__p.ki67"),
        t["predict_smoker"]["code"].cast(pl.Float64).alias("__p.smoker"),
        *treatment_inputs,
    ]
    any_reason = pl.any_horizontal([c(f"__p.r.{i}").fill_null(False) for i in range(len(reasons))])
    any_missing = pl.any_horizontal([c(f"__p.m.{i}").fill_null(False) for i in range(len(missing))])
    status = (
        pl.when(any_reason)
        .then(lit("not_applicable"))
        .when(any_missing)
        .then(lit("needs_data"))
        .otherwise(lit("computed"))
    )
    stage2 = [status.alias("predict.status")]
    st = c("predict.status")
    stage3 = [
        *reasons_enc.exprs(
            [c(f"__p.r.{i}") for i in range(len(reasons))], null_when=st.ne("not_applicable")
        ),
        *missing_enc.exprs(
            [c(f"__p.m.{i}") for i in range(len(missing))], null_when=st.ne("needs_data")
        ),
        pl.when(st.eq("computed")).then(c("__p.regimen")).otherwise(None).alias("predict.regimen"),
    ]
    return [stage1, stage2, stage3], [reasons_enc, missing_enc]


def score_applicability_columns(score: Score) -> tuple[Stages, list[Encoded]]:
    """``<score>.status``, ``<score>.not_applicable`` (reason codes), ``<score>.missing``
    (case fields) of NPI or CTS5: the population and input tables the prognosis section runs
    (prognosis/scores.py), compiled, with its status rule (:func:`scores.status`); and the
    score's values when computed (:data:`scores.VALUES`: derived-fact columns, the formulas of
    knowledge/derived_facts.yaml that prognosis/npi.py and cts5.py evaluate)."""
    bound = _population_inputs()
    flags: dict[str, dict[str, pl.Expr]] = {"population": {}, "input": {}}
    missing: dict[str, pl.Expr] = {}
    for group in ("population", "input"):
        for table in scores.tables(score, group):
            inputs = {i.name: bound[i.name] for i in table.inputs if i.from_ is None}
            out = rule_tables.to_polars(table, inputs, missing=True)
            for code in table.outputs["not_applicable"]:
                if code is not None:
                    or_into(flags[group], str(code), out["not_applicable"].eq(code))
            for f in _asked(table):
                or_into(missing, f, out["missing"].eq(f))
    pre = f"__{score}"
    pop, inp = list(flags["population"].items()), list(flags["input"].items())
    stage1 = [
        *[e.fill_null(False).alias(f"{pre}.p.{i}") for i, (_, e) in enumerate(pop)],
        *[e.fill_null(False).alias(f"{pre}.i.{i}") for i, (_, e) in enumerate(inp)],
        *[e.fill_null(False).alias(f"{pre}.m.{i}") for i, e in enumerate(missing.values())],
    ]
    any_p = pl.any_horizontal([lit(False), *[c(f"{pre}.p.{i}") for i in range(len(pop))]])
    any_i = pl.any_horizontal([lit(False), *[c(f"{pre}.i.{i}") for i in range(len(inp))]])
    any_m = pl.any_horizontal([lit(False), *[c(f"{pre}.m.{i}") for i in range(len(missing))]])
    computed, needs = scores.status(False, False, False), scores.status(False, True, False)
    status = (
        pl.when(any_p).then(lit(scores.status(True, False, False)))
        .when(any_m).then(lit(needs))
        .when(any_i).then(lit(scores.status(False, False, True)))
        .otherwise(lit(computed))
    )  # fmt: skip
    st = c(f"{score}.status")
    reasons_enc = Encoded(f"{score}.not_applicable", tuple(code for code, _ in (*pop, *inp)))
    missing_enc = Encoded(f"{score}.missing", tuple(missing))
    reason_flags = [
        *[c(f"{pre}.p.{i}") for i in range(len(pop))],
        *[c(f"{pre}.i.{i}") & ~any_p for i in range(len(inp))],
    ]
    stage3 = [
        *reasons_enc.exprs(reason_flags, null_when=st.ne("not_applicable")),
        *missing_enc.exprs(
            [c(f"{pre}.m.{i}") for i in range(len(missing))], null_when=st.ne(needs)
        ),
        *[
            pl.when(st.eq(computed)).then(c(fact)).otherwise(None).alias(column)
            for column, fact in scores.VALUES[score].items()
        ],
    ]
    return [stage1, [status.alias(f"{score}.status")], stage3], [reasons_enc, missing_enc]


PREDICT_FIGURES = ("os_surgery", "os", "bc_mortality", "benefit")


# --------------------------------------------------------------------------------------------
# AJCC 8 prognostic stage groups (breastcds.classify.prognostic_stage)
# --------------------------------------------------------------------------------------------

#: Per prognostic table: its staging setting's T, N and M columns, the stage column and the
#: output name (``<name>.reason``: the table row that decided; ``<name>.missing``: the fields).
PROGNOSTIC: tuple[tuple[str, tuple[str, str, str], str, str], ...] = (
    ("pathological", (F.SP_T, F.SP_N, F.SP_M), "c.sp.prognostic", "stage.prognostic_pathological"),
    ("clinical", (F.SC_T, F.SC_N, F.SC_M), "c.sc.prognostic", "stage.prognostic_clinical"),
)


def prognostic_columns() -> tuple[Stages, list[Encoded]]:
    """The AJCC 8 prognostic stage group of each setting, the code of the table row that
    decided it and the case fields it asks for: the ``prognostic_stage.<table>`` tables of
    knowledge/classification/prognostic_stage.yaml that :mod:`breastcds.classify.stage` runs,
    bound to the columns as it binds the case (the setting's T, N, M - TX/NX/MX when not
    recorded -, grade, the HER2/ER/PR status codes, the recurrence score; the post-neoadjuvant
    setting as neoadjuvant therapy, otherwise the treatment sequence as not stated). The first
    stages add the chained inputs (the cell lookup once per row), the last the outputs."""
    tables = rule_tables.active()
    stages: Stages = []
    encoded: list[Encoded] = []
    for setting, (t, n, m), stage_col, name in PROGNOSTIC:
        table = tables[f"prognostic_stage.{setting}"]
        t_cat, n_cat = c(t).fill_null(lit("TX")), c(n).fill_null(lit("NX"))
        inputs = {
            "t_text": t_cat, "n_text": n_cat, "t": t_cat, "n": n_cat,
            "m": c(m).fill_null(lit("MX")), "post_therapy": lit(False), "grade": c("grade"),
            "her2_status": c(F.HER2_STATUS), "er_status": c(F.ER_STATUS),
            "pr_status": c(F.PR_STATUS),
        }  # fmt: skip
        if setting == "pathological":
            # as classify.stage binds it: neoadjuvant therapy recorded, else not stated (null)
            inputs["neoadjuvant"] = (
                pl.when(c(F.SP_SETTING).eq("post_neoadjuvant")).then(lit(True)).otherwise(None)
            )
            inputs["rs"] = c("oncotype_rs")
        steps = rule_tables.chained_steps(
            table, inputs, ["stage", "code"], functools.partial(_prognostic_input, name)
        )
        chained = {e.meta.output_name(): e for step in steps for e in step}
        bound = {**inputs, **{k.rsplit(".", 1)[1]: c(k) for k in chained}}
        fields = _asked(table)
        out = rule_tables.to_polars(table, bound, ["stage", "code"], asks=fields)
        enc = Encoded(f"{name}.missing", tuple(fields))
        last = [out["stage"].alias(stage_col), out["code"].alias(f"{name}.reason"),
                *enc.exprs([out[f"asks:{f}"] for f in fields])]  # fmt: skip
        for i, step in enumerate([*steps, last]):
            if i == len(stages):
                stages.append([])
            stages[i] += step
        encoded.append(enc)
    return stages, encoded


def _prognostic_input(name: str, input_name: str) -> str:
    return f"__{name}.{input_name}"


def _figure_columns() -> list[str]:
    return [f"predict.{fig}.{y}y" for fig in PREDICT_FIGURES for y in REPORT_YEARS]


#: Patients per PREDICT call (15 years x 47 regimens x chunk float64 buffers).
PREDICT_CHUNK = 1000


def predict_columns(frame: pl.DataFrame) -> pl.DataFrame:
    """PREDICT v3.2 figures (percent / percentage points) at 5, 10 and 15 years per row."""
    names = _figure_columns()
    n = frame.height
    values = {name: np.full(n, np.nan) for name in names}
    computed = np.flatnonzero(frame["predict.status"].eq("computed").fill_null(False).to_numpy())
    if computed.size:
        regimens = predict.regimens("v3.2")
        full_idx = np.asarray(
            [regimens.index(r) for r in frame["predict.regimen"].gather(computed).to_list()]
        )
        s_idx = regimens.index("s")
        cols = {
            k: frame[f"__p.{k}"].to_numpy()[computed].astype(np.float64) for k in _PREDICT_INPUTS
        }
        years = np.asarray(REPORT_YEARS) - 1
        for start in range(0, computed.size, PREDICT_CHUNK):
            sl = slice(start, min(start + PREDICT_CHUNK, computed.size))
            inputs = predict.PredictInputs(**{k: v[sl] for k, v in cols.items()})
            res = run_model("v3.2", inputs)
            rows = np.arange(sl.stop - sl.start)
            full = full_idx[sl]
            all_s = res.cum_mort_all[:, s_idx, :][:, years]
            all_f = res.cum_mort_all[rows, full, :][:, years]
            br_f = res.cum_mort_breast[rows, full, :][:, years]
            target = computed[sl]
            for j, y in enumerate(REPORT_YEARS):
                values[f"predict.os_surgery.{y}y"][target] = 100.0 * (1.0 - all_s[:, j])
                values[f"predict.os.{y}y"][target] = 100.0 * (1.0 - all_f[:, j])
                values[f"predict.bc_mortality.{y}y"][target] = 100.0 * br_f[:, j]
                values[f"predict.benefit.{y}y"][target] = 100.0 * (all_s[:, j] - all_f[:, j])
    return frame.with_columns(
        [pl.Series(name, v).fill_nan(None).alias(name) for name, v in values.items()]
    )


# --------------------------------------------------------------------------------------------
# The compiled pipeline
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Compiled:
    stages: Stages  # each a with_columns over the fact table, in order
    encoded: list[Encoded]  # list columns to decode after collection


def needed_facts(kb: KnowledgeBase) -> set[str]:
    """Every fact the option rules and the omission criteria read."""
    names: set[str] = set()
    for r in kb.rules:
        names |= r.facts()
    k = load_rt_omission()
    for crit in k.applicability:
        cond = crit.condition()
        if cond is not None:
            names |= cond.facts()
    for s in k.sets:
        names |= s.condition().facts()
    return names


#: Compiled pipelines by the decision tables they were compiled from (kept with them).
_COMPILED: dict[int, tuple[rule_tables.RuleTables, Compiled]] = {}


def compiled() -> Compiled:
    """The knowledge compiled once per process, and again for the tables of another knowledge
    directory (``rule_tables.knowledge_from``) while it is active."""
    tables = rule_tables.active()
    hit = _COMPILED.get(id(tables))
    if hit is None:
        hit = _COMPILED[id(tables)] = (tables, _compile())
    return hit[1]


def _compile() -> Compiled:
    """Compile the knowledge (refuses unknown facts)."""
    kb = load_kb()
    needed = needed_facts(kb) | load_guards().facts()
    unregistered = sorted(n for n in needed if n not in FACTS)
    if unregistered:
        raise UnsupportedKnowledge(
            "the knowledge base reads facts nobody registers: " + ", ".join(unregistered)
        )
    # The RT-omission columns are computed with the facts (an option rule reads their summary:
    # cohort/facts.py steps); only their encoded list columns are decoded here.
    built = [option_columns(kb), predict_mapping_columns(), prognostic_columns()]
    built += [score_applicability_columns(score) for score in SCORES]
    parts = [stages for stages, _ in built]
    built.append(([], rt_columns()[1]))
    stages: Stages = [
        [_guard_key().alias("__guard_key"), *unprovided_fact_columns(needed - F.provided())]
    ]
    for i in range(max(len(p) for p in parts)):
        stages.append([e for p in parts if i < len(p) for e in p[i]])
    return Compiled(stages=stages, encoded=[e for _, enc in built for e in enc])


def output_columns() -> list[str]:
    """Result columns in order."""
    cols = [ROW, "case_id", *CODES]
    cols += [f"{name}.{part}" for *_, name in PROGNOSTIC for part in ("reason", "missing")]
    for dp in DECISION_POINTS:
        cols += [f"options.{dp}", f"prompts.{dp}"]
    cols += ["rt.applicable", "rt.not_applicable_reason", "rt.summary", "rt.course_summary"]
    for s in load_rt_omission().sets:
        cols += [f"rt.{s.id}.verdict", f"rt.{s.id}.failed", f"rt.{s.id}.missing"]
    cols += ["predict.status", "predict.not_applicable", "predict.missing", "predict.regimen"]
    cols += _figure_columns()
    for score in SCORES:
        cols += [f"{score}.status", f"{score}.not_applicable", f"{score}.missing"]
        cols += list(scores.VALUES[score])
    return cols


def evaluate(valid: pl.LazyFrame) -> pl.LazyFrame:
    """Lazy plan from normalised valid rows to every expression column (PREDICT inputs too)."""
    frame = F.with_facts(valid)
    for stage in compiled().stages:
        frame = frame.with_columns(stage)
    keep: list[pl.Expr] = [c(ROW), c("case_id")]
    keep += [c(src).alias(code) for code, src in CODES.items()]
    comp = compiled()
    skip = set(_figure_columns()) | {e.name for e in comp.encoded}
    keep += [c(n) for n in output_columns()[2 + len(CODES) :] if n not in skip]
    keep += [c(w) for e in comp.encoded for w in e.words]
    keep += [c(f"__p.{k}") for k in _PREDICT_INPUTS]
    return frame.select(keep)


@dataclass(frozen=True)
class BatchResult:
    results: pl.DataFrame
    errors: pl.DataFrame


def run_batch(raw: pl.DataFrame, row_offset: int = 0) -> BatchResult:
    """Results and error rows of one raw batch (rows numbered from ``row_offset``)."""
    valid, errors = prepare(raw, row_offset)
    frame = evaluate(valid.lazy()).collect(engine="in-memory")
    for enc in compiled().encoded:
        frame = enc.decode(frame)
    frame = predict_columns(frame)
    return BatchResult(frame.select(output_columns()), errors)


def empty_results() -> pl.DataFrame:
    """An empty result table with the output schema."""
    return run_batch(pl.DataFrame({"case_id": pl.Series([], dtype=pl.String)})).results


@dataclass(frozen=True)
class RunSummary:
    rows: int
    computed: int
    invalid_rows: int
    errors: int
    out_path: Path
    errors_path: Path


def errors_path_for(out_path: Path) -> Path:
    """``results.parquet`` -> ``results.errors.parquet``."""
    return out_path.with_name(out_path.stem + ".errors.parquet")


def iter_batches(path: Path | str, batch_size: int) -> Iterator[tuple[int, pl.DataFrame]]:
    """(first row, raw batch) over the file, streamed."""
    offset = 0
    for batch in scan(path).collect_batches(chunk_size=batch_size, engine="streaming"):
        if batch.height == 0:
            continue
        yield offset, batch
        offset += batch.height


def run_file(
    path: Path | str,
    out_path: Path | str,
    *,
    batch_size: int = 100_000,
    progress: Callable[[int], None] | None = None,
) -> RunSummary:
    """Stream ``path`` through :func:`run_batch`; write results and errors as Parquet."""
    out = Path(out_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    writer: pq.ParquetWriter | None = None
    errors: list[pl.DataFrame] = []
    rows = computed = 0
    try:
        for offset, raw in iter_batches(path, batch_size):
            res = run_batch(raw, offset)
            table = res.results.to_arrow()
            if writer is None:
                writer = pq.ParquetWriter(out, table.schema)
            writer.write_table(table)
            errors.append(res.errors)
            rows += raw.height
            computed += res.results.height
            if progress is not None:
                progress(raw.height)
        if writer is None:
            empty = empty_results().to_arrow()
            writer = pq.ParquetWriter(out, empty.schema)
            writer.write_table(empty)
    finally:
        if writer is not None:
            writer.close()
    err = pl.concat(errors) if errors else pl.DataFrame(schema=ERROR_SCHEMA)
    err_path = errors_path_for(out)
    err.write_parquet(err_path)
    return RunSummary(
        rows=rows,
        computed=computed,
        invalid_rows=rows - computed,
        errors=err.height,
        out_path=out,
        errors_path=err_path,
    )
