"""Concordance kind ``rt_omission``: radiotherapy-omission vignettes through ``breastcds.assess``.

Vignette ``case`` (shared/reference/domain/README.md): ``age``, ``size_mm``, ``nodes_positive``,
``grade``, ``lvi``, ``er_percent``, ``pr_percent``, ``her2_negative``, ``ki67_percent``,
``margin_mm`` (closest margin; 0 = tumour on ink), ``endocrine_therapy_planned``; all after
breast-conserving surgery; null = not recorded. ``expected`` has one entry per trial
(CALGB_9343, PRIME_II, LUMINA): ``{verdict, criteria}``.

:func:`to_case` is the one mapping place. The vignettes record HER2 only as negative/positive;
the case model records HER2 as IHC/ISH results, so ``her2_negative`` true becomes IHC 0 and
false becomes IHC 3+ — the IHC scores that carry that status without ISH (ASCO/CAP 2018). Only
the HER2 status is read by the radiotherapy criteria; the HER2-0/low category of IHC 0 stays
pending (no staining detail), as it should for a vignette that does not give it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from breastcds.concordance.core import Kind, Vignette, register_kind
from breastcds.entrypoint import assess
from breastcds.radiotherapy.omission import RadiotherapyResult

__all__ = ["KIND", "TRIALS", "evaluate", "matches", "to_actual", "to_case"]

TRIALS = ("CALGB_9343", "PRIME_II", "LUMINA")
_RT_KEYS = frozenset(
    {
        "age",
        "size_mm",
        "nodes_positive",
        "grade",
        "lvi",
        "er_percent",
        "pr_percent",
        "her2_negative",
        "ki67_percent",
        "margin_mm",
        "endocrine_therapy_planned",
    }
)
_SYSTEMIC_KEYS = frozenset({"decision_point", "tumor", "biomarkers"})


def matches(v: Vignette) -> bool:
    """An rt vignette: a flat ``case`` with rt keys, none of the systemic keys (decision_point)."""
    case = v.get("case")
    if not isinstance(case, Mapping):
        return False
    keys = set(case)
    return not (keys & _SYSTEMIC_KEYS) and bool(keys & _RT_KEYS)


def _her2(negative: Any) -> dict[str, Any]:
    if negative is None:
        return {}
    return {"her2_ihc": 0 if negative else 3}


def to_case(v: Mapping[str, Any]) -> dict[str, Any]:
    """Vignette → case-model dict (the one mapping place; null stays not recorded)."""
    c = v.get("case") or {}
    tumour = {k: c[k] for k in ("size_mm", "nodes_positive", "grade", "lvi", "margin_mm")
              if c.get(k) is not None}  # fmt: skip
    biomarkers = {k: c[k] for k in ("er_percent", "pr_percent", "ki67_percent")
                  if c.get(k) is not None}  # fmt: skip
    biomarkers |= _her2(c.get("her2_negative"))
    patient = {} if c.get("age") is None else {"age_years": c["age"]}
    treatment: dict[str, Any] = {"surgery": {"type": "breast_conserving"}}
    if c.get("endocrine_therapy_planned") is not None:
        treatment["endocrine_therapy_planned"] = c["endocrine_therapy_planned"]
    return {
        "case_id": v.get("id"),
        "patient": patient,
        "tumour": tumour,
        "biomarkers": biomarkers,
        "treatment": treatment,
    }


def to_actual(result: RadiotherapyResult) -> dict[str, Any]:
    """``actual`` with exactly the contract keys: {trial: {verdict, criteria}}."""
    if not result.applicable:
        raise ValueError(result.not_applicable_reason or "radiotherapy criteria not applicable")
    by_id = {r.id: r for r in result.omission}
    return {t: {"verdict": by_id[t].verdict, "criteria": by_id[t].criteria()} for t in TRIALS}


def evaluate(v: Vignette) -> dict[str, Any]:
    """Evaluate one vignette through the public ``assess`` (never a side path)."""
    actual = to_actual(assess(to_case(v)).sections.radiotherapy)
    expected = v.get("expected")
    if isinstance(expected, Mapping):  # exactly the keys of expected
        actual = {k: actual[k] for k in expected if k in actual}
    return actual


KIND = Kind(name="rt_omission", matches=matches, evaluate=evaluate)
register_kind(KIND)
