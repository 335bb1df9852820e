"""The tumour-board report as HTML (jinja2): one self-contained document, English or Chinese.

Adapter only: everything shown comes from the :class:`~breastcds.model.assessment.AssessmentOf`
that :func:`breastcds.assess` returned (and, when given, the case's own recorded facts).

The document is a board summary (the decision in front: calls, recommended options with grade
and trial, RT verdict, re-irradiation verdicts, prognosis figure, what is missing) and, with
``detail="full"``, an appendix with the detail (near misses, every criterion, full sources);
the web page folds that appendix (``detail="folded"``). Known sections (``options``,
``radiotherapy``, ``reirradiation``, ``prognosis``) have a summary and a detail layout; any
other section, or a known one whose shape has changed, is laid out generically from its fields,
so a new capability appears without a change here.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Literal

import jinja2
from markupsafe import Markup

from breastcds.i18n import (
    Lang,
    agent_label,
    criterion_label,
    field_label,
    has_label,
    key_label,
    label,
    metric_label,
    option_name,
    organ_label,
    prompt_reason,
    rt_course_decision,
    rt_summary,
    text,
    value,
)
from breastcds.knowledge.grading import regimen_grade_text
from breastcds.model.assessment import AssessmentOf, StageResult
from breastcds.model.case import Case
from breastcds.report import plots

__all__ = [
    "KNOWN_SECTIONS",
    "MissingRow",
    "ReportContext",
    "SectionView",
    "build_context",
    "environment",
    "render_assessment_fragment",
    "render_html",
]

log = logging.getLogger(__name__)

#: Sections with their own layout and the top-level keys that layout needs.
KNOWN_SECTIONS: dict[str, tuple[str, ...]] = {
    "options": ("decision_points",),
    "radiotherapy": ("summary", "omission"),
    "reirradiation": ("classification", "organs"),
    "prognosis": ("status",),
}
#: Board order of the known sections; any other section follows in the assessment's order.
SECTION_ORDER = ("options", "radiotherapy", "reirradiation", "prognosis")
_SOURCE_KEYS = ("source", "sources", "limit_source", "alpha_beta_source")
_RULE_KEYS = ("rule_id", "id", "row_id")
_MISSING_KEYS = ("missing", "missing_reporting_items", "prompts")
#: Figures shown in the board summary (the rest go to the appendix).
_SUMMARY_FIGURES = ("reirradiation.eqd2",)
Detail = Literal["summary", "full", "folded"]


@dataclass(frozen=True)
class SectionView:
    name: str
    title: str
    html: Markup
    generic: bool
    figures: tuple[plots.Figure, ...] = ()


@dataclass(frozen=True)
class MissingRow:
    field: str
    reason: str
    where: str
    label: str = ""
    prompt: bool = False  # an options prompt: "regimen: condition; ..."


@dataclass(frozen=True)
class CallRow:
    key: str
    item: str
    call: str
    reasons: tuple[str, ...]
    source: str
    badge: str = ""


@dataclass
class ReportContext:
    """Everything the templates read (plain data, no clinical logic)."""

    lang: Lang
    assessment: AssessmentOf[Any]
    identifiers: list[tuple[str, str]]
    facts: list[tuple[str, str]] | None
    calls: list[CallRow]
    sections: list[SectionView]
    warnings: list[tuple[str, str]]
    missing: list[MissingRow]
    provenance: list[tuple[str, str]]
    rules: list[tuple[str, str]]
    generated_at: str
    requester: str | None
    figure_notes: list[str] = field(default_factory=list)
    summaries: list[SectionView] = field(default_factory=list)
    detail: Detail = "summary"

    def figures(self) -> list[plots.Figure]:
        return [f for s in [*self.summaries, *self.sections] for f in s.figures]

    @property
    def show_appendix(self) -> bool:
        return self.detail != "summary"


# --------------------------------------------------------------------------------- jinja env
@cache
def environment(extra_loader: jinja2.BaseLoader | None = None) -> jinja2.Environment:
    """The jinja2 environment of the report (``extra_loader`` first: the page's templates)."""
    loaders: list[jinja2.BaseLoader] = [jinja2.PackageLoader("breastcds.report", "templates")]
    if extra_loader is not None:
        loaders.insert(0, extra_loader)
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=jinja2.select_autoescape(["html", "j2", "xml"], default=True),
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.globals.update(
        label=label, value=value, key_label=key_label, is_mapping=_is_mapping,
        is_list=_is_list, is_scalar=_is_scalar, table_columns=_table_columns,
        localised_items=_localised_items, fmt=_fmt, text=text, field_label=field_label,
        organ_label=organ_label, criterion_label=criterion_label, prompt_reason=prompt_reason,
        metric_label=metric_label, trial_of=_trial_of, rule_text=_rule_text, pick=_pick,
        grade_text=_grade_text, dp_reason=_dp_reason, rt_summary=rt_summary,
        rt_course_decision=rt_course_decision,
        regimen_label=_regimen_label, show=_show, regimen_grade=regimen_grade_text,
    )  # fmt: skip
    env.filters.update(
        text_filter=text, field_label_filter=field_label, show_filter=_show,
        criterion_filter=criterion_label,
    )  # fmt: skip
    return env


def _is_mapping(v: Any) -> bool:
    return isinstance(v, Mapping)


def _is_list(v: Any) -> bool:
    return isinstance(v, list | tuple)


def _is_scalar(v: Any) -> bool:
    return v is None or isinstance(v, str | int | float | bool)


def _fmt(v: Any, digits: int = 1, lang: Lang = "en") -> str:
    """A number for a table cell ("not recorded" when absent: one rendering everywhere)."""
    if v is None:
        return value(None, lang)
    if isinstance(v, float):
        return f"{v:.{digits}f}"
    return str(v)


def _trial_of(source: str) -> str:
    """The trial or guideline of an option source (``"HERA (N Engl J Med, 2005): ..."`` ->
    ``"HERA (N Engl J Med, 2005)"``)."""
    head, sep, _ = source.partition(": ")
    return head if sep else source


def _rule_text(rule_id: str, regimen: str, lang: Lang) -> str:
    """An option's name for a reader: the regimen in English, the rule's own text in Chinese."""
    return option_name(rule_id, regimen, lang)


def _pick(obj: Any, key: str, lang: Lang) -> Any:
    """``obj[key_zh]`` / ``obj[key_en]`` (or ``obj[key]``) in the reader's language."""
    if not isinstance(obj, Mapping):
        return obj
    for k in (f"{key}_{lang}", key, f"{key}_en"):
        v = obj.get(k)
        if v:
            if isinstance(v, Mapping):
                return v.get(lang) or v.get("en")
            return v
    return None


_CODE = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)+$")


