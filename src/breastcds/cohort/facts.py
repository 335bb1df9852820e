"""The case facts of a cohort table as polars expressions.

The HER2 ISH group, status and category, ER/PR status, Ki-67 group and surrogate subtype are
the decision tables of ``knowledge/classification/`` compiled to polars by
:func:`breastcds.knowledge.rule_tables.to_polars` - the same tables :mod:`breastcds.classify`
runs per patient; this module only binds their inputs to columns. So are T, N, M (recorded or
derived, contradictions, M from the sites), their main groups and the AJCC anatomic stage group
(the first matching row of ``knowledge/ajcc8_anatomic_stage.yaml``), as
:mod:`breastcds.classify.stage` runs them. The equality property test
(tests/cohort/test_equality.py) compares every output with :func:`breastcds.assess` row by row.

The derived facts of ``knowledge/derived_facts.yaml`` (course facts, CPS+EG, the
DESTINY-Breast04 relapse window...) are compiled by :func:`breastcds.knowledge.derived.column_steps`
from the one definition the per-patient interpreter runs; this module only binds case fields to
columns (:func:`case_field`).

Every fact a knowledge condition can read (:data:`breastcds.knowledge.facts.FACTS`) becomes a
column named by the fact, so :func:`breastcds.knowledge.conditions.to_polars` evaluates option
rules and radiotherapy criteria on the table unchanged. Null means unknown, exactly where the
case-model extractor returns None. The treatment-history facts (metastatic lines, agents read
through the drug catalogue, relapse windows) are derived facts too: the metastatic lines are
bound as a list of records (:func:`_metastatic_lines`).
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable
from typing import Any

import polars as pl
from pydantic import BaseModel

from breastcds.cohort.schema import COLUMNS, MAX_LINES, NO_SITES
from breastcds.knowledge import derived
from breastcds.knowledge import rule_tables as tables
from breastcds.knowledge.facts import FACTS
from breastcds.model.case import Case

c = pl.col
lit = pl.lit

#: Internal classification columns (codes as in :func:`breastcds.entrypoint.codes`).
HER2_STATUS = "c.her2.status"
HER2_CATEGORY = "c.her2.category"
HER2_ISH_GROUP = "c.her2.ish_group"
HER2_MISSING = "c.her2.missing"  # the field a pending HER2 asks for (prompt refinement)
ER_STATUS = "c.er.status"
PR_STATUS = "c.pr.status"
KI67_GROUP = "c.ki67.group"
SUBTYPE = "c.subtype"
SP_SETTING, SP_T, SP_N, SP_M, SP_STAGE = ("c.sp.setting", "c.sp.t", "c.sp.n", "c.sp.m",
                                          "c.sp.anatomic")  # fmt: skip
SC_T, SC_N, SC_M, SC_STAGE = "c.sc.t", "c.sc.n", "c.sc.m", "c.sc.anatomic"


# --------------------------------------------------------------------------------------------
# HER2, receptors, Ki-67, subtype (breastcds.classify.her2 / receptors / ki67 / subtype)
# --------------------------------------------------------------------------------------------


def ish_group(ratio: pl.Expr, copies: pl.Expr) -> pl.Expr:
    """ASCO/CAP dual-probe group 1-5 (null without a count): the her2_ish_group table."""
    table = tables.active()["her2_ish_group"]
    return tables.to_polars(table, {"ratio": ratio, "copies": copies})["group"]


def her2_columns() -> list[pl.Expr]:
    """HER2 status, category, reported ISH group and the field a pending result asks for:
    the her2 table compiled over the step-1 ISH group columns."""
    table = tables.active()["her2"]
    inputs = {
        "ihc": c("her2_ihc"), "staining": c("her2_ihc0_staining"),
        "ish_group": c("__ish_group"), "ish_ratio": c("her2_ish_ratio"),
        "ish_copies": c("her2_ish_copies"), "recount_group": c("__ish_group_recount"),
        "recount_ratio": c("her2_ish_recount_ratio"),
        "recount_copies": c("her2_ish_recount_copies"),
        "single_probe": c("her2_single_probe_copies"),
    }  # fmt: skip
    out = tables.to_polars(table, inputs, missing=True)
    return [
        out["status"].alias(HER2_STATUS),
        out["category"].alias(HER2_CATEGORY),
        out["missing"].alias(HER2_MISSING),
        pl.when(out["ish_group_reported"])
        .then(c("__ish_group"))
        .otherwise(None)
        .alias(HER2_ISH_GROUP),
    ]


def receptor_status(percent: pl.Expr, *, er: bool) -> pl.Expr:
    """ER/PR status (ASCO/CAP 2020): the receptor_status table."""
    table = tables.active()["receptor_status"]
    receptor = lit("ER" if er else "PR")
    return tables.to_polars(table, {"receptor": receptor, "percent": percent})["status"]


def ki67_group(percent: pl.Expr) -> pl.Expr:
    """Ki-67 group (IKWG 2021): the ki67_group table."""
    return tables.to_polars(tables.active()["ki67_group"], {"percent": percent})["group"]


def subtype() -> pl.Expr:
    """St Gallen 2013 surrogate subtype: the subtype table over the status columns."""
    inputs = {
        "er_status": c(ER_STATUS), "pr_status": c(PR_STATUS), "her2_status": c(HER2_STATUS),
        "pr_percent": c("pr_percent"), "ki67_percent": c("ki67_percent"),
        "oncotype_rs": c("oncotype_rs"), "mammaprint": c("mammaprint"),
        "prosigna_risk": c("prosigna_risk"),
    }  # fmt: skip
    return tables.to_polars(tables.active()["subtype"], inputs)["subtype"]


# --------------------------------------------------------------------------------------------
# Staging (breastcds.classify.stage)
# --------------------------------------------------------------------------------------------


def _table(table_id: str, inputs: dict[str, pl.Expr], output: str) -> pl.Expr:
    """One output of a decision table of knowledge/classification/ compiled over columns."""
    return tables.to_polars(tables.active()[table_id], inputs, [output])[output]


def t_main(t: pl.Expr) -> pl.Expr:
    """Main T category as rules read it (T1mi apart): the t_group table."""
    return _table("t_group", {"t": t}, "main")


def n_group(n: pl.Expr) -> pl.Expr:
    """Main N group: the n_group table."""
    return _table("n_group", {"n": n}, "group")


def _none_as_empty(column: str, raw: bool = False) -> pl.Expr:
    """An enum-list column as the case model holds it ('none' -> [])."""
    s = _raw(column) if raw else c(column)
    return pl.when(s.list.contains(NO_SITES)).then(pl.lit([], pl.List(pl.String))).otherwise(s)


def _sites() -> pl.Expr:
    """metastatic_sites as the case model holds them ('none' -> [])."""
    return _none_as_empty("metastatic_sites")


def stage_columns(neo: pl.Expr) -> list[pl.Expr]:
    """T, N and M of the pathological and clinical settings: the tables of
    knowledge/classification/staging_settings.yaml bound to the columns as
    :mod:`breastcds.classify.stage` binds them to the case. The cohort reads the category
    only, so the pathological variant serves the post-neoadjuvant rows too (the variants
    differ only in the fields their prompts name)."""
    site_count = _sites().list.len()
    pathological_t = {
        "recorded": pl.when(neo).then(c("ypt")).otherwise(c("pathological_t")),
        "size": c("size_mm"), "dcis_only": c("dcis_only"),
    }  # fmt: skip
    pathological_n = {
        "recorded": pl.when(neo).then(c("ypn")).otherwise(c("pathological_n")),
        "nodes": c("nodes_positive"), "micro_only": c("nodes_micrometastases_only"),
        "examined": c("nodes_examined"),
    }  # fmt: skip
    pathological_m = {"pathological_m": c("pathological_m"), "clinical_m": c("clinical_m"),
                      "site_count": site_count}  # fmt: skip
    clinical_t = {"recorded": c("clinical_t"), "size": c("clinical_size_mm")}
    clinical_m = {"clinical_m": c("clinical_m"), "site_count": site_count}
    return [
        pl.when(neo).then(lit("post_neoadjuvant")).otherwise(lit("pathological")).alias(SP_SETTING),
        _table("t_category.pathological", pathological_t, "category").alias(SP_T),
        _table("n_category.pathological", pathological_n, "category").alias(SP_N),
        _table("m_category", pathological_m, "m").alias(SP_M),
        _table("t_category.clinical", clinical_t, "category").alias(SC_T),
        _table("cn_category", {"recorded": c("clinical_n")}, "category").alias(SC_N),
        _table("m_category", clinical_m, "m").alias(SC_M),
    ]


def anatomic_stage(t: pl.Expr, n: pl.Expr, m: pl.Expr) -> pl.Expr:
    """AJCC 8 anatomic stage group: the anatomic_stage table (first matching row of
    knowledge/ajcc8_anatomic_stage.yaml)."""
    return _table("anatomic_stage", {"recorded": t, "n": n, "m": m}, "stage")


# --------------------------------------------------------------------------------------------
# Case fields as columns (the derived facts of knowledge/derived_facts.yaml read them)
# --------------------------------------------------------------------------------------------


def _unwrap(annotation: Any) -> tuple[Any, bool]:
    """(the type a field holds, whether it is a list of it), Optional and Annotated removed."""
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _unwrap(args[0])
    if origin in (typing.Union, types.UnionType):
        return _unwrap(args[0])
    if origin is list:
        inner, _ = _unwrap(args[0])
        return inner, True
    return annotation, False


def _dtype_of(path: str) -> pl.DataType:
    """The polars type of a case field (a sub-record: its presence, boolean; a list of records:
    a list of structs of their fields)."""
    model: Any = Case
    listed = False
    kind: Any = None
    for part in path.split("."):
        if part == "*":
            continue
        kind, is_list = _unwrap(model.model_fields[part].annotation)
        listed = listed or is_list
        model = kind
    scalar = _scalar_dtype(kind, record_as_struct=listed)
    return pl.List(scalar) if listed else scalar


def _scalar_dtype(kind: Any, *, record_as_struct: bool) -> pl.DataType:
    if kind is bool:
        return pl.Boolean()
    if kind is int:
        return pl.Int64()
    if kind is float:
        return pl.Float64()
    if isinstance(kind, type) and issubclass(kind, BaseModel):
        if not record_as_struct:
            return pl.Boolean()
        fields = {}
        for name, info in kind.model_fields.items():
            inner, is_list = _unwrap(info.annotation)
            dt = _scalar_dtype(inner, record_as_struct=True)
            fields[name] = pl.List(dt) if is_list else dt
        return pl.Struct(fields)
    return pl.String()  # text, enumerations, literals


_NO_LIST = pl.lit([], pl.List(pl.String))


def _metastatic_lines() -> pl.Expr:
    """The metastatic lines as the case model holds them: a list of records (agents, outcome,
    months), line k present when its agents and every earlier line's are given (as
    :func:`breastcds.cohort.schema.row_to_case_dict` builds the case). Built as a fixed-size
    array cut to the lines present (``concat_list`` of structs is ~100x slower)."""
    present: pl.Expr = lit(True)
    count, records = [], []
    for k in range(1, MAX_LINES + 1):
        agents = c(f"metastatic_line{k}_agents")
        present = present & agents.is_not_null()
        count.append(present.cast(pl.Int64))
        records.append(
            pl.struct(
                agents=agents,
                outcome=c(f"metastatic_line{k}_outcome").cast(pl.String),
                months=c(f"metastatic_line{k}_months").cast(pl.Float64),
            )
        )
    return pl.concat_arr(records).arr.to_list().list.head(pl.sum_horizontal(count))


def _raw(column: str) -> pl.Expr:
    """A column of the table as read, also after a fact of the same name replaced it (a copy
    made in the first step, :func:`raw_copies`)."""
    return c(f"__raw.{column}") if column in FACTS else c(column)


def raw_copies() -> list[pl.Expr]:
    """Copies of the columns a fact of the same name replaces (``adjuvant_agents``: the INNs),
    so the derived facts read the case field as recorded."""
    return [c(col.name).alias(f"__raw.{col.name}") for col in COLUMNS if col.name in FACTS]


#: Case fields the flat table fills otherwise than from the one column naming them
#: (as :func:`breastcds.cohort.schema.row_to_case_dict` builds the case).
_BOUND: dict[str, Callable[[], pl.Expr]] = {
    "tumour.metastatic_sites": lambda: _none_as_empty("metastatic_sites", raw=True),
    "treatment.metastatic_lines": _metastatic_lines,
    "patient.declines": lambda: _none_as_empty("declines", raw=True),
    "treatment.neoadjuvant": lambda: pl.when(c("neoadjuvant").eq(True)).then(True),
    "treatment.neoadjuvant.agents": lambda: pl.when(c("neoadjuvant").eq(True)).then(
        _raw("neoadjuvant_agents").fill_null(_NO_LIST)
    ),
    "treatment.radiotherapy_courses.*.region": lambda: pl.concat_list(
        pl.when(c("prior_breast_radiotherapy").eq(True))
        .then(pl.lit(["whole_breast"], pl.List(pl.String)))
        .otherwise(_NO_LIST),
        c("prior_radiotherapy_regions").fill_null(_NO_LIST),
    ),
    "treatment.endocrine": lambda: pl.when(c("endocrine_agents").is_not_null()).then(True),
    "treatment.endocrine.agents": lambda: _none_as_empty("endocrine_agents"),
    "treatment.recurrence": lambda: pl.when(c("recurrence_site").is_not_null()).then(True),
    "treatment.recurrence.on_therapy": lambda: _none_as_empty("recurrence_on_therapy"),
}
#: Case field -> the column holding it (``prior_breast_radiotherapy`` stands for a course record,
#: not a field: its region is bound above).
_OWN_COLUMN = {col.case_field: col.name for col in COLUMNS
               if col.case_field != "treatment.radiotherapy_courses"}  # fmt: skip
#: List columns where ``none`` alone is the case model's [] (recorded, none given).
_NONE_IS_EMPTY = frozenset(col.name for col in COLUMNS if col.none_is_empty)


def _bound_column(path: str) -> str:
    return f"__case.{path}"


def bound_fields() -> list[pl.Expr]:
    """The case fields the flat table fills otherwise than from one column, each computed once
    as a column (``__case.<path>``) that every derived fact reading it shares: the metastatic
    lines' list of records is built once per batch, not once per fact."""
    return [bound().alias(_bound_column(path)) for path, bound in _BOUND.items()]


