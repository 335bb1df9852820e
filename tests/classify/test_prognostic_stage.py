"""AJCC 8th ed. (2018 revision) breast prognostic stage groups: table data and lookup.

Every expected stage below is transcribed from a published table, quoted next to the case - never
taken from breastcds' YAML or code:

PDQ9  PDQ Adult Treatment Editorial Board, Breast Cancer Treatment (PDQ) HP version, Table 9
      "Definition of Clinical Prognostic Stage Groups" (reprinted from AJCC 8th ed.), NCBI Bookshelf
      NBK65744.43. Quoted as "T/N/M block | grade | HER2 | ER | PR | stage".
SEERc SEER EOD 2018 (eod_public v2.1) table tnm_8_stage_group_breast_16868 ("TNM 8 Stage Group
      Breast", the clinical table); SEERp tnm_8_path_stage_group_breast_21522 ("TNM 8 Path Stage
      Group Breast"). Quoted as the SEER row: [T codes, N codes, M codes, grade, HER2, ER, PR,
      (Oncotype<11), stage] where 1 = positive, 0 = negative, 1A = IA, 3C = IIIC.
VA    US VA VistA Oncology routine ONCSGA8X (Hines OIFO, 2019): `$S(STGIND="C":clinical,1:path)`.
"""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest
from pydantic import ValidationError

from breastcds.classify import prognostic_stage as ps
from breastcds.knowledge.loader import load_yaml

POS, NEG = True, False

# (T, N, grade, HER2+, ER+, PR+, expected stage, quoted source row)
Case = tuple[str, str, int, bool, bool, bool, str, str]


def case(spec: str, quoted: str) -> Case:
    """``"T1c N0 G1 HER2+ ER+ PR+ -> IA"`` -> a case tuple (signs: + positive, - negative)."""
    match = re.fullmatch(
        r"(\S+) (\S+) G([123]) HER2([+-]) ER([+-]) PR([+-]) -> (0|I{1,3}[ABC]?|IV)", spec
    )
    assert match is not None, spec
    t, n, grade, her2, er, pr, stage = match.groups()
    return (t, n, int(grade), her2 == "+", er == "+", pr == "+", stage, quoted)