def _show(v: Any, lang: Lang) -> str:
    """A scalar of a generic section: codes by name, sentences translated, the rest as is."""
    if isinstance(v, str) and not _CODE.match(v) and " " in v:
        return text(v, lang)
    return value(v, lang)


def _regimen_label(outcome: Mapping[str, Any], lang: Lang) -> str:
    """A PREDICT regimen row: surgery only, or "+ treatment" added to the row before."""
    added = outcome.get("added")
    key = "surgery_only" if added is None else f"plus_{added}"
    if has_label(key):
        return label(key, lang)
    return text(str(outcome.get("label") or added), lang)


def _dp_reason(dp: Mapping[str, Any], lang: Lang) -> str:
    """Why this decision point, in the reader's language, without the decision point's own code
    in front (``"adjuvant: surgery done, ..."``: the heading names it already)."""
    why = _pick(dp, "reason", lang)
    if isinstance(why, list):
        why = "; ".join(str(x) for x in why)
    if not why:
        return ""
    why = str(why)
    code = str(dp.get("decision_point") or "")
    for sep in (":", "：", " - ", " — "):
        if code and why.startswith(code + sep):
            why = why[len(code) + len(sep) :].strip()
            break
    return text(why, lang)


def _grade_text(grade: Any, lang: Lang) -> str:
    if not isinstance(grade, Mapping):
        return value(grade, lang)
    if grade.get("status") == "not verified":
        return label("grade_not_verified", lang)
    if lang == "zh":
        if grade.get("label_zh"):
            return str(grade["label_zh"])
        parts = []
        if grade.get("csco_level"):
            ev = grade.get("csco_evidence")
            parts.append(f"CSCO {grade['csco_level']}级推荐(证据类别{ev or '未核实'})")
        if grade.get("nccn"):
            parts.append(f"NCCN {grade['nccn']}类")
        if parts:
            return "；".join(parts)
    return str(grade.get("label") or value(grade.get("status"), lang))


