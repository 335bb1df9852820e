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
DESTINY-Breast04 relapse window...) are compiled by :func:`breastcds.knowledge.derived.columns`
from the one definition the per-patient interpreter runs; this module only binds case fields to
columns (:func:`case_field`).

Every fact a knowledge condition can read (:data:`breastcds.knowledge.facts.FACTS`) becomes a
column named by the fact, so :func:`breastcds.knowledge.conditions.to_polars` evaluates option
rules and radiotherapy criteria on the table unchanged. Null means unknown, exactly where the
case-model extractor returns None. Treatment-history facts resolve agents through the drug
catalogue (``knowledge/drugs.yaml``): an agent unknown to the catalogue makes the history
unknown, as in :mod:`breastcds.options.facts_systemic`.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable
from functools import cache
from typing import Any

import polars as pl
from pydantic import BaseModel

import breastcds.options.facts_systemic  # noqa: F401  (registers the history facts)
from breastcds.cohort.schema import COLUMNS, MAX_LINES, NO_SITES
from breastcds.course.history import TAXANE_FAILURE_WINDOW_MONTHS
from breastcds.knowledge import derived
from breastcds.knowledge import rule_tables as tables
from breastcds.knowledge.drugs import catalogue
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


def _none_as_empty(column: str) -> pl.Expr:
    """An enum-list column as the case model holds it ('none' -> [])."""
    s = c(column)
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
# Drug history (breastcds.options.facts_systemic)
# --------------------------------------------------------------------------------------------


@cache
def _drug_tables() -> tuple[dict[str, str], dict[str, str], dict[str, dict[str, object]]]:
    """(lower-case INN/brand -> INN, Chinese name -> INN, INN -> flags) in catalogue order."""
    lower: dict[str, str] = {}
    zh: dict[str, str] = {}
    flags: dict[str, dict[str, object]] = {}
    for d in catalogue().drugs:
        lower.setdefault(d.inn, d.inn)
        for b in d.brands:
            lower.setdefault(b.lower(), d.inn)
        zh.setdefault(d.zh, d.inn)
        flags[d.inn] = {
            "chemotherapy": d.chemotherapy,
            "endocrine": d.endocrine,
            "anti_her2": d.anti_her2,
            "class": d.drug_class,
        }
    return lower, zh, flags


def resolve(agents: pl.Expr) -> pl.Expr:
    """List of agent names -> list of catalogue INNs (null entries for unknown agents)."""
    lower, zh, _ = _drug_tables()
    e = pl.element().str.strip_chars()
    by_lower = e.str.to_lowercase().replace_strict(
        list(lower), list(lower.values()), default=None, return_dtype=pl.String
    )
    by_zh = e.replace_strict(list(zh), list(zh.values()), default=None, return_dtype=pl.String)
    return agents.list.eval(pl.coalesce(by_lower, by_zh))


def _flag_any(inns: pl.Expr, flag: str, value: object = True) -> pl.Expr:
    _, _, flags = _drug_tables()
    keys = [inn for inn, f in flags.items() if f[flag] == value]
    return inns.list.eval(pl.element().is_in(keys)).list.any()


def _classes(inns: pl.Expr) -> pl.Expr:
    """Sorted distinct drug classes of a list of INNs."""
    _, _, flags = _drug_tables()
    keys = list(flags)
    values = [str(f["class"]) for f in flags.values()]
    return (
        inns.list.eval(
            pl.element().replace_strict(keys, values, default=None, return_dtype=pl.String)
        )
        .list.unique()
        .list.sort()
    )


def _unknown(inns: pl.Expr) -> pl.Expr:
    return inns.list.eval(pl.element().is_null()).list.any()


def history_columns() -> list[pl.Expr]:
    """Intermediate per-line columns (resolved agents) used by :func:`history_facts`."""
    out = [
        resolve(c("neoadjuvant_agents").fill_null(pl.lit([], pl.List(pl.String)))).alias(
            "__neo_inns"
        ),
        resolve(c("adjuvant_agents")).alias("__adj_inns"),
        c("adjuvant_agents").alias("__adj_raw"),  # the adjuvant_agents fact replaces the column
    ]
    for k in range(1, MAX_LINES + 1):
        out.append(resolve(c(f"metastatic_line{k}_agents")).alias(f"__l{k}_inns"))
    return out


