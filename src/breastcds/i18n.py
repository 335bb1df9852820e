"""Interface labels in English and Simplified Chinese (clinical text lives in the knowledge)."""

from __future__ import annotations

from typing import Literal

Lang = Literal["en", "zh"]

_LABELS: dict[str, tuple[str, str]] = {
    "assessment": ("Assessment", "评估"),
    "classification": ("Classification", "分类"),
    "item": ("Item", "项目"),
    "result": ("Result", "结果"),
    "reasons": ("Reasons", "依据"),
    "her2": ("HER2", "HER2"),
    "er": ("ER", "雌激素受体 (ER)"),
    "pr": ("PR", "孕激素受体 (PR)"),
    "ki67": ("Ki-67", "Ki-67"),
    "subtype": ("Surrogate subtype", "替代分子分型"),
    "stage_path": ("Pathological stage (AJCC 8)", "病理分期 (AJCC 第8版)"),
    "stage_clin": ("Clinical stage (AJCC 8)", "临床分期 (AJCC 第8版)"),
    "warnings": ("Warnings", "警示"),
    "missing": ("Needs", "需补充"),
    "provenance": ("Provenance", "来源与版本"),
    "sources": ("Sources", "参考来源"),
    "none": ("none", "无"),
    "not_assignable": ("not assignable", "无法确定"),
    "prognostic": ("prognostic", "预后分期"),
    "anatomic": ("anatomic", "解剖分期"),
}

_VALUES_ZH: dict[str, str] = {
    "positive": "阳性",
    "negative": "阴性",
    "low_positive": "低表达阳性 (ER-low)",
    "pending": "待定",
    "not_recorded": "未记录",
    "HER2-0": "HER2-0 (零表达)",
    "HER2-ultralow": "HER2 超低表达",
    "HER2-low": "HER2 低表达",
    "HER2-positive": "HER2 阳性",
    "luminal_a": "Luminal A 样",
    "luminal_b_her2_negative": "Luminal B 样 (HER2 阴性)",
    "luminal_b_her2_positive": "Luminal B 样 (HER2 阳性)",
    "her2_enriched": "HER2 阳性 (非 Luminal)",
    "triple_negative": "三阴性",
    "flag_er_low": "ER 低表达 (需讨论)",
    "unclassified": "无法归类",
    "low": "低",
    "intermediate": "中间",
    "high": "高",
}


def label(key: str, lang: Lang = "en") -> str:
    en, zh = _LABELS[key]
    return zh if lang == "zh" else en


def value(v: str | None, lang: Lang = "en") -> str:
    if v is None:
        return "—"
    return _VALUES_ZH.get(v, v) if lang == "zh" else v