def _table_columns(items: Sequence[Any]) -> list[str] | None:
    """Columns when every item is a flat mapping (scalars or lists of scalars), else None."""
    if not items or not all(isinstance(i, Mapping) for i in items):
        return None
    cols: list[str] = []
    for item in items:
        for k, v in item.items():
            flat = _is_scalar(v) or (isinstance(v, list) and all(_is_scalar(x) for x in v))
            if not flat:
                return None
            if k not in cols:
                cols.append(k)
    return cols if len(cols) <= 8 else None


def _localised_items(d: Mapping[str, Any], lang: Lang) -> list[tuple[str, Any]]:
    """Items of a mapping, keeping only the reader's language of ``x_en`` / ``x_zh`` pairs."""
    drop = "_zh" if lang == "en" else "_en"
    keep = "_en" if lang == "en" else "_zh"
    out = []
    for k, v in d.items():
        if k.endswith(drop) and (k[: -len(drop)] + keep) in d:
            continue
        out.append((k, v))
    return out


# ----------------------------------------------------------------------------- the context
def _stage_call(s: StageResult, lang: Lang) -> str:
    tnm = " ".join(x or "?" for x in (s.t, s.n, s.m))
    text = f"{tnm} → {label('anatomic', lang)} {s.anatomic or label('not_assignable', lang)}"
    if s.prognostic is not None:
        p = s.prognostic
        text += f"; {label('prognostic', lang)} {p.stage or value(p.status, lang)}"
    return text


def _calls(a: AssessmentOf[Any], lang: Lang) -> list[CallRow]:
    c = a.classification
    her2 = value(c.her2.category, lang)
    if c.her2.ish_group is not None:
        her2 += f" ({label('ish_group', lang)} {c.her2.ish_group})"
    if c.her2.status == "negative" and lang == "en":  # HER2-0/-ultralow/-low are all HER2-negative
        her2 += f" · {value(c.her2.status, lang)}"
    rows = [
        CallRow("her2", label("her2", lang), her2, (*c.her2.reasons, *c.her2.comments),
                c.her2.source, c.her2.category),
        CallRow("er", label("er", lang), _pct(value(c.er.status, lang), c.er.percent),
                tuple(c.er.reasons), c.er.source, c.er.status),
        CallRow("pr", label("pr", lang), _pct(value(c.pr.status, lang), c.pr.percent),
                tuple(c.pr.reasons), c.pr.source, c.pr.status),
        CallRow("ki67", label("ki67", lang), _pct(value(c.ki67.group, lang), c.ki67.percent),
                tuple(c.ki67.reasons), c.ki67.source, c.ki67.group),
        CallRow("subtype", label("subtype", lang), value(c.subtype.subtype, lang),
                tuple(c.subtype.reasons), c.subtype.source, c.subtype.subtype),
    ]  # fmt: skip
    for key, s in (("stage_path", c.stage_pathological), ("stage_clin", c.stage_clinical)):
        reasons = list(s.reasons)
        source = s.source
        if s.prognostic is not None:
            reasons += s.prognostic.reasons
            source += "; " + s.prognostic.source
        rows.append(CallRow(key, label(key, lang), _stage_call(s, lang), tuple(reasons), source))
    return [
        CallRow(r.key, r.item, r.call, tuple(text(x, lang) for x in r.reasons), r.source, r.badge)
        for r in rows
    ]


def _pct(text: str, percent: float | None) -> str:
    return f"{text} ({percent:g} %)" if percent is not None else text


def _identifiers(a: AssessmentOf[Any], case: Case | None, lang: Lang) -> list[tuple[str, str]]:
    rows = [(label("case_id", lang), a.case_id or value(None, lang))]
    if case is not None:
        rows.append((label("patient_id", lang), case.patient.id or value(None, lang)))
        if case.assessment_date is not None:
            rows.append((label("assessment_date", lang), case.assessment_date.isoformat()))
        if case.decision_point is not None:
            rows.append((label("decision_point", lang), value(str(case.decision_point), lang)))
    return rows