def history_facts() -> list[pl.Expr]:
    """Treatment-history facts (options/facts_systemic.py) from the resolved agents."""
    lines = range(1, MAX_LINES + 1)
    exists = {k: c(f"metastatic_line{k}_agents").is_not_null() for k in lines}
    inns = {k: c(f"__l{k}_inns") for k in lines}
    n_lines = pl.sum_horizontal([exists[k].cast(pl.Int64) for k in lines])
    later_line = c("decision_point").is_in(["metastatic_line_2", "metastatic_line_3plus"])
    unknown = (n_lines.eq(0) & later_line.fill_null(False)) | pl.any_horizontal(
        [exists[k] & _unknown(inns[k]) for k in lines]
    )

    def count(flag: str, value: object = True, inn_prefix: str | None = None) -> pl.Expr:
        parts = []
        for k in lines:
            if inn_prefix is not None:
                hit = inns[k].list.eval(pl.element().str.starts_with(inn_prefix)).list.any()
            else:
                hit = _flag_any(inns[k], flag, value)
            parts.append((exists[k] & hit.fill_null(False)).cast(pl.Int64))
        return pl.when(unknown).then(None).otherwise(pl.sum_horizontal(parts))

    def any_(flag: str, value: object = True, inn_prefix: str | None = None) -> pl.Expr:
        return count(flag, value, inn_prefix) > 0

    chemo_lines = count("chemotherapy")
    # progression within 6 months on endocrine therapy + CDK4/6 inhibitor
    et_cdk = {
        k: exists[k]
        & _flag_any(inns[k], "endocrine").fill_null(False)
        & _flag_any(inns[k], "class", "cdk46_inhibitor").fill_null(False)
        for k in lines
    }
    outcome = {k: c(f"metastatic_line{k}_outcome") for k in lines}
    months = {k: c(f"metastatic_line{k}_months") for k in lines}
    hit = pl.any_horizontal(
        [et_cdk[k] & outcome[k].eq("progression").fill_null(False)
         & (months[k] <= 6).fill_null(False) for k in lines]
    )  # fmt: skip
    open_ = pl.any_horizontal(
        [et_cdk[k] & (outcome[k].is_null() | months[k].is_null()) for k in lines]
    )
    progression = (
        pl.when(unknown).then(None).when(hit).then(True).when(open_).then(None).otherwise(False)
    )
    # (neo)adjuvant chemotherapy
    neo = c("neoadjuvant").eq(True).fill_null(False)
    neo_inns, adj_inns = c("__neo_inns"), c("__adj_inns")
    adj_done = c("adjuvant_chemotherapy_done")
    early = (
        pl.when(neo & _unknown(neo_inns))
        .then(None)
        .when(neo & _flag_any(neo_inns, "chemotherapy"))
        .then(True)
        .when(adj_done.is_not_null())
        .then(adj_done)
        .when(adj_inns.is_null())
        .then(None)
        .when(_unknown(adj_inns))
        .then(None)
        .otherwise(_flag_any(adj_inns, "chemotherapy"))
    )
    regimens = (
        pl.when(chemo_lines.is_null())
        .then(None)
        .when(c("early_chemotherapy_given").is_null())
        .then(pl.when(chemo_lines >= 2).then(chemo_lines).otherwise(None))
        .otherwise(chemo_lines + c("early_chemotherapy_given").cast(pl.Int64))
        .alias("prior_chemotherapy_regimens")
    )
    all_agents = pl.concat_list(
        [pl.when(exists[k]).then(c(f"metastatic_line{k}_agents")).otherwise(
            pl.lit([], pl.List(pl.String))) for k in lines]
    ).list.unique().list.sort()  # fmt: skip
    return [
        n_lines.alias("metastatic_lines_count"),
        all_agents.alias("metastatic_agents"),
        chemo_lines.alias("metastatic_chemotherapy_lines"),
        any_("chemotherapy").alias("prior_metastatic_chemotherapy"),
        count("endocrine").alias("metastatic_endocrine_lines"),
        progression.alias("progression_on_et_cdk46i_within_6_months"),
        any_("class", "cdk46_inhibitor").alias("prior_metastatic_cdk46i"),
        any_("class", "aromatase_inhibitor").alias("prior_metastatic_aromatase_inhibitor"),
        any_("anti_her2").alias("prior_metastatic_anti_her2"),
        any_("", inn_prefix="trastuzumab").alias("prior_metastatic_trastuzumab"),
        any_("class", "taxane").alias("prior_metastatic_taxane"),
        pl.when(unknown)
        .then(None)
        .otherwise(
            pl.concat_list(
                [
                    pl.when(exists[k])
                    .then(_classes(inns[k]))
                    .otherwise(pl.lit([], pl.List(pl.String)))
                    for k in lines
                ]
            )
            .list.unique()
            .list.sort()
        )
        .alias("metastatic_classes"),
        pl.when(~neo | _unknown(neo_inns))
        .then(None)
        .otherwise(_classes(neo_inns))
        .alias("neoadjuvant_classes"),
        pl.when(adj_inns.is_null() | _unknown(adj_inns))
        .then(None)
        .otherwise(adj_inns.list.unique().list.sort())
        .alias("adjuvant_agents"),
        pl.when(neo)
        .then(c("neoadjuvant_agents").fill_null(pl.lit([], pl.List(pl.String))))
        .otherwise(None)
        .alias("neoadjuvant_agents"),
        early.alias("early_chemotherapy_given"),
        regimens,
    ]