CLINICAL_ROWS: list[Case] = [
    # PDQ Table 9, block "T1 N0 M0; T0 N1mi M0; T1 N1mi M0"
    case(
        "T1c N0 G1 HER2+ ER+ PR+ -> IA",
        "PDQ9: T1 N0 M0 | G1 | Positive | Positive | Positive | IA",
    ),
    case(
        "T1b N0 G1 HER2- ER- PR- -> IB",
        "PDQ9: T1 N0 M0 | G1 | Negative | Negative | Negative | IB",
    ),
    case(
        "T0 N1mi G2 HER2- ER- PR+ -> IA",
        "PDQ9: T0 N1mi M0 | G2 | Negative | Negative | Positive | IA",
    ),
    case(
        "T1mi N1mi G2 HER2- ER- PR- -> IB",
        "PDQ9: T1 N1mi M0 | G2 | Negative | Negative | Negative | IB",
    ),
    case(
        "T1a N0 G3 HER2- ER+ PR+ -> IA",
        "PDQ9: T1 N0 M0 | G3 | Negative | Positive | Positive | IA",
    ),
    case(
        "T1c N0 G3 HER2- ER+ PR- -> IB",
        "PDQ9: T1 N0 M0 | G3 | Negative | Positive | Negative | IB",
    ),
    case(
        "T1 N1mi G3 HER2+ ER- PR- -> IA",
        "PDQ9: T1 N1mi M0 | G3 | Positive | Negative | Negative | IA",
    ),
    # PDQ Table 9, block "T0 N1 M0; T1 N1 M0; T2 N0 M0"
    case(
        "T2 N0 G1 HER2+ ER+ PR+ -> IB",
        "PDQ9: T2 N0 M0 | G1 | Positive | Positive | Positive | IB",
    ),
    case(
        "T0 N1a G1 HER2- ER- PR- -> IIA",
        "PDQ9: T0 N1 M0 | G1 | Negative | Negative | Negative | IIA",
    ),
    case(
        "T1c N1b G2 HER2- ER+ PR+ -> IB",
        "PDQ9: T1 N1 M0 | G2 | Negative | Positive | Positive | IB",
    ),
    case(
        "T2 N0 G2 HER2- ER- PR- -> IIB",
        "PDQ9: T2 N0 M0 | G2 | Negative | Negative | Negative | IIB",
    ),
    case(
        "T2 N0 G3 HER2- ER+ PR+ -> IIA",
        "PDQ9: T2 N0 M0 | G3 | Negative | Positive | Positive | IIA",
    ),
    case(
        "T1b N1c G3 HER2+ ER- PR- -> IIA",
        "PDQ9: T1 N1 M0 | G3 | Positive | Negative | Negative | IIA",
    ),
    # PDQ Table 9, block "T2 N1 M0; T3 N0 M0" (N1 includes N1mi for T2-T4)
    case(
        "T2 N1a G1 HER2+ ER- PR- -> IIB",
        "PDQ9: T2 N1 M0 | G1 | Positive | Negative | Negative | IIB",
    ),
    case(
        "T3 N0 G1 HER2- ER+ PR+ -> IIA",
        "PDQ9: T3 N0 M0 | G1 | Negative | Positive | Positive | IIA",
    ),
    case(
        "T3 N0 G2 HER2- ER- PR- -> IIIB",
        "PDQ9: T3 N0 M0 | G2 | Negative | Negative | Negative | IIIB",
    ),
    case(
        "T2 N1mi G3 HER2- ER+ PR- -> IIIA",
        "PDQ9: T2 N1 M0 | G3 | Negative | Positive | Negative | IIIA",
    ),
    case(
        "T3 N0 G3 HER2+ ER+ PR+ -> IB",
        "PDQ9: T3 N0 M0 | G3 | Positive | Positive | Positive | IB",
    ),
    # PDQ Table 9, block "T0 N2; T1 N2; T2 N2; T3 N1; T3 N2 (all M0)"
    case(
        "T1c N2a G1 HER2- ER- PR- -> IIIB",
        "PDQ9: T1 N2 M0 | G1 | Negative | Negative | Negative | IIIB",
    ),
    case(
        "T3 N1a G2 HER2+ ER+ PR+ -> IIA",
        "PDQ9: T3 N1 M0 | G2 | Positive | Positive | Positive | IIA",
    ),
    case(
        "T2 N2b G3 HER2+ ER+ PR+ -> IIB",
        "PDQ9: T2 N2 M0 | G3 | Positive | Positive | Positive | IIB",
    ),
    case(
        "T0 N2a G3 HER2+ ER- PR- -> IIIA",
        "PDQ9: T0 N2 M0 | G3 | Positive | Negative | Negative | IIIA",
    ),
    # Rows beyond the retrieved PDQ copy: SEER clinical table (agrees with the RPI ontology)
    case(
        "T3 N2a G3 HER2- ER+ PR+ -> IIIA",
        "SEERc: ['3','1,1MI,2,2A,2B','0,0I+','3','0','1','1','3A']",
    ),
    case(
        "T2 N2a G3 HER2- ER- PR- -> IIIC",
        "SEERc: ['0,1,1MI,1A,1B,1C,2','2,2A,2B','0,0I+','3','0','0','0','3C']",
    ),
    case(
        "T4b N0 G1 HER2+ ER+ PR+ -> IIIA",
        "SEERc: ['4,4A,4B,4C,4D','0,1,1MI,2,2A,2B','0,0I+','1-2','1','1','1','3A']",
    ),
    case(
        "T4d N2a G3 HER2- ER+ PR- -> IIIC",
        "SEERc: ['4,4A,4B,4C,4D','0,1,1MI,2,2A,2B','0,0I+','3','0','1','0','3C']",
    ),
    case(
        "T1c N3c G2 HER2- ER- PR- -> IIIC",
        "SEERc: ['0,1,...,4D,X','3,3A,3B,3C','0,0I+','1-2','0','0','0','3C']",
    ),
    case(
        "T2 N3a G3 HER2+ ER- PR+ -> IIIB",
        "SEERc: ['0,1,...,4D,X','3,3A,3B,3C','0,0I+','1-3','1','0','0,1','3B']",
    ),
    case(
        "T4a N1mi G2 HER2- ER+ PR+ -> IIIB",
        "SEERc: ['4,4A,4B,4C,4D','0,1,1MI,2,2A,2B','0,0I+','1-2','0','1','0,1','3B']",
    ),
]

