"""Labels of the report and the tumour-board page in English and Simplified Chinese.

Interface words only: clinical text (reasons, rule wording, sources) comes from the assessment
as the capability wrote it. Values (codes such as ``HER2-low`` or ``within``) are translated when
a translation is known and shown as the code otherwise, so a new code never breaks a page.
"""

from __future__ import annotations

from typing import Literal

from breastcds import i18n

Lang = Literal["en", "zh"]
LANGS: tuple[Lang, ...] = ("en", "zh")

_LABELS: dict[str, tuple[str, str]] = {
    # report frame
    "report_title": ("Tumour-board report", "肿瘤多学科会诊 (MDT) 报告"),
    "page_title": ("Tumour board", "肿瘤多学科会诊"),
    "decision_support": (
        "Decision support only: the board decides. Every call below names its rule and source.",
        "仅为决策支持，由多学科团队作出决定。以下每项结论均注明规则与来源。",
    ),
    "identifiers": ("Patient and case", "患者与病例"),
    "case_id": ("Case ID", "病例编号"),
    "patient_id": ("Patient ID", "患者编号"),
    "assessment_date": ("Assessment date", "评估日期"),
    "decision_point": ("Decision point", "决策节点"),
    "key_facts": ("Key facts", "关键信息"),
    "facts_not_attached": (
        "The case record was not attached to this report; only the assessment is shown.",
        "本报告未附病例原始记录，仅显示评估结果。",
    ),
    "calls": ("Biomarker and stage calls", "生物标志物与分期结论"),
    "item": ("Item", "项目"),
    "call": ("Call", "结论"),
    "reasons": ("Reasons", "依据"),
    "source": ("Source", "来源"),
    "sources": ("Sources", "参考来源"),
    "her2": ("HER2", "HER2"),
    "hr": ("Hormone receptors", "激素受体"),
    "er": ("ER", "雌激素受体 (ER)"),
    "pr": ("PR", "孕激素受体 (PR)"),
    "ki67": ("Ki-67", "Ki-67"),
    "subtype": ("Surrogate subtype", "替代分子分型"),
    "stage_path": ("Pathological stage (AJCC 8)", "病理分期 (AJCC 第8版)"),
    "stage_clin": ("Clinical stage (AJCC 8)", "临床分期 (AJCC 第8版)"),
    "anatomic": ("anatomic", "解剖分期"),
    "prognostic": ("prognostic", "预后分期"),
    "not_assignable": ("not assignable", "无法确定"),
    "ish_group": ("ISH group", "ISH 分组"),
    "sections": ("Assessment sections", "评估各部分"),
    "section_options": ("Treatment options", "治疗方案"),
    "section_radiotherapy": ("Radiotherapy after breast-conserving surgery", "保乳术后放疗"),
    "section_reirradiation": ("Re-irradiation", "再程放疗"),
    "section_prognosis": ("Prognosis", "预后"),
    "section_generic_note": (
        "Shown as recorded by the capability (generic layout).",
        "按该模块输出原样显示（通用版式）。",
    ),
    "warnings": ("Warnings", "警示"),
    "missing": ("Missing data", "缺失数据"),
    "missing_intro": (
        "Recording these fields would complete or change this assessment:",
        "补充以下字段可完善或改变本评估：",
    ),
    "missing_none": (
        "No missing data was flagged by the rules that ran. Fields not recorded in the case were "
        "never assumed negative, zero or normal.",
        "已运行的规则未提示缺失数据。病例中未记录的字段从未被视为阴性、零或正常。",
    ),
    "field": ("Field", "字段"),
    "why": ("Why it matters", "原因"),
    "where": ("Raised by", "提出方"),
    "provenance": ("Provenance", "来源与版本"),
    "breastcds_version": ("breastcds version", "breastcds 版本"),
    "knowledge_version": ("Knowledge version", "知识库版本"),
    "case_schema_version": ("Case schema version", "病例模型版本"),
    "assessed_at": ("Assessed at (UTC)", "评估时间 (UTC)"),
    "generated_at": ("Report generated at (UTC)", "报告生成时间 (UTC)"),
    "requester": ("Requested by", "申请人"),
    "not_stated": ("not stated", "未注明"),
    "language": ("Language", "语言"),
    "rule": ("Rule", "规则"),
    "rules_sources": ("Rules and sources", "规则与来源"),
    "page": ("page", "页"),
    "of": ("of", "/"),
    "figure": ("Figure", "图"),
    "yes": ("yes", "是"),
    "no": ("no", "否"),
    "not_recorded": ("not recorded", "未记录"),
    "none": ("none", "无"),
    "more_not_shown": ("more not shown", "项未显示"),
    # key facts
    "age": ("Age", "年龄"),
    "years": ("years", "岁"),
    "sex": ("Sex", "性别"),
    "menopausal_status": ("Menopausal status", "绝经状态"),
    "ecog": ("ECOG", "ECOG 评分"),
    "laterality": ("Laterality", "侧别"),
    "histology": ("Histology", "组织学类型"),
    "size_mm": ("Invasive size", "浸润灶大小"),
    "clinical_size_mm": ("Clinical size", "临床大小"),
    "grade": ("Grade", "组织学分级"),
    "lvi": ("Lymphovascular invasion", "脉管侵犯"),
    "margin_mm": ("Closest margin", "最近切缘"),
    "nodes": ("Positive / examined nodes", "阳性 / 检出淋巴结"),
    "tnm_clinical": ("Clinical TNM (recorded)", "临床 TNM（记录）"),
    "tnm_pathological": ("Pathological TNM (recorded)", "病理 TNM（记录）"),
    "metastatic_sites": ("Metastatic sites", "转移部位"),
    "er_percent": ("ER", "ER"),
    "pr_percent": ("PR", "PR"),
    "her2_ihc": ("HER2 IHC", "HER2 免疫组化"),
    "her2_ish": ("HER2 ISH (ratio / copies)", "HER2 ISH（比值 / 拷贝数）"),
    "ki67_percent": ("Ki-67", "Ki-67"),
    "germline_brca": ("Germline BRCA", "胚系 BRCA"),
    "oncotype_rs": ("Oncotype DX RS", "Oncotype DX 复发评分"),
    "surgery": ("Surgery", "手术"),
    "metastatic_lines": ("Metastatic lines", "晚期治疗线数"),
    # options
    "options_offered": ("Options", "推荐方案"),
    "options_discuss": ("To discuss", "可讨论"),
    "options_not_recommended": ("Not recommended", "不推荐"),
    "options_not_offered": ("Not offered (criteria not met)", "未提供（条件不符）"),
    "options_blocked": ("Blocked by safety guard", "安全核查排除"),
    "options_prompts": ("Data that would change the options", "可改变方案的数据"),
    "options_conflicts": ("Conflicts", "冲突"),
    "options_none": ("No option applies at this decision point.", "此决策节点无适用方案。"),
    "print_near_miss": (
        "Printed: near misses only (exactly one criterion failed); the page lists all.",
        "打印版仅列出仅差一项条件者；网页列出全部。",
    ),
    "inferred": ("inferred (the case did not name it)", "推断（病例未注明）"),
    "regimen": ("Regimen", "方案"),
    "agents": ("Agents", "药物"),
    "grade_evidence": ("Grade", "推荐等级"),
    "matched": ("Matched", "符合条件"),
    "cautions": ("Cautions", "注意事项"),
    "because": ("Because", "原因"),
    "trial": ("Trial", "试验"),
    # radiotherapy
    "verdict": ("Verdict", "结论"),
    "summary": ("Summary", "小结"),
    "criteria_sets": ("Criteria sets (trials and guidelines)", "入组标准（试验与指南）"),
    "failed": ("Fails on", "不符合"),
    "unknown": ("Cannot judge", "无法判断"),
    "passed": ("Met", "符合"),
    "outcomes": ("Reported outcomes", "报道结局"),
    "guideline_positions": ("Guideline positions", "指南立场"),
    "caveats": ("Caveats", "注意事项"),
    "assumptions": ("Assumptions", "假设"),
    "fractionation": ("Fractionation", "分割方案"),
    "not_applicable": ("Not applicable", "不适用"),
    # reirradiation
    "classification": ("Classification", "分类"),
    "interval": ("Interval since last course", "距上次放疗间隔"),
    "months": ("months", "月"),
    "recovery": ("Recovery of prior dose", "既往剂量恢复"),
    "stated": ("stated", "已注明"),
    "not_stated_default": ("not stated (default 0)", "未注明（默认 0）"),
    "organ": ("Organ", "器官"),
    "metric": ("Metric", "指标"),
    "alpha_beta": ("α/β (Gy)", "α/β (Gy)"),
    "eqd2_prior": ("Prior EQD2 (Gy)", "既往 EQD2 (Gy)"),
    "eqd2_prior_after_recovery": ("Prior after recovery (Gy)", "恢复后既往 (Gy)"),
    "eqd2_planned": ("Planned EQD2 (Gy)", "计划 EQD2 (Gy)"),
    "eqd2_cumulative": ("Cumulative EQD2 (Gy)", "累积 EQD2 (Gy)"),
    "limit": ("Limit EQD2 (Gy)", "限值 EQD2 (Gy)"),
    "organ_notes": ("Notes per organ", "各器官说明"),
    "selection_factors": ("Selection factors", "选择因素"),
    "missing_reporting_items": ("Reporting items not recorded", "未记录的报告项"),
    "summation_method": ("Summation method", "剂量叠加方法"),
    # plots
    "plot_survival_title": ("PREDICT: overall survival after surgery", "PREDICT：术后总生存"),
    "plot_survival_x": ("Years after surgery", "术后年数"),
    "plot_survival_y": ("Overall survival (%)", "总生存率 (%)"),
    "plot_eqd2_title": ("Cumulative EQD2 per organ", "各器官累积 EQD2"),
    "plot_eqd2_x": ("EQD2 (Gy)", "EQD2 (Gy)"),
    "plot_eqd2_prior": ("prior course(s), after recovery", "既往疗程（恢复后）"),
    "plot_eqd2_planned": ("planned course(s)", "计划疗程"),
    "plot_limit": ("limit", "限值"),
    "plot_no_limit": ("no sourced limit", "无文献限值"),
    "plot_dvh_title": ("Cumulative DVH", "累积剂量体积直方图"),
    "plot_dvh_x": ("Dose (Gy)", "剂量 (Gy)"),
    "plot_dvh_y": ("Volume (%)", "体积 (%)"),
    "plot_rt_title": (
        "Radiotherapy omission: reported outcomes per trial",
        "放疗豁免：各试验报道结局",
    ),
    "plot_rt_x": ("Reported rate (%)", "报道发生率 (%)"),
    "plot_with_rt": ("with radiotherapy", "接受放疗"),
    "plot_without_rt": ("without radiotherapy", "未放疗"),
    "plot_font_note": (
        "Plot labels are in English: no CJK font is installed.",
        "图中标签为英文：系统未安装中文字体。",
    ),
    # web page
    "lang_switch": ("中文", "English"),
    "enter_case": ("Enter a case", "录入病例"),
    "upload": ("Upload", "上传"),
    "upload_help": (
        "A case JSON, a FHIR bundle (JSON), or a DICOM RT pair (RTDOSE + RTSTRUCT).",
        "病例 JSON、FHIR Bundle (JSON)，或 DICOM RT 文件对（RTDOSE + RTSTRUCT）。",
    ),
    "upload_case": ("Case JSON or FHIR bundle", "病例 JSON 或 FHIR Bundle"),
    "upload_dose": ("RTDOSE file", "RTDOSE 文件"),
    "upload_struct": ("RTSTRUCT file", "RTSTRUCT 文件"),
    "example": ("Bundled example", "内置示例"),
    "load_example": ("Load example", "载入示例"),
    "open_stored": ("Open a stored assessment", "打开已保存的评估"),
    "assessment_id": ("Assessment ID", "评估编号"),
    "open": ("Open", "打开"),
    "assess": ("Assess", "评估"),
    "download_pdf": ("Download PDF report", "下载 PDF 报告"),
    "download_html": ("Download HTML report", "下载 HTML 报告"),
    "token": ("Access token", "访问令牌"),
    "form_errors": (
        "The case is not valid; see the marked fields.",
        "病例无效，请查看标记的字段。",
    ),
    "other_errors": ("Other problems", "其他问题"),
    "stored_as": ("Stored as", "已保存，编号"),
    "not_found": ("No such assessment.", "未找到该评估。"),
    "skip": ("Skip to the assessment", "跳至评估结果"),
    "patient": ("Patient", "患者"),
    "tumour": ("Tumour", "肿瘤"),
    "biomarkers": ("Biomarkers", "生物标志物"),
    "optional": ("optional", "可选"),
    "choose": ("— not recorded —", "— 未记录 —"),
    "token_help": (
        "An API token with role assess (ask the service administrator). Kept in this tab only.",
        "具有 assess 角色的 API 令牌（向服务管理员申请），仅保存在当前标签页。",
    ),
    "case_id_field": ("Case ID", "病例编号"),
    "her2_ish_ratio": ("HER2/CEP17 ratio", "HER2/CEP17 比值"),
    "her2_ish_copies": ("HER2 copies per cell", "每细胞 HER2 拷贝数"),
    "her2_ihc0_staining": ("IHC 0 staining detail", "IHC 0 染色细节"),
    "clinical_m": ("Clinical M", "临床 M 分期"),
    "metastatic_lines_help": (
        "One line per previous metastatic line: agents separated by +, then | outcome "
        "(progression, response, stable, toxicity, ongoing).",
        "每行一个既往晚期治疗线：药物用 + 分隔，再用 | 写结局（progression、response、stable、"
        "toxicity、ongoing）。",
    ),
    "nodes_examined": ("Nodes examined", "检出淋巴结数"),
    "nodes_positive": ("Nodes positive", "阳性淋巴结数"),
    "dicom_title": ("DICOM RT pair: dose-volume histograms", "DICOM RT 文件对：剂量体积直方图"),
    "fractions": ("Fractions (for EQD2)", "分次数（用于 EQD2）"),
    "alpha_beta_opt": ("α/β in Gy (for EQD2)", "α/β (Gy)（用于 EQD2）"),
    "limits_field": ("Constraints (ROI=Gy; ROI=Gy)", "剂量限值（ROI=Gy; ROI=Gy）"),
    "compute_dvh": ("Compute DVH", "计算 DVH"),
    "roi": ("ROI", "ROI"),
    "volume_cc": ("Volume (cc)", "体积 (cc)"),
    "mean_gy": ("Mean (Gy)", "平均 (Gy)"),
    "max_gy": ("Max (Gy)", "最大 (Gy)"),
    "limit_gy": ("Constraint (Gy)", "限值 (Gy)"),
    "quantity": ("Dose quantity", "剂量类型"),
    "error": ("Error", "错误"),
    "created_at": ("Stored at (UTC)", "保存时间 (UTC)"),
    "source_kind": ("Input", "输入"),
    "loading": ("Working…", "处理中…"),
    "offline_note": (
        "Everything on this page is served by this breastcds service; nothing is loaded from "
        "elsewhere.",
        "本页所有内容均由本 breastcds 服务提供，不从其他地方加载。",
    ),
}