def _inns_or_names(agents: pl.Expr) -> pl.Expr:
    """Agent names -> catalogue INN, else the name in lower case (course/history.py ``_inn``)."""
    lower, zh, _ = _drug_tables()
    e = pl.element().str.strip_chars()
    by_lower = e.str.to_lowercase().replace_strict(
        list(lower), list(lower.values()), default=None, return_dtype=pl.String
    )
    by_zh = e.replace_strict(list(zh), list(zh.values()), default=None, return_dtype=pl.String)
    return agents.list.eval(pl.coalesce(by_lower, by_zh, e.str.to_lowercase()))


_NO_LIST = pl.lit([], pl.List(pl.String))


def course_facts() -> list[pl.Expr]:
    """Course facts (options/facts_systemic.py, course/history.py) from the flat columns.

    The flat schema has no recurrence record, so the relapse windows never apply here: the
    disease progressed on the agents of metastatic lines with outcome progression, and de novo
    metastatic disease is endocrine-sensitive (course/history.py).
    """
    lines = range(1, MAX_LINES + 1)
    exists = {k: c(f"metastatic_line{k}_agents").is_not_null() for k in lines}
    outcome = {k: c(f"metastatic_line{k}_outcome") for k in lines}
    done = []
    for k in lines:
        later = exists[k + 1] if k + 1 in exists else lit(False)
        over = later | outcome[k].is_in(["progression", "toxicity"]).fill_null(False)
        done.append((exists[k] & over).cast(pl.Int64))
    neo = c("neoadjuvant").eq(True).fill_null(False)
    given = [
        pl.when(neo).then(c("neoadjuvant_agents").fill_null(_NO_LIST)).otherwise(_NO_LIST),
        c("__adj_raw").fill_null(_NO_LIST),
        *[pl.when(exists[k]).then(c(f"metastatic_line{k}_agents")).otherwise(_NO_LIST)
          for k in lines],
    ]  # fmt: skip
    progressed = [
        pl.when(exists[k] & outcome[k].eq("progression").fill_null(False))
        .then(c(f"metastatic_line{k}_agents"))
        .otherwise(_NO_LIST)
        for k in lines
    ]
    m = pl.coalesce(c("clinical_m"), c("pathological_m"))
    return [
        pl.sum_horizontal(done).alias("completed_metastatic_lines"),
        _inns_or_names(pl.concat_list(given)).list.unique().list.sort().alias("prior_agents"),
        _inns_or_names(pl.concat_list(progressed)).list.unique().list.sort().alias("progressed_on"),
        # progressed_on is never unknown here (no recurrence record in the flat schema)
        pl.lit(True).alias("progressed_on_recorded"),
        pl.when(m.eq("M1").fill_null(False))
        .then(lit("sensitive"))
        .otherwise(pl.lit(None, dtype=pl.String))
        .alias("endocrine_resistance"),
        _taxane_failure().alias("taxane_failure"),
    ]


def _chemotherapy_within(window: float) -> pl.Expr:
    """course/history.py ``months_after_chemotherapy_within`` on the flat columns: no
    recurrence record (never 'during', no diagnosis bound), so the recorded end decides."""
    neo = c("neoadjuvant").eq(True).fill_null(False)
    given = (
        (neo & _flag_any(c("__neo_inns"), "chemotherapy").fill_null(False))
        | _flag_any(c("__adj_inns"), "chemotherapy").fill_null(False)
        | c("adjuvant_chemotherapy_done").eq(True).fill_null(False)
    )
    return pl.when(given).then(c("months_since_chemotherapy") <= window).otherwise(lit(False))


