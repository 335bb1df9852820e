"""Enumerations shared by the case model and the assessment (stable machine codes)."""

from __future__ import annotations

from enum import StrEnum


class Sex(StrEnum):
    female = "female"
    male = "male"


class MenopausalStatus(StrEnum):
    pre = "pre"
    peri = "peri"
    post = "post"


class Laterality(StrEnum):
    left = "left"
    right = "right"
    bilateral = "bilateral"


class Histology(StrEnum):
    """Invasive histological type (WHO 2019 naming, simplified)."""

    ductal_nst = "ductal_nst"
    lobular = "lobular"
    mixed_ductal_lobular = "mixed_ductal_lobular"
    mucinous = "mucinous"
    tubular = "tubular"
    medullary_pattern = "medullary_pattern"
    metaplastic = "metaplastic"
    micropapillary = "micropapillary"
    other = "other"


class Focality(StrEnum):
    unifocal = "unifocal"
    multifocal = "multifocal"
    multicentric = "multicentric"


class Detection(StrEnum):
    screen = "screen"
    symptomatic = "symptomatic"


class IhcZeroStaining(StrEnum):
    """Staining detail of HER2 IHC 0 (ASCO/CAP 2023 update; DESTINY-Breast06)."""

    none = "none"  # no membrane staining at all: HER2-null
    faint_le10 = "faint_le10"  # faint, incomplete membrane staining in >0 and <=10 % of cells


class GermlineBrca(StrEnum):
    brca1 = "brca1"
    brca2 = "brca2"
    negative = "negative"


class MutationStatus(StrEnum):
    mutated = "mutated"
    wild_type = "wild_type"


class MammaPrintResult(StrEnum):
    ultralow = "ultralow"
    low = "low"
    high = "high"


class RiskCategory(StrEnum):
    low = "low"
    intermediate = "intermediate"
    high = "high"


class SurgeryType(StrEnum):
    breast_conserving = "breast_conserving"
    mastectomy = "mastectomy"
    none = "none"


class AxillarySurgery(StrEnum):
    sentinel_node_biopsy = "sentinel_node_biopsy"
    axillary_dissection = "axillary_dissection"
    targeted_axillary_dissection = "targeted_axillary_dissection"  # clipped node + SLNB
    none = "none"


class AxillaryUltrasound(StrEnum):
    normal = "normal"
    suspicious = "suspicious"


class GeriatricAssessment(StrEnum):
    """Result of a geriatric assessment (G8 screen + full assessment; SIOG 2021)."""

    fit = "fit"
    vulnerable = "vulnerable"
    frail = "frail"


class DeclinedClass(StrEnum):
    """Treatment classes a patient has declined (documented refusal)."""

    chemotherapy = "chemotherapy"
    endocrine_therapy = "endocrine_therapy"
    radiotherapy = "radiotherapy"
    anti_her2_therapy = "anti_her2_therapy"
    mastectomy = "mastectomy"
    surgery = "surgery"


class RecurrenceSite(StrEnum):
    """Site of a recurrence (clinical_course.md section 2)."""

    ipsilateral_breast = "ipsilateral_breast"
    chest_wall = "chest_wall"
    regional_nodes = "regional_nodes"
    distant = "distant"


class NeoadjuvantResponse(StrEnum):
    pcr = "pcr"  # ypT0/is ypN0
    residual_invasive = "residual_invasive"


class MetastaticSite(StrEnum):
    bone = "bone"
    liver = "liver"
    lung = "lung"
    pleura = "pleura"
    brain = "brain"
    leptomeninges = "leptomeninges"
    distant_lymph_nodes = "distant_lymph_nodes"
    skin_soft_tissue = "skin_soft_tissue"
    peritoneum = "peritoneum"
    other = "other"


class LineOutcome(StrEnum):
    progression = "progression"
    response = "response"
    stable = "stable"
    toxicity = "toxicity"
    ongoing = "ongoing"


class RadiotherapyRegion(StrEnum):
    whole_breast = "whole_breast"
    partial_breast = "partial_breast"
    tumour_bed_boost = "tumour_bed_boost"
    chest_wall = "chest_wall"
    regional_nodes = "regional_nodes"
    supraclavicular = "supraclavicular"
    axilla = "axilla"
    internal_mammary = "internal_mammary"
    brain = "brain"
    bone = "bone"
    other = "other"


class DecisionPoint(StrEnum):
    surgery = "surgery"
    axilla = "axilla"
    neoadjuvant = "neoadjuvant"
    adjuvant = "adjuvant"
    post_neoadjuvant = "post_neoadjuvant"
    extended_adjuvant = "extended_adjuvant"
    metastatic_line_1 = "metastatic_line_1"
    metastatic_line_2 = "metastatic_line_2"
    metastatic_line_3plus = "metastatic_line_3plus"
    locoregional_recurrence = "locoregional_recurrence"
    dcis = "dcis"
    follow_up = "follow_up"
