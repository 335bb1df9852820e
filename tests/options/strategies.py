"""Hypothesis strategies for whole cases (valid by construction; None = not recorded).

Sub-strategies are module constants: building strategies inside the composite on every draw
dominates the run time.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

AGENTS = [
    "docetaxel", "paclitaxel", "carboplatin", "capecitabine", "epirubicin", "cyclophosphamide",
    "trastuzumab", "pertuzumab", "trastuzumab emtansine", "trastuzumab deruxtecan", "pyrotinib",
    "letrozole", "anastrozole", "fulvestrant", "tamoxifen", "goserelin", "palbociclib",
    "ribociclib", "abemaciclib", "olaparib", "pembrolizumab", "sacituzumab govitecan",
]  # fmt: skip
DECISION_POINTS = [
    None, "surgery", "axilla", "neoadjuvant", "adjuvant", "post_neoadjuvant", "extended_adjuvant",
    "metastatic_line_1", "metastatic_line_2", "metastatic_line_3plus", "follow_up",
]  # fmt: skip


def _opt(values: list[Any]) -> st.SearchStrategy[Any]:
    return st.sampled_from([None, *values])


_MUT = _opt(["mutated", "wild_type"])
_BIO = st.fixed_dictionaries(
    {
        "er_percent": _opt([0, 0.5, 1, 5, 10, 11, 50, 95]),
        "pr_percent": _opt([0, 5, 30, 80]),
        "her2_ihc": _opt([0, 1, 2, 3]),
        "ki67_percent": _opt([5, 15, 20, 35]),
        "germline_brca": _opt(["brca1", "brca2", "negative"]),
        "pdl1_cps": _opt([1, 9, 10, 30]),
        "pik3ca": _MUT,
        "esr1": _MUT,
        "akt1": _MUT,
        "pten": _MUT,
    }
)
_RS = _opt([5, 15, 16, 20, 25, 26, 40])
_STAINING = _opt(["none", "faint_le10"])
_ISH = _opt([(1.2, 2.5), (1.8, 4.5), (1.5, 6.5), (2.2, 3.5), (3.5, 6.5)])
_TUMOUR = st.fixed_dictionaries(
    {
        "size_mm": _opt([0.5, 4, 8, 15, 25, 45, 55]),
        "clinical_size_mm": _opt([8, 15, 25, 55]),
        "clinical_n": _opt(["N0", "N1", "N2", "N3"]),
        "nodes_positive": _opt([0, 1, 2, 3, 4, 9, 12]),
        "grade": _opt([1, 2, 3]),
        "clinical_m": _opt(["M0", "M1"]),
        "visceral_crisis": _opt([True, False]),
    }
)
_SITES = _opt([["bone"], ["liver", "lung"], ["brain"], ["bone", "brain", "liver"]])
_AGENT_LIST = st.lists(st.sampled_from(AGENTS), min_size=1, max_size=3, unique=True)
_LINE = st.fixed_dictionaries(
    {
        "agents": _AGENT_LIST,
        "outcome": st.sampled_from(["progression", "response", "toxicity"]),
        "months": _opt([3, 6, 7, 14]),
    }
)
_LINES = st.lists(_LINE, max_size=3)
_TREATMENT = st.fixed_dictionaries(
    {
        "metastatic_lines": _LINES,
        "months_since_trastuzumab": _opt([3, 12, 13, 30]),
        "adjuvant_chemotherapy_done": _opt([True, False]),
        "adjuvant_agents": st.one_of(
            st.none(), st.lists(st.sampled_from(AGENTS), max_size=3, unique=True)
        ),
        "neoadjuvant": st.one_of(
            st.none(),
            st.fixed_dictionaries(
                {"agents": _AGENT_LIST, "response": _opt(["pcr", "residual_invasive"])}
            ),
        ),
    }
)
_PATIENT = st.fixed_dictionaries(
    {
        "age_years": _opt([30, 34, 45, 50, 55, 70, 75]),
        "sex": st.just("female"),
        "menopausal_status": _opt(["pre", "peri", "post"]),
    }
)
_DP = st.sampled_from(DECISION_POINTS)


@st.composite
def cases(draw: st.DrawFn) -> dict[str, Any]:
    biomarkers = dict(draw(_BIO))
    biomarkers["genomics"] = {"oncotype_rs": draw(_RS)}
    if biomarkers["her2_ihc"] == 0:
        biomarkers["her2_ihc0_staining"] = draw(_STAINING)
    if biomarkers["her2_ihc"] in (2, None):
        ish = draw(_ISH)
        if ish is not None:
            biomarkers["her2_ish"] = {"ratio": ish[0], "her2_copies": ish[1]}
    tumour = dict(draw(_TUMOUR))
    if tumour["clinical_m"] == "M1":
        tumour["metastatic_sites"] = draw(_SITES)
    treatment = dict(draw(_TREATMENT))
    return {
        "decision_point": draw(_DP),
        "patient": draw(_PATIENT),
        "tumour": tumour,
        "biomarkers": biomarkers,
        "treatment": treatment,
    }
