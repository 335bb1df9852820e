"""AJCC 8th edition breast: clinical and pathological prognostic stage groups (table lookup).

Source: AJCC Cancer Staging Manual, 8th ed. (Amin et al., 2017), chapter 48 Breast, revised chapter
of 25 January 2018 - the Clinical and the Pathological Prognostic Stage Group tables. The tables
are data in ``knowledge/ajcc8_prognostic_stage.yaml`` (rows, footnotes, the sources each row was
checked against and the discrepancies resolved); this module validates that file when it is first
loaded - including that every M0 combination of T group x N group x grade x HER2 x ER x PR appears
exactly once per table - and looks rows up. How the tables were verified: docs/staging.md.

The functions are pure: they never guess. When grade, ER, PR or HER2 is missing the result is
``not_assignable`` and names the missing inputs (AJCC directs use of the anatomic stage group where
biomarkers cannot be obtained - :mod:`breastcds.classify.stage`). The pathological table applies
only when surgery was the first treatment; post-neoadjuvant (yp) categories are not staged with it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from breastcds.knowledge.loader import KnowledgeError, load_yaml
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

RS_CUTOFF = 11  # Oncotype DX recurrence score below this -> pathological IA (oncotype_rs_lt_11)


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


@cache
def _index(table: TableName) -> dict[Cell, PrognosticRow]:
    tab = prognostic_tables().tables[table]
    return {cell: row for row in tab.rows if row.m == "M0" for cell in row.cells()}


def _m1_row(table: TableName) -> PrognosticRow:
    return next(r for r in prognostic_tables().tables[table].rows if r.m == "M1")


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


# ---- mapping AJCC categories to the table's groups ------------------------------------------

_PREFIX = re.compile(r"^(yc|yp|c|p)?([TNM].*)$")
_MODIFIERS = re.compile(r"\((?:sn|f|m)\)$")

_T_CATEGORIES: dict[str, str] = {
    "TX": "TX",
    "Tis": "Tis",
    "Tis(DCIS)": "Tis",
    "Tis(Paget)": "Tis",
    "T0": "T0",
    "T1": "T1",
    "T1mi": "T1",
    "T1a": "T1",
    "T1b": "T1",
    "T1c": "T1",
    "T2": "T2",
    "T3": "T3",
    "T4": "T4",
    "T4a": "T4",
    "T4b": "T4",
    "T4c": "T4",
    "T4d": "T4",
}
_N_CATEGORIES: dict[str, str] = {
    "NX": "NX",
    "N0": "N0",
    "N0(i-)": "N0",
    "N0(i+)": "N0",
    "N0(mol-)": "N0",
    "N0(mol+)": "N0",
    "N1mi": "N1mi",
    "N1": "N1",
    "N1a": "N1",
    "N1b": "N1",
    "N1c": "N1",
    "N2": "N2",
    "N2a": "N2",
    "N2b": "N2",
    "N3": "N3",
    "N3a": "N3",
    "N3b": "N3",
    "N3c": "N3",
}
_M_CATEGORIES: dict[str, str] = {
    "MX": "MX",
    "M0": "M0",
    "M0(i+)": "M0",
    "M1": "M1",
}


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


def _lookup_category(core: str, table: dict[str, str], value: str, axis: str) -> str:
    for key, group in table.items():
        if core.casefold() == key.casefold():
            return group
    raise ValueError(f"{value!r} is not an AJCC 8th edition breast {axis} category")


def table_groups(t: str, n: str) -> tuple[str, str, tuple[str, ...]]:
    """Map AJCC T and N categories to the prognostic tables' groups.

    Returns ``(t_group, n_group, footnote ids applied)``. T1mi/T1a-c -> T1 and T4a-d -> T4
    (t1_includes_t1mi); N0(i+)/N0(mol+) -> N0; N1a-c -> N1; N2a-b -> N2; N3a-c -> N3; N1mi stays
    N1mi with T0 or T1 (n1mi_t0_t1) but is staged as N1 with T2, T3 and T4 (n1mi_t2_t4). TX and NX
    are returned as such. A c/p prefix and the (sn), (f), (m) modifiers are ignored; yc/yp prefixes
    are accepted here (the stage functions refuse them). Raises ValueError for anything else.
    """
    _, t_core = _split(t, "T")
    _, n_core = _split(n, "N")
    t_group = _lookup_category(t_core, _T_CATEGORIES, t, "T")
    n_group = _lookup_category(n_core, _N_CATEGORIES, n, "N")
    notes: list[str] = []
    if t_group == "T1" and t_core != "T1":
        notes.append("t1_includes_t1mi")
    if n_group == "N0" and "+" in n_core:
        notes.append("n0_isolated_tumour_cells")
    if n_group == "N1mi":
        if t_group in ("T2", "T3", "T4"):
            n_group = "N1"
            notes.append("n1mi_t2_t4")
        elif t_group in ("T0", "T1"):
            notes.append("n1mi_t0_t1")
    return t_group, n_group, tuple(notes)


def _m_group(m: str) -> tuple[str, tuple[str, ...]]:
    _, core = _split(m, "M")
    group = _lookup_category(core, _M_CATEGORIES, m, "M")
    return group, (("n0_isolated_tumour_cells",) if "(i+)" in core else ())


# ---- the lookup ------------------------------------------------------------------------------


def _check_inputs(grade: int | None, oncotype_rs: float | None) -> None:
    if grade is not None and (isinstance(grade, bool) or grade not in GRADES):
        raise ValueError(f"grade must be 1, 2, 3 or None, not {grade!r}")
    if oncotype_rs is not None and not 0 <= oncotype_rs <= 100:
        raise ValueError(f"Oncotype DX recurrence score must be 0-100, not {oncotype_rs!r}")


def _status(flag: bool) -> Status:
    return "positive" if flag else "negative"


def _stage(
    table: TableName,
    t: str,
    n: str,
    m: str,
    grade: int | None,
    her2_positive: bool | None,
    er_positive: bool | None,
    pr_positive: bool | None,
    oncotype_rs: float | None,
    neoadjuvant_therapy: bool | None,
) -> PrognosticStage:
    kb = prognostic_tables()
    tab = kb.tables[table]
    source = f"{kb.source}: {tab.name} ({kb.version})"
    reasons: list[str] = []
    footnotes: list[str] = []

    def result(
        stage: StageGroup | None, row_id: str | None = None, missing: tuple[str, ...] = ()
    ) -> PrognosticStage:
        return PrognosticStage(
            table=table,
            stage=stage,
            status="assigned" if stage is not None else "not_assignable",
            reasons=tuple(reasons),
            missing=missing,
            footnotes=tuple(dict.fromkeys(footnotes)),
            source=source,
            row_id=row_id,
        )

    _check_inputs(grade, oncotype_rs)
    t_prefix, _ = _split(t, "T")
    n_prefix, _ = _split(n, "N")
    post_therapy = t_prefix in ("yc", "yp") or n_prefix in ("yc", "yp")
    if table == "pathological" and (post_therapy or neoadjuvant_therapy):
        why = "y-prefixed (post-therapy) T/N" if post_therapy else "neoadjuvant therapy given"
        reasons.append(
            f"{why}: the pathological prognostic stage table applies only when surgery was the "
            "first treatment; the clinical prognostic stage assigned before treatment stands"
        )
        footnotes.append("pathological_surgery_first")
        return result(None)
    if table == "clinical" and post_therapy:
        reasons.append(
            "y-prefixed (post-therapy) T/N: the clinical prognostic stage is assigned from "
            "findings before any treatment; AJCC 8th ed. defines no post-therapy prognostic groups"
        )
        footnotes.append("clinical_all_patients")
        return result(None)

    t_group, n_group, tn_notes = table_groups(t, n)
    m_group, m_notes = _m_group(m)
    footnotes.extend(tn_notes + m_notes)
    if t_group != t.strip() and t_group not in ("TX",):
        reasons.append(f"{t} is staged as {t_group}")
    if n_group != n.strip() and n_group not in ("NX",):
        reasons.append(f"{n} is staged as {n_group}")

    if m_group == "M1":
        row = _m1_row(table)
        reasons.append(f"M1: stage {row.stage} whatever T, N, grade and biomarkers")
        footnotes.append("m1_stage_iv")
        return result(row.stage, row.row_id(table))

    biomarkers = {
        "grade": grade,
        "her2": her2_positive,
        "er": er_positive,
        "pr": pr_positive,
    }
    missing_tnm = [
        name
        for name, absent in (("t", t_group == "TX"), ("n", n_group == "NX"), ("m", m_group == "MX"))
        if absent
    ]
    if missing_tnm:
        missing_bio = [k for k, v in biomarkers.items() if v is None] if t_group != "Tis" else []
        why = "not assessed: " + ", ".join(f"{k.upper()}X" for k in missing_tnm)
        if "m" in missing_tnm:
            why += " (MX is not a valid AJCC 8th edition category; M must be M0 or M1)"
        reasons.append(why)
        return result(None, missing=tuple(missing_tnm + missing_bio))

    if t_group == "Tis":
        if n_group == "N0":
            row = next(r for r in tab.rows if r.t_group == "Tis")
            reasons.append(f"Tis N0 M0: stage {row.stage} whatever grade and biomarkers")
            footnotes.append("tis_stage_0")
            return result(row.stage, row.row_id(table))
        reasons.append(
            f"Tis with {n_group}: the table defines Tis only with N0 (nodal disease implies an "
            "invasive cancer); review T"
        )
        return result(None)
    if (t_group, n_group) == ("T0", "N0"):
        reasons.append("T0 N0 M0 is not a stageable combination (no evidence of cancer)")
        return result(None)

    missing_bio = [k for k, v in biomarkers.items() if v is None]
    if missing_bio:
        reasons.append(
            f"the {table} prognostic stage table needs grade, HER2, ER and PR; missing: "
            f"{', '.join(missing_bio)}. Not assigned (no guess): supply them, or where they "
            "cannot be obtained AJCC directs use of the anatomic stage group (classify.stage)"
        )
        footnotes.append("biomarkers_unavailable_use_anatomic")
        return result(None, missing=tuple(missing_bio))

    assert grade is not None and her2_positive is not None  # narrowed above
    assert er_positive is not None and pr_positive is not None
    cell: Cell = (
        t_group,
        n_group,
        grade,
        _status(her2_positive),
        _status(er_positive),
        _status(pr_positive),
    )
    found = _index(table).get(cell)
    if found is None:  # pragma: no cover - the loader proves every table cell exists
        reasons.append(f"no {table} table row for {t_group} {n_group} M0")
        return result(None)
    row_id = found.row_id(table)
    stage: StageGroup = found.stage
    reasons.append(
        f"{t_group} {n_group} M0, G{grade}, HER2{_sign(cell[3])}, ER{_sign(cell[4])}, "
        f"PR{_sign(cell[5])}: {tab.name} row {row_id} gives {stage}"
    )

    if table == "pathological":
        if oncotype_rs is not None:
            failed = [
                why
                for why, ok in (
                    ("T is not T1 or T2", t_group in ("T1", "T2")),
                    ("N is not N0", n_group == "N0"),
                    ("ER is not positive", er_positive),
                    ("HER2 is not negative", not her2_positive),
                    (f"score is not below {RS_CUTOFF}", oncotype_rs < RS_CUTOFF),
                )
                if not ok
            ]
            if failed:
                reasons.append(
                    f"Oncotype DX recurrence score {oncotype_rs:g} does not modify the stage "
                    f"({'; '.join(failed)})"
                )
            else:
                stage = "IA"
                footnotes.append("oncotype_rs_lt_11")
                reasons.append(
                    f"Oncotype DX recurrence score {oncotype_rs:g} < {RS_CUTOFF} with {t_group} N0 "
                    "M0, ER-positive, HER2-negative: pathological prognostic stage IA "
                    "(genomic-profile note)"
                )
        footnotes.append("pathological_surgery_first")
        if neoadjuvant_therapy is None:
            reasons.append(
                "valid only if surgery was the first treatment (no neoadjuvant therapy); the "
                "treatment sequence was not stated"
            )
        else:
            reasons.append("surgery was the first treatment (no neoadjuvant therapy), as stated")
    return result(stage, row_id)


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
    return _stage(
        "pathological",
        t,
        n,
        m,
        grade,
        her2_positive,
        er_positive,
        pr_positive,
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
    return _stage("clinical", t, n, m, grade, her2_positive, er_positive, pr_positive, None, None)


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
    "table_groups",
]