PATHOLOGICAL_ROWS: list[Case] = [
    case(
        "T1c N0 G1 HER2- ER- PR- -> IA",
        "SEERp: ['1,1MI,1A,1B,1C','0,0I+,0M+','0,0I+','1','0,1','0,1','0,1','*','1A']; "
        "VA 1: G=1 N/N/N -> path 1A",
    ),
    case(
        "T1b N0 G3 HER2- ER- PR- -> IB",
        "SEERp: ['1,1MI,1A,1B,1C','0,0I+,0M+','0,0I+','2-3','0','0','0','*','1B']; "
        "VA 1: G=3 N/N/N -> 1B",
    ),
    case(
        "T0 N1mi G2 HER2- ER+ PR- -> IA",
        "SEERp: ['0,1,1MI,1A,1B,1C','1MI','0,0I+','2-3','0','1','0,1','*','1A']",
    ),
    case(
        "T1mi N0(i+) G3 HER2+ ER- PR- -> IA",
        "SEERp: ['1,1MI,1A,1B,1C','0,0I+,0M+','0,0I+','2-3','1','0,1','0,1','*','1A']",
    ),
    case(
        "T2 N0 G1 HER2+ ER- PR- -> IIA",
        "SEERp: ['2','0,0I+,0M+','0,0I+','1-2','1','0','0','*','2A']; VA 2: G=1 P/N/N -> 2A",
    ),
    case(
        "T2 N0 G2 HER2- ER+ PR+ -> IA",
        "SEERp: ['2','0,0I+,0M+','0,0I+','1-2','0','1','1','*','1A']; VA 2: G=2 N/P/P -> path 1A",
    ),
    case(
        "T2 N0 G1 HER2- ER+ PR- -> IB",
        "SEERp: ['2','0,0I+,0M+','0,0I+','1','0','1','0','NO','1B']; VA 2: G=1 N/P/N -> path 1B",
    ),
    case(
        "T1c N1a G2 HER2- ER- PR+ -> IIA",
        "SEERp: ['0,1,1MI,1A,1B,1C','1,1A,1B,1C','0,0I+','2','0','0','1','*','2A']",
    ),
    case(
        "T0 N1b G3 HER2+ ER+ PR+ -> IA",
        "SEERp: ['0,1,1MI,1A,1B,1C','1,1A,1B,1C','0,0I+','1-3','1','1','1','*','1A']",
    ),
    case(
        "T1b N1a G3 HER2- ER- PR- -> IIA",
        "SEERp: ['0,1,1MI,1A,1B,1C','1,1A,1B,1C','0,0I+','3','0','0','0,1','*','2A']",
    ),
    case(
        "T2 N1a G1 HER2- ER+ PR+ -> IA",
        "SEERp: ['2','1,1MI,1A,1B,1C','0,0I+','1','0,1','1','1','*','1A']",
    ),
    case(
        "T2 N1mi G2 HER2+ ER+ PR+ -> IB",
        "SEERp: ['2','1,1MI,1A,1B,1C','0,0I+','2','0,1','1','1','*','1B']",
    ),
    case(
        "T3 N0 G3 HER2- ER- PR- -> IIIA",
        "SEERp: ['3','0,0I+,0M+','0,0I+','3','0','0','0','*','3A']; VA 3: G=3 N/N/N -> path 3A",
    ),
    case(
        "T3 N0 G3 HER2- ER+ PR+ -> IIA",
        "SEERp: ['3','0,0I+,0M+','0,0I+','3','0','1','1','*','2A']",
    ),
    case(
        "T3 N0 G1 HER2+ ER+ PR- -> IIB",
        "SEERp: ['3','0,0I+,0M+','0,0I+','1-3','1','1','0','*','2B']; VA 3: G=1 P/P/N -> path 2B",
    ),
    case(
        "T3 N1a G1 HER2+ ER+ PR+ -> IB",
        "SEERp: ['3','1,1MI,1A,1B,1C,2,2A,2B','0,0I+','1-2','0,1','1','1','*','1B']",
    ),
    case(
        "T2 N2a G2 HER2- ER- PR- -> IIIB",
        "SEERp: ['0,1,1MI,1A,1B,1C,2','2,2A,2B','0,0I+','2','0','0','0','*','3B']",
    ),
    case(
        "T1c N2a G3 HER2- ER- PR+ -> IIIA",
        "SEERp: ['0,1,1MI,1A,1B,1C,2','2,2A,2B','0,0I+','3','0','0','1','*','3A']; "
        "VA 4: G=3 N/N/P -> path 3A",
    ),
    case(
        "T0 N2b G3 HER2+ ER+ PR+ -> IIA",
        "SEERp: ['0,1,1MI,1A,1B,1C,2','2,2A,2B','0,0I+','3','1','1','1','*','2A']",
    ),
    case(
        "T3 N2a G3 HER2- ER- PR- -> IIIC",
        "SEERp: ['3','1,1MI,1A,1B,1C,2,2A,2B','0,0I+','3','0','0','0','*','3C']",
    ),
    case(
        "T4c N0 G1 HER2- ER+ PR+ -> IIIA",
        "SEERp: ['4,4A,4B,4C,4D','0,0I+,0M+,1,1MI,...,2B','0,0I+','1-2','0,1','1','1','*','3A']",
    ),
    case(
        "T4b N1a G2 HER2- ER- PR- -> IIIC",
        "SEERp: ['4,4A,4B,4C,4D','0,0I+,0M+,1,1MI,...,2B','0,0I+','2','0','0','0','*','3C']",
    ),
    case(
        "T4d N2a G3 HER2+ ER- PR- -> IIIB",
        "SEERp: ['4,4A,4B,4C,4D','0,0I+,0M+,1,1MI,...,2B','0,0I+','3','1','0,1','0,1','*','3B']",
    ),
    case(
        "T1c N3a G1 HER2- ER- PR- -> IIIB",
        "SEERp: ['0,1,...,4D,X','3,3A,3B,3C','0,0I+','1','0','0','0,1','*','3B']",
    ),
    case(
        "T2 N3b G2 HER2+ ER+ PR+ -> IIIA",
        "SEERp: ['0,1,...,4D,X','3,3A,3B,3C','0,0I+','1-2','0,1','1','1','*','3A']",
    ),
    case(
        "T3 N3c G3 HER2- ER+ PR- -> IIIC",
        "SEERp: ['0,1,...,4D,X','3,3A,3B,3C','0,0I+','3','0','1','0','*','3C']",
    ),
]