def _taxane_failure() -> pl.Expr:
    """course/history.py ``taxane_failure`` (CSCO BC 2026 四(三) note 2) on the flat columns:
    a taxane line ended in progression, or a (neo)adjuvant taxane with the end of chemotherapy
    <= 12 months before (no recurrence record: never 'taken when the recurrence was found')."""
    _, _, flags = _drug_tables()
    taxanes = [inn for inn, f in flags.items() if f["class"] == "taxane"]

    def has_taxane(inns: pl.Expr) -> pl.Expr:
        return inns.list.eval(pl.element().is_in(taxanes).fill_null(False)).list.any()

    lines = range(1, MAX_LINES + 1)
    exists = {k: c(f"metastatic_line{k}_agents").is_not_null() for k in lines}
    progression, unknown = [], []
    for k in lines:
        inns, outcome = c(f"__l{k}_inns"), c(f"metastatic_line{k}_outcome")
        taxane = exists[k] & has_taxane(inns).fill_null(False)
        progression.append(taxane & outcome.eq("progression").fill_null(False))
        unknown.append(
            (taxane & outcome.is_null()) | (exists[k] & ~taxane & _unknown(inns).fill_null(False))
        )
    n_lines = pl.sum_horizontal([exists[k].cast(pl.Int64) for k in lines])
    later_line = c("decision_point").is_in(["metastatic_line_2", "metastatic_line_3plus"])
    unknown.append(n_lines.eq(0) & later_line.fill_null(False))
    neo = c("neoadjuvant").eq(True).fill_null(False)
    neo_inns, adj_inns = c("__neo_inns"), c("__adj_inns")
    early_taxane = (neo & has_taxane(neo_inns).fill_null(False)) | has_taxane(adj_inns).fill_null(
        False
    )
    maybe = (
        early_taxane
        | (neo & _unknown(neo_inns).fill_null(False))
        | _unknown(adj_inns).fill_null(False)
        | adj_inns.is_null()
    )
    within = _chemotherapy_within(TAXANE_FAILURE_WINDOW_MONTHS)
    failed = pl.any_horizontal(progression) | (early_taxane & within.fill_null(False))
    open_ = pl.any_horizontal(unknown) | (maybe & within.fill_null(True))
    return (
        pl.when(failed)
        .then(lit(True))
        .when(open_)
        .then(pl.lit(None, dtype=pl.Boolean))
        .otherwise(lit(False))
    )


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
    """The polars type of a case field (a sub-record: its presence, boolean)."""
    model: Any = Case
    listed = False
    kind: Any = None
    for part in path.split("."):
        if part == "*":
            continue
        kind, is_list = _unwrap(model.model_fields[part].annotation)
        listed = listed or is_list
        model = kind
    scalar: pl.DataType
    if kind is bool:
        scalar = pl.Boolean()
    elif kind is int:
        scalar = pl.Int64()
    elif kind is float:
        scalar = pl.Float64()
    elif isinstance(kind, type) and issubclass(kind, BaseModel):
        scalar = pl.Boolean()
    else:  # text, enumerations, literals
        scalar = pl.String()
    return pl.List(scalar) if listed else scalar


_NO_LIST_ = pl.lit([], pl.List(pl.String))

#: Case fields the flat table fills otherwise than from the one column naming them
#: (as :func:`breastcds.cohort.schema.row_to_case_dict` builds the case).
_BOUND: dict[str, Callable[[], pl.Expr]] = {
    "tumour.metastatic_sites": lambda: _sites(),
    "patient.declines": lambda: _none_as_empty("declines"),
    "treatment.neoadjuvant": lambda: pl.when(c("neoadjuvant").eq(True)).then(True),
    "treatment.neoadjuvant.agents": lambda: pl.when(c("neoadjuvant").eq(True)).then(
        c("neoadjuvant_agents").fill_null(_NO_LIST_)
    ),
    "treatment.radiotherapy_courses.*.region": lambda: (
        pl.when(c("prior_breast_radiotherapy").eq(True))
        .then(pl.lit(["whole_breast"], pl.List(pl.String)))
        .otherwise(_NO_LIST_)
    ),
}
#: Case field -> the column holding it (``prior_breast_radiotherapy`` stands for a course record,
#: not a field: its region is bound above).
_OWN_COLUMN = {col.case_field: col.name for col in COLUMNS
               if col.case_field != "treatment.radiotherapy_courses"}  # fmt: skip


def case_field(path: str) -> pl.Expr:
    """A case field as a column expression of the normalised table (null: not recorded; a
    field the flat table does not hold is null throughout, typed as the case model types it)."""
    bound = _BOUND.get(path)
    if bound is not None:
        return bound()
    name = _OWN_COLUMN.get(path)
    if name is not None:
        return c(name)
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
        *history_columns(),
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
        *[e for e in history_facts() if e.meta.output_name() != "prior_chemotherapy_regimens"],
    ]
    step4 = [
        _pending_null(SUBTYPE, "pending").alias("subtype"),
        *[e for e in history_facts() if e.meta.output_name() == "prior_chemotherapy_regimens"],
        *course_facts(),
        *derived.columns(case_field, c),
    ]
    from breastcds.cohort.engine import rt_columns

    rt_stages, _ = rt_columns()
    supported = c("__rt.course_summary").eq("discuss").alias("rt_omission_supported")
    return [step1, step2, step3, step4, [inferred_decision_point()], *rt_stages, [supported]]


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