_VALUES_ZH: dict[str, str] = {
    # verdicts and statuses
    "within": "在限值内",
    "exceeds": "超过限值",
    "cannot_assess": "无法评估",
    "limit_not_applicable": "限值不适用",
    "meets": "符合",
    "fails": "不符合",
    "insufficient_data": "数据不足",
    "discuss": "可讨论",
    "not_supported": "不支持",
    "not_applicable": "不适用",
    "assigned": "已确定",
    "not_assignable": "无法确定",
    "met": "符合",
    "not_met": "不符合",
    "reirradiation_type_1": "再程放疗 1 型",
    "reirradiation_type_2": "再程放疗 2 型",
    "repeat_organ_irradiation": "同一器官重复照射",
    "repeat_irradiation": "重复照射",
    "prior": "既往",
    "planned": "计划",
    # case vocabulary
    "female": "女",
    "male": "男",
    "pre": "绝经前",
    "peri": "围绝经期",
    "post": "绝经后",
    "left": "左",
    "right": "右",
    "bilateral": "双侧",
    "ductal_nst": "浸润性导管癌 (NST)",
    "lobular": "浸润性小叶癌",
    "mixed_ductal_lobular": "导管小叶混合癌",
    "mucinous": "黏液癌",
    "tubular": "小管癌",
    "metaplastic": "化生性癌",
    "micropapillary": "微乳头状癌",
    "other": "其他",
    "bone": "骨",
    "liver": "肝",
    "lung": "肺",
    "pleura": "胸膜",
    "brain": "脑",
    "leptomeninges": "软脑膜",
    "distant_lymph_nodes": "远处淋巴结",
    "skin_soft_tissue": "皮肤软组织",
    "peritoneum": "腹膜",
    "brca1": "BRCA1 突变",
    "brca2": "BRCA2 突变",
    "breast_conserving": "保乳手术",
    "mastectomy": "乳房切除术",
    "neoadjuvant": "新辅助",
    "adjuvant": "辅助",
    "post_neoadjuvant": "新辅助后",
    "extended_adjuvant": "延长辅助",
    "metastatic_line_1": "晚期一线",
    "metastatic_line_2": "晚期二线",
    "metastatic_line_3plus": "晚期三线及以后",
    "surgery": "手术",
    "axilla": "腋窝处理",
    "follow_up": "随访",
    "progression": "进展",
    "response": "缓解",
    "stable": "稳定",
    "toxicity": "毒性",
    "ongoing": "进行中",
    "pathological": "病理",
    "clinical": "临床",
}


def label(key: str, lang: Lang = "en") -> str:
    """The interface label ``key`` in ``lang`` (KeyError for an unknown key: a typo is a bug)."""
    en, zh = _LABELS[key]
    return zh if lang == "zh" else en


def value(v: object, lang: Lang = "en") -> str:
    """A value for display: codes translated when known, ``None`` as "not recorded"."""
    if v is None:
        return label("not_recorded", lang)
    if isinstance(v, bool):
        return label("yes" if v else "no", lang)
    if isinstance(v, float):
        return f"{v:g}"
    text = str(v)
    if lang != "zh":
        return text
    return _VALUES_ZH.get(text) or i18n.value(text, "zh")


def key_label(key: str, lang: Lang = "en") -> str:
    """A field name for display: a known label, else the name with spaces ("limit_source" ->
    "limit source")."""
    if key in _LABELS:
        return label(key, lang)
    return key.replace("_", " ")


def has_label(key: str) -> bool:
    return key in _LABELS


def all_keys() -> list[str]:
    return list(_LABELS)
