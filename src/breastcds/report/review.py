"""Page images of the bundled examples' reports, for review (``docs/img/report/``).

``python -m breastcds.report.review --out docs/img/report`` renders the default report (board
summary) of every bundled example in English and Chinese, rasterises each page with poppler's
``pdftoppm`` at a modest resolution and writes one contact sheet per report (pages side by side,
grey levels, a few tens of KB each), plus ``index.md`` listing page counts.
"""

from __future__ import annotations

import argparse
import io
import subprocess
import tempfile
from pathlib import Path

from breastcds import examples
from breastcds.entrypoint import assess
from breastcds.i18n import LANGS
from breastcds.model.parse import parse_case
from breastcds.report.pdf import render_pdf

__all__ = ["contact_sheet", "main"]

DPI = 28  # enough to review the layout; text is read in the PDF itself


def contact_sheet(pdf: bytes, dpi: int = DPI) -> tuple[bytes, int]:
    """(PNG of the pages side by side, number of pages) of one PDF."""
    from PIL import Image

    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "r.pdf"
        src.write_bytes(pdf)
        subprocess.run(
            ["pdftoppm", "-r", str(dpi), "-gray", "-png", str(src), str(Path(tmp) / "p")],
            check=True,
        )
        pages = [Image.open(p).convert("L") for p in sorted(Path(tmp).glob("p-*.png"))]
        gap = 6
        width = sum(p.width for p in pages) + gap * (len(pages) - 1)
        sheet = Image.new("L", (width, max(p.height for p in pages)), 160)
        x = 0
        for p in pages:
            sheet.paste(p, (x, 0))
            x += p.width + gap
        out = io.BytesIO()
        sheet.quantize(colors=8).save(out, format="PNG", optimize=True)
        return out.getvalue(), len(pages)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs/img/report"))
    args = parser.parse_args(argv)
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    rows = ["# Default reports of the bundled examples (board summary)", "",
            "| example | language | pages | image |", "|---|---|---|---|"]  # fmt: skip
    for name in examples.names():
        case = parse_case(examples.load(name))
        a = assess(case)
        for lang in LANGS:
            png, n = contact_sheet(render_pdf(a, lang=lang, case=case))
            (out / f"{name}.{lang}.png").write_bytes(png)
            rows.append(f"| {name} | {lang} | {n} | ![{name} {lang}]({name}.{lang}.png) |")
    (out / "index.md").write_text("\n".join(rows) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