def _facts(case: Case, lang: Lang) -> list[tuple[str, str]]:
    """The case's recorded key facts (as recorded; core facts shown even when not recorded)."""
    p, t, b = case.patient, case.tumour, case.biomarkers
    nr = label("not_recorded", lang)

    def unit(v: float | int | None, u: str) -> str:
        return f"{v:g} {u}" if v is not None else nr

    rows: list[tuple[str, str | None, bool]] = [  # (label key, text, always show)
        ("age", f"{p.age_years} {label('years', lang)}" if p.age_years is not None else None,
         True),
        ("sex", value(str(p.sex), lang) if p.sex else None, False),
        ("menopausal_status", value(str(p.menopausal_status), lang)
         if p.menopausal_status else None, False),
        ("ecog", str(p.ecog) if p.ecog is not None else None, False),
        ("laterality", value(str(t.laterality), lang) if t.laterality else None, False),
        ("histology", value(str(t.histology), lang) if t.histology else None, False),
        ("size_mm", unit(t.size_mm, "mm") if t.size_mm is not None else None, True),
        ("clinical_size_mm", unit(t.clinical_size_mm, "mm")
         if t.clinical_size_mm is not None else None, False),
        ("grade", str(t.grade) if t.grade is not None else None, True),
        ("lvi", value(t.lvi, lang) if t.lvi is not None else None, False),
        ("margin_mm", unit(t.margin_mm, "mm") if t.margin_mm is not None else None, False),
        ("nodes", (f"{t.nodes_positive if t.nodes_positive is not None else '?'} / "
                   f"{t.nodes_examined if t.nodes_examined is not None else '?'}")
         if (t.nodes_positive, t.nodes_examined) != (None, None) else None, True),
        ("tnm_clinical", _tnm(t.clinical_t, t.clinical_n, t.clinical_m, "c"), False),
        ("tnm_pathological", _tnm(t.pathological_t, t.pathological_n, t.pathological_m, "p"),
         False),
        ("metastatic_sites", ", ".join(value(str(s), lang) for s in t.metastatic_sites)
         if t.metastatic_sites else None, False),
        ("er_percent", unit(b.er_percent, "%") if b.er_percent is not None else None, True),
        ("pr_percent", unit(b.pr_percent, "%") if b.pr_percent is not None else None, True),
        ("her2_ihc", (f"{b.her2_ihc}+" if b.her2_ihc else "0") if b.her2_ihc is not None else None,
         True),
        ("her2_ish", f"{b.her2_ish.ratio:g} / {b.her2_ish.her2_copies:g}"
         if b.her2_ish is not None else None, False),
        ("ki67_percent", unit(b.ki67_percent, "%") if b.ki67_percent is not None else None,
         True),
        ("germline_brca", value(str(b.germline_brca), lang) if b.germline_brca else None,
         False),
        ("oncotype_rs", str(b.genomics.oncotype_rs)
         if b.genomics.oncotype_rs is not None else None, False),
        ("surgery", value(str(case.treatment.surgery.type), lang)
         if case.treatment.surgery and case.treatment.surgery.type else None, False),
        ("metastatic_lines", "; ".join(
            f"{i + 1}: {', '.join(agent_label(x, lang) for x in line.agents) or '—'}"
            + (f" ({value(str(line.outcome), lang)})" if line.outcome else "")
            for i, line in enumerate(case.treatment.metastatic_lines))
         if case.treatment.metastatic_lines else None, False),
    ]  # fmt: skip
    return [(label(k, lang), text if text is not None else nr) for k, text, always in rows
            if text is not None or always]  # fmt: skip


def _tnm(t: str | None, n: str | None, m: str | None, prefix: str) -> str | None:
    if (t, n, m) == (None, None, None):
        return None
    return " ".join(f"{prefix}{x}" if x else "?" for x in (t, n, m))


def _walk(obj: Any, path: str) -> Iterable[tuple[str, Any]]:
    yield path, obj
    if isinstance(obj, Mapping):
        for k, v in obj.items():
            yield from _walk(v, f"{path}.{k}")
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from _walk(v, f"{path}[{i}]")


