"""The vignette vocabulary (shared/reference/domain/README.md) mapped onto the case model.

One tested place for the mapping, shared by every vignette kind. A key that is absent or null
in a vignette was not recorded and stays ``None`` in the case.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

_TUMOR_KEYS = {
    "nodes_examined": "nodes_examined",
    "grade": "grade",
    "lvi": "lvi",
    "margin_mm": "margin_mm",
    "metastatic_sites": "metastatic_sites",
    "visceral_crisis": "visceral_crisis",
}


def tnm(value: Any) -> Any:
    """Strip the c/p/yp prefix of a TNM category ("cN1" -> "N1", "ypT1c" -> "T1c")."""
    if isinstance(value, str):
        for prefix in ("yp", "c", "p"):
            if (
                value.startswith(prefix)
                and len(value) > len(prefix)
                and value[len(prefix)] in "TNM"
            ):
                return value[len(prefix) :]
    return value


def m_category(value: Any) -> Any:
    """Vignette ``m_category`` -> case ``clinical_m`` (None = not recorded).

    biomarkers.md (AJCC 8) lists M0 / cM0(i+) / M1: ``cM0(i+)`` (tumour cells in blood or
    marrow, no clinical metastasis) keeps its own code, which stages as M0. ``MX`` (M cannot be
    assessed; not an AJCC 8 category) is M not recorded, never M0.
    """
    if not isinstance(value, str):
        return value
    m = tnm(value.strip())
    if m in ("M0(i+)", "cM0(i+)"):
        return "cM0(i+)"
    if m == "MX":
        return None
    return m


_BIOMARKER_KEYS = {
    "her2_ihc": "her2_ihc",
    "her2_ihc0_staining": "her2_ihc0_staining",
    "er_percent": "er_percent",
    "pr_percent": "pr_percent",
    "ki67_percent": "ki67_percent",
    "pdl1_cps": "pdl1_cps",
    "pik3ca": "pik3ca",
    "esr1": "esr1",
    "akt1": "akt1",
    "pten": "pten",
}


def _ish(value: Any) -> dict[str, Any] | None:
    if value is None:
        return None
    return {"ratio": value.get("ratio"), "her2_copies": value.get("copies")}


def patient(p: Mapping[str, Any] | None) -> dict[str, Any]:
    p = p or {}
    out: dict[str, Any] = {}
    if p.get("age") is not None:
        out["age_years"] = p["age"]
    if p.get("sex") is not None:
        out["sex"] = p["sex"]
    if p.get("menopausal_status") is not None:
        out["menopausal_status"] = p["menopausal_status"]
    return out


def tumour(t: Mapping[str, Any] | None, size: str = "pathological") -> dict[str, Any]:
    """Vignette ``tumor`` -> case ``tumour``.

    ``micrometastases_only`` true means the nodal disease is micrometastatic only. Vignettes
    write ``nodes_positive: 0`` with it (their count holds macrometastatic nodes); the case model
    counts micrometastatic nodes in ``nodes_positive``, so that count is then not recorded.
    ``m_category`` is the recorded clinical M. ``size`` says whether the vignette's ``size_mm``
    is the pathological invasive size or (before surgery) the clinical size.
    """
    t = t or {}
    out: dict[str, Any] = {k2: t[k1] for k1, k2 in _TUMOR_KEYS.items() if t.get(k1) is not None}
    if t.get("size_mm") is not None:
        out["size_mm" if size == "pathological" else "clinical_size_mm"] = t["size_mm"]
    for key in ("clinical_t", "clinical_n"):
        if t.get(key) is not None:
            out[key] = tnm(t[key])
    micro = t.get("micrometastases_only")
    nodes = t.get("nodes_positive")
    if micro is not None:
        out["nodes_micrometastases_only"] = micro
    if nodes is not None and not (micro and nodes == 0):
        out["nodes_positive"] = nodes
    m = m_category(t.get("m_category"))
    if m is not None:
        out["clinical_m"] = m
    if t.get("brain_metastases"):
        sites = list(out.get("metastatic_sites") or [])
        if "brain" not in sites:
            sites.append("brain")
        out["metastatic_sites"] = sites
    return out


def biomarkers(b: Mapping[str, Any] | None) -> dict[str, Any]:
    b = b or {}
    out: dict[str, Any] = {k2: b[k1] for k1, k2 in _BIOMARKER_KEYS.items() if b.get(k1) is not None}
    for key in ("her2_ish", "her2_ish_recount"):
        ish = _ish(b.get(key))
        if ish is not None:
            out[key] = ish
    if b.get("gbrca") is not None:
        out["germline_brca"] = str(b["gbrca"]).lower()
    if b.get("oncotype_rs") is not None:
        out["genomics"] = {"oncotype_rs": b["oncotype_rs"]}
    return out
