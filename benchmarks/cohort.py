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
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import resource
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


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--patients", type=int, default=1_000_000)
    ap.add_argument("--assess", type=int, default=10_000, help="patients for the assess loop")
    ap.add_argument("--batch", type=int, default=100_000)
    ap.add_argument("--dask", action="store_true", help="also run the Dask engine")
    ap.add_argument("--skip-stages", action="store_true", help="only the end-to-end run")
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