def case_field(path: str) -> pl.Expr:
    """A case field as a column expression of the normalised table (null: not recorded; a
    field the flat table does not hold is null throughout, typed as the case model types it);
    the fields of :func:`bound_fields` are read from their columns."""
    if path in _BOUND:
        return c(_bound_column(path))
    name = _OWN_COLUMN.get(path)
    if name is not None:
        return _none_as_empty(name, raw=True) if name in _NONE_IS_EMPTY else _raw(name)
    return pl.lit(None, dtype=_dtype_of(path))


def inferred_decision_point() -> pl.Expr:
    """The decision point: the row's, else the precedence table (course/inference.py)."""
    from breastcds.course.inference import to_polars as precedence

    return pl.coalesce(c("__recorded_decision_point"), precedence()).alias("decision_point")


# --------------------------------------------------------------------------------------------
# All facts
# --------------------------------------------------------------------------------------------

#: Facts that are a cohort column unchanged (fact name -> column).
PASSTHROUGH: dict[str, str] = {
    "age": "age_years", "sex": "sex", "menopausal_status": "menopausal_status", "ecog": "ecog",
    "size_mm": "size_mm", "grade": "grade", "lvi": "lvi", "margin_mm": "margin_mm",
    "nodes_positive": "nodes_positive",
    "nodes_micrometastases_only": "nodes_micrometastases_only", "histology": "histology",
    "focality": "focality", "dcis_only": "dcis_only", "visceral_crisis": "visceral_crisis",
    "er_percent": "er_percent", "pr_percent": "pr_percent", "ki67_percent": "ki67_percent",
    "oncotype_rs": "oncotype_rs", "mammaprint": "mammaprint", "prosigna_ror": "prosigna_ror",
    "germline_brca": "germline_brca", "pdl1_cps": "pdl1_cps", "pik3ca": "pik3ca",
    "esr1": "esr1", "akt1": "akt1", "pten": "pten",
    "__recorded_decision_point": "decision_point",
    "surgery_type": "surgery_type", "neoadjuvant_response": "neoadjuvant_response",
    "adjuvant_chemotherapy_done": "adjuvant_chemotherapy_done",
    "endocrine_therapy_planned": "endocrine_therapy_planned",
    "months_since_trastuzumab": "months_since_trastuzumab",
    "clinical_size_mm": "clinical_size_mm",
}  # fmt: skip


