"""Pure reading of the treatment history (clinical_course.md 1.2, 1.3, 3).

``None`` = cannot be read from what is recorded (never "none"): an agent unknown to the drug
catalogue, or a relapse whose timing against endocrine therapy is not recorded.
"""

from __future__ import annotations

from typing import Literal

from breastcds.knowledge.drugs import catalogue
from breastcds.model.case import Case

EndocrineResistance = Literal["primary", "secondary", "sensitive"]

# Relapse windows (clinical_course.md table 1.3).
PRIMARY_RESISTANCE_YEARS = 2.0
"""Relapse during the first 2 years of adjuvant ET = primary resistance (ESO-ESMO ABC 5)."""
ENDOCRINE_WINDOW_MONTHS = 12.0
"""Relapse <= 12 months after completing adjuvant ET = secondary resistance (ABC 5)."""
ANTI_HER2_WINDOW_MONTHS = 6.0
"""Relapse <= 6 months after (neo)adjuvant trastuzumab: refractory (DESTINY-Breast03)."""
CHEMOTHERAPY_WINDOW_MONTHS = 12.0
"""Relapse during or <= 12 months after a (neo)adjuvant cytotoxic agent counts as progression on
it (clinical_course.md 1.2 and 3: taxane re-challenge only > 12 months after; anthracycline
relapse <= 12 months = resistant)."""
# The 6-month window of DESTINY-Breast04 (relapse_within_6_months_of_chemotherapy) is a
# derived fact: knowledge/derived_facts.yaml, parameter prior_chemotherapy_window_months.


def months_after_chemotherapy_within(case: Case, window: float) -> bool | None:
    """Relapse (or metastatic diagnosis) during or <= ``window`` months after the end of
    (neo)adjuvant chemotherapy (clinical_course.md 1.3).

    From ``treatment.months_since_chemotherapy`` when recorded, or a cytotoxic agent taken when
    the recurrence was found (during). Fallback, only in the direction it is safe: chemotherapy
    ends after the diagnosis, so a relapse <= ``window`` months after the diagnosis is <=
    ``window`` months after its end (``recurrence.months_since_diagnosis``). False when no
    (neo)adjuvant chemotherapy is recorded; None when the end is not recorded and the
    diagnosis does not bound it, or when a relapse is recorded and nothing says whether
    chemotherapy was given.
    """
    t = case.treatment
    given = any(_chemotherapy(a) for a in early_agents(case)) or t.adjuvant_chemotherapy_done
    if not given:
        nothing_recorded = (
            t.adjuvant_chemotherapy_done is None
            and t.adjuvant_agents is None
            and t.neoadjuvant is None
            and t.de_novo_metastatic is not True
        )
        return None if nothing_recorded and relapsed(case) else False
    rec = t.recurrence
    if rec is not None and any(_chemotherapy(a) for a in rec.on_therapy or []):
        return True
    return _ended_within(case, t.months_since_chemotherapy, window)


def _ended_within(case: Case, months_since_end: float | None, window: float) -> bool | None:
    """The recorded months since the end of an early-disease treatment, else the months since
    diagnosis when they prove the window (treatment ends after the diagnosis); else None."""
    if months_since_end is not None:
        return months_since_end <= window
    rec = case.treatment.recurrence
    since_diagnosis = None if rec is None else rec.months_since_diagnosis
    if since_diagnosis is not None and since_diagnosis <= window:
        return True
    return None


def chemotherapy_timing(case: Case) -> str | None:
    """How the relapse windows read the end of (neo)adjuvant chemotherapy (for the reason
    shown with the decision point): recorded, bounded by the diagnosis, or not recorded."""
    t = case.treatment
    if not relapsed(case) or months_after_chemotherapy_within(case, 600.0) is False:
        return None
    if t.months_since_chemotherapy is not None:
        return f"chemotherapy ended {t.months_since_chemotherapy:g} months before the relapse"
    rec = t.recurrence
    if rec is not None and rec.months_since_diagnosis is not None:
        return (
            "end of chemotherapy not recorded: the relapse windows are bounded by the "
            f"{rec.months_since_diagnosis:g} months since diagnosis (a window holds only when "
            "the diagnosis is within it)"
        )
    return "end of chemotherapy not recorded (treatment.months_since_chemotherapy)"


def early_agents(case: Case) -> list[str]:
    """Agents of (neo)adjuvant therapy apart from endocrine therapy (as recorded)."""
    t = case.treatment
    given = [*(t.adjuvant_agents or [])]
    if t.neoadjuvant is not None:
        given += t.neoadjuvant.agents
    return given


