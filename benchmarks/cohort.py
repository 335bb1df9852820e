"""Cohort engine throughput on synthetic patients (default 1 000 000).

1. A seeded synthetic cohort is generated in a child process and written as Parquet (not timed
   as engine work; the child keeps its memory out of this process's peak).
2. Per stage, over the whole cohort in batches: read + validate; classification + facts;
   options (every decision point); RT-omission criteria; PREDICT v3.2 (mapping + core).
3. End to end: ``engine.run_file`` (streamed read, all stages, Parquet results + errors).
4. ``breastcds.assess`` in a loop on the first 10 000 of the same patients, for the ratio.
Optionally (``--dask``) the Dask engine on a LocalCluster over the same file.

Prints rows/second per stage, end-to-end time, peak resident memory of this process
(``resource.getrusage``, measured before the assess loop) and the speed-up over ``assess``.

    .venv/bin/python benchmarks/cohort.py [--patients N] [--assess 10000] [--batch 100000] [--dask]

With ``--baseline REV`` only the end-to-end run is timed, side by side with another commit
checked out into a temporary git worktree: each side runs ``engine.run_file`` on the same file
in its own process (``PYTHONPATH`` = that side's ``src``), alternately round by round
(``--rounds``, default 3) so that load from other processes hits both alike; prints the median
wall and CPU seconds per side, the ratios baseline / this tree, and whether the result tables
are equal (columns both sides write; a difference exits with status 1).

    .venv/bin/python benchmarks/cohort.py --patients 200000 --baseline main [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import polars as pl

from breastcds.cohort import engine
from breastcds.cohort import facts as F
from breastcds.cohort.schema import row_to_case
from breastcds.cohort.validate import prepare
from breastcds.entrypoint import assess
from breastcds.options.schema import load_kb

SEED = 20261127


def _generate(n: int, path: str) -> None:
    from breastcds.cohort.synthetic import generate

    generate(n, seed=SEED, missing=0.1, invalid_share=0.001).write_parquet(path)


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _stage_times(path: Path, batch: int) -> dict[str, float]:
    """Seconds per stage over the whole file (stages run one after another per batch)."""
    kb = load_kb()
    opt_stages, opt_enc = engine.option_columns(kb)
    rt_stages, rt_enc = engine.rt_columns()
    p_stages, p_enc = engine.predict_mapping_columns()
    engine.compiled()
    times = dict.fromkeys(
        ("read + validate", "classification + facts", "options", "RT omission", "PREDICT v3.2"),
        0.0,
    )
    batches = engine.iter_batches(path, batch)
    while True:
        t = time.perf_counter()
        item = next(batches, None)
        if item is None:
            break
        offset, raw = item
        valid, _ = prepare(raw, offset)
        times["read + validate"] += time.perf_counter() - t
        t = time.perf_counter()
        base = F.with_facts(valid.lazy()).with_columns(engine._guard_key().alias("__guard_key"))
        base_df = base.collect()
        times["classification + facts"] += time.perf_counter() - t
        for name, stages, enc in (
            ("options", opt_stages, opt_enc),
            ("RT omission", rt_stages, rt_enc),
            ("PREDICT v3.2", p_stages, p_enc),
        ):
            t = time.perf_counter()
            lf = base_df.lazy()
            for stage in stages:
                lf = lf.with_columns(stage)
            frame = lf.collect()
            for e in enc:
                frame = e.decode(frame)
            if name == "PREDICT v3.2":
                engine.predict_columns(frame)
            times[name] += time.perf_counter() - t
    return times


def _worker(src: str, out: str, batch: int) -> None:
    """One side of ``--baseline``: time ``engine.run_file`` (knowledge compiled inside, as in a
    fresh ``cohort run``) and print seconds, rows and peak memory as a JSON line."""
    t, cpu = time.perf_counter(), time.process_time()
    summary = engine.run_file(Path(src), Path(out), batch_size=batch)
    seconds, cpu = time.perf_counter() - t, time.process_time() - cpu
    print(json.dumps({"seconds": seconds, "cpu": cpu, "rows": summary.rows,
                      "peak_mib": _peak_mib()}))  # fmt: skip


def _side_by_side(src: Path, tmp: Path, baseline: str, rounds: int, batch: int) -> int:
    """``engine.run_file`` of this tree and of ``baseline``, alternately, in fresh processes."""
    root = Path(__file__).resolve().parents[1]
    tree = tmp / "baseline"
    subprocess.run(["git", "-C", str(root), "worktree", "add", "--detach", "--quiet", str(tree),
                    baseline], check=True)  # fmt: skip
    try:
        sides = {"this tree": root / "src", f"baseline {baseline}": tree / "src"}
        runs: dict[str, list[dict[str, float]]] = {name: [] for name in sides}
        for _ in range(rounds):
            for i, (name, side_src) in enumerate(sides.items()):
                env = {**os.environ, "PYTHONPATH": str(side_src)}
                args = [sys.executable, __file__, "--worker", str(src), str(tmp / f"r{i}.parquet"),
                        "--batch", str(batch)]  # fmt: skip
                done = subprocess.run(args, check=True, capture_output=True, text=True, env=env)
                runs[name].append(json.loads(done.stdout.strip().splitlines()[-1]))
    finally:
        subprocess.run(["git", "-C", str(root), "worktree", "remove", "--force", str(tree)],
                       check=False)  # fmt: skip
    print(f"end to end (engine.run_file, batch {batch:,}), median of {rounds} alternating "
          f"rounds (load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs: noisy "
          "when others run):")  # fmt: skip
    med, cpu = {}, {}
    for name, rs in runs.items():
        med[name] = statistics.median(r["seconds"] for r in rs)
        cpu[name] = statistics.median(r["cpu"] for r in rs)
        each = ", ".join(f"{r['seconds']:.2f}" for r in rs)
        peak = max(r["peak_mib"] for r in rs)
        print(f"  {name:24s} {med[name]:6.2f} s  ({each}; CPU {cpu[name]:.2f} s; "
              f"peak {peak:,.0f} MiB)")  # fmt: skip
    (ours, base), (ours_cpu, base_cpu) = med.values(), cpu.values()
    print(f"  {'baseline / this tree':24s} {base / ours:6.2f}x wall, "
          f"{base_cpu / ours_cpu:.2f}x CPU")  # fmt: skip
    a, b = pl.read_parquet(tmp / "r0.parquet"), pl.read_parquet(tmp / "r1.parquet")
    common = [col for col in a.columns if col in b.columns]
    only = sorted(set(a.columns) ^ set(b.columns))
    same = a.select(common).equals(b.select(common))
    print(f"  results equal on the {len(common)} columns both write: {same}"
          + (f" (columns on one side only: {', '.join(only)})" if only else ""))  # fmt: skip
    return 0 if same else 1


def main(argv: list[str] | None = None) -> int:
    if argv is None and sys.argv[1:2] == ["--worker"]:
        wp = argparse.ArgumentParser()
        wp.add_argument("src")
        wp.add_argument("out")
        wp.add_argument("--batch", type=int, default=100_000)
        w = wp.parse_args(sys.argv[2:])
        _worker(w.src, w.out, w.batch)
        return 0
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--patients", type=int, default=1_000_000)
    ap.add_argument("--assess", type=int, default=10_000, help="patients for the assess loop")
    ap.add_argument("--batch", type=int, default=100_000)
    ap.add_argument("--dask", action="store_true", help="also run the Dask engine")
    ap.add_argument("--skip-stages", action="store_true", help="only the end-to-end run")
    ap.add_argument("--baseline", help="git revision to time side by side (end to end only)")
    ap.add_argument("--rounds", type=int, default=3, help="alternating rounds with --baseline")
    args = ap.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="cohort-bench-") as tmp:
        src = Path(tmp) / "cohort.parquet"
        t = time.perf_counter()
        child = mp.get_context("spawn").Process(target=_generate, args=(args.patients, str(src)))
        child.start()
        child.join()
        if child.exitcode != 0:
            print("generation failed", file=sys.stderr)
            return 1
        print(f"synthetic cohort: {args.patients:,} patients, seed {SEED} "
              f"({time.perf_counter() - t:.1f} s, child process)")  # fmt: skip
        if args.baseline:
            return _side_by_side(src, Path(tmp), args.baseline, args.rounds, args.batch)

        t = time.perf_counter()
        summary = engine.run_file(src, Path(tmp) / "results.parquet", batch_size=args.batch)
        total = time.perf_counter() - t
        peak = _peak_mib()
        rate = summary.rows / total
        print(f"end to end (engine.run_file, batch {args.batch:,}): {total:.1f} s, "
              f"{rate:,.0f} patients/s; {summary.computed:,} computed, "
              f"{summary.invalid_rows:,} invalid rows in the error table")  # fmt: skip
        print(f"peak resident memory (this process, after the engine run): {peak:,.0f} MiB")

        if not args.skip_stages:
            times = _stage_times(src, args.batch)
            print("per stage (separate passes over the cohort):")
            for name, seconds in times.items():
                print(f"  {name:<24} {seconds:6.1f} s  {summary.rows / seconds:>12,.0f} rows/s")

        if args.dask:
            from breastcds.cohort import dask_engine

            t = time.perf_counter()
            dask_engine.run_file(src, Path(tmp) / "results-dask.parquet")
            dt = time.perf_counter() - t
            print(f"Dask engine (LocalCluster, cluster start included): {dt:.1f} s, "
                  f"{summary.rows / dt:,.0f} patients/s")  # fmt: skip

        rows = pl.read_parquet(src, n_rows=args.assess)
        valid, _ = prepare(rows)
        cases = [row_to_case(r) for r in valid.to_dicts()]
        t = time.perf_counter()
        for case in cases:
            assess(case)
        loop = time.perf_counter() - t
        loop_rate = len(cases) / loop
        print(f"assess() loop on {len(cases):,} of the same patients: {loop:.1f} s, "
              f"{loop_rate:,.0f} patients/s")  # fmt: skip
        print(f"cohort engine / assess loop: {rate / loop_rate:,.0f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
