"""Who NPI and CTS5 are for, and the inputs they need: the tables both engines run (pure).

The tables are ``<score>_population_*`` and ``<score>_input_*`` of
``knowledge/classification/prognostic_scores.yaml`` (sources there: Galea et al., Breast
Cancer Res Treat 1992 for NPI; Dowsett et al., J Clin Oncol 2018 for CTS5). This module runs
them for one patient (the prognosis section); ``cohort/engine.py`` compiles the same tables
(:func:`tables`) over a cohort and decides the status by the same rule (:func:`status`):

* a population reason: not applicable, with those reasons;
* else an input asked for: needs data, naming the case fields;
* else an input reason (e.g. an invasive size of 0 mm): not applicable;
* else the score can be computed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from breastcds.knowledge import rule_tables
from breastcds.model.assessment import Classification, MissingInput
from breastcds.model.case import Case
from breastcds.prognosis.mapping import population_facts

Score = Literal["npi", "cts5"]
Group = Literal["population", "input"]
Status = Literal["computed", "not_applicable", "needs_data"]
SCORES: tuple[Score, ...] = ("npi", "cts5")
#: The cohort's value columns of each score and the derived facts of
#: knowledge/derived_facts.yaml they show (when the score is computed).
VALUES: dict[Score, dict[str, str]] = {
    "npi": {"npi.index": "npi_index", "npi.group": "npi_group",
            "npi.group_classic": "npi_group_classic"},
    "cts5": {"cts5.score": "cts5_score", "cts5.risk_group": "cts5_risk_group"},
}  # fmt: skip


def tables(score: Score, group: Group) -> tuple[rule_tables.Table, ...]:
    """The ``<score>_<group>_*`` tables of the active knowledge, in the order of the file."""
    prefix = f"{score}_{group}_"
    return tuple(t for name, t in rule_tables.active().tables.items() if name.startswith(prefix))


def score_facts(case: Case, classification: Classification) -> dict[str, object]:
    """The case's values of the tables' inputs (None: not recorded): the PREDICT population
    inputs (:func:`breastcds.prognosis.mapping.population_facts`), grade and ER status."""
    return {
        **population_facts(case),
        "grade": case.tumour.grade,
        "er_status": classification.er.status,
    }


def status(population: bool, missing: bool, inputs: bool) -> Status:
    """The score's status from whether a population reason, an input asked for and an input
    reason were found (in that precedence)."""
    if population:
        return "not_applicable"
    if missing:
        return "needs_data"
    return "not_applicable" if inputs else "computed"


@dataclass(frozen=True)
class Applicability:
    """Whether a score can be computed for the case: the status, the reasons (and their codes)
    when not applicable, the case fields asked for when it needs data."""

    status: Status
    reasons: tuple[str, ...] = ()
    codes: tuple[str, ...] = ()
    missing: tuple[MissingInput, ...] = ()


def applicability(score: Score, case: Case, classification: Classification) -> Applicability:
    """Run the score's population and input tables for one case."""
    facts = score_facts(case, classification)
    found: dict[Group, list[tuple[str, str]]] = {"population": [], "input": []}
    missing: list[MissingInput] = []
    for group in ("population", "input"):
        for table in tables(score, group):
            own = {i.name: facts[i.name] for i in table.inputs if i.from_ is None}
            d = rule_tables.decide(table, own)
            code = d.outputs["not_applicable"]
            if code is not None:
                found[group].append((str(code), "; ".join(r.en for r in d.reasons)))
            missing.extend(MissingInput(field=m.field, reason=m.reason.en) for m in d.missing)
    result = status(bool(found["population"]), bool(missing), bool(found["input"]))
    if result == "needs_data":
        return Applicability(result, missing=tuple(missing))
    if result == "not_applicable":
        reasons = found["population"] or found["input"]
        return Applicability(
            result, reasons=tuple(r for _, r in reasons), codes=tuple(c for c, _ in reasons)
        )
    return Applicability(result)
