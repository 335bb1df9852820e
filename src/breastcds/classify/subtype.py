"""Surrogate intrinsic subtype.

Source: St Gallen International Expert Consensus 2013 (Goldhirsch et al., Ann Oncol
2013;24:2206): Luminal A-like (ER+, PR >= 20 %, HER2-, Ki-67 < 20 %, low multigene risk if
available); Luminal B-like HER2- (ER+, HER2-, and Ki-67 >= 20 % or PR < 20 % or high multigene
risk); Luminal B-like HER2+ (ER+, HER2+, any Ki-67/PR); HER2-positive non-luminal (HER2+,
ER- and PR-); triple-negative (ER-, PR-, HER2-). ER low positive (1-10 %; ASCO/CAP 2020) is
flagged for discussion rather than forced into a luminal subtype. ER-/PR+ (ER < 1 %, PR >= 1 %)
is not defined by the consensus and is often a false-negative ER: ASCO/CAP 2020 (Allison et al.,
J Clin Oncol 2020;38:1346) asks for a repeated ER test before the result is used, so the subtype
is ``pending`` with a prompt for that repeated ER result.

The rule is the decision table ``knowledge/classification/subtype.yaml``, also compiled for
the cohort engine.
"""

from __future__ import annotations

from typing import cast

from breastcds.knowledge.rule_tables import Prompt, Said, active, decide
from breastcds.model.assessment import (
    Her2Result,
    MissingInput,
    ReceptorResult,
    Subtype,
    SubtypeResult,
)
from breastcds.model.case import Genomics


def _value(v: object) -> object:
    return getattr(v, "value", v)


def classify(
    er: ReceptorResult,
    pr: ReceptorResult,
    her2: Her2Result,
    ki67_percent: float | None,
    genomics: Genomics | None = None,
) -> SubtypeResult:
    tables = active()
    table = tables["subtype"]
    g = genomics or Genomics()
    facts = {
        "er_status": er.status,
        "pr_status": pr.status,
        "her2_status": her2.status,
        "pr_percent": pr.percent,
        "ki67_percent": ki67_percent,
        "oncotype_rs": g.oncotype_rs,
        "mammaprint": _value(g.mammaprint),
        "prosigna_risk": _value(g.prosigna_risk),
    }
    her2_missing = [Prompt(m.field, Said(m.reason, m.reason)) for m in her2.missing]
    d = decide(table, facts, upstream={"her2_status": her2_missing})
    return SubtypeResult(
        subtype=cast(Subtype, d.outputs["subtype"]),
        ki67_cutoff_percent=tables.biomarkers.subtype.ki67_high_min_percent,
        reasons=[r.en for r in d.reasons],
        missing=[MissingInput(field=m.field, reason=m.reason.en) for m in d.missing],
        source=table.source,
    )
