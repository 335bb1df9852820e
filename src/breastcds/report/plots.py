"""Figures of the report and the page (matplotlib, Agg, PNG), drawn only from the assessment.

Adapter code: nothing here decides anything clinical. Each figure draws numbers a capability
already computed, found by their field names so that a section plugs in without this module
knowing its model:

* PREDICT survival curves (``prognosis`` section): any object with ``years`` (list) and
  overall-survival series (``overall_survival[_percent]``, ``survival[_percent]``, or all-cause
  cumulative mortality ``cum_mort_all`` shown as 100 - mortality), one series or a mapping
  ``{regimen: [...]}`` or a list of ``{regimen|label|name, years, overall_survival...}``.
* Cumulative EQD2 per organ with its limit marked (``reirradiation`` section: ``organs[]`` with
  ``eqd2_prior_after_recovery_gy``, ``eqd2_planned_gy``, ``cumulative_eqd2_gy``,
  ``limit_eqd2_gy``, ``verdict``).
* Cumulative DVH per organ with the constraint marked: curves passed in (:class:`DvhCurve`, e.g.
  from an uploaded DICOM RT pair) or found in any section as ``{dose_gy: [...],
  volume_pct: [...]}``.
* Reported outcomes per trial with and without radiotherapy (``radiotherapy`` section: objects
  with ``outcomes[]`` of ``{endpoint, years, with_rt_percent, without_rt_percent}``).

Colours (Okabe-Ito, colour-blind safe) and units are the same in every figure. Chinese labels
use a CJK font found on the system (``fonts-wqy-microhei`` or ``fonts-noto-cjk``); without one
the figure labels stay in English and :func:`cjk_family` returns ``None``.
"""

from __future__ import annotations

import base64
import io
import math
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from breastcds.i18n import Lang, label, organ_label, text, value

__all__ = [
    "COLOURS",
    "DvhCurve",
    "Figure",
    "SurvivalCurve",
    "cjk_family",
    "dvh_figure",
    "eqd2_figure",
    "figures_for",
    "find_dvh_curves",
    "find_survival_curves",
    "find_trial_outcomes",
    "rt_omission_figure",
    "survival_figure",
]

#: Okabe & Ito palette; one meaning per colour across every figure.
COLOURS: dict[str, str] = {
    "primary": "#0072B2",  # blue: planned course, with radiotherapy, first curve
    "secondary": "#E69F00",  # orange: without radiotherapy, second curve
    "prior": "#999999",  # grey: prior courses
    "limit": "#D55E00",  # vermillion: limits and constraints
    "within": "#009E73",  # green
    "exceeds": "#D55E00",
    "cannot_assess": "#CC79A7",  # purple
    "text": "#1a1a1a",
}
#: Series colours in order (curves of one figure).
SERIES: tuple[str, ...] = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00",
                           "#000000", "#F0E442")  # fmt: skip
MAX_CURVES = 6
MAX_TRIAL_ROWS = 14
DPI = 160

_CJK_FAMILIES = ("WenQuanYi Micro Hei", "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC")
_CJK_FILES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/noto/NotoSansCJK-Regular.ttc",
)
_LOCK = threading.Lock()  # matplotlib's rcParams are process-global


@dataclass(frozen=True)
class Figure:
    """One rendered figure: PNG bytes, its title and a text caption (the alt text)."""

    key: str
    section: str
    title: str
    caption: str
    png: bytes
    notes: tuple[str, ...] = ()
    group: str | None = None  # e.g. the prognostic model a survival figure belongs to

    @property
    def data_uri(self) -> str:
        return "data:image/png;base64," + base64.b64encode(self.png).decode("ascii")


@dataclass(frozen=True)
class SurvivalCurve:
    label: str
    years: tuple[float, ...]
    percent: tuple[float, ...]


@dataclass(frozen=True)
class DvhCurve:
    """A cumulative DVH of one organ (dose in Gy, volume in % of the organ), with its limit."""

    name: str
    dose_gy: tuple[float, ...]
    volume_pct: tuple[float, ...]
    quantity: str = "physical dose"
    limit_gy: float | None = None
    limit_label: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)


