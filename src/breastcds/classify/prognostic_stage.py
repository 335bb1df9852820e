"""AJCC 8th edition breast: clinical and pathological prognostic stage groups.

Source: AJCC Cancer Staging Manual, 8th ed. (Amin et al., 2017), chapter 48 Breast, revised chapter
of 25 January 2018 - the Clinical and the Pathological Prognostic Stage Group tables. The cells
are data in ``knowledge/ajcc8_prognostic_stage.yaml`` (rows, footnotes, the sources each row was
checked against and the discrepancies resolved); this module validates that file when it is first
loaded - including that every M0 combination of T group x N group x grade x HER2 x ER x PR appears
exactly once per table. How the tables were verified: docs/staging.md.

The rules around the cells - y prefixes and neoadjuvant therapy, M1, TX/NX/MX, Tis and T0 N0,
missing grade or biomarkers, the Oncotype DX recurrence score note - and the cell lookup itself
are the decision tables of ``knowledge/classification/prognostic_stage.yaml``
(``prognostic_stage.clinical`` / ``.pathological``), run here with
:func:`breastcds.knowledge.rule_tables.decide` and compiled for cohorts by
:mod:`breastcds.cohort.facts`. This module only parses the AJCC notation (prefix, modifiers,
spelling), binds the inputs and shapes the result.

The functions are pure: they never guess. When grade, ER, PR or HER2 is missing the result is
``not_assignable`` and names the missing inputs (AJCC directs use of the anatomic stage group where
biomarkers cannot be obtained - :mod:`breastcds.classify.stage`). The pathological table applies
only when surgery was the first treatment; post-neoadjuvant (yp) categories are not staged with it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Literal, cast

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from breastcds.knowledge.loader import KnowledgeError, load_yaml
from breastcds.knowledge.rule_tables import Table, active, decide
from breastcds.model.validated_cache import packaged

KNOWLEDGE_FILE = "ajcc8_prognostic_stage.yaml"

TableName = Literal["clinical", "pathological"]
StageGroup = Literal["0", "IA", "IB", "IIA", "IIB", "IIIA", "IIIB", "IIIC", "IV"]
TGroupSpec = Literal["Tis", "T0", "T1", "T2", "T3", "T4", "T0-T1", "T0-T2", "any"]
NGroupSpec = Literal["N0", "N1mi", "N1", "N2", "N3", "N1-N2", "N0-N2", "any"]
GradeSpec = Literal[1, 2, 3, "any"]
StatusSpec = Literal["positive", "negative", "any"]
Status = Literal["positive", "negative"]

#: T and N groups of the prognostic tables (Tis is defined only with N0).
T_GROUPS: tuple[str, ...] = ("T0", "T1", "T2", "T3", "T4")
N_GROUPS: tuple[str, ...] = ("N0", "N1mi", "N1", "N2", "N3")
GRADES: tuple[int, ...] = (1, 2, 3)
STATUSES: tuple[Status, ...] = ("positive", "negative")

#: The (T group, N group) pairs the tables define for M0: Tis N0 plus every T0-T4 x N0-N3 pair
#: except T0 N0 (no evidence of cancer) and T2-T4 N1mi (staged as N1, footnote n1mi_t2_t4).
TABLE_TN: frozenset[tuple[str, str]] = frozenset(
    {("Tis", "N0")}
    | {
        (t, n)
        for t in T_GROUPS
        for n in N_GROUPS
        if (t, n) != ("T0", "N0") and not (n == "N1mi" and t in ("T2", "T3", "T4"))
    }
)

_T_EXPAND: dict[str, tuple[str, ...]] = {
    "T0-T1": ("T0", "T1"),
    "T0-T2": ("T0", "T1", "T2"),
    "any": T_GROUPS,
}
_N_EXPAND: dict[str, tuple[str, ...]] = {
    "N1-N2": ("N1", "N2"),
    "N0-N2": ("N0", "N1", "N2"),
    "any": N_GROUPS,
}

Cell = tuple[str, str, int, str, str, str]  # (T group, N group, grade, HER2, ER, PR)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class SourceRef(_Strict):
    """A source the rows were checked against (key used in each row's ``checked``)."""

    key: str
    citation: str
    kind: str
    coverage: str


class Footnote(_Strict):
    """A note of the AJCC table that decides edge cases."""

    id: str
    applies_to: tuple[TableName, ...] = Field(min_length=1)
    wording: Literal["verbatim", "paraphrase"]
    text: str
    basis: str


class Discrepancy(_Strict):
    """A cell where a checked source disagrees with the table value, and how it was resolved."""

    source: str
    cells: str
    source_value: str
    table_value: str
    resolution: str


def _sign(status: str) -> str:
    return "+" if status == "positive" else "-"


class PrognosticRow(_Strict):
    """One row of a prognostic stage table (T/N groups may be ranges; see the YAML header)."""

    t_group: TGroupSpec
    n_group: NGroupSpec
    m: Literal["M0", "M1"]
    grade: GradeSpec
    her2: StatusSpec
    er: StatusSpec
    pr: StatusSpec
    stage: StageGroup
    checked: tuple[str, ...] = Field(min_length=1)

    @property
    def is_wildcard(self) -> bool:
        return "any" in (self.grade, self.her2, self.er, self.pr)

    def cells(self) -> list[Cell]:
        """Every (T, N, grade, HER2, ER, PR) cell of an M0 row."""
        ts = _T_EXPAND.get(self.t_group, (self.t_group,))
        ns = _N_EXPAND.get(self.n_group, (self.n_group,))
        grades = GRADES if self.grade == "any" else (self.grade,)
        her2s = STATUSES if self.her2 == "any" else (self.her2,)
        ers = STATUSES if self.er == "any" else (self.er,)
        prs = STATUSES if self.pr == "any" else (self.pr,)
        return [
            (t, n, g, h, e, p)
            for t in ts
            for n in ns
            for g in grades
            for h in her2s
            for e in ers
            for p in prs
        ]

    def row_id(self, table: TableName) -> str:
        """Stable id, e.g. ``pathological:T0-T1/N1/M0/G2/HER2-/ER+/PR+``."""
        base = f"{table}:{self.t_group}/{self.n_group}/{self.m}"
        if self.is_wildcard:
            return base
        return f"{base}/G{self.grade}/HER2{_sign(self.her2)}/ER{_sign(self.er)}/PR{_sign(self.pr)}"


def _describe(cells: Sequence[Cell]) -> str:
    shown = ", ".join(
        f"{t} {n} G{g} HER2{_sign(h)} ER{_sign(e)} PR{_sign(p)}" for t, n, g, h, e, p in cells[:5]
    )
    more = f" (+{len(cells) - 5} more)" if len(cells) > 5 else ""
    return shown + more


class PrognosticTable(_Strict):
    name: str
    published_as: str
    applies_to: str
    footnotes: tuple[str, ...]
    discrepancies: tuple[Discrepancy, ...] = ()
    rows: tuple[PrognosticRow, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _complete(self) -> PrognosticTable:
        m1 = [r for r in self.rows if r.m == "M1"]
        if len(m1) != 1:
            raise ValueError(f"{self.name}: expected exactly one M1 row, found {len(m1)}")
        r = m1[0]
        if (r.t_group, r.n_group) != ("any", "any") or not all(
            v == "any" for v in (r.grade, r.her2, r.er, r.pr)
        ):
            raise ValueError(f"{self.name}: the M1 row must be any T, any N, any biomarkers")
        seen: dict[Cell, int] = {}
        outside: list[Cell] = []
        for row in self.rows:
            if row.m != "M0":
                continue
            if row.is_wildcard and row.t_group != "Tis":
                raise ValueError(
                    f"{self.name}: only the Tis N0 M0 row may leave grade/HER2/ER/PR as 'any' "
                    f"({row.row_id('clinical').split(':', 1)[1]})"
                )
            for cell in row.cells():
                if (cell[0], cell[1]) not in TABLE_TN:
                    outside.append(cell)
                seen[cell] = seen.get(cell, 0) + 1
        expected: list[Cell] = [
            (t, n, g, h, e, p)
            for (t, n) in sorted(TABLE_TN)
            for g in GRADES
            for h in STATUSES
            for e in STATUSES
            for p in STATUSES
        ]
        missing = [c for c in expected if c not in seen]
        duplicated = [c for c, k in seen.items() if k > 1]
        problems = []
        if missing:
            problems.append(f"{len(missing)} cell(s) missing: {_describe(missing)}")
        if duplicated:
            problems.append(
                f"{len(duplicated)} cell(s) in more than one row: {_describe(duplicated)}"
            )
        if outside:
            problems.append(f"{len(outside)} cell(s) outside the table: {_describe(outside)}")
        if problems:
            raise ValueError(f"{self.name} is incomplete or ambiguous: " + "; ".join(problems))
        return self


class PrognosticKnowledge(_Strict):
    """Schema of knowledge/ajcc8_prognostic_stage.yaml."""

    table: str
    version: str
    source: str
    verified_on: str
    rights_note: str
    sources: tuple[SourceRef, ...] = Field(min_length=1)
    footnotes: tuple[Footnote, ...]
    parameters: dict[str, float] = Field(
        description="numbers the rules of classification/prognostic_stage.yaml read"
    )
    tables: dict[TableName, PrognosticTable]

    @model_validator(mode="after")
    def _references(self) -> PrognosticKnowledge:
        if set(self.tables) != {"clinical", "pathological"}:
            raise ValueError("tables must define exactly 'clinical' and 'pathological'")
        source_keys = [s.key for s in self.sources]
        footnote_ids = [f.id for f in self.footnotes]
        for label, ids in (("source key", source_keys), ("footnote id", footnote_ids)):
            dupes = sorted({i for i in ids if ids.count(i) > 1})
            if dupes:
                raise ValueError(f"duplicate {label}(s): {dupes}")
        for name, tab in self.tables.items():
            unknown_fn = [f for f in tab.footnotes if f not in footnote_ids]
            if unknown_fn:
                raise ValueError(f"{name}: unknown footnote id(s) {unknown_fn}")
            unknown_src = sorted(
                {k for row in tab.rows for k in row.checked if k not in source_keys}
                | {d.source for d in tab.discrepancies if d.source not in source_keys}
            )
            if unknown_src:
                raise ValueError(f"{name}: unknown source key(s) {unknown_src}")
        return self


@packaged("classify.prognostic_stage")
def prognostic_tables() -> PrognosticKnowledge:
    """Validated ajcc8_prognostic_stage.yaml (raises KnowledgeError if it does not validate)."""
    try:
        return PrognosticKnowledge.model_validate(load_yaml(KNOWLEDGE_FILE))
    except ValidationError as exc:
        raise KnowledgeError(
            f"knowledge file {KNOWLEDGE_FILE!r} does not match its schema: {exc}"
        ) from exc


class PrognosticStage(_Strict):
    """Result of a prognostic stage lookup (frozen)."""

    table: TableName
    stage: StageGroup | None
    status: Literal["assigned", "not_assignable"]
    reasons: tuple[str, ...]
    missing: tuple[str, ...] = Field(
        description="inputs that must be supplied before a stage can be assigned"
    )
    footnotes: tuple[str, ...] = Field(description="ids of the table footnotes that were applied")
    source: str
    row_id: str | None
    code: str | None = Field(
        None, description="the table row that decided (e.g. table_row, biomarkers_missing, m1)"
    )
    prompts: tuple[tuple[str, str], ...] = Field(
        (), description="(case field, reason) of each missing input, as the table words them"
    )


# ---- parsing the AJCC notation ---------------------------------------------------------------

_PREFIX = re.compile(r"^(yc|yp|c|p)?([TNM].*)$")
_MODIFIERS = re.compile(r"\((?:sn|f|m)\)$")


def _split(value: str, axis: Literal["T", "N", "M"]) -> tuple[str, str]:
    """(prefix, category) with the y/c/p prefix and the (sn)/(f)/(m) modifiers removed."""
    text = value.strip()
    match = _PREFIX.match(text)
    if match is None or not match.group(2).startswith(axis):
        raise ValueError(f"{value!r} is not an AJCC {axis} category")
    core = match.group(2)
    while _MODIFIERS.search(core):
        core = _MODIFIERS.sub("", core)
    return match.group(1) or "", core


def _spelling(core: str, table: Table, name: str, value: str, axis: str) -> str:
    """The category as the table's input lists it (case-insensitive); ValueError otherwise."""
    values = table.input(name).values or ()
    if core in values:
        return core
    for known in values:
        if core.casefold() == known.casefold():
            return known
    raise ValueError(f"{value!r} is not an AJCC 8th edition breast {axis} category")


def table_groups(t: str, n: str) -> tuple[str, str, tuple[str, ...]]:
    """Map AJCC T and N categories to the prognostic tables' groups.

    Returns ``(t_group, n_group, footnote ids applied)``: the ``t_group``, ``prognostic_t_note``
    and ``prognostic_n_group`` tables (T1mi/T1a-c -> T1, T4a-d -> T4; N0(i+)/N0(mol+) -> N0;
    N1a-c -> N1; N1mi stays N1mi with T0 or T1 but is staged as N1 with T2-T4). TX and NX are
    returned as such. A c/p/y prefix and the (sn), (f), (m) modifiers are ignored. Raises
    ValueError for anything else.
    """
    tables = active()
    groups = tables["prognostic_n_group"]
    t_cat = _spelling(_split(t, "T")[1], groups, "t", t, "T")
    n_cat = _spelling(_split(n, "N")[1], groups, "n", n, "N")
    t_group = decide(tables["t_group"], {"t": t_cat}).outputs["group"]
    t_note = decide(tables["prognostic_t_note"], {"t": t_cat}).outputs["footnote"]
    n_out = decide(groups, {"t": t_cat, "n": n_cat}).outputs
    notes = tuple(str(x) for x in (t_note, n_out["footnote"]) if x is not None)
    return str(t_group), str(n_out["group"]), notes


# ---- the tables ------------------------------------------------------------------------------


def _check_inputs(grade: int | None, oncotype_rs: float | None) -> None:
    if grade is not None and (isinstance(grade, bool) or grade not in GRADES):
        raise ValueError(f"grade must be 1, 2, 3 or None, not {grade!r}")
    if oncotype_rs is not None and not 0 <= oncotype_rs <= 100:
        raise ValueError(f"Oncotype DX recurrence score must be 0-100, not {oncotype_rs!r}")


def _status(flag: bool | None) -> Status | None:
    return None if flag is None else "positive" if flag else "negative"


def _input_names(table: Table) -> dict[str, str]:
    """Case field -> the input name a prompt stands for (``grade``, ``her2``, ``t``...)."""
    return {i.field: i.name.removesuffix("_status") for i in table.inputs if i.from_ is None}


def setting_stage(
    table: TableName,
    t: str,
    n: str,
    m: str,
    grade: int | None,
    her2_status: str | None,
    er_status: str | None,
    pr_status: str | None,
    oncotype_rs: float | None = None,
    neoadjuvant_therapy: bool | None = None,
) -> PrognosticStage:
    """Run the ``prognostic_stage.<table>`` decision table on AJCC categories and the
    classification's status codes (HER2 positive/negative/pending, ER and PR
    positive/low_positive/negative/not_recorded; None = not recorded)."""
    _check_inputs(grade, oncotype_rs)
    tab = active()[f"prognostic_stage.{table}"]
    t_prefix, t_core = _split(t, "T")
    n_prefix, n_core = _split(n, "N")
    facts = {
        "t_text": t.strip(),
        "n_text": n.strip(),
        "t": _spelling(t_core, tab, "t", t, "T"),
        "n": _spelling(n_core, tab, "n", n, "N"),
        "m": _spelling(_split(m, "M")[1], tab, "m", m, "M"),
        "post_therapy": t_prefix in ("yc", "yp") or n_prefix in ("yc", "yp"),
        "neoadjuvant": neoadjuvant_therapy,
        "grade": grade,
        "rs": oncotype_rs,
        "her2_status": her2_status,
        "er_status": er_status,
        "pr_status": pr_status,
    }
    d = decide(tab, facts)
    out = d.outputs
    kb = prognostic_tables()
    stage = cast(StageGroup | None, out["stage"])
    row = out["row"]
    notes = (out[k] for k in ("t_note", "n_note", "m_note", "rs_note", "footnote"))
    return PrognosticStage(
        table=table,
        stage=stage,
        status="assigned" if stage is not None else "not_assignable",
        reasons=tuple(r.en for r in d.reasons),
        missing=tuple(_input_names(tab)[p.field] for p in d.missing),
        footnotes=tuple(dict.fromkeys(str(x) for x in notes if x is not None)),
        source=f"{kb.source}: {kb.tables[table].name} ({kb.version})",
        row_id=None if row is None else kb.tables[table].rows[int(str(row))].row_id(table),
        code=None if out["code"] is None else str(out["code"]),
        prompts=tuple((p.field, p.reason.en) for p in d.missing),
    )


def pathological(
    t: str,
    n: str,
    m: str,
    grade: int | None,
    her2_positive: bool | None,
    er_positive: bool | None,
    pr_positive: bool | None,
    oncotype_rs: float | None,
    *,
    neoadjuvant_therapy: bool | None = None,
) -> PrognosticStage:
    """AJCC 8th ed. pathological prognostic stage group (surgery as the first treatment).

    ``t``/``n``/``m`` are AJCC categories ("T1c", "N1mi", "N0(i+)", "M0", ...); ``grade`` is the
    Nottingham grade 1-3; ``oncotype_rs`` is the Oncotype DX recurrence score (0-100) if done.
    ``neoadjuvant_therapy=True`` (or yp/yc categories) -> not assignable; None means the treatment
    sequence was not stated and the result says so. Raises ValueError for malformed inputs.
    """
    return setting_stage(
        "pathological",
        t,
        n,
        m,
        grade,
        _status(her2_positive),
        _status(er_positive),
        _status(pr_positive),
        oncotype_rs,
        neoadjuvant_therapy,
    )


def clinical(
    t: str,
    n: str,
    m: str,
    grade: int | None,
    her2_positive: bool | None,
    er_positive: bool | None,
    pr_positive: bool | None,
) -> PrognosticStage:
    """AJCC 8th ed. clinical prognostic stage group (every patient, before any treatment).

    Multigene scores do not modify the clinical prognostic stage. Raises ValueError for malformed
    inputs; missing grade/HER2/ER/PR -> ``not_assignable`` with the missing names.
    """
    args = (_status(her2_positive), _status(er_positive), _status(pr_positive))
    return setting_stage("clinical", t, n, m, grade, *args)


__all__ = [
    "KNOWLEDGE_FILE",
    "TABLE_TN",
    "PrognosticKnowledge",
    "PrognosticRow",
    "PrognosticStage",
    "PrognosticTable",
    "clinical",
    "pathological",
    "prognostic_tables",
    "setting_stage",
    "table_groups",
]
