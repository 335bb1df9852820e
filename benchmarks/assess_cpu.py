"""CPU time of in-process ``breastcds.assess`` per case, this tree side by side with a baseline.

The cases: every bundled example, and every public course and systemic vignette of the shared
reference (``../shared/reference/domain``, mapped by the concordance runner's ``to_case``).
The baseline is another commit (default ``main``) checked out into a temporary git worktree;
each side runs in its own process (``PYTHONPATH`` = that side's ``src``), alternately round by
round so that load from other processes hits both alike; after a warm-up over every case each
process moves its long-lived objects out of the garbage collector's view, as ``breastcds serve``
does after its own warm-up. Prints, per side, the median over the
rounds of the CPU milliseconds per case (bundled examples, vignettes, all), the ratio
baseline / this tree, and whether the JSON of every assessment is byte-identical between the two
(a difference is listed by case and exits with status 1). Figures only: no timed assertion.

Usage: ``.venv/bin/python benchmarks/assess_cpu.py [--baseline REV] [--rounds N] [--repeat K]``
(``--baseline none``: this tree alone).
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT.parent / "shared" / "reference" / "domain"
# Fixed clock: the assessment stamp and the dates a case is judged on do not vary between runs.
NOW = dt.datetime(2026, 12, 5, 8, 0, tzinfo=dt.UTC)
TODAY = NOW.date()


def cases(reference: Path = REFERENCE) -> list[tuple[str, str, dict[str, Any]]]:
    """(group, label, case) for every bundled example and every public course/systemic vignette
    (vignettes only when the reference directory is there)."""
    from breastcds import examples

    out: list[tuple[str, str, dict[str, Any]]] = [
        ("bundled", name, examples.load(name)) for name in examples.names()
    ]
    for kind in ("course", "systemic"):
        path = reference / f"{kind}_vignettes_public.json"
        if not path.exists():
            continue
        if kind == "course":
            from breastcds.concordance.course import to_case
        else:
            from breastcds.concordance.systemic import to_case
        for v in json.loads(path.read_text("utf-8")):
            out.append(("vignette", f"{kind}:{v['id']}", to_case(v)))
    return out


def assessment_json(case: dict[str, Any]) -> str:
    """The JSON of one assessment at the fixed clock."""
    from breastcds import assess

    return assess(case, today=TODAY, now=NOW).model_dump_json()


def worker(rounds: int, repeat: int, dump: Path | None) -> None:
    """One side: every case ``repeat`` times per round; prints a JSON line per round with the
    CPU seconds of each group (process time, one thread)."""
    from breastcds import assess

    all_cases = cases()
    if dump is not None:
        dump.write_text(
            json.dumps({label: assessment_json(c) for _, label, c in all_cases}), "utf-8"
        )
    for _ in range(2):  # warm-up: knowledge loads and rules compile once
        for _, _, c in all_cases:
            assess(c, today=TODAY, now=NOW)
    gc.collect()  # as `breastcds serve` after its warm-up (server.warm_up): long-lived objects
    gc.freeze()  # leave the collector's view, so full collections stay short
    groups = sorted({g for g, _, _ in all_cases})
    counts = {g: sum(1 for x, _, _ in all_cases if x == g) for g in groups}
    for _ in range(rounds):
        spent = dict.fromkeys(groups, 0.0)
        for group, _, c in all_cases:
            t0 = time.process_time()
            for _ in range(repeat):
                assess(c, today=TODAY, now=NOW)
            spent[group] += time.process_time() - t0
        print(json.dumps({g: 1e3 * spent[g] / (counts[g] * repeat) for g in groups}), flush=True)


def run_side(src: Path, rounds: int, repeat: int, dump: Path) -> list[dict[str, float]]:
    env = {**os.environ, "PYTHONPATH": str(src)}
    args = [sys.executable, __file__, "--worker", "--rounds", str(rounds),
            "--repeat", str(repeat), "--dump", str(dump)]  # fmt: skip
    done = subprocess.run(args, check=True, capture_output=True, text=True, env=env)
    return [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", default="main", help="git revision, or 'none'")
    parser.add_argument("--rounds", type=int, default=5, help="alternating rounds per side")
    parser.add_argument("--repeat", type=int, default=5, help="calls per case per round")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--dump", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.rounds, args.repeat, args.dump)
        return
    with tempfile.TemporaryDirectory(prefix="assess-cpu-") as tmp:
        sides = {"this tree": ROOT / "src"}
        if args.baseline != "none":
            tree = Path(tmp) / "baseline"
            subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "--quiet",
                            str(tree), args.baseline], check=True)  # fmt: skip
            sides[f"baseline {args.baseline}"] = tree / "src"
        try:
            figures: dict[str, list[dict[str, float]]] = {name: [] for name in sides}
            for _ in range(args.rounds):  # one round per side per process, alternating
                for name, src in sides.items():
                    dump = Path(tmp) / f"{name.split()[0]}.json"
                    figures[name] += run_side(src, 1, args.repeat, dump)
            report(figures, Path(tmp), args.rounds, args.repeat)
        finally:
            if args.baseline != "none":
                subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force",
                                str(Path(tmp) / "baseline")], check=False)  # fmt: skip


def report(figures: dict[str, list[dict[str, float]]], tmp: Path, rounds: int,
           repeat: int) -> None:  # fmt: skip
    load = os.getloadavg()[0]
    n = {g: 0 for g in next(iter(figures.values()))[0]}
    print(f"assess CPU ms per case: median of {rounds} rounds x {repeat} calls per case "
          f"(load average {load:.1f} on {os.cpu_count()} CPUs: noisy when others run)")  # fmt: skip
    medians: dict[str, dict[str, float]] = {}
    for name, rows in figures.items():
        medians[name] = {g: statistics.median(r[g] for r in rows) for g in n}
        cells = "  ".join(f"{g} {medians[name][g]:6.3f}" for g in n)
        print(f"  {name:20s} {cells}")
    if len(figures) == 2:
        ours, base = medians.values()
        ratios = "  ".join(f"{g} {base[g] / ours[g]:5.2f}x" for g in n)
        print(f"  {'baseline / this':20s} {ratios}")
        a, b = (json.loads((tmp / f"{name.split()[0]}.json").read_text("utf-8"))
                for name in figures)  # fmt: skip
        differ = sorted(k for k in a.keys() | b.keys() if a.get(k) != b.get(k))
        print(f"  assessment JSON byte-identical for {len(a) - len(differ)} of {len(a)} cases")
        for k in differ:
            print(f"    differs: {k}")
        if differ:
            sys.exit(1)


if __name__ == "__main__":
    main()