def _section_sources(name: str, data: Any) -> list[tuple[str, str]]:
    """(rule id, source) pairs found in a section: any ``source``/``sources`` field, named by
    the enclosing object's ``rule_id``/``id``/``row_id`` or ``organ``+``metric``, else its path."""
    out: list[tuple[str, str]] = []
    for path, node in _walk(data, name):
        if not isinstance(node, Mapping):
            continue
        rule = next((str(node[k]) for k in _RULE_KEYS if isinstance(node.get(k), str)), None)
        if rule is None and isinstance(node.get("organ"), str):
            rule = f"{node['organ']} {node.get('metric', '')}".strip()
        rule_id = f"{name}: {rule}" if rule else path
        for key in _SOURCE_KEYS:
            v = node.get(key)
            items = v if isinstance(v, list) else [v]
            for s in items:
                if isinstance(s, str) and s.strip():
                    out.append((rule_id, s))
    return out


def _section_missing(name: str, data: Any) -> list[MissingRow]:
    out: list[MissingRow] = []
    for _path, node in _walk(data, name):
        if not isinstance(node, Mapping):
            continue
        for key in _MISSING_KEYS:
            items = node.get(key)
            if not isinstance(items, list):
                continue
            for it in items:
                if isinstance(it, Mapping) and isinstance(it.get("field"), str):
                    reason = str(it.get("reason", ""))
                    out.append(MissingRow(str(it["field"]), reason, name, "", key == "prompts"))
                elif isinstance(it, str):
                    out.append(MissingRow(it, "", name))
    return out


def _missing_row(row: MissingRow, lang: Lang) -> MissingRow:
    """A missing-data row for a reader: the field by name, the reason translated, the section
    by its title (the exact field path stays beside the name, for data entry)."""
    where = (
        label("assessment", lang) if row.where == "assessment" else _section_title(row.where, lang)
    )
    reason = prompt_reason(row.reason, lang) if row.prompt else text(row.reason, lang)
    name = text(row.field, lang) if " " in row.field else field_label(row.field, lang)
    return MissingRow(row.field, reason, where, name, row.prompt)