def _pending_null(col: str, pending: str) -> pl.Expr:
    return pl.when(c(col).eq(pending)).then(None).otherwise(c(col))


def steps() -> list[list[pl.Expr]]:
    """Column steps (each a ``with_columns``) from the normalised table to every fact."""
    neo = c("neoadjuvant").eq(True).fill_null(False)
    sites = _sites()
    step1 = [
        ish_group(c("her2_ish_ratio"), c("her2_ish_copies")).alias("__ish_group"),
        ish_group(c("her2_ish_recount_ratio"), c("her2_ish_recount_copies")).alias(
            "__ish_group_recount"
        ),
        receptor_status(c("er_percent"), er=True).alias(ER_STATUS),
        receptor_status(c("pr_percent"), er=False).alias(PR_STATUS),
        ki67_group(c("ki67_percent")).alias(KI67_GROUP),
        *stage_columns(neo),
        *raw_copies(),
    ]
    step2 = [
        *her2_columns(),
        anatomic_stage(c(SP_T), c(SP_N), c(SP_M)).alias(SP_STAGE),
        anatomic_stage(c(SC_T), c(SC_N), c(SC_M)).alias(SC_STAGE),
    ]
    any_t = pl.coalesce(c(SP_T), c(SC_T))
    m = pl.coalesce(c(SP_M), c(SC_M))
    step3 = [
        subtype().alias(SUBTYPE),
        *[c(col).alias(fact) for fact, col in PASSTHROUGH.items()],
        t_main(c(SP_T)).alias("t"),
        n_group(c(SP_N)).alias("n"),
        t_main(c(SC_T)).alias("clinical_t"),
        n_group(c(SC_N)).alias("clinical_n"),
        t_main(any_t).alias("any_t"),
        m.alias("m"),
        m.eq("M1").alias("metastatic"),
        c(SP_STAGE).alias("stage_anatomic"),
        c(SC_STAGE).alias("clinical_stage_anatomic"),
        sites.alias("metastatic_sites"),
        pl.when(sites.is_null())
        .then(None)
        .otherwise(sites.list.eval(pl.element().is_in(["brain", "leptomeninges"])).list.any())
        .alias("brain_metastases"),
        _pending_null(ER_STATUS, "not_recorded").alias("er.status"),
        _pending_null(PR_STATUS, "not_recorded").alias("pr.status"),
        _pending_null(HER2_STATUS, "pending").alias("her2.status"),
        _pending_null(HER2_CATEGORY, "pending").alias("her2.category"),
        c(SC_T).alias("clinical_t_category"),
    ]
    step4 = [
        _pending_null(SUBTYPE, "pending").alias("subtype"),
    ]
    from breastcds.cohort.engine import rt_columns

    rt_stages, _ = rt_columns()
    supported = c("rt.course_summary").eq("discuss").alias("rt_omission_supported")
    derived_steps = derived.column_steps(case_field, c)
    return [step1, step2, step3, [*step4, *bound_fields()], *derived_steps,
            [inferred_decision_point()], *rt_stages, [supported]]  # fmt: skip


def provided() -> set[str]:
    """Names of the facts the cohort table provides as columns."""
    names: set[str] = set()
    for step in steps():
        for e in step:
            names.add(e.meta.output_name())
    return {n for n in names if n in FACTS}


def with_facts(frame: pl.LazyFrame) -> pl.LazyFrame:
    """The normalised table with every classification column and fact column added."""
    for step in steps():
        frame = frame.with_columns(step)
    return frame
