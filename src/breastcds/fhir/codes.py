"""Every code the FHIR adapter reads or writes, each with the source it was verified against.

Nothing here is inferred: a code is listed only when a published source states it with the
meaning used here. A code that is not listed is reported as *unmapped* by the mapper, never
guessed. ``docs/fhir.md`` renders this module as the code table.

Sources (``SOURCES`` below gives the full reference of each key):

- ``mcode-*``: HL7 mCODE STU4 (4.0.0) FSH sources, github.com/HL7/fhir-mCODE-ig at commit
  543477b5585f2dcc717820a2bea141ea85f03012 (input/fsh/…).
- ``mcode-stu1``: the same repository at commit 21dd8368 (mCODE STU1 examples that code TNM
  values in the AJCC code system, e.g. ``AJCC#cT3``; STU4 keeps ``include codes from system
  AJCC`` in every TNM maximum value set).
- ``genomics-reporting``: HL7 Genomics Reporting IG FSH, github.com/HL7/genomics-reporting at
  commit 1dbfb09bbdb7a8da9d6c7f14d4f00437afdf6ab8.
- ``breastcancer-ig-2018``: HL7 Breast Cancer Data IG draft (hl7.org/fhir/us/breastcancer/2018Sep),
  ValueSet oncology-HER2byIHCScoreVS (LOINC answer list LL4396-9) and
  oncology-HER2byIHCInterpretationTestsVS.
- ``mii-patho``: Medizininformatik-Initiative pathology module examples (breast biomarker and
  lymph-node findings: 85329-1, 85325-9, 85330-9, 85343-2, 85344-0; LOINC panel 74885-5).
- ``uicc-tnm-ig`` / ``ch-crl-ig``: vision-zero-oncology UICC TNM profile and Swiss cancer
  registry IG, both coding 21893-3 / 21894-1.
- ``seer-icdo3``: SEER ICD-O-3 site/type table 2022-04-29 (seer.cancer.gov/icd-o-3/
  sitetype.icdo3.20220429.pdf) as quoted in public code.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, get_args

from breastcds.model.case import NCategory, TCategory

# --- code systems --------------------------------------------------------------------------------
LOINC: Final = "http://loinc.org"
SNOMED: Final = "http://snomed.info/sct"
UCUM: Final = "http://unitsofmeasure.org"
AJCC: Final = "http://cancerstaging.org"  # mCODE AL_CodeSystems.fsh alias AJCC
ICDO3: Final = "http://terminology.hl7.org/CodeSystem/icd-o-3"  # mCODE alias ICDO3
HGNC: Final = "http://www.genenames.org"  # mCODE alias HGNC; genomics-reporting $HGNCID
GTR: Final = "http://www.ncbi.nlm.nih.gov/gtr"  # mCODE alias GTR
DATA_ABSENT: Final = "http://terminology.hl7.org/CodeSystem/data-absent-reason"
OBS_CATEGORY: Final = "http://terminology.hl7.org/CodeSystem/observation-category"
SPECIMEN_TYPE: Final = "http://terminology.hl7.org/CodeSystem/v2-0487"
# Project-local systems, used only where no standard code was found (see docs/fhir.md).
LOCAL_CS: Final = "urn:breastcds:codesystem:case"
LOCAL_LINE_ID: Final = "urn:breastcds:identifier:metastatic-line"
LOCAL_SETTING_ID: Final = "urn:breastcds:identifier:treatment-setting"
"""MedicationRequest.groupIdentifier of the early-disease settings (value: a key of
:data:`SETTING_FIELDS`); mCODE STU4 has no code for the neoadjuvant / adjuvant setting."""
SETTING_FIELDS: Final = {
    "neoadjuvant": "treatment.neoadjuvant.agents",
    "adjuvant": "treatment.adjuvant_agents",
    "endocrine": "treatment.endocrine.agents",
}
PROFILE_PREGNANCY_STATUS: Final = (
    "http://hl7.org/fhir/us/core/StructureDefinition/us-core-observation-pregnancystatus"
)

# --- profiles and extensions (mCODE STU4, canonical http://hl7.org/fhir/us/mcode) ----------------
_MCODE_SD = "http://hl7.org/fhir/us/mcode/StructureDefinition/"
PROFILE_PATIENT: Final = _MCODE_SD + "mcode-cancer-patient"
PROFILE_PRIMARY_CANCER: Final = _MCODE_SD + "mcode-primary-cancer-condition"
PROFILE_SECONDARY_CANCER: Final = _MCODE_SD + "mcode-secondary-cancer-condition"
PROFILE_TUMOR_MARKER: Final = _MCODE_SD + "mcode-tumor-marker-test"
PROFILE_TUMOR_SIZE: Final = _MCODE_SD + "mcode-tumor-size"
PROFILE_TUMOR: Final = _MCODE_SD + "mcode-tumor"
PROFILE_HUMAN_SPECIMEN: Final = _MCODE_SD + "mcode-human-specimen"
PROFILE_T: Final = _MCODE_SD + "mcode-tnm-primary-tumor-category"
PROFILE_N: Final = _MCODE_SD + "mcode-tnm-regional-nodes-category"
PROFILE_M: Final = _MCODE_SD + "mcode-tnm-distant-metastases-category"
PROFILE_GENOMIC_VARIANT: Final = _MCODE_SD + "mcode-genomic-variant"
PROFILE_ECOG: Final = _MCODE_SD + "mcode-ecog-performance-status"
PROFILE_SURGERY: Final = _MCODE_SD + "mcode-cancer-related-surgical-procedure"
PROFILE_RT_COURSE: Final = _MCODE_SD + "mcode-radiotherapy-course-summary"
PROFILE_RT_VOLUME: Final = _MCODE_SD + "mcode-radiotherapy-volume"
PROFILE_MED_REQUEST: Final = _MCODE_SD + "mcode-cancer-related-medication-request"
EXT_HISTOLOGY: Final = _MCODE_SD + "mcode-histology-morphology-behavior"
EXT_LATERALITY: Final = _MCODE_SD + "mcode-laterality-qualifier"
EXT_LATERALITY_STU1: Final = _MCODE_SD + "mcode-laterality"  # mCODE STU1 examples (1.0.0)
EXT_PROCEDURE_INTENT: Final = _MCODE_SD + "mcode-procedure-intent"
EXT_RT_SESSIONS: Final = _MCODE_SD + "mcode-radiotherapy-sessions"
EXT_RT_DOSE: Final = _MCODE_SD + "mcode-radiotherapy-dose-delivered-to-volume"


@dataclass(frozen=True)
class Code:
    system: str
    code: str
    display: str
    source: str  # key of SOURCES, plus the file / value set / example it was read from

    def coding(self) -> dict[str, str]:
        return {"system": self.system, "code": self.code, "display": self.display}


def _l(code: str, display: str, source: str) -> Code:
    return Code(LOINC, code, display, source)


def _s(code: str, display: str, source: str) -> Code:
    return Code(SNOMED, code, display, source)


_TMT_VS = "mcode: VS_Genomics.fsh TumorMarkerTestVS"
_EXT_EX = "mcode: EX_ExtendedExample.fsh (Jenny M, breast)"

# --- tumour markers (Observation.code) -----------------------------------------------------------
ER_PERCENT = (
    _l(
        "85329-1",
        "Cells.estrogen receptor/100 cells in Breast cancer specimen by Immune stain",
        _TMT_VS + "; mii-patho IntegratedERPercentage (UCUM %)",
    ),
    _l("14228-1", "Cells.estrogen receptor/100 cells in Tissue by Immune stain", _TMT_VS),
)
PR_PERCENT = (
    _l(
        "85325-9",
        "Cells.progesterone receptor/100 cells in Breast cancer specimen by Immune stain",
        _TMT_VS + "; mii-patho IntegratedPRPercentage (UCUM %)",
    ),
    _l("14230-7", "Cells.progesterone receptor/100 cells in Tissue by Immune stain", _TMT_VS),
)
# Qualitative receptor results: recognised, but the case model needs % positive nuclei.
ER_QUALITATIVE = (
    _l("16112-5", "Estrogen receptor [Interpretation] in Tissue", _TMT_VS),
    _l(
        "85337-4",
        "Estrogen receptor Ag [Presence] in Breast cancer specimen by Immune stain",
        _TMT_VS + "; " + _EXT_EX,
    ),
    _l("40556-3", "Estrogen receptor Ag [Presence] in Tissue by Immune stain", _TMT_VS),
)
PR_QUALITATIVE = (
    _l("16113-3", "Progesterone receptor [Interpretation] in Tissue", _TMT_VS),
    _l(
        "85339-0",
        "Progesterone receptor Ag [Presence] in Breast cancer specimen by Immune stain",
        _TMT_VS + "; " + _EXT_EX,
    ),
    _l("40557-1", "Progesterone receptor Ag [Presence] in Tissue by Immune stain", _TMT_VS),
)
HER2_IHC = (
    _l(
        "85319-2",
        "HER2 [Presence] in Breast cancer specimen by Immune stain",
        _TMT_VS + "; breastcancer-ig-2018 HER2byIHCInterpretationTestsVS",
    ),
    _l(
        "18474-7",
        "HER2 Ag [Presence] in Tissue by Immune stain",
        "breastcancer-ig-2018 HER2byIHCInterpretationTestsVS; genomics-reporting "
        "HER2byImmuneStainExample",
    ),
)
# LOINC answer list LL4396-9 (breastcancer-ig-2018 oncology-HER2byIHCScoreVS).
HER2_IHC_SCORE: dict[str, tuple[Code, int | None]] = {
    "LA6111-4": (_l("LA6111-4", "0", "breastcancer-ig-2018 HER2byIHCScoreVS (LL4396-9)"), 0),
    "LA11841-6": (_l("LA11841-6", "1+", "breastcancer-ig-2018 HER2byIHCScoreVS (LL4396-9)"), 1),
    "LA11842-4": (_l("LA11842-4", "2+", "breastcancer-ig-2018 HER2byIHCScoreVS (LL4396-9)"), 2),
    "LA11843-2": (_l("LA11843-2", "3+", "breastcancer-ig-2018 HER2byIHCScoreVS (LL4396-9)"), 3),
    "LA11884-6": (
        _l("LA11884-6", "Indeterminate", "breastcancer-ig-2018 HER2byIHCScoreVS (LL4396-9)"),
        None,
    ),
}
HER2_IHC_SCORE_BY_VALUE = {score: code for code, score in HER2_IHC_SCORE.values()}
# HER2 overall interpretation / qualitative ISH / serum or immunoassay: recognised, not mapped.
HER2_NOT_SCORE = (
    _l("48676-1", "HER2 [Interpretation] in Tissue", _TMT_VS + "; " + _EXT_EX),
    _l("85318-4", "ERBB2 gene duplication [Presence] in Breast cancer specimen by FISH", _TMT_VS),
    _l("31150-6", "ERBB2 gene duplication [Presence] in Tissue by FISH", _TMT_VS),
    _l("72383-3", "HER2 [Presence] in Tissue by Immunoassay", _TMT_VS),
)
HER2_ISH_RATIO = _l(
    "49683-6",
    "ERBB2 gene copy number/Chromosome 17 copy number in Tissue by FISH",
    _TMT_VS + "; mii-patho HER2 FISH (LOINC panel 74885-5)",
)
HER2_ISH_COPIES = _l(
    "74860-8",
    "ERBB2 gene copy number/nucleus in Tissue by FISH",
    _TMT_VS + "; mii-patho HER2 FISH (LOINC panel 74885-5)",
)
CELLS_COUNTED = _l("62361-1", "Cells counted [#]", "mii-patho HER2 FISH (LOINC panel 74885-5)")
KI67_PERCENT = (
    _l(
        "85330-9",
        "Cells.Ki-67 nuclear Ag/100 cells in Breast cancer specimen by Immune stain",
        "mii-patho IntegratedKi67 / Ki-67 questionnaire item",
    ),
)
ONCOTYPE_DX = Code(
    GTR,
    "509910",
    "Oncotype DX Breast Recurrence Score Assay",
    _EXT_EX + " tumor-marker-test-oncotype-dx-jenny-m (no LOINC code exists; valueQuantity '1')",
)

# --- pathology observations ----------------------------------------------------------------------
TUMOR_SIZE = _l("21889-1", "Size Tumor", "mcode: SD_TumorSize.fsh TumorSize.code")
TUMOR_LONGEST = _l(
    "33728-7", "Size.maximum dimension in Tumor", "mcode: SD_TumorSize.fsh tumorLongestDimension"
)
SIZE_METHOD_PATHOLOGY = (
    _s(
        "787377000",
        "Gross examination and sampling of tissue specimen (procedure)",
        "mcode: VS_Other.fsh TumorSizeMethodVS (pathology)",
    ),
    _s(
        "104157003",
        "Light microscopy (procedure)",
        "mcode: VS_Other.fsh TumorSizeMethodVS (pathology)",
    ),
)
SIZE_METHOD_CLINICAL = (
    _s(
        "5880005",
        "Physical examination procedure (procedure)",
        "mcode: VS_Other.fsh TumorSizeMethodVS (physical exam)",
    ),
    _s("16310003", "Diagnostic ultrasonography (procedure)", "mcode: TumorSizeMethodVS (imaging)"),
    _s("113091000", "Magnetic resonance imaging (procedure)", "mcode: TumorSizeMethodVS (imaging)"),
    _s(
        "77477000",
        "Computerized axial tomography (procedure)",
        "mcode: TumorSizeMethodVS (imaging)",
    ),
    _s(
        "82918005", "Positron emission tomography (procedure)", "mcode: TumorSizeMethodVS (imaging)"
    ),
    _s(
        "363680008",
        "Radiographic imaging procedure (procedure)",
        "mcode: TumorSizeMethodVS (imaging)",
    ),
    _s("363679005", "Imaging (procedure)", "mcode: TumorSizeMethodVS (other imaging)"),
    _s("71651007", "Mammography (procedure)", _EXT_EX + " us-core-procedure-mammogram-jenny-m"),
)
GRADE = _l(
    "44648-4",
    "Histologic grade [Score] in Breast cancer specimen by Nottingham",
    _EXT_EX + " us-core-observation-lab-tumor-grade-jenny-m",
)
_GRADE_SRC = "LOINC answer tables in public code (OMOP mapping, registry export); grade 2 in mcode"
GRADE_ANSWERS: dict[str, tuple[Code, int]] = {
    "LA27823-6": (_l("LA27823-6", "Nottingham grade 1", _GRADE_SRC), 1),
    "LA27824-4": (_l("LA27824-4", "Nottingham grade 2", _EXT_EX), 2),
    "LA27825-1": (_l("LA27825-1", "Nottingham grade 3", _GRADE_SRC), 3),
}
GRADE_BY_VALUE = {grade: code for code, grade in GRADE_ANSWERS.values()}
NODES_EXAMINED = _l(
    "21894-1", "Regional lymph nodes examined [#] Specimen", "uicc-tnm-ig; ch-crl-ig"
)
NODES_POSITIVE = _l(
    "21893-3", "Regional lymph nodes positive [#] Specimen", "uicc-tnm-ig; ch-crl-ig"
)
NODES_MACROMETASTASES = _l(
    "85343-2",
    "Lymph nodes with macrometastases [#] in Cancer specimen by Light microscopy",
    "mii-patho IntegratedMacroMetCount",
)
NODES_MICROMETASTASES = _l(
    "85344-0",
    "Lymph nodes with micrometastases [#] in Cancer specimen by Light microscopy",
    "mii-patho IntegratedMicroMetCount",
)
# Sentinel-node counts (Jenny M example): recognised, not the regional count -> not mapped.
SENTINEL_NODES = (
    _l(
        "92832-5",
        "Sentinel lymph nodes with metastasis [#] in Cancer specimen",
        _EXT_EX + " us-core-observation-lab-sentinel-nodes-jenny-m",
    ),
)
ECOG = _l("89247-1", "ECOG Performance Status score", "mcode: SD_PerformanceStatus.fsh")

# --- pregnancy (US Core 7 Observation Pregnancy Status; gestational age LOINC LP19507-0) ---------
PREGNANCY_STATUS = _l(
    "82810-3", "Pregnancy status", "us-core-7: Observation-pregnancy-status example"
)
PREGNANCY_ANSWERS: dict[bool, Code] = {
    True: _s("77386006", "Pregnant", "us-core-7: pregnancy status value set (IPS / US Core)"),
    False: _s("60001007", "Not pregnant", "us-core-7: pregnancy status value set (IPS / US Core)"),
}
GESTATIONAL_AGE = (
    _l("11884-4", "Gestational age Estimated", "hl7-eu-eps: gestational-age-loinc value set"),
    _l("49051-6", "Gestational age in weeks", "hl7-eu-eps: gestational-age-loinc value set"),
)

# --- TNM (mCODE SD_Staging_TNM.fsh / VS_Staging_TNM.fsh) -----------------------------------------
AJCC_8 = _s(
    "897275008",
    "American Joint Commission on Cancer, Cancer Staging Manual, 8th edition neoplasm staging "
    "system (tumor staging)",
    "mcode: VS_Staging_TNM.fsh TNMStagingMethodVS",
)
_TNM_VS = "mcode: VS_Staging_TNM.fsh"
# Observation.code -> (axis, setting); setting None = the code does not say c or p.
TNM_CATEGORY_CODES: dict[tuple[str, str], tuple[str, str | None, Code]] = {
    (SNOMED, "78873005"): ("T", None, _s("78873005", "T category", _TNM_VS)),
    (SNOMED, "399504009"): ("T", "c", _s("399504009", "cT category", _TNM_VS)),
    (SNOMED, "384625004"): ("T", "p", _s("384625004", "pT category", _TNM_VS)),
    (SNOMED, "277206009"): ("N", None, _s("277206009", "N category", _TNM_VS)),
    (SNOMED, "399534004"): ("N", "c", _s("399534004", "cN category", _TNM_VS)),
    (SNOMED, "371494008"): ("N", "p", _s("371494008", "pN category", _TNM_VS)),
    (SNOMED, "277208005"): ("M", None, _s("277208005", "M category", _TNM_VS)),
    (SNOMED, "399387003"): ("M", "c", _s("399387003", "cM category", _TNM_VS)),
    (SNOMED, "371497001"): ("M", "p", _s("371497001", "pM category", _TNM_VS)),
    (LOINC, "21905-5"): ("T", "c", _l("21905-5", "Primary tumor.clinical [Class] Cancer", _TNM_VS)),
    (LOINC, "21899-0"): ("T", "p", _l("21899-0", "Primary tumor.pathology Cancer", _TNM_VS)),
    (LOINC, "21906-3"): (
        "N",
        "c",
        _l("21906-3", "Regional lymph nodes.clinical [Class] Cancer", _TNM_VS),
    ),
    (LOINC, "21900-6"): (
        "N",
        "p",
        _l("21900-6", "Regional lymph nodes.pathology [Class] Cancer", _TNM_VS),
    ),
    (LOINC, "21907-1"): (
        "M",
        "c",
        _l("21907-1", "Distant metastases.clinical [Class] Cancer", _TNM_VS),
    ),
    (LOINC, "21901-4"): (
        "M",
        "p",
        _l("21901-4", "Distant metastases.pathology [Class] Cancer", _TNM_VS),
    ),
}
TNM_CODE_FOR: dict[tuple[str, str], Code] = {
    ("T", "c"): TNM_CATEGORY_CODES[(SNOMED, "399504009")][2],
    ("T", "p"): TNM_CATEGORY_CODES[(SNOMED, "384625004")][2],
    ("N", "c"): TNM_CATEGORY_CODES[(SNOMED, "399534004")][2],
    ("N", "p"): TNM_CATEGORY_CODES[(SNOMED, "371494008")][2],
    ("M", "c"): TNM_CATEGORY_CODES[(SNOMED, "399387003")][2],
    ("M", "p"): TNM_CATEGORY_CODES[(SNOMED, "371497001")][2],
}
TNM_STAGE_GROUP_CODES = frozenset(
    {
        (SNOMED, "399390009"),
        (SNOMED, "399537006"),
        (SNOMED, "399588009"),
        (LOINC, "21908-9"),
        (LOINC, "21902-2"),
        (LOINC, "21914-7"),
    }
)  # mCODE TNMStageGroupStagingType(Max)VS: recognised, read as "derived by breastcds, not read"

# AJCC values (system http://cancerstaging.org): the code is the prefixed category, as in the
# mCODE STU1 examples (AJCC#cT3, AJCC#pN3, AJCC#cM0). The case model holds the bare category.
# The case model's AJCC categories (one definition: breastcds.model.case).
T_CATEGORIES: tuple[str, ...] = get_args(TCategory)
N_CATEGORIES: tuple[str, ...] = get_args(NCategory)
# M: the case model's "M0"/"M1"/"cM0(i+)" <-> AJCC codes. AJCC 8 has no pM0.
M_AJCC_TO_CASE = {"cM0": "M0", "cM0(i+)": "cM0(i+)", "cM1": "M1", "pM1": "M1"}
_EOM = "CMS EOM FHIR IG TNM primary tumor category table (breast, ICD-10 C50)"
_DCM = (
    "DICOM PS3.16 CID {} (FSH transcription: github.com/bvdh/dicom-terminology-in-fhir @9f098270)"
)
_DCM6160, _DCM6161, _DCM6162 = (_DCM.format(n) for n in (6160, 6161, 6162))
# SNOMED CT AJCC qualifier values, only those read verbatim in a source (code -> AJCC code).
# The breast tables: DICOM CID 6160 (pT), 6161 (pN), 6162 (M) and the CMS EOM IG breast column
# (cT, pT) agree on every code they share (pT3 1229859000, pN0 1229947003, cM0 1229901006, ...).
TNM_SNOMED_VALUES: dict[str, tuple[str, str]] = {
    "1228938002": ("cT3", "mcode: EX_Basic.fsh / EX_ExtendedExample.fsh"),
    "1229859000": ("pT3", "mcode: EX_ExtendedExample.fsh"),
    "1229967007": ("cN0", "mcode: EX_ExtendedExample.fsh"),
    "1229984001": ("cN3", "mcode: EX_Basic.fsh"),
    "1229947003": ("pN0", "mcode: EX_ExtendedExample.fsh"),
    "1229901006": ("cM0", "mcode: EX_Basic.fsh / EX_ExtendedExample.fsh"),
    "1228892002": ("cT1a", "eCQM CMS129FHIRProstCaBoneScanUse 1.0.000 code definitions"),
    "1228895000": ("cT1b", "eCQM CMS129FHIRProstCaBoneScanUse 1.0.000 code definitions"),
    "1228899006": ("cT1c", "eCQM CMS129FHIRProstCaBoneScanUse 1.0.000 code definitions"),
    "1222604002": ("cTX", _EOM),
    "1228882005": ("cT0", _EOM),
    "1228889001": ("cT1", _EOM),
    "1228891009": (
        "cT1mi",
        _EOM,
    ),
    "1228929004": ("cT2", _EOM),
    "1228944003": ("cT4", _EOM),
    "1228945002": ("cT4a", _EOM),
    "1228946001": ("cT4b", _EOM),
    "1228947005": ("cT4c", _EOM),
    "1228948000": ("cT4d", _EOM),
    "1228950008": (
        "pTX",
        _DCM6160 + "; " + _EOM,
    ),
    "1228951007": (
        "pT0",
        _DCM6160 + "; " + _EOM,
    ),
    "1228953005": (
        "pTis",
        _DCM6160 + "; " + _EOM,
    ),
    "1228957006": (
        "pT1",
        _DCM6160 + "; " + _EOM,
    ),
    "1228958001": (
        "pT1mi",
        _DCM6160 + "; " + _EOM,
    ),
    "1228959009": (
        "pT1a",
        _DCM6160 + "; " + _EOM,
    ),
    "1228962007": (
        "pT1b",
        _DCM6160 + "; " + _EOM,
    ),
    "1229846008": (
        "pT1c",
        _DCM6160 + "; " + _EOM,
    ),
    "1229852009": (
        "pT2",
        _DCM6160 + "; " + _EOM,
    ),
    "1229864001": (
        "pT4",
        _DCM6160 + "; " + _EOM,
    ),
    "1229865000": (
        "pT4a",
        _DCM6160 + "; " + _EOM,
    ),
    "1229866004": (
        "pT4b",
        _DCM6160 + "; " + _EOM,
    ),
    "1229867008": (
        "pT4c",
        _DCM6160 + "; " + _EOM,
    ),
    "1229868003": (
        "pT4d",
        _DCM6160 + "; " + _EOM,
    ),
    "1229945006": (
        "pNX",
        _DCM6161,
    ),
    "1229951001": (
        "pN1",
        _DCM6161,
    ),
    "1229957002": (
        "pN2",
        _DCM6161,
    ),
    "1229959004": (
        "pN2a",
        _DCM6161,
    ),
    "1229960009": (
        "pN2b",
        _DCM6161,
    ),
    "1229962001": (
        "pN3",
        _DCM6161,
    ),
    "1229963006": (
        "pN3a",
        _DCM6161,
    ),
    "1229964000": (
        "pN3b",
        _DCM6161,
    ),
    "1229965004": (
        "pN3c",
        _DCM6161,
    ),
    "1229916009": (
        "pM1",
        _DCM6162,
    ),
}

# Generic SNOMED CT TNM "category (finding)" values (no c/p, no edition), as Synthea's breast
# cancer module writes them (synthetichealth/synthea src/main/resources/modules/breast_cancer/
# tnm_diagnosis.json): the setting comes from the observation code (21905-5 clinical, ...).
_SYN = "synthea: modules/breast_cancer/tnm_diagnosis.json"
TNM_GENERIC_SNOMED: dict[str, tuple[Code, str]] = {
    code: (_s(code, f"{value} category (finding)", _SYN), value)
    for code, value in [
        ("58790005", "T0"),
        ("23351008", "T1"),
        ("67673008", "T2"),
        ("14410001", "T3"),
        ("65565005", "T4"),
        ("62455006", "N0"),
        ("53623008", "N1"),
        ("46059003", "N2"),
        ("5856006", "N3"),
        ("30893008", "M0"),
        ("55440008", "M1"),
    ]
}

# --- primary cancer condition --------------------------------------------------------------------
BREAST_STRUCTURE = _s(
    "76752008", "Breast structure (body structure)", "mcode: CM_TG263.fsh Breast_L/Breast_R/Breasts"
)
LEFT_BREAST_STRUCTURE = _s(
    "80248007", "Left breast structure (body structure)", _EXT_EX + "; mcode: EX_TumorSize.fsh"
)
LATERALITY: dict[str, tuple[Code, str]] = {
    "7771000": (
        _s("7771000", "Left (qualifier value)", "mcode: VS_Other.fsh LateralityQualifierVS"),
        "left",
    ),
    "24028007": (
        _s("24028007", "Right (qualifier value)", "mcode: VS_Other.fsh LateralityQualifierVS"),
        "right",
    ),
    "51440002": (
        _s(
            "51440002",
            "Right and left (qualifier value)",
            "mcode: VS_Other.fsh LateralityQualifierVS",
        ),
        "bilateral",
    ),
}
LATERALITY_BY_VALUE = {value: code for code, value in LATERALITY.values()}
# Condition.code values that say "breast" (so the condition is a breast primary).
BREAST_CANCER_CODES = (
    _s("353431000119107", "Primary malignant neoplasm of female left breast (disorder)", _EXT_EX),
    _s(
        "254837009",
        "Malignant neoplasm of breast (disorder)",
        _EXT_EX + " family-member-history-sister-jenny-m",
    ),
)
# Condition.code values that also state the side.
LATERALITY_FROM_CONDITION_CODE = {"353431000119107": "left"}
# Histology (mCODE HistologyMorphologyBehaviorVS includes ICD-O-3 and SNOMED morphology).
HISTOLOGY_ICDO3: dict[str, tuple[Code, str]] = {
    "8500/3": (
        Code(ICDO3, "8500/3", "Infiltrating duct carcinoma, NOS", "seer-icdo3"),
        "ductal_nst",
    ),
    "8520/3": (Code(ICDO3, "8520/3", "Lobular carcinoma, NOS", "seer-icdo3"), "lobular"),
    "8522/3": (
        Code(ICDO3, "8522/3", "Infiltrating duct and lobular carcinoma", "seer-icdo3"),
        "mixed_ductal_lobular",
    ),
    "8507/3": (
        Code(ICDO3, "8507/3", "Ductal carcinoma, micropapillary", "seer-icdo3"),
        "micropapillary",
    ),
    "8480/3": (
        Code(ICDO3, "8480/3", "Mucinous adenocarcinoma", "ICD-O-3 lists in public code"),
        "mucinous",
    ),
    "8211/3": (
        Code(
            ICDO3,
            "8211/3",
            "Tubular adenocarcinoma",
            "breastcancer-ig-2018 BreastCancerTypeCS (8211 Tubular carcinoma)",
        ),
        "tubular",
    ),
}
HISTOLOGY_BY_VALUE = {value: code for code, value in HISTOLOGY_ICDO3.values()}
HISTOLOGY_SNOMED: dict[str, tuple[Code, str]] = {
    "82711006": (
        _s("82711006", "Infiltrating duct carcinoma (morphologic abnormality)", _EXT_EX),
        "ductal_nst",
    ),
}

# --- genomics (mCODE GenomicVariant / genomics-reporting Variant) --------------------------------
GENETIC_VARIANT_ASSESSMENT = _l(
    "69548-6", "Genetic variant assessment", _EXT_EX + "; genomics-reporting"
)
GENE_STUDIED = _l("48018-6", "Gene studied [ID]", "genomics-reporting; mcode examples")
GENOMIC_SOURCE_CLASS = _l("48002-0", "Genomic source class", "genomics-reporting")
CLINICAL_SIGNIFICANCE = _l(
    "53037-8", "Genetic variation clinical significance [Imp]", "genomics-reporting"
)
PRESENT = _l("LA9633-4", "Present", "mcode: EX_Genomics.fsh; genomics-reporting")
ABSENT = _l("LA9634-2", "Absent", "mcode: EX_GenomeX.fsh (pertinent negative)")
GERMLINE = _l("LA6683-2", "Germline", "mcode: EX_Genomics.fsh; genomics-reporting")
SOMATIC = _l("LA6684-0", "Somatic", _EXT_EX + "; genomics-reporting")
PATHOGENIC = _l("LA6668-3", "Pathogenic", "genomics-reporting CGExamples.fsh")
LIKELY_PATHOGENIC = _l("LA26332-9", "Likely Pathogenic", "genomics-reporting")
# HGNC ids ("HGNC:1100"; the mCODE extended example also writes the bare number).
GENES: dict[str, Code] = {
    "BRCA1": Code(HGNC, "HGNC:1100", "BRCA1", "mcode: EX_Genomics.fsh"),
    "BRCA2": Code(HGNC, "HGNC:1101", "BRCA2", "mcode: EX_ExtendedExample.fsh region studied"),
    "PIK3CA": Code(HGNC, "HGNC:8975", "PIK3CA", "genomics-reporting"),
    "ESR1": Code(HGNC, "HGNC:3467", "ESR1", "mii-patho IntegratedERStatus"),
    "PTEN": Code(HGNC, "HGNC:9588", "PTEN", "mcode: EX_ExtendedExample.fsh region studied"),
}
GENE_BY_HGNC = {c.code: name for name, c in GENES.items()}
SOMATIC_GENE_FIELDS = {"PIK3CA": "pik3ca", "ESR1": "esr1", "PTEN": "pten"}

# --- procedures ----------------------------------------------------------------------------------
SURGERY: dict[str, tuple[Code, str]] = {
    "64368001": (
        _s(
            "64368001",
            "Excision of part of breast (procedure)",
            _EXT_EX + " cancer-related-surgical-procedure-jenny-m (partial mastectomy)",
        ),
        "breast_conserving",
    ),
    "392021009": (
        _s(
            "392021009",
            "Lumpectomy of breast (procedure)",
            "mCODE/Synthea breast surgery code list (public code)",
        ),
        "breast_conserving",
    ),
    "172043006": (
        _s(
            "172043006",
            "Simple mastectomy (procedure)",
            "mii-patho specimen collection method; ConceptMap (public code)",
        ),
        "mastectomy",
    ),
}
SURGERY_BY_VALUE = {
    "breast_conserving": SURGERY["64368001"][0],
    "mastectomy": SURGERY["172043006"][0],
}
SENTINEL_NODE_BIOPSY = _s(
    "396487001",
    "Sentinel lymph node biopsy (procedure)",
    "mii-patho lymph node specimen; mCODE/Synthea code list",
)
# Recognised but ambiguous for the case model (not mapped): "Excision of breast tissue" does not
# say partial or total; "Excision of axillary lymph node" does not say dissection.
SURGERY_AMBIGUOUS = {
    "69031006": "Excision of breast tissue: does not say breast-conserving or mastectomy",
    "234262008": "Excision of axillary lymph node: does not say sampling or dissection",
}
RT_COURSE = _s(
    "1217123003",
    "Radiotherapy course of treatment (regime/therapy)",
    "mcode: SD_Radiotherapy.fsh RadiotherapyCourseSummary.code",
)
INTENT: dict[str, tuple[Code, str]] = {
    "373808002": (
        _s("373808002", "Curative - procedure intent", "mcode: VS_Other.fsh ProcedureIntentVS"),
        "curative",
    ),
    "363676003": (
        _s("363676003", "Palliative - procedure intent", "mcode: VS_Other.fsh ProcedureIntentVS"),
        "palliative",
    ),
}
INTENT_BY_VALUE = {value: code for code, value in INTENT.values()}
# Radiotherapy location -> case region; only unambiguous ones (breast structure alone does not
# say whole breast, partial breast or boost, so it is not mapped).
RT_REGION: dict[str, tuple[Code, str]] = {
    "78904004": (
        _s(
            "78904004",
            "Chest wall structure (body structure)",
            "mcode: CM_TG263.fsh Chestwall; EX_Radiotherapy.fsh",
        ),
        "chest_wall",
    ),
    "68171009": (
        _s(
            "68171009",
            "Axillary lymph node structure (body structure)",
            "mcode: CM_TG263.fsh LN_Ax_L/LN_Ax_R",
        ),
        "axilla",
    ),
    "76838003": (
        _s(
            "76838003",
            "Structure of supraclavicular lymph node (body structure)",
            "mcode: CM_TG263.fsh LN_Sclav_L/LN_Sclav_R",
        ),
        "supraclavicular",
    ),
    "245282001": (
        _s(
            "245282001",
            "Internal mammary lymph node group (body structure)",
            "mcode: CM_TG263.fsh LN_IMN_L/LN_IMN_R",
        ),
        "internal_mammary",
    ),
}
RT_REGION_BY_VALUE = {value: code for code, value in RT_REGION.values()}

# --- project-local codes (no standard code found; see docs/fhir.md) ------------------------------
LOCAL_IHC0_STAINING = Code(
    LOCAL_CS,
    "her2-ihc0-staining",
    "HER2 IHC 0 staining detail",
    "local: ASCO/CAP 2023 ultralow has no LOINC answer in the sources",
)
LOCAL_IHC0_VALUES = {
    "none": Code(LOCAL_CS, "her2-ihc0-none", "No membrane staining (HER2-null)", "local"),
    "faint_le10": Code(
        LOCAL_CS,
        "her2-ihc0-faint-le10",
        "Faint incomplete membrane staining in >0 and <=10 % of cells",
        "local",
    ),
}
LOCAL_ISH_RECOUNT = Code(
    LOCAL_CS, "her2-ish-recount", "Additional ISH count by a second observer", "local"
)

# --- units ---------------------------------------------------------------------------------------
PERCENT_UNITS = frozenset({"%"})
DIMENSIONLESS_UNITS = frozenset({"1", "{#}", "{ratio}"})  # UCUM unity / annotations
LENGTH_TO_MM = {"mm": 1.0, "cm": 10.0}  # mCODE TumorSizeUnitsVS: UCUM mm, cm
DOSE_TO_GY = {"Gy": 1.0, "cGy": 0.01}  # mCODE RadiotherapyDoseDeliveredToVolume uses cGy
AGE_UNITS = frozenset({"a"})  # UCUM year

# --- agents (INN, lower case) --------------------------------------------------------------------
# A medication name maps only when it *is* one of these INNs, or an INN followed by a strength
# ("letrozole 2.5 MG Oral Tablet"). Salts, brands and combination products are left unmapped.
INN_AGENTS = frozenset(
    {
        "abemaciclib",
        "alpelisib",
        "anastrozole",
        "capecitabine",
        "capivasertib",
        "carboplatin",
        "cyclophosphamide",
        "docetaxel",
        "doxorubicin",
        "elacestrant",
        "epirubicin",
        "eribulin",
        "exemestane",
        "fulvestrant",
        "gemcitabine",
        "goserelin",
        "lapatinib",
        "letrozole",
        "leuprorelin",
        "neratinib",
        "olaparib",
        "paclitaxel",
        "palbociclib",
        "pembrolizumab",
        "pertuzumab",
        "ribociclib",
        "sacituzumab govitecan",
        "talazoparib",
        "tamoxifen",
        "trastuzumab",
        "trastuzumab deruxtecan",
        "trastuzumab emtansine",
        "tucatinib",
        "vinorelbine",
    }
)

# --- real-world coding (issue 18): qualitative results, secondary cancers, stage groups ---------
# Sources: "mcode-vs-1.18": the expanded mCODE value sets shipped by
# mcode/mcode-extraction-framework (src/helpers/valueSets, commit 593210d8) -- TumorMarkerTestVS,
# SecondaryCancerDisorderVS, PrimaryOrUncertainBehaviorCancerDisorderVS, CancerStagingSystemVS;
# "ctm-app": the mCODE trial-matching test patients (mcode/clinical-trial-matching-app,
# src/utils/r4_test_patients, commit 4891254e), which code ER/PR/HER2 with SNOMED
# Positive/Negative answers.
V3_INTERPRETATION: Final = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
ICD10CM: Final = "http://hl7.org/fhir/sid/icd-10-cm"
CONDITION_VER_STATUS: Final = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
# NCI thesaurus: the URIs seen in mCODE data for the same code system.
NCIT_SYSTEMS: Final = frozenset(
    {
        "http://ncimeta.nci.nih.gov",
        "http://ncit.nci.nih.gov",
        "http://ncithesaurus.nci.nih.gov",
        "http://ncicb.nci.nih.gov/xml/owl/EVS/Thesaurus.owl",
    }
)
_VS118 = "mcode-vs-1.18"
HER2_QUANTITATIVE = _l("72382-5", "HER2 [Units/volume] in Tissue by Immunoassay", _VS118)
# Qualitative answers (valueCodeableConcept) -> reported status; None = indeterminate/equivocal.
QUALITATIVE_ANSWERS: dict[tuple[str, str], tuple[Code, str | None]] = {
    (SNOMED, "10828004"): (_s("10828004", "Positive (qualifier value)", "ctm-app"), "positive"),
    (SNOMED, "260385009"): (_s("260385009", "Negative (qualifier value)", "ctm-app"), "negative"),
    (SNOMED, "42425007"): (_s("42425007", "Equivocal (qualifier value)", "SNOMED CT"), None),
    (SNOMED, "82334004"): (_s("82334004", "Indeterminate (qualifier value)", "SNOMED CT"), None),
    (LOINC, "LA6576-8"): (
        _l("LA6576-8", "Positive", "LOINC answers (public FHIR examples, e.g. PRStatus FSH)"),
        "positive",
    ),
    (LOINC, "LA6577-6"): (
        _l("LA6577-6", "Negative", "LOINC answers (public FHIR examples, e.g. PRStatus FSH)"),
        "negative",
    ),
    (V3_INTERPRETATION, "POS"): (
        Code(V3_INTERPRETATION, "POS", "Positive", "HL7 v3 ObservationInterpretation"),
        "positive",
    ),
    (V3_INTERPRETATION, "NEG"): (
        Code(V3_INTERPRETATION, "NEG", "Negative", "HL7 v3 ObservationInterpretation"),
        "negative",
    ),
    (V3_INTERPRETATION, "IND"): (
        Code(V3_INTERPRETATION, "IND", "Indeterminate", "HL7 v3 ObservationInterpretation"),
        None,
    ),
}
# Staging systems (Observation.method).
AJCC_8_NCIT = "C146985"  # "AJCC Cancer Staging Manual 8th Edition" (ctm-app stage groups)
AJCC_EARLIER = {
    "443830009": _s(
        "443830009",
        "American Joint Commission on Cancer, Cancer Staging Manual, 7th edition neoplasm staging "
        "system (tumor staging)",
        _VS118 + " CancerStagingSystemVS",
    ),
    "444256004": _s(
        "444256004",
        "American Joint Commission on Cancer, Cancer Staging Manual, 6th edition neoplasm staging "
        "system (tumor staging)",
        _VS118 + " CancerStagingSystemVS",
    ),
}
# Stage-group observation code -> setting (c/p); AJCC stage IV is M1 in AJCC 6, 7 and 8.
STAGE_GROUP_SETTING: dict[tuple[str, str], str | None] = {
    (LOINC, "21908-9"): "c",
    (LOINC, "21902-2"): "p",
    (SNOMED, "399537006"): "c",
    (SNOMED, "399588009"): "p",
    (SNOMED, "399390009"): None,
    (LOINC, "21914-7"): None,
}
STAGE_IV_VALUES = frozenset({"4", "IV", "STAGE IV"})  # AJCC system codes (ctm-app: AJCC#4 "IV")


def _site(
    code: str, display: str, site: str | None, system: str = SNOMED
) -> tuple[Code, str | None]:
    return (Code(system, code, display, _VS118 + " SecondaryCancerDisorderVS"), site)


# Secondary cancer condition code -> case metastatic site; None = regional nodes (N, not M).
# Only codes whose meaning is one site; anything else is set aside, never guessed.
SECONDARY_SITES: dict[tuple[str, str], tuple[Code, str | None]] = {
    (s.system, s.code): (s, site)
    for s, site in [
        _site("94222008", "Secondary malignant neoplasm of bone", "bone"),
        _site("94218003", "Secondary malignant neoplasm of bone of face", "bone"),
        _site("94219006", "Secondary malignant neoplasm of bone of lower limb", "bone"),
        _site("94220000", "Secondary malignant neoplasm of bone of skull", "bone"),
        _site("94221001", "Secondary malignant neoplasm of bone of upper limb", "bone"),
        _site("94250008", "Secondary malignant neoplasm of cervical vertebral column", "bone"),
        _site("94274006", "Secondary malignant neoplasm of thoracic vertebral column", "bone"),
        _site("94389000", "Secondary malignant neoplasm of lumbar vertebral column", "bone"),
        _site("94602001", "Secondary malignant neoplasm of vertebral column", "bone"),
        _site("94521000", "Secondary malignant neoplasm of rib", "bone"),
        _site("94478006", "Secondary malignant neoplasm of pelvic bone", "bone"),
        _site("94382009", "Secondary malignant neoplasm of long bone of lower limb", "bone"),
        _site("94383004", "Secondary malignant neoplasm of long bone of upper limb", "bone"),
        _site("C79.51", "Secondary malignant neoplasm of bone", "bone", ICD10CM),
        _site("94381002", "Secondary malignant neoplasm of liver", "liver"),
        _site(
            "C78.7",
            "Secondary malignant neoplasm of liver and intrahepatic bile duct",
            "liver",
            ICD10CM,
        ),
        _site("94391008", "Secondary malignant neoplasm of lung", "lung"),
        _site("94375005", "Secondary malignant neoplasm of left lower lobe of lung", "lung"),
        _site("94376006", "Secondary malignant neoplasm of left upper lobe of lung", "lung"),
        _site("94522007", "Secondary malignant neoplasm of right lower lobe of lung", "lung"),
        _site("94523002", "Secondary malignant neoplasm of right middle lobe of lung", "lung"),
        _site("94524008", "Secondary malignant neoplasm of right upper lobe of lung", "lung"),
        _site("353561000119103", "Cancer metastatic to right lung", "lung"),
        _site("353741000119106", "Cancer metastatic to left lung", "lung"),
        _site("C78.00", "Secondary malignant neoplasm of unspecified lung", "lung", ICD10CM),
        _site("C78.01", "Secondary malignant neoplasm of right lung", "lung", ICD10CM),
        _site("C78.02", "Secondary malignant neoplasm of left lung", "lung", ICD10CM),
        _site("94493005", "Secondary malignant neoplasm of pleura", "pleura"),
        _site("94473002", "Secondary malignant neoplasm of parietal pleura", "pleura"),
        _site("94678001", "Secondary malignant neoplasm of visceral pleura", "pleura"),
        _site("C78.2", "Secondary malignant neoplasm of pleura", "pleura", ICD10CM),
        _site("94225005", "Secondary malignant neoplasm of brain", "brain"),
        _site("94224009", "Secondary malignant neoplasm of brain stem", "brain"),
        _site("94245002", "Secondary malignant neoplasm of cerebellum", "brain"),
        _site("94248000", "Secondary malignant neoplasm of cerebrum", "brain"),
        _site("C79.31", "Secondary malignant neoplasm of brain", "brain", ICD10CM),
        _site("1155991005", "Secondary malignant neoplasm of leptomeninges", "leptomeninges"),
        _site("94627008", "Metastasis to peritoneum", "peritoneum"),
        _site("94472007", "Secondary malignant neoplasm of parietal peritoneum", "peritoneum"),
        _site("255121007", "Carcinomatosis of peritoneal cavity", "peritoneum"),
        _site("836274002", "Carcinomatosis of peritoneum (disorder)", "peritoneum"),
        _site(
            "94408005",
            "Secondary malignant neoplasm of mediastinal lymph nodes",
            "distant_lymph_nodes",
        ),
        _site(
            "94339008",
            "Secondary malignant neoplasm of inguinal lymph nodes",
            "distant_lymph_nodes",
        ),
        _site(
            "94347008",
            "Secondary malignant neoplasm of intra-abdominal lymph nodes",
            "distant_lymph_nodes",
        ),
        _site(
            "94350006",
            "Secondary malignant neoplasm of intrapelvic lymph nodes",
            "distant_lymph_nodes",
        ),
        _site(
            "94519005",
            "Secondary malignant neoplasm of retroperitoneal lymph nodes",
            "distant_lymph_nodes",
        ),
        _site(
            "C77.2",
            "Secondary and unspecified malignant neoplasm of intra-abdominal lymph nodes",
            "distant_lymph_nodes",
            ICD10CM,
        ),
        _site(
            "C77.5",
            "Secondary and unspecified malignant neoplasm of intrapelvic lymph nodes",
            "distant_lymph_nodes",
            ICD10CM,
        ),
        # Regional nodes of the breast (AJCC 8: ipsilateral axillary, infraclavicular,
        # internal mammary, supraclavicular): the N category, not a distant site.
        _site("94181007", "Secondary malignant neoplasm of axillary lymph nodes", None),
        _site("94477001", "Secondary malignant neoplasm of pectoral axillary lymph nodes", None),
        _site("359780007", "Metastatic malignant neoplasm to lateral axillary lymph nodes", None),
        _site("94338000", "Secondary malignant neoplasm of infraclavicular lymph nodes", None),
        _site("94614009", "Secondary malignant neoplasm of supraclavicular lymph nodes", None),
    ]
}
_PRIM = _VS118 + " PrimaryOrUncertainBehaviorCancerDisorderVS"


def _bc(
    code: str, display: str, side: str | None = None, histology: str | None = None
) -> tuple[Code, str | None, str | None]:
    return (_s(code, display, _PRIM), side, histology)


# Breast cancer conditions by SNOMED CT code -> (laterality, histology) they state.
# Skin, sarcoma, lymphoma, phyllodes and syndrome codes are not breast carcinoma: not listed.
BREAST_CANCER_SNOMED: dict[str, tuple[Code, str | None, str | None]] = {
    c.code: (c, side, hist)
    for c, side, hist in [
        _bc("254837009", "Malignant tumor of breast"),
        _bc("254838004", "Carcinoma of breast"),
        _bc("372064008", "Malignant neoplasm of female breast (disorder)"),
        _bc("372095001", "Malignant neoplasm of male breast (disorder)"),
        _bc("372096000", "Carcinoma of male breast (disorder)"),
        _bc("372137005", "Primary malignant neoplasm of breast (disorder)"),
        _bc("93796005", "Primary malignant neoplasm of female breast"),
        _bc("93884005", "Primary malignant neoplasm of male breast"),
        _bc("713609000", "Invasive carcinoma of breast"),
        _bc("865954003", "Adenocarcinoma of breast (disorder)"),
        _bc("447782002", "Malignant epithelial neoplasm of female breast (disorder)"),
        _bc("45221000119105", "Primary invasive malignant neoplasm of female breast"),
        _bc("254840009", "Inflammatory carcinoma of breast"),
        _bc(
            "96291000119105", "Primary malignant inflammatory neoplasm of female breast (disorder)"
        ),
        _bc("417181009", "Hormone receptor positive malignant neoplasm of breast (disorder)"),
        _bc("427685000", "HER2-positive carcinoma of breast"),
        _bc("431396003", "Human epidermal growth factor 2 negative carcinoma of breast (disorder)"),
        _bc("706970001", "Triple negative malignant neoplasm of breast"),
        _bc("1082701000112100", "LABC - locally advanced breast cancer"),
        _bc("314955001", "Local recurrence of malignant tumor of breast"),
        _bc(
            "353431000119107", "Primary malignant neoplasm of female left breast (disorder)", "left"
        ),
        _bc("353511000119101", "Primary malignant neoplasm of female right breast", "right"),
        _bc("354491000119109", "Primary malignant neoplasm of left male breast", "left"),
        _bc(
            "354591000119108", "Primary malignant neoplasm of right male breast (disorder)", "right"
        ),
        _bc(
            "15635801000119106",
            "Primary malignant neoplasm of bilateral female breasts (disorder)",
            "bilateral",
        ),
        _bc(
            "1081551000119106",
            "Recurrent primary malignant neoplasm of left female breast (disorder)",
            "left",
        ),
        _bc(
            "1081561000119108",
            "Recurrent primary malignant neoplasm of right female breast (disorder)",
            "right",
        ),
        _bc("408643008", "Infiltrating duct carcinoma of breast (disorder)", None, "ductal_nst"),
        _bc(
            "448952004",
            "Infiltrating duct carcinoma of female breast (disorder)",
            None,
            "ductal_nst",
        ),
        _bc(
            "1080261000119100",
            "Infiltrating lobular carcinoma of left female breast (disorder)",
            "left",
            "lobular",
        ),
        _bc(
            "1080341000119105",
            "Infiltrating lobular carcinoma of right female breast (disorder)",
            "right",
            "lobular",
        ),
        _bc(
            "722524005",
            "Primary invasive pleomorphic lobular carcinoma of breast (disorder)",
            None,
            "lobular",
        ),
        _bc(
            "444604002",
            "Carcinoma of breast with ductal and lobular features (disorder)",
            None,
            "mixed_ductal_lobular",
        ),
        _bc("444712000", "Mucinous carcinoma of breast (disorder)", None, "mucinous"),
        _bc("763479005", "Metaplastic carcinoma of breast (disorder)", None, "metaplastic"),
    ]
}
# ICD-10-CM: C50 (malignant neoplasm of breast; 6th character 1 = right, 2 = left) and D05
# (carcinoma in situ of breast) name a breast cancer; C50.x1x female / C50.x2x male.
ICD10_BREAST_PREFIXES = ("C50", "D05")

SOURCES: dict[str, str] = {
    "mcode": "HL7 mCODE STU4 4.0.0, github.com/HL7/fhir-mCODE-ig @543477b5 input/fsh/",
    "mcode-stu1": "HL7 mCODE STU1 examples, github.com/HL7/fhir-mCODE-ig @21dd8368 (AJCC#cT3 …)",
    "genomics-reporting": "HL7 Genomics Reporting IG, github.com/HL7/genomics-reporting @1dbfb09b",
    "breastcancer-ig-2018": "HL7 Breast Cancer Data IG draft, hl7.org/fhir/us/breastcancer/2018Sep",
    "mii-patho": "Medizininformatik-Initiative pathology module (breast examples)",
    "uicc-tnm-ig": "vision-zero-oncology UICC TNM FHIR profile (numberOfNodesExamined/Affected)",
    "ch-crl-ig": "Swiss cancer registry FHIR IG (Number of Involved Regional Lymph Nodes)",
    "seer-icdo3": "SEER ICD-O-3 site/type table 2022-04-29",
    "mcode-vs-1.18": "mCODE value set expansions 1.18.1 in github.com/mcode/"
    "mcode-extraction-framework @593210d8 src/helpers/valueSets/",
    "ctm-app": "mCODE trial-matching test patients, github.com/mcode/clinical-trial-matching-app "
    "@4891254e src/utils/r4_test_patients/ (Apache-2.0)",
    "us-core-7": "HL7 US Core 7.0.0, Observation Pregnancy Status profile and example "
    "(hl7.org/fhir/us/core/STU7/Observation-pregnancy-status.html)",
    "hl7-eu-eps": "HL7 Europe Patient Summary, ValueSet gestational-age-loinc (LOINC component "
    "LP19507-0; UCUM wk / d)",
    "local": "project-local code (urn:breastcds:…), used where no standard code was found",
}


def all_codes() -> list[tuple[str, Code]]:
    """Every code in this module with the name it is listed under (for docs and tests)."""
    out: list[tuple[str, Code]] = []
    for name, value in sorted(globals().items()):
        if name.startswith("_"):
            continue
        out.extend((name, c) for c in _codes_in(value))
    seen: set[tuple[str, str, str]] = set()
    unique: list[tuple[str, Code]] = []
    for name, c in out:
        key = (name, c.system, c.code)
        if key not in seen:
            seen.add(key)
            unique.append((name, c))
    return unique


def _codes_in(value: object) -> list[Code]:
    if isinstance(value, Code):
        return [value]
    if isinstance(value, tuple | list):
        return [c for v in value for c in _codes_in(v)]
    if isinstance(value, dict):
        return [c for v in value.values() for c in _codes_in(v)]
    return []
