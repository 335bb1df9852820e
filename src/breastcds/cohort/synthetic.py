"""Seeded synthetic cohorts: realistic-looking patients with a share of missing fields.

The proportions loosely follow published registry figures, rounded; they are a test and
benchmark population, not an epidemiological model:

* age at diagnosis, median about 62-63 years: SEER Cancer Stat Facts, Female Breast Cancer
  (NCI, 2017-2021 cases); men about 1 % of breast cancers (SEER / ACS Breast Cancer Facts &
  Figures);
* stage at diagnosis localized 65 %, regional 27 %, distant 6 %, unknown 2 %: SEER Cancer Stat
  Facts, Female Breast Cancer;
* receptor groups HR+/HER2- about 70 %, HR+/HER2+ about 10 %, HR-/HER2+ about 4 %, triple
  negative about 10 %, unknown about 6 %: SEER Cancer Stat Facts, Female Breast Cancer Subtypes;
* HER2-low (IHC 1+, or 2+ ISH-negative) in roughly 60 % of HER2-negative tumours (large
  registry series, e.g. Tarantino P et al., JAMA Oncol 2022, and Peiffer DS et al., Cancer Res
  2023 report 55-65 %); the split of IHC 0 into null / ultralow here is an assumption;
* ER-low (1-10 %) a few percent of ER-positive tumours (Allison KH et al., J Clin Oncol 2020,
  ASCO/CAP guideline, cites 2-6 %).

The figures above are quoted from memory of the sources and rounded, not re-verified against
their tables; see docs/cohort.md. Every other distribution (grade, Ki-67, treatments, ...) is a
plain assumption chosen to exercise the rules (pregnancy, 8 % of women under 45, brain
metastasis counts and declined treatments are deliberately over-represented). Rows always
satisfy the case model (unless an ``invalid_share`` is asked for); ``missing`` sets each
optional item (or item group, e.g. an ISH count) to not recorded with that probability, and an
item valid only with another one true (gestation with pregnancy, DCIS extent with pure DCIS)
is then not recorded either.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

from breastcds.cohort.schema import BY_NAME, COLUMNS, MAX_LINES
from breastcds.cohort.validate import canonical_dtype

Arr = npt.NDArray[Any]

#: Items nulled together (a pair or a record), so that missing data stays valid data.
GROUPS: tuple[tuple[str, ...], ...] = (
    ("her2_ish_ratio", "her2_ish_copies", "her2_ish_recount_ratio", "her2_ish_recount_copies"),
    ("her2_ish_recount_ratio", "her2_ish_recount_copies"),
    ("neoadjuvant", "neoadjuvant_agents", "neoadjuvant_response", "ypt", "ypn"),
    tuple(f"metastatic_line{k}_{p}" for k in range(1, MAX_LINES + 1)
          for p in ("agents", "outcome", "months")),
)  # fmt: skip
_NEVER_NULLED = {"case_id"}

_REGIMENS_EARLY = {
    "her2": ["docetaxel;carboplatin;trastuzumab;pertuzumab", "paclitaxel;trastuzumab",
             "epirubicin;cyclophosphamide;docetaxel;trastuzumab;pertuzumab"],
    "tn": ["epirubicin;cyclophosphamide;paclitaxel", "paclitaxel;carboplatin;pembrolizumab",
           "docetaxel;cyclophosphamide"],
    "lum": ["epirubicin;cyclophosphamide;docetaxel", "docetaxel;cyclophosphamide"],
}  # fmt: skip
_REGIMENS_MET = {
    "lum": ["letrozole;palbociclib", "fulvestrant;abemaciclib", "anastrozole;ribociclib",
            "fulvestrant;alpelisib", "capecitabine", "exemestane;everolimus", "paclitaxel",
            "trastuzumab deruxtecan", "sacituzumab govitecan", "eribulin"],
    "her2": ["docetaxel;trastuzumab;pertuzumab", "trastuzumab deruxtecan",
             "tucatinib;trastuzumab;capecitabine", "pyrotinib;capecitabine",
             "trastuzumab emtansine"],
    "tn": ["paclitaxel;pembrolizumab", "sacituzumab govitecan", "capecitabine", "olaparib",
           "carboplatin;gemcitabine", "trastuzumab deruxtecan"],
}  # fmt: skip


def _choice(rng: np.random.Generator, n: int, values: list[Any], p: list[float]) -> Arr:
    probs = np.asarray(p, dtype=float)
    return np.asarray(values, dtype=object)[rng.choice(len(values), size=n, p=probs / probs.sum())]


def _where(cond: Arr, a: Any, b: Any) -> Arr:
    out = np.where(cond, np.asarray(a, dtype=object), np.asarray(b, dtype=object))
    return np.asarray(out, dtype=object)


def generate(
    n: int, seed: int = 0, *, missing: float = 0.1, invalid_share: float = 0.0
) -> pl.DataFrame:
    """``n`` synthetic episodes (canonical column types; list items as ';' text)."""
    if n < 0 or not 0.0 <= missing <= 1.0 or not 0.0 <= invalid_share <= 1.0:
        raise ValueError("n >= 0, 0 <= missing <= 1 and 0 <= invalid_share <= 1 are required")
    rng = np.random.default_rng(seed)
    none = np.full(n, None, dtype=object)

    def u() -> npt.NDArray[np.float64]:
        return rng.random(n)

    col: dict[str, Arr] = {}

    col["case_id"] = np.asarray([f"S{seed}-{i:07d}" for i in range(n)], dtype=object)
    age = np.clip(np.round(rng.normal(62.0, 13.0, n)), 22, 95).astype(np.int64)
    male = u() < 0.01
    col["age_years"] = age.astype(object)
    col["sex"] = _where(male, "male", "female")
    meno = _choice(rng, n, ["pre", "peri", "post"], [0.4, 0.2, 0.4])
    meno = _where(age < 45, "pre", _where(age >= 55, "post", meno))
    col["menopausal_status"] = _where(male, None, meno)
    col["ecog"] = _choice(rng, n, [0, 1, 2, 3], [0.6, 0.3, 0.08, 0.02])
    col["cardiac_dysfunction"] = (u() < 0.03).astype(object)
    col["interstitial_lung_disease"] = (u() < 0.01).astype(object)
    col["connective_tissue_disease"] = (u() < 0.01).astype(object)
    # pregnancy in the new column, the older one, or both (always the same value)
    pregnant = (u() < 0.08) & (age < 45) & ~male
    where = _choice(rng, n, ["new", "old", "both"], [0.7, 0.2, 0.1])
    col["pregnant"] = _where(where != "old", pregnant, None)
    col["pregnancy"] = _where(where != "new", pregnant, None)
    col["gestation_weeks"] = _where(pregnant, rng.integers(4, 40, n), None)
    col["current_smoker"] = (u() < 0.12).astype(object)
    col["peripheral_neuropathy"] = (u() < 0.04).astype(object)
    col["osteoporosis"] = (u() < np.where(age >= 65, 0.2, 0.05)).astype(object)
    col["venous_thromboembolism"] = (u() < 0.02).astype(object)
    col["diabetes_uncontrolled"] = (u() < 0.02).astype(object)
    col["active_autoimmune_disease"] = (u() < 0.02).astype(object)
    col["geriatric_assessment"] = _where((age >= 70) & (u() < 0.5), _choice(
        rng, n, ["fit", "vulnerable", "frail"], [0.5, 0.3, 0.2]), None)  # fmt: skip
    col["declines"] = _where(u() < 0.4, _choice(
        rng, n, ["none", "chemotherapy", "endocrine_therapy", "radiotherapy",
                 "anti_her2_therapy", "mastectomy", "surgery", "chemotherapy;radiotherapy"],
        [0.8, 0.05, 0.04, 0.04, 0.02, 0.02, 0.01, 0.02]), None)  # fmt: skip

    # receptor group (SEER subtypes) and stage (SEER stage at diagnosis)
    group = _choice(rng, n, ["lum", "lumher2", "her2", "tn", "unknown"],
                    [0.70, 0.10, 0.04, 0.10, 0.06])  # fmt: skip
    stage = _choice(rng, n, ["local", "regional", "distant", "unknown"],
                    [0.65, 0.27, 0.06, 0.02])  # fmt: skip
    distant = stage == "distant"
    dcis = (u() < 0.03) & ~distant
    col["laterality"] = _choice(rng, n, ["left", "right", "bilateral"], [0.5, 0.48, 0.02])
    col["histology"] = _where(dcis, None, _choice(
        rng, n, ["ductal_nst", "lobular", "mixed_ductal_lobular", "mucinous", "tubular",
                 "micropapillary", "metaplastic", "other"],
        [0.75, 0.12, 0.05, 0.02, 0.02, 0.01, 0.01, 0.02]))  # fmt: skip
    col["dcis_only"] = dcis.astype(object)
    size = np.clip(np.round(rng.lognormal(np.log(18.0), 0.6, n)), 1, 300)
    size = np.where(rng.random(n) < 0.05, np.round(rng.uniform(0.5, 1.5, n), 1), size)
    col["size_mm"] = _where(dcis, None, size)
    col["clinical_size_mm"] = _where(u() < 0.4, np.round(size * rng.uniform(0.8, 1.2, n)), None)
    col["focality"] = _choice(rng, n, ["unifocal", "multifocal", "multicentric"],
                              [0.85, 0.1, 0.05])  # fmt: skip
    hi = (group == "tn") | (group == "her2")
    grade = np.where(
        hi,
        _choice(rng, n, [1, 2, 3], [0.03, 0.22, 0.75]).astype(int),
        _choice(rng, n, [1, 2, 3], [0.25, 0.5, 0.25]).astype(int),
    )
    col["grade"] = _where(dcis, None, grade)
    col["lvi"] = (u() < 0.2).astype(object)

    nodes = np.zeros(n, dtype=np.int64)
    nodal = (stage == "regional") | (distant & (u() < 0.7))
    band = _choice(rng, n, [1, 2, 3], [0.6, 0.25, 0.15]).astype(int)
    nodes = np.where(nodal & (band == 1), rng.integers(1, 4, n), nodes)
    nodes = np.where(nodal & (band == 2), rng.integers(4, 10, n), nodes)
    nodes = np.where(nodal & (band == 3), rng.integers(10, 30, n), nodes)
    known_nodes = (stage != "unknown") & ~dcis
    col["nodes_positive"] = _where(known_nodes, nodes, None)
    col["nodes_examined"] = _where(known_nodes, nodes + rng.integers(1, 15, n), None)
    micro = (nodes >= 1) & (nodes <= 3) & (u() < 0.12)
    col["nodes_micrometastases_only"] = _where(known_nodes & (nodes > 0), micro, None)

    sites_pool = ["bone", "liver", "lung", "brain", "pleura", "distant_lymph_nodes",
                  "skin_soft_tissue"]  # fmt: skip
    combos = [";".join(x) for k in (1, 2, 3) for x in itertools.combinations(sites_pool, k)]
    sites = np.asarray(combos, dtype=object)[rng.integers(0, len(combos), n)]
    col["metastatic_sites"] = _where(distant, sites, _where(u() < 0.3, "none", None))
    col["clinical_m"] = _where(distant, "M1", _where(u() < 0.7, "M0", None))
    col["pathological_m"] = none.copy()
    col["visceral_crisis"] = _where(distant, u() < 0.05, None)
    brain = np.asarray(["brain" in str(x).split(";") for x in sites], dtype=bool) & distant
    count = np.where(brain, rng.integers(1, 16, n), 0)
    col["brain_metastases_count"] = _where(distant & (brain | (u() < 0.5)), count, None)
    col["brain_metastases_symptomatic"] = _where(brain & (u() < 0.8), u() < 0.5, None)
    col["dcis_extent_mm"] = _where(dcis & (u() < 0.8), np.clip(np.round(
        rng.lognormal(np.log(20.0), 0.6, n)), 1, 150), None)  # fmt: skip
    col["dcis_nuclear_grade"] = _where(dcis, _choice(rng, n, [1, 2, 3], [0.2, 0.4, 0.4]), None)
    screened = (age >= 50) & (age <= 74)
    col["detection"] = _where(screened & (u() < 0.6), "screen", "symptomatic")

    # receptors
    hr_pos = (group == "lum") | (group == "lumher2")
    er_low = hr_pos & (u() < 0.03)
    er = np.where(hr_pos, np.round(rng.uniform(60, 100, n)), 0.0)
    er = np.where(er_low, rng.integers(1, 11, n), er)
    er = np.where(~hr_pos & (u() < 0.2), rng.integers(0, 1, n), er)
    unknown_group = group == "unknown"
    col["er_percent"] = _where(unknown_group, None, er)
    pr_band = _choice(rng, n, [0, 1, 2], [0.15, 0.15, 0.7]).astype(int)
    pr = np.where(pr_band == 2, np.round(rng.uniform(20, 100, n)),
                  np.where(pr_band == 1, rng.integers(1, 20, n), 0))  # fmt: skip
    pr = np.where(hr_pos, pr, np.where(u() < 0.05, rng.integers(1, 10, n), 0))
    col["pr_percent"] = _where(unknown_group, None, pr)

    her2_pos = (group == "lumher2") | (group == "her2")
    ihc_neg = _choice(rng, n, [0, 1, 2], [0.35, 0.4, 0.25]).astype(int)
    ihc = np.where(her2_pos, _choice(rng, n, [3, 2], [0.7, 0.3]).astype(int), ihc_neg)
    col["her2_ihc"] = _where(unknown_group, None, ihc)
    stain = _choice(rng, n, ["none", "faint_le10", None], [0.5, 0.3, 0.2])
    col["her2_ihc0_staining"] = _where((ihc == 0) & ~unknown_group, stain, None)
    ish_needed = ((ihc == 2) & (u() < 0.9)) | ((ihc < 2) & (u() < 0.05))
    ratio = np.where(her2_pos, np.round(rng.uniform(2.0, 8.0, n), 1),
                     np.round(rng.uniform(0.8, 1.99, n), 2))  # fmt: skip
    copies = np.where(her2_pos, np.round(rng.uniform(4.0, 20.0, n), 1),
                      np.round(rng.uniform(1.5, 3.99, n), 1))  # fmt: skip
    # a few equivocal groups 2-4 among IHC 2+, some with the second-observer recount
    equivocal = (ihc == 2) & ~her2_pos & (u() < 0.1)
    ratio = np.where(equivocal, np.round(rng.uniform(1.5, 2.5, n), 1), ratio)
    copies = np.where(equivocal, np.round(rng.uniform(3.5, 7.0, n), 1), copies)
    recount = equivocal & (u() < 0.7)
    has_ish = ish_needed & ~unknown_group
    col["her2_ish_ratio"] = _where(has_ish, ratio, None)
    col["her2_ish_copies"] = _where(has_ish, copies, None)
    col["her2_ish_recount_ratio"] = _where(has_ish & recount, np.round(ratio * rng.uniform(
        0.9, 1.1, n), 2), None)  # fmt: skip
    col["her2_ish_recount_copies"] = _where(has_ish & recount, np.round(copies * rng.uniform(
        0.9, 1.1, n), 1), None)  # fmt: skip
    col["her2_single_probe_copies"] = _where(
        (ihc == 2) & ~has_ish & (u() < 0.3), np.round(rng.uniform(2.0, 8.0, n), 1), None
    )
    ki67 = np.where(hr_pos & ~her2_pos, rng.lognormal(np.log(15.0), 0.6, n),
                    rng.lognormal(np.log(40.0), 0.4, n))  # fmt: skip
    col["ki67_percent"] = _where(dcis, None, np.clip(np.round(ki67), 1, 95))

    lum_her2neg = hr_pos & ~her2_pos
    col["oncotype_rs"] = _where(
        lum_her2neg & (nodes <= 3) & (u() < 0.3),
        np.clip(np.round(rng.gamma(4.0, 4.5, n)), 0, 100),
        None,
    )
    col["mammaprint"] = _where(lum_her2neg & (u() < 0.05),
                               _choice(rng, n, ["ultralow", "low", "high"], [0.15, 0.45, 0.4]),
                               None)  # fmt: skip
    has_prosigna = lum_her2neg & (u() < 0.05)
    col["prosigna_ror"] = _where(has_prosigna, rng.integers(0, 101, n), None)
    col["prosigna_risk"] = _where(has_prosigna, _choice(rng, n, ["low", "intermediate", "high"],
                                                        [0.4, 0.3, 0.3]), None)  # fmt: skip
    tn = group == "tn"
    col["germline_brca"] = _where((tn | (age < 45)) & (u() < 0.5), _choice(
        rng, n, ["brca1", "brca2", "negative"], [0.1, 0.06, 0.84]), None)  # fmt: skip
    col["pdl1_cps"] = _where(tn & (u() < 0.5), np.round(rng.uniform(0, 60, n)), None)
    for gene, p_mut in (("pik3ca", 0.4), ("esr1", 0.3), ("akt1", 0.05), ("pten", 0.05)):
        tested = distant & hr_pos & (u() < 0.5)
        col[gene] = _where(tested, _where(u() < p_mut, "mutated", "wild_type"), None)

    # treatment
    surgery = _choice(rng, n, ["breast_conserving", "mastectomy", "none"], [0.6, 0.37, 0.03])
    col["surgery_type"] = _where(distant, _where(u() < 0.3, surgery, None), surgery)
    col["axillary_surgery"] = _where(nodes > 0, "axillary_dissection", "sentinel_node_biopsy")
    col["sentinel_nodes_positive"] = _where(
        u() < 0.5, np.where(nodes > 0, np.minimum(nodes, rng.integers(1, 4, n)), 0), None
    )
    suspicious = u() < np.where(nodes > 0, 0.6, 0.1)
    col["axillary_ultrasound"] = _where(u() < 0.5, _where(suspicious, "suspicious", "normal"),
                                        None)  # fmt: skip
    neo = ~distant & ~dcis & ((her2_pos | tn) & (size > 20) | (u() < 0.05)) & (u() < 0.5)
    col["neoadjuvant"] = _where(neo, True, None)
    sub = np.where(her2_pos, "her2", np.where(tn, "tn", "lum"))
    early_reg = _pick(rng, sub, _REGIMENS_EARLY)
    col["neoadjuvant_agents"] = _where(neo, early_reg, None)
    pcr = u() < np.where(her2_pos | tn, 0.45, 0.15)
    col["neoadjuvant_response"] = _where(neo, _where(pcr, "pcr", "residual_invasive"), None)
    col["ypt"] = _where(neo & pcr, "T0", None)
    col["ypn"] = _where(neo & pcr, "N0", None)
    chemo = ~neo & ~distant & ((grade == 3) | (nodes > 0) | tn | her2_pos) & (u() < 0.7)
    col["adjuvant_chemotherapy_done"] = _where(~distant & ~dcis, chemo, None)
    col["adjuvant_agents"] = _where(chemo & (u() < 0.5), early_reg, None)
    col["endocrine_therapy_planned"] = _where(hr_pos & ~distant, u() < 0.9, None)
    col["months_since_trastuzumab"] = _where(her2_pos & distant & (u() < 0.5),
                                             np.round(rng.uniform(0, 60, n)), None)  # fmt: skip
    left = col["laterality"] == "left"
    heart = np.where(left, rng.uniform(1.0, 5.0, n), rng.uniform(0.3, 1.5, n))
    col["mean_heart_dose_gy"] = _where((surgery == "breast_conserving") & (u() < 0.3),
                                       np.round(heart, 2), None)  # fmt: skip
    col["prior_breast_radiotherapy"] = _where(u() < 0.05, True, None)
    col["margin_mm"] = _where(surgery == "breast_conserving",
                              np.round(rng.gamma(1.5, 2.5, n), 1), None)  # fmt: skip

    n_lines = _where(distant, rng.integers(0, MAX_LINES + 1, n), 0).astype(np.int64)
    for k in range(1, MAX_LINES + 1):
        has = n_lines >= k
        agents = _pick(rng, sub, _REGIMENS_MET)
        col[f"metastatic_line{k}_agents"] = _where(has, agents, None)
        col[f"metastatic_line{k}_outcome"] = _where(has, _choice(
            rng, n, ["progression", "response", "stable", "toxicity", "ongoing"],
            [0.6, 0.1, 0.1, 0.1, 0.1]), None)  # fmt: skip
        col[f"metastatic_line{k}_months"] = _where(has, np.round(rng.uniform(1, 30, n)), None)
    dp_early = _choice(rng, n, ["adjuvant", "surgery", "follow_up", "extended_adjuvant"],
                       [0.6, 0.2, 0.1, 0.1])  # fmt: skip
    dp_met = np.asarray(
        [
            "metastatic_line_1",
            "metastatic_line_2",
            "metastatic_line_3plus",
            "metastatic_line_3plus",
        ],
        dtype=object,
    )[n_lines]
    dp = _where(distant, dp_met, _where(neo, "post_neoadjuvant", dp_early))
    col["decision_point"] = _where(u() < 0.4, dp, None)
    # recorded categories for some rows (consistent with the derived ones)
    col["clinical_t"] = none.copy()
    col["clinical_n"] = _where(u() < 0.5, _where(nodes > 0, "N1", "N0"), None)
    col["pathological_t"] = none.copy()
    col["pathological_n"] = none.copy()

    _null_missing(col, rng, n, missing)
    _null_orphans(col)
    # the course records draw from their own stream, so the items above stay as they were
    history = _History(hr_pos=hr_pos, distant=distant, dcis=dcis, surgery=surgery,
                       nodal=nodes > 0, male=male, meno=meno, her2_pos=her2_pos)  # fmt: skip
    _course_records(col, np.random.default_rng([seed, 1]), history, missing)
    if invalid_share > 0:
        bad = rng.random(n) < invalid_share
        col["age_years"] = _where(bad, 150, col["age_years"])
    return pl.DataFrame([_series(c.name, c.kind, col.get(c.name, none)) for c in COLUMNS])


@dataclass(frozen=True)
class _History:
    """What the course records of a patient depend on (before items were set missing)."""

    hr_pos: Arr
    distant: Arr
    dcis: Arr
    surgery: Arr
    nodal: Arr
    male: Arr
    meno: Arr
    her2_pos: Arr


#: Items of one course record, nulled together (the record exists with its first item).
COURSE_GROUPS: tuple[tuple[str, ...], ...] = (
    ("endocrine_agents", "endocrine_years_completed", "endocrine_ongoing",
     "endocrine_months_since_end"),
    ("recurrence_site", "recurrence_months_since_diagnosis",
     "recurrence_months_since_last_radiotherapy", "recurrence_on_therapy", "recurrence_biopsied",
     "recurrence_restaged", "recurrence_resected"),
)  # fmt: skip


def _course_records(
    col: dict[str, Arr], rng: np.random.Generator, h: _History, missing: float
) -> None:
    """Radiotherapy history, adjuvant endocrine therapy, recurrence and de novo metastatic
    disease (plain assumptions chosen to exercise the rules, not registry figures): about half
    of the metastatic patients relapsed after an earlier primary (the others are de novo),
    about 5 % of the others (and 3 % of pure DCIS) have a locoregional recurrence; 60 % of
    hormone-receptor-positive patients have an adjuvant endocrine record; at a relapse the
    radiotherapy history is recorded."""
    n: int = h.distant.shape[0]

    def u() -> npt.NDArray[np.float64]:
        return rng.random(n)

    bcs, mastectomy = h.surgery == "breast_conserving", h.surgery == "mastectomy"
    # radiotherapy before: after breast-conserving surgery mostly, after mastectomy when nodal
    given = np.where(bcs, u() < 0.9, np.where(mastectomy, u() < np.where(h.nodal, 0.7, 0.15),
                                              False))  # fmt: skip
    prior_breast = np.asarray([v is True for v in col["prior_breast_radiotherapy"].tolist()])
    given |= prior_breast  # a recorded whole-breast course: radiotherapy was given (never
    # false with a course: regions are drawn only where it was given)
    region = np.where(bcs, "whole_breast", "chest_wall")
    region = np.where(bcs & (u() < 0.4), "whole_breast;tumour_bed_boost", region)
    region = np.where(h.nodal & (u() < 0.5), np.char.add(region.astype(str), ";supraclavicular"),
                      region)  # fmt: skip
    known_surgery = bcs | mastectomy
    # recurrence: distant (half of the metastatic patients) or locoregional
    relapse_distant = h.distant & (u() < 0.5)
    local = ~h.distant & (u() < np.where(h.dcis, 0.03, 0.05))
    # the radiotherapy history is recorded at a relapse (before it, radiotherapy may be the
    # decision being taken, so it stays not recorded)
    history = (relapse_distant | local) & known_surgery
    col["radiotherapy_given"] = _where(history | prior_breast, given, None)
    col["prior_radiotherapy_regions"] = _where(history & given & (u() < 0.7), region, None)
    de_novo = h.distant & ~relapse_distant
    col["de_novo_metastatic"] = _where(de_novo & (u() < 0.6), True, _where(
        ~h.distant & (u() < 0.3), False, None))  # fmt: skip
    local_site = np.where(
        bcs,
        _choice(rng, n, ["ipsilateral_breast", "regional_nodes"], [0.6, 0.4]),
        np.where(mastectomy, _choice(rng, n, ["chest_wall", "regional_nodes"], [0.65, 0.35]),
                 "regional_nodes"),
    )  # fmt: skip
    relapse = relapse_distant | local
    since_dx = np.round(rng.uniform(6.0, 120.0, n))
    col["recurrence_site"] = _where(relapse_distant, "distant", _where(local, local_site, None))
    col["recurrence_months_since_diagnosis"] = _where(relapse, since_dx, None)
    since_rt = np.maximum(1.0, since_dx - np.round(rng.uniform(4.0, 9.0, n)))
    col["recurrence_months_since_last_radiotherapy"] = _where(relapse & given, since_rt, None)
    col["recurrence_biopsied"] = _where(relapse, u() < 0.7, None)
    col["recurrence_restaged"] = _where(relapse, u() < 0.6, None)
    col["recurrence_resected"] = _where(relapse, local & (u() < 0.2), None)

    # adjuvant endocrine therapy (never with de novo metastatic disease)
    post = h.meno == "post"
    agent = np.where(post, _choice(rng, n, ["letrozole", "anastrozole", "exemestane"],
                                   [0.4, 0.4, 0.2]), "tamoxifen")  # fmt: skip
    agent = np.where(~post & ~h.male & (u() < 0.2), "goserelin;exemestane", agent)
    years = np.round(rng.uniform(0.0, 10.0, n), 1)
    years = np.where(relapse, np.minimum(years, np.round(since_dx / 12.0, 1)), years)
    ongoing = np.where(years < 5.0, u() < 0.9, u() < 0.5)
    has_et = h.hr_pos & ~h.dcis & ~de_novo & (u() < 0.6)
    col["endocrine_agents"] = _where(has_et, agent, _where(~h.hr_pos & (u() < 0.2), "none", None))
    col["endocrine_years_completed"] = _where(has_et, years, None)
    col["endocrine_ongoing"] = _where(has_et, ongoing, None)
    col["endocrine_months_since_end"] = _where(
        has_et & ~ongoing, np.round(rng.uniform(0.0, 60.0, n)), None
    )
    col["recurrence_on_therapy"] = _where(
        relapse, _where(has_et & ongoing, agent, _where(u() < 0.7, "none", None)), None
    )
    # the board meets at the recurrence (where a decision point is recorded)
    dp = col["decision_point"]
    col["decision_point"] = _where(local & (dp != None), "locoregional_recurrence", dp)  # noqa: E711

    for group in COURSE_GROUPS:  # a record missing whole, or single items of it
        drop = rng.random(n) < missing
        for name in group:
            col[name] = _where(drop, None, col[name])
        for name in group[1:]:
            col[name] = _where(rng.random(n) < missing, None, col[name])
    for name in ("radiotherapy_given", "prior_radiotherapy_regions", "de_novo_metastatic"):
        col[name] = _where(rng.random(n) < missing, None, col[name])


_CONVERT: dict[str, Any] = {"int": int, "float": float, "bool": bool}


def _series(name: str, kind: str, values: Arr) -> pl.Series:
    conv = _CONVERT.get(kind, str)
    data = [None if v is None else conv(v) for v in values.tolist()]
    dtype = canonical_dtype(BY_NAME[name]) if kind in _CONVERT else pl.String()
    return pl.Series(name, data, dtype=dtype)


def _pick(rng: np.random.Generator, keys: Arr, table: dict[str, list[str]]) -> Arr:
    """Per row, one entry of ``table[key]`` drawn uniformly."""
    out = np.full(keys.shape[0], None, dtype=object)
    for key, values in table.items():
        rows = np.flatnonzero(keys == key)
        out[rows] = np.asarray(values, dtype=object)[rng.integers(0, len(values), rows.size)]
    return out


#: Items the case model accepts only with another item true (the item -> those items, any).
_NEEDS_TRUE: dict[str, tuple[str, ...]] = {
    "gestation_weeks": ("pregnant", "pregnancy"),
    "dcis_extent_mm": ("dcis_only",),
    "dcis_nuclear_grade": ("dcis_only",),
}


def _null_orphans(col: dict[str, Arr]) -> None:
    """Not recorded where the item it depends on was set to not recorded (rows stay valid)."""
    for name, needs in _NEEDS_TRUE.items():
        held = np.zeros(col[name].shape[0], dtype=bool)
        for other in needs:
            held |= np.asarray([v is True for v in col[other].tolist()], dtype=bool)
        col[name] = _where(held, col[name], None)


def _null_missing(col: dict[str, Arr], rng: np.random.Generator, n: int, share: float) -> None:
    if share <= 0:
        return
    grouped = {name for g in GROUPS for name in g}
    for name in col:
        if name in grouped or name in _NEVER_NULLED:
            continue
        col[name] = _where(rng.random(n) < share, None, col[name])
    for group in GROUPS:
        drop = rng.random(n) < share
        for name in group:
            if name in col:
                col[name] = _where(drop, None, col[name])