# ------------------------------------------------------------------------------------ fonts
@cache
def cjk_family() -> str | None:
    """The CJK font family matplotlib will use for Chinese labels (None when none is installed)."""
    from matplotlib import font_manager

    names = {f.name for f in font_manager.fontManager.ttflist}
    for fam in _CJK_FAMILIES:
        if fam in names:
            return fam
    for path in _CJK_FILES:  # installed after matplotlib built its font cache
        if Path(path).exists():
            font_manager.fontManager.addfont(path)
            names = {f.name for f in font_manager.fontManager.ttflist}
            for fam in _CJK_FAMILIES:
                if fam in names:
                    return fam
    return None


def _plot_lang(lang: Lang) -> tuple[Lang, tuple[str, ...]]:
    """Language of the figure labels and a note when Chinese cannot be drawn."""
    if lang == "zh" and cjk_family() is None:
        return "en", (label("plot_font_note", "zh"),)
    return lang, ()


def _rc(lang: Lang) -> Any:  # matplotlib's typed rc keys
    families = ["DejaVu Sans"]
    cjk = cjk_family()
    if cjk is not None:
        families.append(cjk)  # glyph fallback: Latin in DejaVu, Chinese in the CJK font
    return {
        "font.family": families,  # a list: matplotlib falls back per glyph along it
        "font.size": 10,
        "axes.titlesize": 12,
        "axes.titleweight": "bold" if cjk is None or lang == "en" else "normal",
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.grid": True,
        "grid.alpha": 0.3,
        "axes.unicode_minus": False,
        "svg.fonttype": "none",
    }


def _render(draw: Any, lang: Lang, size: tuple[float, float]) -> bytes:
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure as MplFigure

    with _LOCK, matplotlib.rc_context(_rc(lang)):
        fig = MplFigure(figsize=size, dpi=DPI, layout="constrained")
        FigureCanvasAgg(fig)
        draw(fig)
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=DPI, facecolor="white")
    return buf.getvalue()


# ------------------------------------------------------------------------------ tree walks
def _plain(obj: Any) -> Any:
    if hasattr(obj, "model_dump"):
        return obj.model_dump(mode="json")
    return obj


