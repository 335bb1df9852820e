"""Survival curves of the prognosis section (matplotlib, Agg; no pyplot global state)."""

from __future__ import annotations

from pathlib import Path

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from breastcds.prognosis.section import ModelResult, PrognosisSection

FORMATS = (".png", ".svg")


def computed_models(section: PrognosisSection) -> list[ModelResult]:
    """PREDICT results with curves, primary (v3.2) first."""
    return [m for m in (section.predict_v32, section.predict_v22) if m.status == "computed"]


def figure(section: PrognosisSection, title: str | None = None) -> Figure:
    """One panel per computed PREDICT version: overall survival (%) vs years after surgery,
    surgery only and each cumulative regimen. Raises ValueError when nothing was computed."""
    models = computed_models(section)
    if not models:
        why = section.reasons or [f"{m.field}: {m.reason}" for m in section.missing]
        raise ValueError("no PREDICT result to plot: " + "; ".join(why or ["not computed"]))
    fig = Figure(figsize=(6.4 * len(models), 4.8), layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(1, len(models), squeeze=False)[0]
    for ax, m in zip(axes, models, strict=True):
        for i, curve in enumerate(m.curves):
            ax.plot(
                [0, *curve.years],
                [100.0, *curve.overall_survival_pct],
                label=curve.label,
                linewidth=2.2 if i == 0 else 1.6,
                linestyle="--" if i == 0 else "-",
                color="black" if i == 0 else None,
            )
        ax.set_title(f"{m.model}: overall survival (%) after surgery", fontsize=10)
        ax.set_xlabel("years after surgery")
        ax.set_ylabel("overall survival (%)")
        ax.set_xlim(0, 15)
        ax.set_xticks(range(0, 16, 5))
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=7, loc="lower left")
    versions = " and ".join(m.model for m in models)
    fig.suptitle(title or f"Overall survival (%), years 0-15 after surgery ({versions})")
    return fig


def write_plot(section: PrognosisSection, out: Path, title: str | None = None) -> Path:
    """Write the survival curves to ``out`` (.png or .svg)."""
    if out.suffix.lower() not in FORMATS:
        raise ValueError(f"{out}: the plot must be .png or .svg")
    figure(section, title).savefig(out, dpi=150)
    return out