def _endocrine(inn: str) -> bool | None:
    d = catalogue().resolve(inn)
    return None if d is None else d.endocrine


def _chemotherapy(inn: str) -> bool:
    d = catalogue().resolve(inn)
    return bool(d is not None and d.chemotherapy)


def _anti_her2(inn: str) -> bool | None:
    d = catalogue().resolve(inn)
    return None if d is None else d.anti_her2


def _inn(name: str) -> str:
    d = catalogue().resolve(name)
    return name.strip().lower() if d is None else d.inn


def completed_metastatic_lines(case: Case) -> int:
    """Lines for advanced disease that are over (1.2): outcome progression or toxicity
    (intolerance), or any line followed by a later one; the last line ongoing is current."""
    lines = case.treatment.metastatic_lines
    done = 0
    for i, line in enumerate(lines):
        last = i == len(lines) - 1
        outcome = None if line.outcome is None else line.outcome.value
        if not last or outcome in ("progression", "toxicity"):
            done += 1
    return done


def relapsed(case: Case) -> bool:
    """A recurrence (any site) is recorded."""
    return case.treatment.recurrence is not None and case.treatment.recurrence.site is not None


def _on_endocrine_at_relapse(case: Case) -> bool | None:
    rec = case.treatment.recurrence
    e = case.treatment.endocrine
    if rec is not None and rec.on_therapy:
        flags = [_endocrine(a) for a in rec.on_therapy]
        if any(f is True for f in flags):
            return True
    if e is None:
        return None
    if e.ongoing is not None:
        return e.ongoing
    if e.months_since_end is not None:
        return False
    return None


def endocrine_resistance(case: Case) -> EndocrineResistance | None:
    """Endocrine resistance of a relapse (ESO-ESMO ABC 5; clinical_course.md 1.3).

    primary: relapse during the first 2 years of adjuvant ET; secondary: later during ET or
    <= 12 months after completing it; sensitive: > 12 months after, or no prior ET (also de
    novo metastatic disease with no ET recorded). None: no relapse and not metastatic, or the
    timing is not recorded.
    """
    e = case.treatment.endocrine
    if not relapsed(case):
        m = case.tumour.clinical_m or case.tumour.pathological_m
        if m == "M1" and (e is None or not e.agents):
            return "sensitive"  # de novo metastatic, endocrine-naive
        return None
    if e is not None and not e.agents:
        return "sensitive"
    during = _on_endocrine_at_relapse(case)
    if during is True:
        years = None if e is None else e.years_completed
        if years is None:
            return None
        return "primary" if years < PRIMARY_RESISTANCE_YEARS else "secondary"
    if during is False:
        assert e is not None
        if e.months_since_end is None:
            return None
        return "secondary" if e.months_since_end <= ENDOCRINE_WINDOW_MONTHS else "sensitive"
    return None


def prior_agents(case: Case) -> list[str]:
    """Every agent given before, in any setting (INN, sorted)."""
    t = case.treatment
    agents: set[str] = set()
    if t.neoadjuvant is not None:
        agents.update(t.neoadjuvant.agents)
    agents.update(t.adjuvant_agents or [])
    if t.endocrine is not None:
        agents.update(t.endocrine.agents)
    for line in t.metastatic_lines:
        agents.update(line.agents)
    if t.recurrence is not None:
        agents.update(t.recurrence.on_therapy or [])
    return sorted({_inn(a) for a in agents})


def progressed_on(case: Case, er_positive: bool | None) -> list[str] | None:
    """Agents the disease progressed on (clinical_course.md 1.2, 1.3, 3).

    A metastatic line with outcome progression; agents taken when a recurrence was found; the
    adjuvant endocrine agents after a relapse during or <= 12 months after them; (neo)adjuvant
    cytotoxic agents after a relapse during or <= 12 months after the end of chemotherapy
    (:func:`months_after_chemotherapy_within`: recorded end, else bounded by the diagnosis);
    (neo)adjuvant
    HER2-directed antibodies after a relapse <= 6 months after trastuzumab (recorded, or proved by
    a relapse <= 6 months after the diagnosis). None when the
    endocrine timing of an ER-positive relapse is not recorded.
    """
    t = case.treatment
    out: set[str] = set()
    for line in t.metastatic_lines:
        if line.outcome is not None and line.outcome.value == "progression":
            out.update(line.agents)
    if relapsed(case):
        rec = t.recurrence
        assert rec is not None
        out.update(rec.on_therapy or [])
        if months_after_chemotherapy_within(case, CHEMOTHERAPY_WINDOW_MONTHS):
            out.update(a for a in early_agents(case) if _chemotherapy(a))
        resistance = endocrine_resistance(case)
        e = t.endocrine
        if resistance in ("primary", "secondary") and e is not None:
            out.update(a for a in e.agents if _endocrine(a) is not False)
        elif resistance is None and er_positive is not False and (e is None or e.agents):
            return None
        if _ended_within(case, t.months_since_trastuzumab, ANTI_HER2_WINDOW_MONTHS):
            out.update(a for a in early_agents(case) if _anti_her2(a) and not _is_adc(a))
    return sorted({_inn(a) for a in out})