def _param_id(row: tuple[Any, ...]) -> str:
    t, n, g, h, e, p = row[:6]
    sign = {True: "+", False: "-"}
    return f"{t}-{n}-G{g}-HER2{sign[h]}-ER{sign[e]}-PR{sign[p]}"


def test_sample_covers_at_least_40_rows() -> None:
    assert len(CLINICAL_ROWS) + len(PATHOLOGICAL_ROWS) >= 40


@pytest.mark.parametrize("row", CLINICAL_ROWS, ids=[_param_id(r) for r in CLINICAL_ROWS])
def test_clinical_rows_match_published_table(row: Case) -> None:
    t, n, grade, her2, er, pr, expected, quoted = row
    result = ps.clinical(t, n, "M0", grade, her2, er, pr)
    assert (result.status, result.stage) == ("assigned", expected), quoted
    assert result.row_id is not None and result.row_id.startswith("clinical:")


@pytest.mark.parametrize("row", PATHOLOGICAL_ROWS, ids=[_param_id(r) for r in PATHOLOGICAL_ROWS])
def test_pathological_rows_match_published_table(row: Case) -> None:
    t, n, grade, her2, er, pr, expected, quoted = row
    result = ps.pathological(t, n, "M0", grade, her2, er, pr, None, neoadjuvant_therapy=False)
    assert (result.status, result.stage) == ("assigned", expected), quoted
    assert result.row_id is not None and result.row_id.startswith("pathological:")


def test_same_cell_differs_between_tables() -> None:
    # PDQ9: T2 N0 M0 | G1 | Positive | Positive | Positive | IB (clinical);
    # SEERp ['2','0,0I+,0M+','0,0I+','1-3','1','1','1','*','1A'] (pathological).
    assert ps.clinical("T2", "N0", "M0", 1, POS, POS, POS).stage == "IB"
    assert ps.pathological("T2", "N0", "M0", 1, POS, POS, POS, None).stage == "IA"


# ---- Oncotype DX recurrence score < 11 (pathological table only) ---------------------------


