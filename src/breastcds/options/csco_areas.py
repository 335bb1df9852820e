"""The CSCO-area denominator of the grading figure (``breastcds kb lint --csco-areas``).

Every treatment-option rule (``recommendation: option``) is placed in one area of the CSCO
Breast Cancer Guidelines 2026 by ``knowledge/csco_areas.yaml`` (id patterns per area); an area
either has a graded table (Level I-III columns) or has none (the chapter inventory in
docs/csco_grading.md says where it was looked for). The table counts, per area, the option rules
and those with a verified CSCO level, and gives the share overall and within graded areas.
Classification is data, never a grade: a rule's level comes only from its ``grading`` block.
The file also lists the other editions consulted for the areas without a graded table
(``editions``: citation, whether the full text could be read, what was searched) and, per such
area, what each of them gave (``other_editions``); the table's footer names them.
"""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase
from functools import cache
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from breastcds.knowledge.loader import KnowledgeError, load_yaml
from breastcds.options.schema import KnowledgeBase, Rule

__all__ = [
    "AREAS_FILE",
    "AreaRow",
    "CscoArea",
    "CscoAreas",
    "Denominator",
    "Edition",
    "EditionFinding",
    "denominator",
    "load_areas",
    "markdown",
    "parse_areas",
]

AREAS_FILE = "csco_areas.yaml"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class EditionFinding(_Strict):
    """What one other edition gave for one area (its chapter, or why no table could be read)."""

    edition: str = Field(description="the edition's year (an id of `editions`)")
    found: str = Field(min_length=10)


class CscoArea(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    chapter: str = Field(min_length=3, description="the CSCO 2026 chapter (or 'none')")
    graded: bool = Field(description="the chapter has a table with Level I-III columns")
    inventory: str = Field(min_length=10, description="what the chapter inventory found")
    rules: list[str] = Field(min_length=1, description="rule-id patterns (fnmatch)")
    other_editions: list[EditionFinding] = Field(
        default_factory=list, description="what each other edition gave for this area"
    )

    def found_in(self, edition: str) -> str | None:
        """What ``edition`` (a year of ``editions``) gave for this area, if recorded."""
        return next((f.found for f in self.other_editions if f.edition == edition), None)


class Edition(_Strict):
    """Another edition of the CSCO BC guidelines, consulted for the areas the book does not
    grade: whether its full text could be read, and what was searched and where."""

    id: str = Field(pattern=r"^(19|20)\d{2}$", description="the edition's year")
    citation: str = Field(min_length=10, description="the edition (or its publication)")
    full_text: bool = Field(description="the full text (its tables) could be read")
    searched: str = Field(min_length=10, description="what was searched and what came back")


class CscoAreas(_Strict):
    schema_: Literal["csco_areas/1"] = Field(alias="schema")
    updated: str
    book: str = Field(min_length=10)
    editions: list[Edition] = Field(default_factory=list)
    areas: list[CscoArea] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> CscoAreas:
        ids = [a.id for a in self.areas]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"duplicate area ids: {dupes}")
        years = [e.id for e in self.editions]
        dupes = sorted({y for y in years if years.count(y) > 1})
        if dupes:
            raise ValueError(f"duplicate edition ids: {dupes}")
        for a in self.areas:
            named = [f.edition for f in a.other_editions]
            unknown = sorted(set(named) - set(years))
            if unknown:
                raise ValueError(f"area {a.id!r}: other_editions names no edition: {unknown}")
            twice = sorted({y for y in named if named.count(y) > 1})
            if twice:
                raise ValueError(f"area {a.id!r}: other_editions names an edition twice: {twice}")
        return self

    def areas_of(self, rule_id: str) -> list[CscoArea]:
        """Every area with a pattern matching ``rule_id`` (exactly one when classified)."""
        return [a for a in self.areas if any(fnmatchcase(rule_id, p) for p in a.rules)]