def _is_adc(inn: str) -> bool:
    d = catalogue().resolve(inn)
    return bool(d is not None and d.adc)


def prior_rt_regions(case: Case) -> list[str] | None:
    """Regions irradiated before; [] only when no radiotherapy is recorded as given."""
    t = case.treatment
    regions = sorted({c.region.value for c in t.radiotherapy_courses if c.region is not None})
    if regions:
        return regions
    if t.radiotherapy_courses:
        return None  # a course without its region
    if t.radiotherapy_given is False:
        return []
    return None


def surgery_done(case: Case) -> bool:
    """Breast surgery done (breast-conserving or mastectomy); absent or 'none' = not yet."""
    s = case.treatment.surgery
    return s is not None and s.type is not None and s.type.value != "none"


def neoadjuvant_given(case: Case) -> bool:
    """A neoadjuvant record is present (absent = no neoadjuvant therapy recorded)."""
    return case.treatment.neoadjuvant is not None


def pregnant(case: Case) -> bool | None:
    """patient.pregnant, else the older comorbidities.pregnancy flag."""
    p = case.patient
    return p.pregnant if p.pregnant is not None else p.comorbidities.pregnancy


def sentinel_nodes_positive(case: Case) -> int | None:
    """Positive sentinel nodes: as recorded, else the positive axillary nodes when the axillary
    procedure was a sentinel-node biopsy only (then every examined node is a sentinel node)."""
    s = case.treatment.surgery
    if s is None:
        return None
    if s.sentinel_nodes_positive is not None:
        return s.sentinel_nodes_positive
    if s.axillary is not None and s.axillary.value == "sentinel_node_biopsy":
        return case.tumour.nodes_positive
    return None


TAXANE_FAILURE_WINDOW_MONTHS = 12.0
"""CSCO BC 2026 (PMPH, ISBN 978-7-117-39569-4) 四(三) note 2: taxane failure is progression
during salvage taxane therapy (at least 2 cycles) or relapse within 12 months after the end of
adjuvant therapy; a taxane may be used again after a relapse more than 1 year after it."""


def _taxane(inn: str) -> bool | None:
    d = catalogue().resolve(inn)
    return None if d is None else d.drug_class == "taxane"


def taxane_failure(case: Case) -> bool | None:
    """CSCO 'taxane failure' (紫杉类治疗失败; CSCO BC 2026 四(三) note 2), the stratum of the
    triple-negative salvage tables.

    True: a metastatic line containing a taxane ended in progression (the case records no cycle
    count; a line recorded as progression is read as progression during it), a taxane taken
    when the recurrence was found, or a (neo)adjuvant taxane followed by a relapse during or
    <= 12 months after the end of (neo)adjuvant chemotherapy
    (:func:`months_after_chemotherapy_within`, the same window as ``progressed_on``).
    False: none of these, every part known. None: a taxane line without its outcome, an
    agent unknown to the catalogue, a later metastatic line decided with no earlier line
    recorded, or early therapy that may have held a taxane with
    the end of chemotherapy not recorded (``treatment.months_since_chemotherapy``).
    """
    t = case.treatment
    unknown = False
    dp = None if case.decision_point is None else case.decision_point.value
    if not t.metastatic_lines and dp in ("metastatic_line_2", "metastatic_line_3plus"):
        unknown = True  # a later line is being decided but no earlier line is recorded
    for line in t.metastatic_lines:
        kinds = [_taxane(a) for a in line.agents]
        if True in kinds:
            outcome = None if line.outcome is None else line.outcome.value
            if outcome == "progression":
                return True
            unknown = unknown or outcome is None
        elif None in kinds:
            unknown = True
    rec = t.recurrence
    if rec is not None and any(_taxane(a) is True for a in rec.on_therapy or []):
        return True
    early = [_taxane(a) for a in early_agents(case)]
    if True in early or None in early or t.adjuvant_agents is None:
        within = months_after_chemotherapy_within(case, TAXANE_FAILURE_WINDOW_MONTHS)
        if within is True and True in early:
            return True
        if within is not False:
            unknown = True  # relapse timing, or whether a taxane was given, not recorded
    return None if unknown else False