@pytest.mark.parametrize(
    ("grade", "pr", "table_stage", "quoted"),
    [
        (3, POS, "IB", "SEERp ['2','0,0I+,0M+','0,0I+','3','0','1','1','NO','1B'] / YES -> 1A"),
        (2, NEG, "IIA", "SEERp ['2','0,0I+,0M+','0,0I+','2','0','1','0','NO','2A'] / YES -> 1A"),
        (1, NEG, "IB", "SEERp ['2','0,0I+,0M+','0,0I+','1','0','1','0','NO','1B'] / YES -> 1A"),
    ],
)
def test_rs_below_11_makes_t2_n0_er_pos_her2_neg_ia(
    grade: int, pr: bool, table_stage: str, quoted: str
) -> None:
    rs10 = ps.pathological("T2", "N0", "M0", grade, NEG, POS, pr, 10)
    rs11 = ps.pathological("T2", "N0", "M0", grade, NEG, POS, pr, 11)
    no_rs = ps.pathological("T2", "N0", "M0", grade, NEG, POS, pr, None)
    assert rs10.stage == "IA", quoted
    assert "oncotype_rs_lt_11" in rs10.footnotes
    assert rs11.stage == table_stage == no_rs.stage, quoted
    assert "oncotype_rs_lt_11" not in rs11.footnotes
    assert rs10.row_id == rs11.row_id  # the table row stays traceable


def test_rs_below_11_with_t1_n0() -> None:
    # SEERp ['1,1MI,1A,1B,1C','0,0I+,0M+','0,0I+','2-3','0','1','0,1','*','1A']: the T1 N0 ER+ HER2-
    # row is already IA, so RS 10 and RS 11 both give IA; only RS 10 applies the footnote.
    rs10 = ps.pathological("T1c", "N0", "M0", 3, NEG, POS, NEG, 10)
    rs11 = ps.pathological("T1c", "N0", "M0", 3, NEG, POS, NEG, 11)
    assert rs10.stage == rs11.stage == "IA"
    assert "oncotype_rs_lt_11" in rs10.footnotes
    assert "oncotype_rs_lt_11" not in rs11.footnotes


@pytest.mark.parametrize(
    ("t", "n", "her2", "er", "pr", "expected", "why"),
    [
        # SEERp ['0,1,1MI,1A,1B,1C','1,1A,1B,1C','0,0I+','3','0','1','1','NO','1B']: the AJCC note
        # covers T1-T2 N0 only (SEER's YES row for N1 is a recorded discrepancy, not followed).
        ("T1c", "N1a", NEG, POS, POS, "IB", "N is not N0"),
        # SEERp ['2','0,0I+,0M+','0,0I+','3','1','1','0','*','2A']: HER2-positive.
        ("T2", "N0", POS, POS, NEG, "IIA", "HER2 is not negative"),
        # SEERp ['2','0,0I+,0M+','0,0I+','3','0','0','0,1','*','2A']: ER-negative, PR-positive.
        ("T2", "N0", NEG, NEG, POS, "IIA", "ER is not positive"),
        # SEERp ['3','0,0I+,0M+','0,0I+','3','0','1','1','*','2A']: T3.
        ("T3", "N0", NEG, POS, POS, "IIA", "T is not T1 or T2"),
    ],
)
def test_rs_below_11_outside_its_scope_does_not_change_stage(
    t: str, n: str, her2: bool, er: bool, pr: bool, expected: str, why: str
) -> None:
    result = ps.pathological(t, n, "M0", 3, her2, er, pr, 5)
    assert result.stage == expected
    assert "oncotype_rs_lt_11" not in result.footnotes
    assert any(why in r for r in result.reasons)


def test_clinical_stage_takes_no_recurrence_score() -> None:
    with pytest.raises(TypeError):
        ps.clinical("T2", "N0", "M0", 3, NEG, POS, POS, 5)  # type: ignore[call-arg]


# ---- M1, Tis, impossible and missing inputs ---------------------------------------------------


@pytest.mark.parametrize("table", ["clinical", "pathological"])
@pytest.mark.parametrize(("t", "n"), [("T1c", "N0"), ("T4d", "N3c"), ("TX", "NX"), ("Tis", "N0")])
def test_m1_is_stage_iv_without_biomarkers(table: str, t: str, n: str) -> None:
    # SEERc ['0,1,...,4D,X','*','1','*','*','*','*','4'] and
    # SEERp ['0,1,...,4D,X','*','1','*','*','*','*','*','4']: any T, any N, M1 -> IV.
    if table == "clinical":
        result = ps.clinical(t, n, "M1", None, None, None, None)
    else:
        result = ps.pathological(t, n, "M1", None, None, None, None, None)
    assert (result.status, result.stage, result.missing) == ("assigned", "IV", ())
    assert result.row_id == f"{table}:any/any/M1"