def _dedupe(pairs: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    seen: set[tuple[str, str]] = set()
    out = []
    for p in pairs:
        if p not in seen:
            seen.add(p)
            out.append(p)
    return out


def _section_title(name: str, lang: Lang) -> str:
    key = f"section_{name}"
    try:
        return label(key, lang)
    except KeyError:
        return name.replace("_", " ").capitalize()


def _render_section(
    name: str, data: Any, lang: Lang, figures: Sequence[plots.Figure], folder: str = "sections"
) -> tuple[Markup, bool]:
    """One section in its own layout (``folder``: ``summary`` or ``sections`` = detail), or
    generically when it has none or its shape changed."""
    env = environment()
    needs = KNOWN_SECTIONS.get(name)
    if needs is not None and isinstance(data, Mapping) and all(k in data for k in needs):
        try:
            html = env.get_template(f"{folder}/{name}.html.j2").render(
                data=data, lang=lang, figures=figures
            )
            return Markup(html), False
        except Exception:  # a changed section shape falls back to the generic layout
            log.warning("section %r: its layout failed; shown generically", name, exc_info=True)
    html = env.get_template("sections/generic.html.j2").render(
        data=data, lang=lang, figures=figures, name=name
    )
    return Markup(html), True


def _summary_figures(name: str, figs: Sequence[plots.Figure]) -> tuple[plots.Figure, ...]:
    """The figures of a section the board summary shows: the re-irradiation EQD2 bars and the
    survival figure of the primary prognostic model (the first one drawn)."""
    if name == "prognosis":
        return tuple(figs[:1])
    return tuple(f for f in figs if f.key in _SUMMARY_FIGURES)


def build_context(
    assessment: AssessmentOf[Any],
    *,
    lang: Lang = "en",
    case: Case | None = None,
    requester: str | None = None,
    now: dt.datetime | None = None,
    dvh_curves: Sequence[plots.DvhCurve] = (),
    with_figures: bool = True,
    detail: Detail = "summary",
) -> ReportContext:
    """Everything a report or the page shows for one assessment.

    ``detail``: ``summary`` (the board summary only), ``full`` (plus the appendix) or
    ``folded`` (plus the appendix inside a ``<details>`` element, for the page).
    """
    a = assessment
    order = {name: i for i, name in enumerate(SECTION_ORDER)}
    data = a.sections_json()
    names = sorted(data, key=lambda n: order.get(n, len(order)))  # stable for the rest
    plain_sections = {n: data[n] for n in names}
    figs = plots.figures_for(plain_sections, lang, dvh_curves) if with_figures else {}
    sections: list[SectionView] = []
    summaries: list[SectionView] = []
    for name, data in plain_sections.items():
        f = tuple(figs.pop(name, []))
        top = _summary_figures(name, f)
        html, generic = _render_section(name, data, lang, top, "summary")
        title = _section_title(name, lang)
        summaries.append(SectionView(name, title, html, generic, top))
        if not generic:  # a generic section is shown whole in the summary
            rest = tuple(x for x in f if x not in top)
            html, generic = _render_section(name, data, lang, rest, "sections")
            sections.append(SectionView(name, title, html, generic, rest))
    for name, extra in figs.items():  # figures of data outside any section (uploaded DVH)
        extra_html = (
            environment().get_template("sections/figures.html.j2").render(figures=extra, lang=lang)
        )
        summaries.append(
            SectionView(name, label("plot_dvh_title", lang), Markup(extra_html), False,
                        tuple(extra))
        )  # fmt: skip
    missing = [MissingRow(m.field, m.reason, "assessment") for m in a.missing]
    seen = {m.field for m in missing}
    for name, data in plain_sections.items():
        for row in _section_missing(name, data):
            if row.field not in seen:
                seen.add(row.field)
                missing.append(row)
    p = a.provenance
    generated = (now or dt.datetime.now(dt.UTC)).isoformat(timespec="seconds")
    provenance = [
        (label("breastcds_version", lang), p.breastcds_version),
        (label("knowledge_version", lang), p.knowledge_version),
        (label("case_schema_version", lang), p.case_schema_version),
        (label("assessed_at", lang), p.assessed_at),
        (label("generated_at", lang), generated),
        (label("requester", lang), requester or label("not_stated", lang)),
    ]
    rules = _dedupe(
        [(c.rule, c.source) for c in p.sources]
        + [pair for n, d in plain_sections.items() for pair in _section_sources(n, d)]
    )
    notes = sorted({n for s in [*summaries, *sections] for f in s.figures for n in f.notes})
    return ReportContext(
        lang=lang,
        assessment=a,
        identifiers=_identifiers(a, case, lang),
        facts=_facts(case, lang) if case is not None else None,
        calls=_calls(a, lang),
        sections=sections,
        warnings=[(field_label(w.field, lang), text(w.message, lang)) for w in a.warnings],
        missing=[_missing_row(m, lang) for m in missing],
        provenance=provenance,
        rules=rules,
        generated_at=generated,
        requester=requester,
        figure_notes=notes,
        summaries=summaries,
        detail=detail,
    )


def render_assessment_fragment(ctx: ReportContext) -> Markup:
    """The assessment body (no <html> frame): shared by the report and the web page."""
    html = environment().get_template("assessment.html.j2").render(r=ctx, lang=ctx.lang)
    return Markup(html)


def render_html(
    assessment: AssessmentOf[Any],
    *,
    lang: Lang = "en",
    case: Case | None = None,
    requester: str | None = None,
    now: dt.datetime | None = None,
    dvh_curves: Sequence[plots.DvhCurve] = (),
    for_print: bool = False,
    detail: Detail = "summary",
) -> str:
    """The whole report as one self-contained HTML document (CSS inline, figures as data URIs).

    ``for_print`` adds the paged-media rules (page size, running footer) used for the PDF;
    ``detail="full"`` adds the appendix (near misses, every criterion, full sources).
    """
    ctx = build_context(
        assessment,
        lang=lang,
        case=case,
        requester=requester,
        now=now,
        dvh_curves=dvh_curves,
        detail=detail,
    )
    return render_context(ctx, for_print=for_print)


def render_context(ctx: ReportContext, *, for_print: bool = False) -> str:
    env = environment()
    css = env.get_template("report.css").render()
    return env.get_template("report.html.j2").render(
        r=ctx, lang=ctx.lang, css=Markup(css), for_print=for_print,
        body=render_assessment_fragment(ctx),
    )  # fmt: skip
