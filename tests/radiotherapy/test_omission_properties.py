"""Property: a missing deciding field never yields ``meets``.

1. Case level (through parse/classify/evaluate): when a criterion reads a single fact and that
   fact is not recorded, the set using it is never ``meets``.
2. Fact level: whenever a set is ``meets`` although some facts it reads are not recorded, every
   completion of those facts still meets — so the missing facts were not deciding (e.g. PRIME II
   with PR positive and ER not recorded: one positive receptor suffices).
"""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from breastcds.entrypoint import classify
from breastcds.knowledge.facts import extract
from breastcds.knowledge.schema_rt_omission import (
    CriteriaSet,
    load_rt_fractionation,
    load_rt_omission,
)
from breastcds.model.parse import parse_case
from breastcds.radiotherapy import omission

SETS: list[CriteriaSet] = [*load_rt_omission().sets, *load_rt_fractionation().sets]


def maybe(s: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.none(), s)


pct = st.integers(0, 100)
cases = st.fixed_dictionaries(
    {
        "patient": st.fixed_dictionaries(
            {
                "age_years": maybe(st.integers(30, 95)),
                "menopausal_status": maybe(st.sampled_from(["pre", "peri", "post"])),
            }
        ),
        "tumour": st.fixed_dictionaries(
            {
                "size_mm": maybe(st.integers(1, 60)),
                "nodes_positive": maybe(st.integers(0, 6)),
                "grade": maybe(st.integers(1, 3)),
                "lvi": maybe(st.booleans()),
                "margin_mm": maybe(st.sampled_from([0, 0.5, 1, 1.9, 2, 3, 10])),
                "focality": maybe(st.sampled_from(["unifocal", "multifocal"])),
                "histology": maybe(st.sampled_from(["ductal_nst", "lobular", "tubular"])),
            }
        ),
        "biomarkers": st.fixed_dictionaries(
            {
                "er_percent": maybe(pct),
                "pr_percent": maybe(pct),
                "her2_ihc": maybe(st.sampled_from([0, 1, 3])),
                "ki67_percent": maybe(st.sampled_from([5, 13, 13.25, 14, 20, 30])),
                "genomics": st.fixed_dictionaries(
                    {"oncotype_rs": maybe(pct), "prosigna_ror": maybe(pct)}
                ),
                "germline_brca": maybe(st.sampled_from(["negative", "brca1"])),
            }
        ),
        "treatment": st.fixed_dictionaries(
            {
                "surgery": st.just({"type": "breast_conserving"}),
                "endocrine_therapy_planned": maybe(st.booleans()),
            }
        ),
    }
)


def _clean(d: Any) -> Any:
    if isinstance(d, dict):
        return {k: _clean(v) for k, v in d.items() if v is not None}
    return d


@settings(max_examples=300, deadline=None)
@given(cases)
def test_single_fact_criterion_missing_never_meets(raw: dict[str, Any]) -> None:
    case = parse_case(_clean(raw))
    classification = classify(case)
    facts = extract(case, classification)
    result = omission.evaluate(case, classification)
    assert result.applicable
    verdicts = {r.id: r.verdict for r in result.omission}
    verdicts |= {r.id: r.verdict for r in result.fractionation.sets} if result.fractionation else {}
    for s in SETS:
        for c in s.criteria:
            cond = c.condition()
            if cond is None:  # not in the case model: never judged as met
                assert verdicts[s.id] != "meets", s.id
                continue
            used = cond.facts()
            if len(used) == 1 and facts[next(iter(used))] is None:
                assert verdicts[s.id] != "meets", (s.id, c.name)


DOMAIN: dict[str, list[Any]] = {
    "age": [18, 39, 40, 49, 50, 51, 54, 55, 64, 65, 69, 70, 71, 75, 76],
    "size_mm": [1, 10, 11, 20, 21, 29.9, 30, 31, 50, 51],
    "nodes_positive": [0, 1, 3, 4],
    "grade": [1, 2, 3],
    "lvi": [True, False],
    "margin_mm": [0, 0.5, 1, 1.9, 2, 3],
    "er_percent": [0, 1, 9, 10, 95],
    "pr_percent": [0, 1, 9, 10, 20, 21, 80],
    "ki67_percent": [5, 13.25, 14, 20, 21],
    "her2.status": ["negative", "positive"],
    "endocrine_therapy_planned": [True, False],
    "menopausal_status": ["pre", "peri", "post"],
    "focality": ["unifocal", "multifocal", "multicentric"],
    "histology": ["ductal_nst", "lobular", "mucinous", "tubular", "other"],
    "oncotype_rs": [0, 18, 19, 40],
    "prosigna_ror": [10, 40, 41, 60, 61],
    "germline_brca": ["negative", "brca1", "brca2"],
    "t": ["T0", "Tis", "T1mi", "T1", "T2", "T3", "T4"],
    "n": ["N0", "N1mi", "N1", "N2", "N3"],
    "dcis_only": [True, False],
    "metastatic": [True, False],
    "surgery_type": ["breast_conserving", "mastectomy", "none"],
}
READ = sorted({f for s in SETS for f in s.condition().facts()})


def test_domain_covers_every_fact_the_sets_read() -> None:
    assert set(READ) <= set(DOMAIN)


fact_maps = st.fixed_dictionaries({f: maybe(st.sampled_from(DOMAIN[f])) for f in READ})


@settings(max_examples=400, deadline=None)
@given(fact_maps, st.data())
def test_meets_with_missing_facts_survives_every_completion(
    facts: dict[str, Any], data: st.DataObject
) -> None:
    for s in SETS:
        if omission.evaluate_set(s, facts).verdict != "meets":
            continue
        missing = sorted(f for f in s.condition().facts() if facts[f] is None)
        for _ in range(5 if missing else 0):
            completion = {f: data.draw(st.sampled_from(DOMAIN[f])) for f in missing}
            assert omission.evaluate_set(s, facts | completion).verdict == "meets", (
                s.id,
                completion,
            )