@pytest.mark.parametrize("t", ["Tis", "Tis(DCIS)", "Tis(Paget)"])
def test_tis_n0_m0_is_stage_0_without_biomarkers(t: str) -> None:
    # PDQ9 first row: "Tis, N0, M0 | Any | Any | Any | Any | 0";
    # SEERp ['ISD,ISP,IS','0,0I+,0M+','0,0I+','*','*','*','*','*','0'].
    assert ps.clinical(t, "N0", "M0", None, None, None, None).stage == "0"
    assert ps.pathological(t, "N0", "M0", None, None, None, None, None).stage == "0"


def test_tis_with_nodal_disease_is_not_assignable() -> None:
    # SEERp ['ISD,ISP,IS','1,1MI,1A,1B,1C,2,2A,2B,3,3A,3B,3C,X','0,0I+','*','*','*','*','*','99']
    # (99 = no stage group).
    result = ps.pathological("Tis", "N1a", "M0", 2, NEG, POS, POS, None)
    assert (result.status, result.stage) == ("not_assignable", None)


def test_t0_n0_is_not_assignable() -> None:
    # SEERc ['0','0','0,0I+','*','*','*','*','ERROR:Clinical T0N0M0 is not a valid combination.']
    result = ps.clinical("T0", "N0", "M0", 2, NEG, POS, POS)
    assert (result.status, result.stage) == ("not_assignable", None)


@pytest.mark.parametrize(
    ("grade", "her2", "er", "pr", "missing"),
    [
        (None, NEG, POS, POS, ("grade",)),
        (2, None, POS, POS, ("her2",)),
        (2, NEG, None, POS, ("er",)),
        (2, NEG, POS, None, ("pr",)),
        (None, None, None, None, ("grade", "her2", "er", "pr")),
    ],
)
def test_missing_grade_or_biomarkers_is_not_assignable(
    grade: int | None, her2: bool | None, er: bool | None, pr: bool | None, missing: tuple[str, ...]
) -> None:
    for result in (
        ps.clinical("T2", "N1a", "M0", grade, her2, er, pr),
        ps.pathological("T2", "N1a", "M0", grade, her2, er, pr, 5),
    ):
        assert result.status == "not_assignable"
        assert result.stage is None and result.row_id is None
        assert result.missing == missing
        assert "biomarkers_unavailable_use_anatomic" in result.footnotes
        assert any("anatomic stage group" in r for r in result.reasons)


def test_tx_nx_mx_are_not_assignable_and_named() -> None:
    result = ps.clinical("TX", "N1a", "MX", 2, NEG, POS, POS)
    assert result.status == "not_assignable"
    assert result.missing == ("t", "m")


# ---- neoadjuvant therapy: pathological table only after surgery first -------------------------


def test_post_neoadjuvant_categories_are_not_staged_with_the_pathological_table() -> None:
    result = ps.pathological("ypT1c", "ypN0", "M0", 2, NEG, POS, POS, None)
    assert (result.status, result.stage) == ("not_assignable", None)
    assert "pathological_surgery_first" in result.footnotes


def test_stated_neoadjuvant_therapy_blocks_the_pathological_table() -> None:
    blocked = ps.pathological("T1c", "N0", "M0", 2, NEG, POS, POS, None, neoadjuvant_therapy=True)
    assert blocked.status == "not_assignable"
    unstated = ps.pathological("T1c", "N0", "M0", 2, NEG, POS, POS, None)
    assert unstated.stage == "IA"
    assert any("not stated" in r for r in unstated.reasons)


# ---- category mapping --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("t", "n", "groups"),
    [
        ("T1mi", "N0", ("T1", "N0")),
        ("T1a", "N0(i+)", ("T1", "N0")),
        ("T1b", "N0(mol+)", ("T1", "N0")),
        ("cT1c", "cN1", ("T1", "N1")),
        ("pT2(m)", "pN1a(sn)", ("T2", "N1")),
        ("T0", "N1mi", ("T0", "N1mi")),
        ("T1c", "N1mi", ("T1", "N1mi")),
        ("T2", "N1mi", ("T2", "N1")),
        ("T3", "N1mi", ("T3", "N1")),
        ("T4b", "N1mi", ("T4", "N1")),
        ("T4a", "N1c", ("T4", "N1")),
        ("T4d", "N2b", ("T4", "N2")),
        ("T3", "N3b", ("T3", "N3")),
        ("Tis", "N0", ("Tis", "N0")),
        ("TX", "NX", ("TX", "NX")),
    ],
)
def test_table_groups(t: str, n: str, groups: tuple[str, str]) -> None:
    assert ps.table_groups(t, n)[:2] == groups