def parse_areas(data: object, name: str = AREAS_FILE) -> CscoAreas:
    """Validate parsed YAML of ``csco_areas.yaml``."""
    try:
        return CscoAreas.model_validate(data)
    except ValidationError as exc:
        raise KnowledgeError(f"knowledge file {name!r} does not match its schema: {exc}") from exc


@cache
def load_areas() -> CscoAreas:
    """The packaged area classification, validated (cached)."""
    return parse_areas(load_yaml(AREAS_FILE))


@dataclass(frozen=True)
class AreaRow:
    """One area: its option rules and those with a verified CSCO level."""

    area: CscoArea
    rules: tuple[str, ...]
    verified: tuple[str, ...]

    @property
    def share(self) -> float:
        """Percent of the area's option rules with a verified CSCO level (0 when none)."""
        return 100.0 * len(self.verified) / len(self.rules) if self.rules else 0.0


@dataclass(frozen=True)
class Denominator:
    rows: tuple[AreaRow, ...]
    unclassified: tuple[str, ...]
    ambiguous: tuple[tuple[str, tuple[str, ...]], ...]
    editions: tuple[Edition, ...] = ()

    def totals(self, graded: bool | None = None) -> tuple[int, int]:
        """(verified, option rules) over all areas, or over graded / ungraded areas only."""
        rows = [r for r in self.rows if graded is None or r.area.graded is graded]
        return sum(len(r.verified) for r in rows), sum(len(r.rules) for r in rows)

    def errors(self) -> list[str]:
        """Option rules placed in no area or in more than one."""
        out = [f"option rule {r!r} is in no CSCO area ({AREAS_FILE})" for r in self.unclassified]
        out += [f"option rule {r!r} is in more than one CSCO area: {list(a)}"
                for r, a in self.ambiguous]  # fmt: skip
        return out


def _verified(rule: Rule) -> bool:
    return rule.grading.status == "verified" and rule.grading.csco is not None


def denominator(kb: KnowledgeBase, areas: CscoAreas | None = None) -> Denominator:
    """Every option rule of ``kb`` placed in its CSCO area (pure over the two knowledge files)."""
    areas = areas or load_areas()
    placed: dict[str, list[Rule]] = {a.id: [] for a in areas.areas}
    unclassified: list[str] = []
    ambiguous: list[tuple[str, tuple[str, ...]]] = []
    for rule in kb.rules:
        if rule.recommendation != "option":
            continue
        found = areas.areas_of(rule.id)
        if not found:
            unclassified.append(rule.id)
        elif len(found) > 1:
            ambiguous.append((rule.id, tuple(a.id for a in found)))
        else:
            placed[found[0].id].append(rule)
    rows = tuple(
        AreaRow(
            a, tuple(r.id for r in placed[a.id]), tuple(r.id for r in placed[a.id] if _verified(r))
        )
        for a in areas.areas
    )
    return Denominator(rows, tuple(unclassified), tuple(ambiguous), tuple(areas.editions))


def _pct(verified: int, total: int) -> str:
    return f"{100.0 * verified / total:.0f} %" if total else "—"


def markdown(d: Denominator) -> str:
    """The denominator table (Markdown), then the shares overall and within graded areas."""
    lines = [
        "| CSCO area | chapter (CSCO BC 2026) | graded table | option rules | verified | % | "
        "inventory |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in d.rows:
        lines.append(
            f"| {r.area.id} | {r.area.chapter} | {'yes' if r.area.graded else 'no'} | "
            f"{len(r.rules)} | {len(r.verified)} | {_pct(len(r.verified), len(r.rules))} | "
            f"{r.area.inventory} |"
        )
    lines.append("")
    for what, graded in (("all areas", None), ("areas with a graded table", True),
                         ("areas without a graded table", False)):  # fmt: skip
        v, n = d.totals(graded)
        lines.append(f"- {what}: {v} of {n} option rules verified ({_pct(v, n)})")
    for e in d.editions:
        text = "full text read" if e.full_text else "full text not reachable"
        lines.append(f"- other edition {e.id}: {e.citation} ({text})")
    return "\n".join(lines)
