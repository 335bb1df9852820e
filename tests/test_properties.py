"""Property-based tests (hypothesis) of the assess entry point.

- Any valid case classifies or returns an explicit pending/missing state, never an exception.
- Any invalid case yields a validation error naming the offending field.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from breastcds import assess
from breastcds.model import CaseValidationError

TODAY = dt.date(2026, 11, 25)


def maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.none(), strategy)


percent = st.one_of(
    st.sampled_from([0, 0.5, 1, 5, 10, 10.5, 19, 20, 29, 30, 100]),
    st.floats(0, 100, allow_nan=False),
)
ish = st.fixed_dictionaries(
    {
        "ratio": st.one_of(st.sampled_from([1.0, 1.99, 2.0, 3.5]), st.floats(0, 20)),
        "her2_copies": st.one_of(
            st.sampled_from([2.0, 3.99, 4.0, 5.99, 6.0, 12.0]), st.floats(0, 40)
        ),
    }
)


@st.composite
def valid_cases(draw: st.DrawFn) -> dict[str, Any]:
    ihc = draw(maybe(st.integers(0, 3)))
    staining = draw(maybe(st.sampled_from(["none", "faint_le10"]))) if ihc == 0 else None
    first = draw(maybe(ish))
    recount = draw(maybe(ish)) if first is not None else None
    examined = draw(maybe(st.integers(0, 60)))
    positive = draw(maybe(st.integers(0, examined if examined is not None else 60)))
    micro = draw(maybe(st.booleans()))
    if micro and positive == 0:
        micro = False
    sites = draw(maybe(st.lists(st.sampled_from(["bone", "liver", "lung", "brain"]), max_size=3,
                                unique=True)))  # fmt: skip
    m = draw(maybe(st.sampled_from(["M0", "M1"])))
    if sites and m == "M0":
        m = "M1"
    if sites == [] and m == "M1":
        m = "M0"
    dcis = draw(maybe(st.booleans()))
    size = None if dcis else draw(maybe(st.floats(0, 150, allow_nan=False)))
    return {
        "patient": {
            "age_years": draw(maybe(st.integers(18, 100))),
            "sex": draw(maybe(st.sampled_from(["female", "male"]))),
            "menopausal_status": draw(maybe(st.sampled_from(["pre", "peri", "post"]))),
        },
        "tumour": {
            "size_mm": size,
            "dcis_only": dcis,
            "grade": draw(maybe(st.integers(1, 3))),
            "nodes_examined": examined,
            "nodes_positive": positive,
            "nodes_micrometastases_only": micro,
            "clinical_m": m,
            "metastatic_sites": sites,
            "clinical_t": draw(maybe(st.sampled_from(["T1", "T2", "T3", "T4b", "T4d"]))),
            "clinical_n": draw(maybe(st.sampled_from(["N0", "N1", "N2a", "N3c"]))),
        },
        "biomarkers": {
            "er_percent": draw(maybe(percent)),
            "pr_percent": draw(maybe(percent)),
            "ki67_percent": draw(maybe(percent)),
            "her2_ihc": ihc,
            "her2_ihc0_staining": staining,
            "her2_ish": first,
            "her2_ish_recount": recount,
            "her2_single_probe_copies": draw(maybe(st.floats(0, 30))),
            "genomics": {"oncotype_rs": draw(maybe(st.integers(0, 100)))},
        },
    }


@settings(max_examples=2000, deadline=None)
@given(valid_cases())
def test_valid_case_classifies_or_says_what_is_missing(case: dict[str, Any]) -> None:
    a = assess(case, today=TODAY)
    c = a.classification
    # HER2: positive category iff positive status; pending never without a prompt.
    assert (c.her2.category == "HER2-positive") == (c.her2.status == "positive")
    if c.her2.status == "pending":
        assert c.her2.category == "pending" and c.her2.missing
    if c.her2.category == "pending":
        assert c.her2.missing
    # IHC 0/1+ is never positive without an ISH result that makes it so.
    b = case["biomarkers"]
    if b["her2_ihc"] in (0, 1) and b["her2_ish"] is None and b["her2_single_probe_copies"] is None:
        assert c.her2.status == "negative"
    # ER low positive is exactly 1-10 % and is flagged, never a luminal subtype.
    er = b["er_percent"]
    if er is not None and 1 <= er <= 10:
        assert c.er.status == "low_positive" and c.subtype.subtype == "flag_er_low"
    if c.subtype.subtype == "pending":
        assert c.subtype.missing
    if c.subtype.subtype == "triple_negative":
        assert c.her2.status == "negative" and c.er.status == "negative"
    # Stage: a group, or a named gap.
    s = c.stage_pathological
    if s.anatomic is None:
        assert s.missing or (s.t, s.n) in {("T0", "N0"), ("T0", "N0(i+)")} or s.t == "Tis"


FIELDS_OUT_OF_RANGE = [
    (("biomarkers", "er_percent"), st.floats(100.01, 1e6)),
    (("biomarkers", "pr_percent"), st.floats(-1e6, -0.01)),
    (("biomarkers", "ki67_percent"), st.floats(100.01, 1e6)),
    (("biomarkers", "her2_ihc"), st.integers(4, 1000)),
    (("patient", "age_years"), st.integers(121, 10_000)),
    (("patient", "ecog"), st.integers(5, 100)),
    (("tumour", "size_mm"), st.floats(-1e6, -0.01)),
    (("tumour", "grade"), st.sampled_from([0, 4, 9])),
    (("tumour", "nodes_positive"), st.integers(-100, -1)),
]


@settings(max_examples=500, deadline=None)
@given(valid_cases(), st.sampled_from(range(len(FIELDS_OUT_OF_RANGE))), st.data())
def test_invalid_case_names_the_field(
    case: dict[str, Any], index: int, data: st.DataObject
) -> None:
    (section, name), bad = FIELDS_OUT_OF_RANGE[index]
    case[section][name] = data.draw(bad)
    try:
        assess(case, today=TODAY)
    except CaseValidationError as exc:
        assert f"{section}.{name}" in {i.field for i in exc.issues}
    else:  # pragma: no cover - the property failed
        raise AssertionError(f"{section}.{name}={case[section][name]!r} was accepted")