def test_table_groups_names_the_footnotes() -> None:
    assert ps.table_groups("T2", "N1mi")[2] == ("n1mi_t2_t4",)
    assert ps.table_groups("T1mi", "N1mi")[2] == ("t1_includes_t1mi", "n1mi_t0_t1")


@pytest.mark.parametrize(
    "call",
    [
        lambda: ps.clinical("T5", "N0", "M0", 1, NEG, POS, POS),
        lambda: ps.clinical("T1", "N4", "M0", 1, NEG, POS, POS),
        lambda: ps.clinical("T1", "N0", "M2", 1, NEG, POS, POS),
        lambda: ps.clinical("N1", "T1", "M0", 1, NEG, POS, POS),
        lambda: ps.clinical("T1", "N0", "M0", 4, NEG, POS, POS),
        lambda: ps.clinical("T1", "N0", "M0", 0, NEG, POS, POS),
        lambda: ps.pathological("T1", "N0", "M0", 1, NEG, POS, POS, 150),
    ],
)
def test_malformed_inputs_raise(call: Any) -> None:
    with pytest.raises(ValueError):
        call()


def test_result_is_frozen() -> None:
    result = ps.clinical("T1c", "N0", "M0", 1, POS, POS, POS)
    with pytest.raises(ValidationError):
        result.stage = "IV"  # type: ignore[misc]


# ---- the table data ---------------------------------------------------------------------------


def test_tables_are_complete() -> None:
    kb = ps.prognostic_tables()
    assert kb.version == "AJCC 8th ed., 2018 revision"
    for name, table in kb.tables.items():
        cells = [c for row in table.rows if row.m == "M0" for c in row.cells()]
        # 22 (T, N) pairs (Tis N0 + 21 invasive/T0 pairs) x 3 grades x 2 x 2 x 2 biomarkers
        assert len(cells) == len(set(cells)) == 22 * 24, name
        assert {(c[0], c[1]) for c in cells} == ps.TABLE_TN
        assert sum(row.m == "M1" for row in table.rows) == 1


def _raw() -> dict[str, Any]:
    data = copy.deepcopy(load_yaml(ps.KNOWLEDGE_FILE))
    assert isinstance(data, dict)
    return data


def test_completeness_check_fails_loudly_on_a_missing_row() -> None:
    data = _raw()
    data["tables"]["pathological"]["rows"].pop(5)
    with pytest.raises(ValidationError, match="missing"):
        ps.PrognosticKnowledge.model_validate(data)


def test_completeness_check_fails_loudly_on_a_duplicated_row() -> None:
    data = _raw()
    rows = data["tables"]["clinical"]["rows"]
    rows.append(dict(rows[10]))
    with pytest.raises(ValidationError, match="more than one row"):
        ps.PrognosticKnowledge.model_validate(data)


def test_unknown_source_key_is_refused() -> None:
    data = _raw()
    data["tables"]["clinical"]["rows"][3]["checked"] = ["a_source_nobody_cited"]
    with pytest.raises(ValidationError, match="unknown source"):
        ps.PrognosticKnowledge.model_validate(data)


def test_every_row_was_checked_against_a_cited_source() -> None:
    kb = ps.prognostic_tables()
    keys = {s.key for s in kb.sources}
    for name, table in kb.tables.items():
        for row in table.rows:
            assert row.checked and set(row.checked) <= keys
            assert "seer_eod" in row.checked, row.row_id(name)
            if name == "clinical":
                # PDQ Table 9 or the RPI ontology in addition to SEER, for every clinical row.
                assert {"pdq_table9", "rpi_ontology"} & set(row.checked), row.row_id(name)
    thin = [
        row.row_id("pathological") for row in kb.tables["pathological"].rows if len(row.checked) < 2
    ]
    # The two rows resting on SEER alone are the recorded VA discrepancy (docs/staging.md).
    assert thin == [
        "pathological:T1/N0/M0/G2/HER2-/ER-/PR-",
        "pathological:T0-T1/N1mi/M0/G2/HER2-/ER-/PR-",
    ]
    assert any(d.source == "va_vista" for d in kb.tables["pathological"].discrepancies)