def _walk(obj: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    yield path, obj
    if isinstance(obj, Mapping):
        for k, v in obj.items():
            yield from _walk(v, f"{path}.{k}" if path else str(k))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from _walk(v, f"{path}[{i}]")


def _numbers(v: Any, n: int | None = None) -> list[float] | None:
    if not isinstance(v, list) or not v:
        return None
    if not all(isinstance(x, int | float) and not isinstance(x, bool) for x in v):
        return None
    if n is not None and len(v) != n:
        return None
    out = [float(x) for x in v]
    return out if all(math.isfinite(x) for x in out) else None


_SURVIVAL_KEYS = ("overall_survival_pct", "overall_survival_percent", "overall_survival",
                  "survival_pct", "survival_percent", "survival")  # fmt: skip
_MORTALITY_KEYS = ("cum_mort_all_pct", "cum_mort_all_percent", "cum_mort_all",
                   "cumulative_mortality_all")  # fmt: skip
_NAME_KEYS = ("label", "regimen_label", "regimen", "name", "treatment")


def _as_percent(values: list[float], percent: bool | None = None) -> list[float]:
    if percent is None:
        percent = max(values) > 1.0
    return values if percent else [100.0 * x for x in values]


def _series(node: Mapping[str, Any], n: int) -> list[tuple[str | None, list[float]]]:
    """(label, survival %) series of one node holding ``years`` of length n."""
    out: list[tuple[str | None, list[float]]] = []
    regimens = node.get("regimens")
    for keys, mortality in ((_SURVIVAL_KEYS, False), (_MORTALITY_KEYS, True)):
        for key in keys:
            if key not in node:
                continue
            raw = node[key]
            pct = True if key.endswith(("_percent", "_pct")) else None
            items: list[tuple[str | None, Any]]
            if isinstance(raw, Mapping):
                items = [(str(k), v) for k, v in raw.items()]
            elif isinstance(raw, list) and raw and isinstance(raw[0], list):
                names = [str(r) for r in regimens] if isinstance(regimens, list) else []
                items = [(names[i] if i < len(names) else None, v) for i, v in enumerate(raw)]
            else:
                own = next((node[k] for k in _NAME_KEYS if isinstance(node.get(k), str)), None)
                items = [(own, raw)]
            for name, v in items:
                nums = _numbers(v, n)
                if nums is None:
                    continue
                if mortality:
                    pct_m = _as_percent(nums, pct)
                    out.append((name, [100.0 - x for x in pct_m]))
                else:
                    out.append((name, _as_percent(nums, pct)))
            if out:
                return out
    return out


def find_survival_curves(section: Any) -> list[tuple[str | None, list[SurvivalCurve]]]:
    """Overall-survival curves in a section (see module docstring), grouped by the ``model``
    named on the curve or an enclosing object (one figure per model), in order of appearance."""
    groups: dict[str | None, list[SurvivalCurve]] = {}

    def visit(node: Any, model: str | None) -> None:
        if isinstance(node, Mapping):
            if isinstance(node.get("model"), str):
                model = str(node["model"])
            years = _numbers(node.get("years"))
            if years is not None and len(years) >= 2:
                curves = groups.setdefault(model, [])
                for name, pct in _series(node, len(years)):
                    label_ = name or f"curve {len(curves) + 1}"
                    curves.append(SurvivalCurve(label_, tuple(years), tuple(pct)))
            for v in node.values():
                visit(v, model)
        elif isinstance(node, list):
            for v in node:
                visit(v, model)

    visit(_plain(section), None)
    return [(m, c) for m, c in groups.items() if c]


def find_dvh_curves(section: Any) -> list[DvhCurve]:
    """Cumulative DVH curves recorded in a section as ``{dose_gy: [...], volume_pct: [...]}``."""
    out: list[DvhCurve] = []
    for path, node in _walk(_plain(section)):
        if not isinstance(node, Mapping):
            continue
        dose = _numbers(node.get("dose_gy"))
        vol = _numbers(node.get("volume_pct", node.get("volume_percent")))
        if dose is None or vol is None or len(dose) != len(vol) or len(dose) < 2:
            continue
        name = next((str(node[k]) for k in ("organ", "roi_name", "name") if node.get(k)), path)
        limit = node.get("limit_eqd2_gy", node.get("limit_gy"))
        out.append(
            DvhCurve(
                name=name,
                dose_gy=tuple(dose),
                volume_pct=tuple(vol),
                quantity=str(node.get("dose_quantity", "dose")),
                limit_gy=float(limit) if isinstance(limit, int | float) else None,
                limit_label=str(node["limit_label"]) if node.get("limit_label") else None,
            )
        )
    return out


@dataclass(frozen=True)
class TrialOutcome:
    trial: str
    verdict: str | None
    endpoint: str
    years: float | None
    with_rt_percent: float | None
    without_rt_percent: float | None


def find_trial_outcomes(section: Any) -> list[TrialOutcome]:
    """Reported outcomes with/without radiotherapy per trial (objects with ``outcomes[]``)."""
    out: list[TrialOutcome] = []
    for _, node in _walk(_plain(section)):
        if not isinstance(node, Mapping) or not isinstance(node.get("outcomes"), list):
            continue
        trial = str(node.get("name") or node.get("id") or "?")
        verdict = node.get("verdict")
        for o in node["outcomes"]:
            if not isinstance(o, Mapping):
                continue
            w, wo = o.get("with_rt_percent"), o.get("without_rt_percent")
            if not isinstance(w, int | float) and not isinstance(wo, int | float):
                continue
            yrs = o.get("years")
            out.append(
                TrialOutcome(
                    trial=trial,
                    verdict=str(verdict) if isinstance(verdict, str) else None,
                    endpoint=str(o.get("endpoint", "")),
                    years=float(yrs) if isinstance(yrs, int | float) else None,
                    with_rt_percent=float(w) if isinstance(w, int | float) else None,
                    without_rt_percent=float(wo) if isinstance(wo, int | float) else None,
                )
            )
    return out


# ---------------------------------------------------------------------------------- figures
def survival_figure(
    curves: Sequence[SurvivalCurve], lang: Lang, model: str | None = None
) -> Figure | None:
    """Overall survival (%) against years after surgery, one line per regimen, from 100 % at 0."""
    if not curves:
        return None
    plang, notes = _plot_lang(lang)
    shown = list(curves[:MAX_CURVES])
    extra = len(curves) - len(shown)
    title = label("plot_survival_title", plang) + (f" ({model})" if model else "")

    def draw(fig: Any) -> None:
        ax = fig.add_subplot()
        for i, c in enumerate(shown):
            xs = [0.0, *c.years] if c.years[0] > 0 else list(c.years)
            ys = [100.0, *c.percent] if c.years[0] > 0 else list(c.percent)
            ax.plot(xs, ys, color=SERIES[i % len(SERIES)], lw=2.2, label=text(c.label, plang),
                    marker="o", markersize=3)  # fmt: skip
            ax.annotate(f"{c.percent[-1]:.1f} %", (c.years[-1], c.percent[-1]),
                        xytext=(4, 0), textcoords="offset points", va="center", fontsize=8,
                        color=SERIES[i % len(SERIES)])  # fmt: skip
        lo = min(min(c.percent) for c in shown)
        ax.set_ylim(max(0.0, math.floor((lo - 5) / 10) * 10), 100.5)
        ax.set_xlim(0, max(c.years[-1] for c in shown) * 1.08)
        ax.set_xlabel(label("plot_survival_x", plang))
        ax.set_ylabel(label("plot_survival_y", plang))
        ax.set_title(title)
        ax.legend(loc="lower left", fontsize=8, frameon=False)

    png = _render(draw, plang, (7.0, 4.2))
    at = "，{y:g}年时 {p:.1f} %" if lang == "zh" else ": {p:.1f} % at {y:g} y"
    parts = [text(c.label, lang) + at.format(p=c.percent[-1], y=c.years[-1]) for c in shown]
    if extra:
        parts.append(f"{extra} {label('more_not_shown', lang)}")
    slug = "".join(ch if ch.isalnum() else "-" for ch in model.lower()) if model else ""
    key = "prognosis.survival" + (f".{slug}" if slug else "")
    return Figure(key, "prognosis", title, "; ".join(parts), png, notes, group=model)


def eqd2_figure(section: Any, lang: Lang) -> Figure | None:
    """Stacked cumulative EQD2 per organ and metric (prior after recovery + planned), with the
    limit marked; organs that cannot be assessed are listed without a bar."""
    data = _plain(section)
    organs = data.get("organs") if isinstance(data, Mapping) else None
    if not isinstance(organs, list) or not organs:
        return None
    plang, notes = _plot_lang(lang)
    rows = [o for o in organs if isinstance(o, Mapping)][:MAX_TRIAL_ROWS]
    title = label("plot_eqd2_title", plang)

    def num(o: Mapping[str, Any], k: str) -> float | None:
        v = o.get(k)
        return float(v) if isinstance(v, int | float) and not isinstance(v, bool) else None

    def draw(fig: Any) -> None:
        ax = fig.add_subplot()
        names = [
            f"{organ_label(str(o.get('organ', '?')), plang)} ({o.get('metric', '')})" for o in rows
        ]
        ys = list(range(len(rows)))[::-1]
        xmax = 1.0
        for y, o in zip(ys, rows, strict=True):
            prior = num(o, "eqd2_prior_after_recovery_gy")
            planned = num(o, "eqd2_planned_gy")
            cum = num(o, "cumulative_eqd2_gy")
            limit = num(o, "limit_eqd2_gy")
            verdict = str(o.get("verdict", ""))
            colour = COLOURS.get(verdict, COLOURS["text"])
            if cum is not None:
                p = prior or 0.0
                ax.barh(y, p, color=COLOURS["prior"], height=0.55)
                ax.barh(y, planned or 0.0, left=p, color=COLOURS["primary"], height=0.55)
                ax.text(cum, y, f" {cum:.1f} Gy · {value(verdict, plang)}", va="center",
                        fontsize=8, color=colour)  # fmt: skip
                xmax = max(xmax, cum)
            else:
                ax.text(0.5, y, value(verdict, plang), va="center", fontsize=8, color=colour)
            if limit is not None:
                ax.plot([limit, limit], [y - 0.38, y + 0.38], color=COLOURS["limit"], lw=2.5)
                ax.text(limit, y + 0.42, f"{label('plot_limit', plang)} {limit:g}",
                        ha="center", fontsize=7, color=COLOURS["limit"])  # fmt: skip
                xmax = max(xmax, limit)
        ax.set_yticks(ys, names)
        ax.set_xlim(0, xmax * 1.35)
        ax.set_ylim(-0.7, len(rows) - 0.2)
        ax.set_xlabel(label("plot_eqd2_x", plang))
        ax.set_title(title)
        ax.grid(axis="y", visible=False)
        from matplotlib.patches import Patch

        fig.legend(
            handles=[
                Patch(color=COLOURS["prior"], label=label("plot_eqd2_prior", plang)),
                Patch(color=COLOURS["primary"], label=label("plot_eqd2_planned", plang)),
                Patch(color=COLOURS["limit"], label=label("plot_limit", plang)),
            ],
            loc="outside lower center", ncols=3, fontsize=8, frameon=False,
        )  # fmt: skip

    png = _render(draw, plang, (7.0, 1.6 + 0.55 * len(rows)))
    caption = "; ".join(
        f"{organ_label(str(o.get('organ')), lang)} {o.get('metric')}: "
        + (f"{o['cumulative_eqd2_gy']:.1f} Gy" if num(o, "cumulative_eqd2_gy") is not None
           else value(None, lang))
        + (f" / {label('plot_limit', lang)} {o['limit_eqd2_gy']:g} Gy"
           if num(o, "limit_eqd2_gy") is not None else "")
        + f" ({value(o.get('verdict'), lang)})"
        for o in rows
    )  # fmt: skip
    return Figure("reirradiation.eqd2", "reirradiation", title, caption, png, notes)


def dvh_figure(curves: Sequence[DvhCurve], lang: Lang, section: str = "dvh") -> Figure | None:
    """Cumulative DVH (% volume against dose), one colour per organ, its limit as a dashed line
    of the same colour."""
    if not curves:
        return None
    plang, notes = _plot_lang(lang)
    shown = list(curves[: len(SERIES)])
    quantities = sorted({c.quantity for c in shown})
    title = label("plot_dvh_title", plang) + f" ({', '.join(quantities)})"

    def draw(fig: Any) -> None:
        ax = fig.add_subplot()
        for i, c in enumerate(shown):
            colour = SERIES[i % len(SERIES)]
            ax.plot(c.dose_gy, c.volume_pct, color=colour, lw=2, label=c.name)
            if c.limit_gy is not None:
                ax.axvline(c.limit_gy, color=colour, ls="--", lw=1.4)
                ax.text(c.limit_gy, 101, f"{c.name} {label('plot_limit', plang)} "
                        f"{c.limit_gy:g} Gy", rotation=90, va="bottom", ha="right",
                        fontsize=7, color=colour)  # fmt: skip
        ax.set_ylim(0, 100.5)
        ax.set_xlim(left=0)
        eqd2 = all(q.startswith("EQD2") for q in quantities)
        ax.set_xlabel(label("plot_eqd2_x" if eqd2 else "plot_dvh_x", plang))
        ax.set_ylabel(label("plot_dvh_y", plang))
        ax.set_title(title)
        ax.legend(loc="upper right", fontsize=8, frameon=False)

    png = _render(draw, plang, (7.0, 4.2))
    caption = "; ".join(
        f"{c.name}: max {max(d for d, v in zip(c.dose_gy, c.volume_pct, strict=True) if v > 0):.1f}"
        " Gy" + (f", limit {c.limit_gy:g} Gy" if c.limit_gy is not None else "")
        for c in shown
        if any(v > 0 for v in c.volume_pct)
    )
    return Figure(f"{section}.dvh", section, title, caption, png, notes)


def rt_omission_figure(section: Any, lang: Lang) -> Figure | None:
    """Grouped bars per trial and endpoint: reported rate with and without radiotherapy.

    Survival endpoints (high percentages) get their own panel so that recurrence rates stay
    readable."""
    rows = find_trial_outcomes(section)[:MAX_TRIAL_ROWS]
    if not rows:
        return None
    plang, notes = _plot_lang(lang)
    title = label("plot_rt_title", plang)
    events = [r for r in rows if "survival" not in r.endpoint.lower()]
    survival = [r for r in rows if "survival" in r.endpoint.lower()]
    panels = [p for p in (events, survival) if p]

    def row_name(r: TrialOutcome) -> str:
        if r.years is None:
            when = ""
        else:
            when = f"，{r.years:g}年" if plang == "zh" else f", {r.years:g} y"
        verdict = f" [{value(r.verdict, plang)}]" if r.verdict else ""
        endpoint = text(r.endpoint, plang)
        endpoint = endpoint if len(endpoint) <= 38 else endpoint[:36] + "…"
        return f"{text(r.trial, plang)}{verdict}\n{endpoint}{when}"

    def draw(fig: Any) -> None:
        axes = fig.subplots(len(panels), 1, squeeze=False,
                            height_ratios=[len(p) for p in panels])[:, 0]  # fmt: skip
        for ax, panel in zip(axes, panels, strict=True):
            ys = list(range(len(panel)))[::-1]
            h = 0.36
            xmax = 1.0
            for y, r in zip(ys, panel, strict=True):
                for off, v, key in ((h / 2, r.without_rt_percent, "secondary"),
                                    (-h / 2, r.with_rt_percent, "primary")):  # fmt: skip
                    if v is None:
                        continue
                    ax.barh(y + off, v, height=h, color=COLOURS[key])
                    ax.text(v, y + off, f" {v:g} %", va="center", fontsize=7)
                    xmax = max(xmax, v)
            ax.set_yticks(ys, [row_name(r) for r in panel], fontsize=7)
            ax.set_xlim(0, min(100.0, xmax * 1.25) if xmax < 80 else 105)
            ax.set_ylim(-0.6, len(panel) - 0.4)
            ax.set_xlabel(label("plot_rt_x", plang))
            ax.grid(axis="y", visible=False)
        axes[0].set_title(title)
        from matplotlib.patches import Patch

        fig.legend(
            handles=[
                Patch(color=COLOURS["secondary"], label=label("plot_without_rt", plang)),
                Patch(color=COLOURS["primary"], label=label("plot_with_rt", plang)),
            ],
            loc="outside lower center", ncols=2, fontsize=8, frameon=False,
        )  # fmt: skip

    png = _render(draw, plang, (7.0, 1.0 + 0.5 * len(rows) + 0.6 * len(panels)))
    caption = ("；" if lang == "zh" else "; ").join(_outcome_caption(r, lang) for r in rows)
    return Figure("radiotherapy.omission", "radiotherapy", title, caption, png, notes)


def _outcome_caption(r: TrialOutcome, lang: Lang) -> str:
    """One trial outcome of the caption: "CALGB 9343 overall survival at 10 y: without RT 66 %,
    with RT 67 %" (the trial and endpoint in the knowledge's own Chinese for a Chinese reader)."""

    def pct(v: float | None) -> str:
        return f"{v:g} %" if v is not None else value(None, lang)

    without, with_ = pct(r.without_rt_percent), pct(r.with_rt_percent)
    if lang == "zh":
        at = f"（{r.years:g}年）" if r.years is not None else ""
        return f"{text(r.trial, lang)} {text(r.endpoint, lang)}{at}：未放疗 {without}，放疗 {with_}"
    at = f" at {r.years:g} y" if r.years is not None else ""
    return f"{r.trial} {r.endpoint}{at}: without RT {without}, with RT {with_}"


def figures_for(
    sections: Mapping[str, Any], lang: Lang, dvh_curves: Sequence[DvhCurve] = ()
) -> dict[str, list[Figure]]:
    """Every figure the sections' data allow, keyed by the section they illustrate.

    ``dvh_curves`` (e.g. from an uploaded DICOM RT pair) are drawn under ``reirradiation`` when
    that section exists, otherwise under their own key ``dvh``.
    """
    out: dict[str, list[Figure]] = {}

    def add(f: Figure | None) -> None:
        if f is not None:
            out.setdefault(f.section, []).append(f)

    for name, sec in sections.items():
        if name == "prognosis":
            for model, curves in find_survival_curves(sec):
                add(survival_figure(curves, lang, model))
        if name == "reirradiation":
            add(eqd2_figure(sec, lang))
        if name == "radiotherapy":
            add(rt_omission_figure(sec, lang))
        found = find_dvh_curves(sec)
        if found:
            add(dvh_figure(found, lang, section=name))
    if dvh_curves:
        target = "reirradiation" if "reirradiation" in sections else "dvh"
        add(dvh_figure(dvh_curves, lang, section=target))
    return out
