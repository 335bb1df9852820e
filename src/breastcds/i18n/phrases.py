# ruff: noqa: E501 (translation tables: one English sentence and its Chinese per line)
"""Sentences the capabilities generate (reasons, criteria, prompts), rendered for a reader.

The capabilities write their reasons in English from a small set of templates (``"invasive size
14 mm: T1c"``, ``"requires age ≥ 70; case has age = 64"``). This module knows those templates:

* :func:`condition` renders a knowledge condition (``nodes_positive ≥ 1 and her2.status =
  positive``) with the facts and values named as a clinician names them, in either language;
* :func:`sentence` renders one generated sentence: an exact phrase, a template, or clause by
  clause; what it does not know stays as written, with any code identifier in it replaced by
  its label (a sentence is never dropped and an identifier never shown).

The Chinese wording follows the CSCO Breast Cancer guidelines (2020-2024).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from typing import Literal

Lang = Literal["en", "zh"]

_SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")

# ------------------------------------------------------------------------------ identifiers
Lookup = Callable[[str, Lang], "str | None"]
_identifier_lookups: list[Lookup] = []


def register_identifier_lookup(fn: Lookup) -> None:
    """Add a lookup ``(identifier, lang) -> label | None`` used for identifiers in text."""
    _identifier_lookups.append(fn)


Exact = Callable[[str], "str | None"]
_exact_lookups: list[Exact] = []


def register_exact_lookup(fn: Exact) -> None:
    """Add a lookup ``English -> Chinese | None`` of whole texts (the knowledge's own zh)."""
    _exact_lookups.append(fn)


def _exact(text: str) -> str | None:
    for fn in _exact_lookups:
        hit = fn(text)
        if hit is not None:
            return hit
    return None


def identifier(token: str, lang: Lang) -> str | None:
    for fn in _identifier_lookups:
        hit = fn(token, lang)
        if hit is not None:
            return hit
    return None


def deidentify(text: str, lang: Lang) -> str:
    """``text`` with every snake_case identifier replaced by its label (or its words)."""

    def sub(m: re.Match[str]) -> str:
        return identifier(m.group(0), lang) or m.group(0).replace("_", " ")

    return _SNAKE.sub(sub, text)


# ------------------------------------------------------------------------------- conditions
_OPS_ZH = [
    (" includes none of ", " 不含以下任何 "),
    (" includes any of ", " 包含以下任一 "),
    (" includes ", " 包含 "),
    (" not in ", " 不属于 "),
    (" in ", " 属于 "),
    (" and ", " 且 "),
    (" or ", " 或 "),
]
_TOKEN = re.compile(r"[A-Za-z][A-Za-z0-9_.+\-]*[A-Za-z0-9+]|[A-Za-z]")
_KEEP = {"and", "or", "not", "in", "includes", "any", "of", "none"}


def condition(text: str, lang: Lang) -> str:
    """A condition expression (``fact op value``, ``and``/``or``/``not``) for a reader."""

    def sub(m: re.Match[str]) -> str:
        tok = m.group(0)
        if tok in _KEEP:
            return tok
        hit = identifier(tok, lang)
        return hit if hit is not None else tok

    out = _TOKEN.sub(sub, text)
    if lang == "zh":
        for en, zh in _OPS_ZH:
            out = out.replace(en, zh)
        out = re.sub(r"\bnot \(", "非(", out)
        out = out.replace("true", "是").replace("false", "否")
    return deidentify(out, lang)


_REQUIRES = re.compile(r"^requires (?P<expr>.+); case has (?P<values>.+)$")


def _requires(m: re.Match[str], lang: Lang) -> str:
    expr = condition(m["expr"], lang)
    parts = []
    for pair in m["values"].split(", "):
        name, _, val = pair.partition(" = ")
        parts.append(f"{condition(name, lang)} = {_value(val, lang)}")
    if lang == "zh":
        return f"要求 {expr}；本例 " + "，".join(parts)
    return f"requires {expr}; case has " + ", ".join(parts)


def _value(v: str, lang: Lang) -> str:
    if v == "None":
        return "未记录" if lang == "zh" else "not recorded"
    return condition(v, lang)


# -------------------------------------------------------------------------------- sentences
def _g(m: re.Match[str], name: str) -> str:
    return m.group(name)


Template = tuple[re.Pattern[str], Callable[[re.Match[str]], str]]


def _t(pattern: str, fn: Callable[[re.Match[str]], str]) -> Template:
    return re.compile("^" + pattern + "$"), fn


def _v(code: str) -> str:
    return identifier(code, "zh") or code


_NUM = r"[-+]?\d+(?:\.\d+)?"

#: Exact English -> Chinese (generated sentences and criteria that take no values).
EXACT_ZH: dict[str, str] = {
    "IHC 0 with no membrane staining (null)": "IHC 0，无膜染色（null）",
    "IHC 0 with faint, incomplete membrane staining in <=10 % of cells": "IHC 0，≤10%的肿瘤细胞呈微弱、不完整的膜染色",
    "IHC 1+ (faint, incomplete membrane staining in >10 % of cells)": "IHC 1+（>10%的肿瘤细胞呈微弱、不完整的膜染色）",
    "IHC 3+ (complete, intense circumferential membrane staining in >10 % of cells)": "IHC 3+（>10%的肿瘤细胞呈完整、强的环周膜染色）",
    "IHC 3+ with ISH not amplified: discordant; review both tests": "IHC 3+ 而ISH无扩增：结果不一致，请复核两项检测",
    "IHC 2+ (equivocal): ISH decides": "IHC 2+（不确定）：由ISH判定",
    "IHC 0": "IHC 0",
    "staining detail not recorded": "染色细节未记录",
    "no IHC recorded": "未记录免疫组化结果",
    "no HER2 IHC or ISH result recorded": "未记录HER2免疫组化或ISH结果",
    "no HER2 test recorded": "未记录HER2检测",
    "IHC 2+ needs reflex ISH": "IHC 2+ 需行ISH检测",
    "ISH negative: IHC 0/1+/2+ separates HER2-0, ultralow and low": "ISH阴性：由IHC 0/1+/2+区分HER2-0、超低表达与低表达",
    "ISH negative: IHC separates HER2-0, ultralow and low": "ISH阴性：由IHC区分HER2-0、超低表达与低表达",
    "single-probe ISH equivocal (4-<6 copies): dual-probe ISH required": "单探针ISH结果不确定（4~<6拷贝）：需行双探针ISH",
    "ER low positive (1-10 %): flagged for discussion, not forced into a subtype": "ER低表达（1%~10%）：提交讨论，不强行归入某一分型",
    "HER2 status pending": "HER2状态待定",
    "ER positive, HER2 positive (any Ki-67, any PR)": "ER阳性，HER2阳性（Ki-67和PR不限）",
    "ER negative, PR positive: not defined by St Gallen 2013; re-test ER (ASCO/CAP 2020)": "ER阴性、PR阳性：St Gallen 2013未定义此型；建议复检ER（ASCO/CAP 2020）",
    "ER and PR negative, HER2 positive": "ER和PR阴性，HER2阳性",
    "ER, PR and HER2 negative": "ER、PR和HER2均阴性",
    "ER positive": "ER阳性",
    "ER negative": "ER阴性",
    "HER2 negative": "HER2阴性",
    "HER2 positive": "HER2阳性",
    "Luminal A-like vs B-like undecided": "Luminal A型与Luminal B型尚无法区分",
    "Ki-67 separates Luminal A-like from B-like": "Ki-67用于区分Luminal A型与Luminal B型",
    "PR >= 20 % is required for Luminal A-like": "Luminal A型要求PR ≥ 20%",
    "ER decides the subtype": "ER决定分子分型",
    "ER negative: PR decides between the non-luminal subtypes": "ER阴性：由PR区分非Luminal分型",
    "T not recorded and no size": "T分期未记录，且无肿瘤大小",
    "cN not recorded": "cN未记录",
    "N not recorded and no node count": "N分期未记录，且无淋巴结计数",
    "no axillary node examined: pNX (not pN0)": "未检出腋窝淋巴结：pNX（而非pN0）",
    "valid only if surgery was the first treatment (no neoadjuvant therapy); the treatment sequence was not stated": "仅当首选治疗为手术（未行新辅助治疗）时成立；治疗顺序未注明",
    "y-prefixed (post-therapy) T/N: the clinical prognostic stage is assigned from findings before any treatment; AJCC 8th ed. defines no post-therapy prognostic groups": "带y前缀（治疗后）的T/N：临床预后分期依据治疗前所见确定；AJCC第8版未定义治疗后预后分期组",
    "M not recorded": "M分期未记录",
    "pN not recorded": "pN未记录",
    "pure DCIS: Tis": "单纯导管原位癌：Tis",
    "anatomic stage not assignable from the recorded T, N, M": "根据已记录的T、N、M无法确定解剖分期",
    "invasive size decides T": "浸润灶大小决定T分期",
    "clinical N decides the stage": "临床N分期决定分期",
    "positive node count decides N": "阳性淋巴结数决定N分期",
    "M0/M1 decides the stage group": "M0/M1决定分期组",
    "surgery was the first treatment (no neoadjuvant therapy), as stated": "首选治疗为手术（未行新辅助治疗），按记录",
    "T0 N0 M0 is not a stageable combination (no evidence of cancer)": "T0 N0 M0不构成可分期组合（无肿瘤证据）",
    "new irradiated volume overlaps geometrically with a previously irradiated volume "
    "(reirradiation type 1)": "新照射体积与既往照射体积存在几何重叠（1型再程放疗）",
    "literature-based, adjustable": "文献依据，可调整",
    "RT omission is a reasonable option to discuss": "可讨论豁免放疗",
    "surgery only": "仅手术",
    "not inflammatory carcinoma (cT4d)": "非炎性乳癌（cT4d）",
    "not multicentric disease": "非多中心病灶",
    "not pregnancy (radiotherapy would fall in pregnancy)": "非妊娠期（否则放疗将在妊娠期进行）",
    "not interstitial lung disease": "无间质性肺病",
    "relative contraindication: prior breast/chest-wall radiotherapy (re-irradiation question)": "相对禁忌：既往乳腺/胸壁放疗（属再程放疗问题）",
    "PREDICT needs the pathological invasive size in mm": "PREDICT需要病理浸润灶大小（mm）",
    "PREDICT needs the age": "PREDICT需要年龄",
    "PREDICT needs the number of positive nodes (no unknown code)": "PREDICT需要阳性淋巴结数（无“未知”选项）",
    "no pathological invasive size (tumour.size_mm): PREDICT applies after surgery and needs the invasive size": "无病理浸润灶大小（浸润灶大小 (mm)）：PREDICT适用于术后，需要浸润灶大小",
    "not applicable: requires after breast-conserving surgery (post-mastectomy radiotherapy is a different decision)": "不适用：仅适用于保乳术后（乳房切除术后放疗属另一决策）",
    "recovery fraction of prior (not stated; 0 = no recovery assumed)": "既往剂量恢复比例（未注明；按0处理，即不假设恢复）",
    "surgery": "手术",
    "endocrine therapy (5 years)": "内分泌治疗（5年）",
    "chemotherapy (3rd generation)": "化疗（第三代）",
    "chemotherapy (2nd generation)": "化疗（第二代）",
    "trastuzumab": "曲妥珠单抗",
    "bisphosphonate": "双膦酸盐",
    "bisphosphonates": "双膦酸盐",
    "radiotherapy": "放疗",
    "invasive carcinoma (pure DCIS has its own evidence, not encoded here) — assumed when not "
    "recorded": "浸润性癌（单纯导管原位癌另有证据，此处未纳入）——未记录时按此假设",
}

#: Sentences of the re-irradiation and prognosis capabilities that take no values.
EXACT_ZH.update(
    {
        "limit is a single-course reference; cumulative tolerance after re-irradiation is uncertain": "限值为单疗程参考值；再程放疗后的累积耐受剂量不确定",
        "EQD2 of a mean physical dose is an approximation (LQ is non-linear); a mean of voxel-wise EQD2 is more accurate": "由平均物理剂量换算的EQD2只是近似（LQ模型为非线性）；逐体素EQD2的平均值更准确",
        "Doses summed in EQD2 with the linear-quadratic model; the α/β used is stated per organ.": "各疗程剂量以线性二次模型换算为EQD2后累加；所用α/β按器官注明。",
        "Dose per fraction at an organ point = organ dose of the course / number of fractions.": "器官点的分次剂量 = 该疗程器官剂量 / 分次数。",
        "Full repair between fractions: twice-daily fractions are converted as single fractions of d Gy (incomplete repair between fractions >= 6 h apart is ignored).": "假设分次间完全修复：每日两次照射按单次d Gy换算（间隔≥6小时的分次间不完全修复忽略不计）。",
        "No correction for overall treatment time.": "未校正总治疗时间。",
        "Recovery of prior dose is an assumption, applied only as the stated recovery fraction (default 0 = no recovery).": "既往剂量的恢复属于假设，仅按注明的恢复比例计算（默认0，即不假设恢复）。",
        "cannot assess (see organ results)": "无法评估（见各器官结果）",
        "no prior course listed: prior EQD2 is 0 by the plan's course list": "未列出既往疗程：按计划中的疗程列表，既往EQD2为0",
        "each course's recorded organ dose converted to EQD2 (LQ, d = dose / fractions) and summed, prior courses × (1 − recovery)": "各疗程记录的器官剂量换算为EQD2（LQ，d = 剂量 / 分次数）后累加，既往疗程 ×（1 − 恢复比例）",
        "recovery_fraction_of_prior (not stated; 0 = no recovery assumed)": "既往剂量恢复比例（未注明；按0处理，即不假设恢复）",
        "radiotherapy benefit not shown: mean heart dose not recorded. Surgery-only and regimens without radiotherapy do not use radio or heart dose in PREDICT v3.2, so they are computed as the official code does": "未显示放疗获益：未记录平均心脏剂量。PREDICT v3.2中仅手术及不含放疗的方案不使用放疗及心脏剂量，因此按官方代码计算",
        "chemotherapy shown as a third-generation regimen (generation = 3, e.g. anthracycline + taxane); the case's actual agents are not used": "化疗按第三代方案显示（generation = 3，如蒽环类 + 紫杉类）；不使用本例实际用药",
        "endocrine therapy shown as 5 years (horm = 1; 10-year h10 regimens are not shown)": "内分泌治疗按5年显示（horm = 1；不显示10年h10方案）",
        "third-generation regimen": "第三代方案",
        "HER2-negative (including HER2-low/ultralow/0)": "HER2阴性（含HER2低表达/超低表达/0）",
        "ER-negative: no endocrine effect in PREDICT": "ER阴性：PREDICT中无内分泌治疗效应",
        "needs biomarkers.er_percent": "需要ER百分比",
        "HER2 pending: needs a conclusive HER2 result (biomarkers.her2_*)": "HER2待定：需要明确的HER2结果",
        "PREDICT v2.2 has no radiotherapy term": "PREDICT v2.2无放疗项",
        "HER2-positive -> her2 = 1": "HER2阳性 → her2 = 1",
        "PR not recorded -> 9, the official 'unknown' code": "PR未记录 → 9，即官方“未知”代码",
        "Ki-67 not recorded -> 9, the official 'unknown' code": "Ki-67未记录 → 9，即官方“未知”代码",
        "HER2 pending (not determinable from the recorded tests) -> 9, the official 'unknown' code; trastuzumab benefit is not shown": "HER2待定（现有检测无法判定）→ 9，即官方“未知”代码；不显示曲妥珠单抗获益",
        "Benefits are absolute overall-survival gains in percentage points; each treatment is added to the previous regimen in the official order (endocrine, chemotherapy, trastuzumab, bisphosphonate, radiotherapy).": "获益为总生存的绝对增益（百分点）；各治疗按官方顺序（内分泌治疗、化疗、曲妥珠单抗、双膦酸盐、放疗）逐项叠加到前一方案上。",
        "Figures show the estimated outcome if the treatment is given; they are not a recommendation and do not account for the case's actual adjuvant therapy.": "图表显示给予该治疗时的估计结局；并非治疗推荐，也未考虑本例实际接受的辅助治疗。",
        "PREDICT v3.2 counts other-cause deaths from chemotherapy (HR 1.2) and, with radiotherapy, ln(1.02) per Gy mean heart dose: a treatment can show a negative overall-survival benefit.": "PREDICT v3.2计入化疗所致的其他原因死亡（HR 1.2），放疗时每Gy平均心脏剂量计入ln(1.02)：某项治疗可能显示为负的总生存获益。",
        "node stage from tumour.nodes_positive (macro- and micrometastases counted; isolated tumour cells not)": "淋巴结分期依据阳性淋巴结数（计入宏转移和微转移，不计孤立肿瘤细胞）",
        "CTS5 estimates late distant recurrence (years 5-10) for ER-positive disease after 5 years of endocrine therapy, in patients free of distant recurrence at 5 years": "CTS5用于估计ER阳性患者完成5年内分泌治疗且5年时无远处复发者的晚期远处复发风险（第5-10年）",
        "applies after 5 years of endocrine therapy; the result is the group's published 5-10-year distant-recurrence band (no continuous risk is computed)": "适用于完成5年内分泌治疗后；结果为该风险组已发表的第5-10年远处复发区间（不计算连续风险值）",
        "ER-low (1-10 %): counted as ER-positive; CTS5 evidence is in ER-positive trial populations (flag)": "ER低表达（1%-10%）：按ER阳性计；CTS5的证据来自ER阳性试验人群（需注意）",
        "ER-negative: CTS5 applies to ER-positive disease only": "ER阴性：CTS5仅适用于ER阳性",
        "CTS5 is for ER-positive disease": "CTS5仅适用于ER阳性",
        "CTS5 needs invasive size and age > 0": "CTS5需要浸润灶大小且年龄 > 0",
        "NPI needs invasive size": "NPI需要浸润灶大小",
        "NPI needs nodes": "NPI需要淋巴结数",
        "NPI needs grade 1-3": "NPI需要组织学分级1-3级",
        "CTS5 needs invasive size": "CTS5需要浸润灶大小",
        "CTS5 needs positive nodes": "CTS5需要阳性淋巴结数",
        "CTS5 needs age": "CTS5需要年龄",
        "CTS5 needs grade 1-3": "CTS5需要组织学分级1-3级",
        "PREDICT is designed for women only; sex is not recorded": "PREDICT仅为女性设计；未记录性别",
        "NPI was derived in women; sex is not recorded": "NPI在女性中建立；未记录性别",
        "CTS5 was derived in women; sex is not recorded": "CTS5在女性中建立；未记录性别",
        "no surgery (treatment.surgery.type = none): PREDICT estimates survival after surgery": "未手术（手术方式 = 无）：PREDICT估计的是术后生存",
        "moderate I": "中等 I",
        "moderate II": "中等 II",
        "very poor": "极差",
        "excellent": "极好",
    }
)


_ENDPOINT: dict[str, str] = {
    "local recurrence (ipsilateral breast)": "局部复发（同侧乳腺）",
    "local or regional recurrence": "局部或区域复发",
    "ipsilateral breast tumour recurrence": "同侧乳腺肿瘤复发",
    "local breast cancer recurrence": "乳腺局部复发",
    "local recurrence": "局部复发",
    "overall survival": "总生存",
}
_FROM: dict[str, str] = {"size": "大小", "nodes": "淋巴结"}
_WHY_RS: dict[str, str] = {
    "T is not T1 or T2": "T非T1或T2",
    "N is not N0": "N非N0",
    "ER is not positive": "ER非阳性",
    "HER2 is not negative": "HER2非阴性",
    "score is not below 11": "评分不低于11",
}
_OP: dict[str, str] = {"<": "<", ">": ">", "<=": "≤", ">=": "≥"}


def _stage_row(m: re.Match[str]) -> str:
    table = {
        "Pathological Prognostic Stage Groups": "病理预后分期组",
        "Clinical Prognostic Stage Groups": "临床预后分期组",
    }.get(m["table"], m["table"])
    return f"{m['cells']}：{table} {m['row']} 行，得出 {m['stage']} 期"


TEMPLATES_ZH: list[Template] = [
    _t(
        rf"dual-probe ISH group (?P<g>\d) \(ratio (?P<r>{_NUM}), (?P<c>{_NUM}) HER2 copies/cell\)",
        lambda m: f"双探针ISH第{m['g']}组（比值 {m['r']}，每细胞HER2拷贝数 {m['c']}）",
    ),
    _t(
        rf"recount by a second observer: group (?P<g>\d) \(ratio (?P<r>{_NUM}), (?P<c>{_NUM}) "
        r"HER2 copies/cell\)",
        lambda m: f"第二位观察者复核计数：第{m['g']}组（比值 {m['r']}，每细胞HER2拷贝数 {m['c']}）",
    ),
    _t(
        r"recount changed the group from (?P<a>\d) to (?P<b>\d)",
        lambda m: f"复核计数将分组由第{m['a']}组改为第{m['b']}组",
    ),
    _t(
        rf"single-probe ISH (?P<c>{_NUM}) HER2 copies/cell",
        lambda m: f"单探针ISH每细胞HER2拷贝数 {m['c']}",
    ),
    _t(
        r"ISH group (?P<g>\d) with IHC 2\+: ASCO/CAP 2018 requires an additional count of >= 20 "
        r"cells by a second observer",
        lambda m: f"ISH第{m['g']}组且IHC 2+：ASCO/CAP 2018要求由第二位观察者再计数≥20个细胞",
    ),
    _t(
        r"group (?P<g>\d) with IHC 2\+ after recount: HER2-negative \(ASCO/CAP comment required\)",
        lambda m: f"复核后第{m['g']}组且IHC 2+：HER2阴性（需按ASCO/CAP附注说明）",
    ),
    _t(
        r"ISH group (?P<g>\d) with concurrent IHC (?P<i>\S+): HER2-negative(?P<rest>.*)",
        lambda m: f"ISH第{m['g']}组且同期IHC {m['i']}：HER2阴性{m['rest']}",
    ),
    _t(
        r"ISH group (?P<g>\d) needs concurrent IHC review \(ASCO/CAP 2018\)",
        lambda m: f"ISH第{m['g']}组需同期复核IHC（ASCO/CAP 2018）",
    ),
    _t(r"(?P<r>ER|PR) % not recorded", lambda m: f"{m['r']}百分比未记录"),
    _t(
        rf"(?P<r>ER|PR|Ki-67) (?P<p>{_NUM}) % (?P<op><|>=|<=|>) (?P<t>{_NUM}) %",
        lambda m: f"{m['r']} {m['p']}% {_OP[m['op']]} {m['t']}%",
    ),
    _t(
        rf"ER (?P<p>{_NUM}) % is within (?P<a>{_NUM})-(?P<b>{_NUM}) %: ER low positive \(limited "
        r"data on endocrine benefit; biology often resembles ER-negative disease\)",
        lambda m: (
            f"ER {m['p']}% 介于 {m['a']}%~{m['b']}%：ER低表达（内分泌治疗获益的数据有限，"
            "生物学行为常类似ER阴性）"
        ),
    ),
    _t(
        rf"Ki-67 (?P<p>{_NUM}) % lies between (?P<a>{_NUM}) % and (?P<b>{_NUM}) %: not reliable "
        r"alone for chemotherapy decisions",
        lambda m: f"Ki-67 {m['p']}% 介于 {m['a']}%~{m['b']}%：不宜单独据此决定是否化疗",
    ),
    _t(
        rf"Oncotype DX RS (?P<x>{_NUM}) >= (?P<y>{_NUM})",
        lambda m: f"Oncotype DX复发评分 {m['x']} ≥ {m['y']}",
    ),
    _t(
        rf"invasive size (?P<s>{_NUM}) mm: (?P<t>\S+)",
        lambda m: f"浸润灶大小 {m['s']} mm：{m['t']}",
    ),
    _t(
        r"(?P<n>\d+) positive axillary node\(s\): (?P<c>\S+)",
        lambda m: f"腋窝阳性淋巴结 {m['n']} 枚：{m['c']}",
    ),
    _t(r"no node examined: (?P<rest>.+)", lambda m: "未检出淋巴结：" + m["rest"]),
    _t(
        r"micrometastases only \(0\.2-2 mm\): (?P<c>\S+)",
        lambda m: f"仅微转移（0.2~2 mm）：{m['c']}",
    ),
    _t(
        r"(?P<why>y-prefixed \(post-therapy\) T/N|neoadjuvant therapy given): the pathological prognostic stage table applies only when surgery was the first treatment; the clinical prognostic stage assigned before treatment stands",
        lambda m: (
            ("带y前缀（治疗后）的T/N" if m["why"].startswith("y") else "已行新辅助治疗")
            + "：病理预后分期表仅适用于首选治疗为手术者；沿用治疗前确定的临床预后分期"
        ),
    ),
    _t(
        r"the (?P<t>clinical|pathological) prognostic stage table needs grade, HER2, ER and PR; missing: (?P<x>.+?)\. Not assigned .*",
        lambda m: (
            f"{'临床' if m['t'] == 'clinical' else '病理'}预后分期表需要分级、HER2、ER和PR；缺失：{m['x']}。不作推测、不予分期：请补充，无法获得时按AJCC采用解剖分期"
        ),
    ),
    _t(
        rf"Oncotype DX recurrence score (?P<x>{_NUM}) does not modify the stage \((?P<why>.+)\)",
        lambda m: (
            f"Oncotype DX复发评分 {m['x']} 不改变分期（"
            + "；".join(_WHY_RS.get(w, w) for w in m["why"].split("; "))
            + "）"
        ),
    ),
    _t(
        rf"Oncotype DX recurrence score (?P<x>{_NUM}) < (?P<c>{_NUM}) with (?P<t>\S+) N0 M0, ER-positive, HER2-negative: pathological prognostic stage IA \(genomic-profile note\)",
        lambda m: (
            f"Oncotype DX复发评分 {m['x']} < {m['c']}，{m['t']} N0 M0、ER阳性、HER2阴性：病理预后分期IA期（多基因检测注释）"
        ),
    ),
    _t(r"(?P<x>\S+) as recorded", lambda m: f"{m['x']}（按记录）"),
    _t(
        r"recorded (?P<a>\S+) contradicts (?P<b>\S+) from (?P<w>size|nodes)",
        lambda m: f"记录的{m['a']}与根据{_FROM[m['w']]}得出的{m['b']}矛盾",
    ),
    _t(
        r"distant metastases: (?P<s>.+)",
        lambda m: "远处转移：" + "、".join(_v(x) for x in m["s"].split(", ")),
    ),
    _t(
        r"(?P<t>\S+) (?P<n>\S+) (?P<mm>M\S*): anatomic stage (?P<s>\S+) \((?P<row>[^)]+)\)",
        lambda m: f"{m['t']} {m['n']} {m['mm']}：解剖分期 {m['s']} 期（{m['row']}）",
    ),
    _t(r"(?P<a>\S+) is staged as (?P<b>\S+)", lambda m: f"{m['a']} 按 {m['b']} 分期"),
    _t(
        r"(?P<cells>.+ M0, G\d, HER2[+-], ER[+-], PR[+-]): (?P<table>.+?) row (?P<row>\S+) gives "
        r"(?P<stage>\S+)",
        _stage_row,
    ),
    _t(
        r"M1: stage (?P<s>\S+) whatever T, N, grade and biomarkers",
        lambda m: f"M1：无论T、N、分级及生物标志物，均为 {m['s']} 期",
    ),
    _t(
        r"Tis N0 M0: stage (?P<s>\S+) whatever grade and biomarkers",
        lambda m: f"Tis N0 M0：无论分级及生物标志物，均为 {m['s']} 期",
    ),
    _t(r"not assessed: (?P<x>.+)", lambda m: f"未评估：{m['x']}"),
    _t(r"no (?P<t>\S+) table row for (?P<x>.+)", lambda m: f"{m['x']} 在预后分期表中无对应行"),
    _t(
        r"(?P<k>\w+) is needed for the (?P<t>clinical|pathological) table",
        lambda m: f"{'临床' if m['t'] == 'clinical' else '病理'}预后分期表需要{m['k'].upper()}分期",
    ),
    _t(
        rf"cumulative EQD2 (?P<x>{_NUM}) Gy (?P<op><=|>) limit (?P<y>{_NUM}) Gy \(α/β "
        rf"(?P<ab>{_NUM}) Gy\)",
        lambda m: f"累积EQD2 {m['x']} Gy {_OP[m['op']]} 限值 {m['y']} Gy（α/β {m['ab']} Gy）",
    ),
    _t(
        r"no sourced numeric cumulative limit for (?P<o>\S+) (?P<me>\S+) \((?P<id>[^)]+)\): "
        r"(?P<rest>.+)",
        lambda m: (
            f"{_v(m['o'])} {m['me']} 无文献支持的累积剂量数值限值（见规则与来源）："
            + _sentence_zh(m["rest"])
        ),
    ),
    _t(rf"interval between courses >= (?P<x>{_NUM}) months", lambda m: f"疗程间隔 ≥ {m['x']} 个月"),
    _t(
        rf"EQD2 of every single course <= (?P<x>{_NUM}) Gy",
        lambda m: f"每个单疗程EQD2 ≤ {m['x']} Gy",
    ),
    _t(rf"interval (?P<x>{_NUM}) months", lambda m: f"间隔 {m['x']} 个月"),
    _t(rf"highest single-course EQD2 (?P<x>{_NUM}) Gy", lambda m: f"单疗程最高EQD2 {m['x']} Gy"),
    _t(
        r"(?P<d>\d+) days from (?P<a>\S+) to (?P<b>\S+) \(days / 30\.4375\)",
        lambda m: f"{_course(m['a'])} 至 {_course(m['b'])} 共 {m['d']} 天（天数 / 30.4375）",
    ),
    _t(r"not recorded \(not read as 0\): (?P<x>.+)", lambda m: "未记录（不按0处理）：" + m["x"]),
    _t(r"expected local recurrence — (?P<x>.+)", lambda m: "预期局部复发：" + m["x"]),
    _t(
        r"PREDICT v(?P<v>[\d.]+) needs current smoking status \(never/ex = 0, current = 1\); the official code has no unknown code \((?P<src>.+)\)",
        lambda m: (
            f"PREDICT v{m['v']}需要目前吸烟状态（从不/既往吸烟 = 0，目前吸烟 = 1）；官方代码无“未知”选项（{m['src']}）"
        ),
    ),
    _t(
        r"metastatic disease \(M1 / distant sites recorded\): PREDICT is for early breast cancer without distant spread at diagnosis(?P<src>.*)",
        lambda m: (
            f"已有远处转移（M1 / 记录了远处转移部位）：PREDICT仅适用于诊断时无远处转移的早期乳腺癌{m['src']}"
        ),
    ),
    _t(
        r"cannot tell whether (?P<x>.+): not recorded",
        lambda m: f"无法判断是否{_sentence_zh(m['x'])}：未记录",
    ),
    _t(r"needed to know whether (?P<x>.+)", lambda m: f"用于判断是否{_sentence_zh(m['x'])}"),
    _t(
        r"decides (?P<set>.+?): (?P<req>.+)",
        lambda m: f"决定是否符合{m['set']}：{_sentence_zh(m['req'])}",
    ),
    _t(
        r"after breast-conserving surgery \(post-mastectomy radiotherapy is a different decision\)",
        lambda m: "为保乳术后（乳房切除术后放疗属另一决策）",
    ),
    _t(
        rf"(?P<t>.+?): (?P<y>{_NUM})-yr (?P<e>.+?) (?P<a>{_NUM}) % without RT",
        lambda m: f"{_trial(m['t'])}：{m['y']}年{_endpoint(m['e'])}，未放疗 {m['a']}%",
    ),
    _t(
        rf"(?P<t>.+?): (?P<y>{_NUM})-yr (?P<e>.+?) (?P<a>{_NUM}) % without vs (?P<b>{_NUM}) % with RT",
        lambda m: (
            f"{_trial(m['t'])}：{m['y']}年{_endpoint(m['e'])}，未放疗 {m['a']}%，放疗 {m['b']}%"
        ),
    ),
    _t(
        r"(?P<x>.+?) — (?P<n>.+)",
        lambda m: f"{_known_sentence(m['x'])}——{_known_sentence(m['n'])}",
    ),
    _t(r"not (?P<x>.+)", lambda m: "排除" + _known_sentence(m["x"])),
    _t(r"excluded: (?P<x>.+)", lambda m: "符合排除条件：" + _known_or_condition(m["x"])),
    _t(
        r"\(not in the case model\) (?P<x>.+)",
        lambda m: "（病例模型无此字段）" + _known_sentence(m["x"]),
    ),
    _t(
        r"confirm before use: (?P<x>.+) \((?P<f>[a-z_]+(?:\.[a-z0-9_]+)+)\)",
        lambda m: f"使用前请确认：{_sentence_zh(m['x'])}（{_field(m['f'])}）",
    ),
    # ---- options guards (options/guards.py): agents taken out of an option, and why
    _t(
        r"without (?P<a>[a-z0-9_, -]+): (?P<r>.+)",
        lambda m: "去除" + "、".join(_v(x) for x in m["a"].split(", ")) + "：" + _known_run(m["r"]),
    ),
    # ---- an option taken away by a guard (options/guards.py): "agents: reason"
    _t(
        r"(?P<a>[a-z][a-z0-9_-]*(?:, [a-z][a-z0-9_-]*)*): (?P<r>.+)",
        lambda m: "、".join(_named(x) for x in m["a"].split(", ")) + "：" + _known_run(m["r"]),
    ),
    # ---- course history after the decision point's reason (course/inference.py)
    _t(
        r"(?P<head>.+?) \((?P<sum>(?:recurrence|surgery|neoadjuvant|radiotherapy|endocrine|metastatic lines recorded): [^()]*)\)",
        lambda m: f"{_head_zh(m['head'])}（{_course_summary(m['sum'])}）",
    ),
    # ---- prognosis (prognosis/mapping.py, prognosis/section.py)
    _t(
        r"age = (?P<a>\d+) years \(age at diagnosis, as the web tool's 'Age at diagnosis'\)",
        lambda m: f"年龄 = {m['a']} 岁（诊断时年龄，同官方网页工具的“Age at diagnosis”）",
    ),
    _t(
        rf"size = (?P<s>{_NUM}) mm \(pathological invasive size, largest invasive focus\)",
        lambda m: f"肿瘤大小 = {m['s']} mm（病理浸润灶大小，取最大浸润灶）",
    ),
    _t(
        rf"(?P<what>detection|grade) not recorded -> (?:screen = )?(?P<c>\d), the official 'unknown' code \(model uses (?P<x>{_NUM})\)",
        lambda m: (
            f"{'发现方式' if m['what'] == 'detection' else '组织学分级'}未记录 → {m['c']}，"
            f"即官方“未知”代码（模型取 {m['x']}）"
        ),
    ),
    _t(
        rf"detection (?P<d>\w+) -> screen = (?P<v>{_NUM}) \(1 screen-detected, 0 symptomatic\)",
        lambda m: f"发现方式：{_v(m['d'])} → screen = {m['v']}（1 = 筛查发现，0 = 有症状就诊）",
    ),
    _t(r"grade = (?P<g>\d)", lambda m: f"组织学分级 = {m['g']}"),
    _t(
        r"nodes = (?P<n>\d+) positive node\(s\)(?P<rest>.*)",
        lambda m: f"nodes = {m['n']}（阳性淋巴结 {m['n']} 枚）" + _nodes_rest(m["rest"]),
    ),
    _t(
        r"1 positive node with micrometastases only -> nodes = 0\.5, as the official tool models it \('half a positive node'; (?P<src>.+)\)",
        lambda m: (
            f"1枚阳性淋巴结且仅为微转移 → nodes = 0.5，与官方工具一致（按“半枚阳性淋巴结”计；{_src(m['src'])}）"
        ),
    ),
    _t(
        rf"(?P<r>ER|PR) (?P<p>{_NUM}) % -> (?P<k>er|pr) = (?P<v>{_NUM}) \(positive >= 1 %, ASCO/CAP 2020\)",
        lambda m: f"{m['r']} {m['p']}% → {m['k']} = {m['v']}（≥1%为阳性，ASCO/CAP 2020）",
    ),
    _t(
        rf"ER (?P<p>{_NUM}) % is ER-low positive \(1-10 %, ASCO/CAP 2020\): counts as ER-positive for PREDICT \(>= 1 %\)\. Flag: the endocrine benefit and ER-positive baseline may overstate the benefit in ER-low disease",
        lambda m: (
            f"ER {m['p']}% 为ER低表达（1%-10%，ASCO/CAP 2020）：在PREDICT中按ER阳性计（≥1%）。注意：内分泌治疗获益及ER阳性基线可能高估ER低表达者的获益"
        ),
    ),
    _t(
        r"(?P<c>\S+) -> her2 = 0: HER2-0, HER2-ultralow and HER2-low all count as HER2-negative for PREDICT",
        lambda m: (
            f"{_v(m['c'])} → her2 = 0：HER2-0、HER2超低表达和HER2低表达在PREDICT中均按HER2阴性计"
        ),
    ),
    _t(
        rf"Ki-67 (?P<k>{_NUM}) % -> ki67 = (?P<v>{_NUM}) \(official: positive means more than 10 % of cells; (?P<src>.+)\); PREDICT uses it in ER-positive disease only",
        lambda m: (
            f"Ki-67 {m['k']}% → ki67 = {m['v']}（官方定义：>10%的细胞阳性为阳性；{_src(m['src'])}）；PREDICT仅在ER阳性时使用该项"
        ),
    ),
    _t(
        rf"current smoker (?P<y>yes|no) -> smoker = (?P<v>{_NUM}) \(never/ex = 0\)",
        lambda m: (
            f"目前吸烟：{'是' if m['y'] == 'yes' else '否'} → smoker = {m['v']}（从不/既往吸烟 = 0）"
        ),
    ),
    _t(
        r"(?P<m>post|pre|peri)menopausal; 'Only applicable to menopausal women' \((?P<src>.+)\)",
        lambda m: f"{_v(m['m'])}；“仅适用于绝经后女性”（{_src(m['src'])}）",
    ),
    _t(
        r"needs patient\.menopausal_status \(bisphosphonate benefit is for postmenopausal women; 'Only applicable to menopausal women' \((?P<src>.+)\)\)",
        lambda m: (
            f"需要绝经状态（双膦酸盐获益仅见于绝经后女性；“仅适用于绝经后女性”（{_src(m['src'])}））"
        ),
    ),
    _t(
        r"needs treatment\.mean_heart_dose_gy \(mean heart dose of the planned radiotherapy, Gy\): PREDICT v3\.2 adds ln\(1\.02\) x heart Gy to other-cause mortality with radiotherapy and has no unknown code or per-patient default \((?P<src>.+?); its 2 Gy is a population assumption in the baseline, not a patient default\)",
        lambda m: (
            f"需要计划放疗的平均心脏剂量（Gy）：PREDICT v3.2在放疗时将 ln(1.02) × 心脏剂量（Gy）计入其他原因死亡，且无“未知”代码或个体默认值（{_src(m['src'])}；其2 Gy为基线中的人群假设，不是个体默认值）"
        ),
    ),
    _t(
        rf"mean heart dose (?P<x>{_NUM}) Gy from (?P<f>.+)",
        lambda m: f"平均心脏剂量 {m['x']} Gy，来源：{_sentence_zh(m['f'])}",
    ),
    _t(
        rf"radiotherapy shown with mean heart dose (?P<x>{_NUM}) Gy \(radio = 1\); PREDICT v3\.2 adds ln\(1\.02\) per Gy to other-cause mortality",
        lambda m: (
            f"放疗按平均心脏剂量 {m['x']} Gy 显示（radio = 1）；PREDICT v3.2每Gy将ln(1.02)计入其他原因死亡"
        ),
    ),
    _t(
        rf"mean heart dose (?P<x>{_NUM}) Gy is outside (?P<r>.+?) Gy: radiotherapy benefit not shown",
        lambda m: f"平均心脏剂量 {m['x']} Gy 超出范围 {m['r']} Gy：不显示放疗获益",
    ),
    _t(
        rf"NPI = (?P<s>{_NUM}) mm / 50 \+ node stage (?P<n>\d) \+ grade (?P<g>\d) = (?P<x>{_NUM})",
        lambda m: f"NPI = {m['s']} mm / 50 + 淋巴结分期 {m['n']} + 组织学分级 {m['g']} = {m['x']}",
    ),
    _t(
        r"CTS5 = 0\.438 x node category (?P<n>\d) \+ 0\.988 x (?P<rest>.+)",
        lambda m: f"CTS5 = 0.438 × 淋巴结分类 {m['n']} + 0.988 × {m['rest'].replace(' x ', ' × ')}",
    ),
    _t(
        r"derived in postmenopausal women \(ATAC, BIG 1-98\); menopausal status here is (?P<m>\w+)",
        lambda m: f"该模型在绝经后女性中建立（ATAC、BIG 1-98）；本例绝经状态为{_v(m['m'])}",
    ),
    _t(rf"size capped at (?P<x>{_NUM}) mm", lambda m: f"肿瘤大小按上限 {m['x']} mm 计"),
    _t(
        r"(?P<what>male patient|metastatic disease|DCIS only|no surgery|neoadjuvant therapy recorded): (?P<i>NPI|CTS5) (?P<rest>.+)",
        lambda m: _index_reason(m["what"], m["i"], m["rest"]),
    ),
    _t(
        rf"invasive size (?P<s>{_NUM}) mm: NPI needs > 0",
        lambda m: f"浸润灶大小 {m['s']} mm：NPI要求 > 0",
    ),
    _t(
        r"(?P<a>[^+]+?)(?P<rest>(?: \+ [^+]+)+)",
        lambda m: " + ".join(_known(x) for x in [m["a"], *m["rest"].split(" + ")[1:]]),
    ),
]


def _src(citation: str) -> str:
    """A citation inside a Chinese sentence: as written, identifiers by their words."""
    return deidentify(citation, "zh")


_NODES_REST: dict[str, str] = {
    "micrometastases-only not recorded, so counted as a whole node (the official tool's 'unknown'": "未记录是否仅为微转移，按1枚完整淋巴结计（官方工具的“未知”",
    "micrometastases-only does not change the count when more than one node is positive (official tool": "阳性淋巴结多于1枚时，仅微转移不改变计数（官方工具",
}


def _nodes_rest(rest: str) -> str:
    if not rest:
        return ""
    for en, zh in _NODES_REST.items():
        prefix = f"; {en}; "
        if rest.startswith(prefix) and rest.endswith(")"):
            return f"；{zh}；{_src(rest[len(prefix) : -1])}）"
    raise _Unknown(rest)


_INDEX_WHY: dict[str, tuple[str, dict[str, str]]] = {
    "male patient": ("男性患者", {"was derived in women": "在女性中建立"}),
    "metastatic disease": (
        "已有远处转移",
        {"is for early (non-metastatic) breast cancer": "仅适用于早期（无远处转移）乳腺癌"},
    ),
    "DCIS only": ("仅导管原位癌", {"needs an invasive carcinoma": "需要浸润性癌"}),
    "no surgery": ("未手术", {"uses pathological size and nodes": "使用病理肿瘤大小和淋巴结"}),
    "neoadjuvant therapy recorded": (
        "已记录新辅助治疗",
        {
            "was derived from pathology after primary surgery; post-treatment size/nodes are not its inputs": "基于直接手术后的病理建立；治疗后的肿瘤大小/淋巴结不是其输入"
        },
    ),
}


def _index_reason(what: str, index: str, rest: str) -> str:
    head, tails = _INDEX_WHY[what]
    if rest not in tails:
        raise _Unknown(rest)
    return f"{head}：{index}{tails[rest]}"


def _known_run(text: str) -> str:
    """Sentences joined by "; " whose pieces may themselves contain "; ": the longest known
    run first (knowledge texts are looked up whole), every piece known or :class:`_Unknown`."""
    parts = text.split("; ")
    out: list[str] = []
    i = 0
    while i < len(parts):
        for j in range(len(parts), i, -1):
            done = _one_zh("; ".join(parts[i:j]))
            if done is not None:
                out.append(done)
                i = j
                break
        else:
            raise _Unknown(parts[i])
    return "；".join(out)


def _named(code: str) -> str:
    """An agent or action code by its Chinese name, else :class:`_Unknown`."""
    hit = identifier(code, "zh")
    if hit is None:
        raise _Unknown(code)
    return hit


def _head_zh(head: str) -> str:
    if re.search(r"[\u4e00-\u9fff]", head):
        return head
    return _known_sentence(head)


_COURSE_KEYS: dict[str, str] = {
    "recurrence": "复发", "surgery": "手术", "neoadjuvant": "新辅助治疗", "radiotherapy": "放疗",
    "endocrine": "内分泌治疗", "metastatic lines recorded": "已记录的晚期治疗线数",
}  # fmt: skip


def _course_value(v: str) -> str:
    v = re.sub(r", (\d+(?:\.\d+)?) months after diagnosis$", r"，诊断后 \1 个月", v)
    v = re.sub(r" (\d+(?:\.\d+)?) years$", r" \1 年", v)
    v = v.replace("agents not recorded", "药物未记录")
    return re.sub(r"[a-z][a-z0-9_]*", lambda m: _v(m.group(0)), v).replace(", ", "、")


def _course_summary(summary: str) -> str:
    """``recurrence: chest_wall, 28 months after diagnosis; surgery: mastectomy`` in Chinese."""
    out = []
    for part in summary.split("; "):
        key, sep, v = part.partition(": ")
        if not sep or key not in _COURSE_KEYS:
            raise _Unknown(part)
        out.append(f"{_COURSE_KEYS[key]}：{_course_value(v)}")
    return "；".join(out)


def _endpoint(en: str) -> str:
    """An outcome's endpoint: the knowledge's own Chinese (rt_omission.yaml endpoint_zh)."""
    return _ENDPOINT.get(en) or _exact(en) or en


def _trial(name: str) -> str:
    return _exact(name) or name


def _sentence_zh(text: str) -> str:
    return sentence(text, "zh")


def _known_or_condition(text: str) -> str:
    """A condition's name in Chinese, or the condition expression rendered by name."""
    done = _one_zh(text) or _clauses_zh(text)
    return done if done is not None else condition(text, "zh")


def _known_sentence(text: str) -> str:
    """``text`` in Chinese when it has a rendering, else :class:`_Unknown` (template skipped)."""
    done = _one_zh(text) or _clauses_zh(text)
    if done is None:
        raise _Unknown(text)
    return done


def _field(path: str) -> str:
    from breastcds.i18n import field_label

    return field_label(path, "zh")


def _course(path: str) -> str:
    """``courses[0].end_date`` -> "疗程1 结束日期"."""
    m = re.match(r"courses\[(\d+)\]\.(\w+)", path)
    if not m:
        return _field(path)
    return f"疗程{int(m[1]) + 1} {_field(m[2])}"


class _Unknown(Exception):
    pass


def _known(part: str) -> str:
    done = EXACT_ZH.get(part.strip()) or _exact(part.strip())
    if done is None:
        raise _Unknown(part)
    return done


def _one_zh(text: str) -> str | None:
    s = text.strip()
    if s in EXACT_ZH:
        return EXACT_ZH[s]
    known = _exact(s)
    if known is not None:
        return known
    m = _REQUIRES.match(s)
    if m:
        return _requires(m, "zh")
    for pattern, fn in TEMPLATES_ZH:
        m = pattern.match(s)
        if m:
            try:
                return fn(m)
            except _Unknown:
                continue
    return None


def _clauses_zh(text: str) -> str | None:
    """Clause by clause ("; " then ", "), only when every clause is known."""
    for sep, join in (("; ", "；"), (", ", "，")):
        if sep not in text:
            continue
        parts = text.split(sep)
        done = [_one_zh(p) or _clauses_zh(p) for p in parts]
        if all(d is not None for d in done):
            return join.join(d for d in done if d is not None)
    return None


@cache
def sentence(text: str, lang: Lang) -> str:
    """One generated sentence for a reader (see the module docstring)."""
    if lang == "en":
        m = _REQUIRES.match(text)
        return _requires(m, "en") if m else deidentify(text, "en")
    done = _one_zh(text) or _clauses_zh(text)
    return done if done is not None else deidentify(text, "zh")


def known_zh(text: str) -> bool:
    """Whether ``text`` has a Chinese rendering (not only identifiers replaced)."""
    return (_one_zh(text) or _clauses_zh(text)) is not None


def prompt_reason(text: str, lang: Lang) -> str:
    """A missing-data prompt reason (``"regimen: condition; regimen: condition"``).

    In Chinese the regimen names (English in the knowledge) give way to the conditions that
    need the field; the rule ids beside the prompt name the rules.
    """
    if lang == "en":
        return deidentify(text, "en")
    known = _exact(text)
    if known is not None:  # a prompt written in the knowledge with its own Chinese
        return known
    conds: list[str] = []
    for seg in text.split("; "):
        _, sep, cond = seg.rpartition(": ")
        if not sep:  # a piece of a regimen name that itself contains "; "
            continue
        c = condition(cond, "zh")
        if c not in conds:
            conds.append(c)
    return "相关条件：" + "；".join(conds)
