"""Throughput of PREDICT v3.2 / v2.2 on a synthetic cohort (default 1 000 000 patients).

Every patient gets all regimens (47 for v3.2, 24 for v2.2) over 15 years: cumulative
all-cause, breast and other mortality plus net breast survival. Patients are drawn with a fixed
seed over the whole input space (all codes, all treatment flag combinations). Each worker
thread runs ``predict.iter_chunks`` on its share of the cohort and reduces every chunk to
per-regimen sums of 10-year overall survival, so all results are materialised and consumed.

Prints patients/second and peak resident memory (``resource.getrusage``). Usage:

    .venv/bin/python benchmarks/predict_cohort.py [--patients N] [--threads T] [--model v3.2]
"""

from __future__ import annotations

import argparse
import itertools
import os
import resource
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from breastcds.prognosis import predict as P


def synthetic_cohort(n: int, seed: int = 20261125) -> P.PredictInputs:
    """n valid patients drawn uniformly over the PREDICT input codes (fixed seed)."""
    rng = np.random.default_rng(seed)
    return P.PredictInputs(
        age=rng.integers(25, 86, n).astype(float),
        screen=rng.choice([0.0, 1.0, 2.0], n),
        size=rng.integers(1, 201, n).astype(float),
        grade=rng.choice([1.0, 2.0, 3.0, 9.0], n),
        nodes=rng.integers(0, 41, n).astype(float),
        er=rng.choice([0.0, 1.0], n),
        pr=rng.choice([0.0, 1.0, 9.0], n),
        her2=rng.choice([0.0, 1.0, 9.0], n),
        ki67=rng.choice([0.0, 1.0, 9.0], n),
        generation=rng.choice([0.0, 2.0, 3.0], n),
        horm=rng.choice([0.0, 1.0], n),
        traz=rng.choice([0.0, 1.0], n),
        bis=rng.choice([0.0, 1.0], n),
        radio=rng.choice([0.0, 1.0], n),
        heart_gy=np.round(rng.uniform(0, 10, n), 2),
        smoker=rng.choice([0.0, 1.0], n),
    )


def _work(model: P.Model, cohort: P.PredictInputs, chunk: int) -> tuple[int, P.FloatArray]:
    n_reg = len(P.regimens(model))
    total = np.zeros(n_reg)
    done = 0
    for _, result in P.iter_chunks(model, cohort, chunk):
        total += result.overall_survival[:, :, 9].sum(axis=0)
        done += result.cum_mort_all.shape[0]
    return done, total


def run(model: P.Model, cohort: P.PredictInputs, threads: int, chunk: int) -> float:
    """Seconds to compute ``model`` for the whole cohort with ``threads`` worker threads."""
    n = len(cohort)
    bounds = np.linspace(0, n, threads + 1).astype(int)
    shares = [cohort.rows(slice(int(a), int(b))) for a, b in itertools.pairwise(bounds)]
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        parts = list(pool.map(lambda share: _work(model, share, chunk), shares))
    elapsed = time.perf_counter() - start
    done = sum(p[0] for p in parts)
    mean_os10 = sum(p[1] for p in parts) / done
    assert done == n
    print(
        f"{model}: {n:,} patients x {len(P.regimens(model))} regimens x 15 years, "
        f"{threads} thread(s), chunk {chunk}: {elapsed:.2f} s = {n / elapsed:,.0f} patients/s "
        f"(mean 10-year OS, surgery only: {100 * mean_os10[0]:.2f} %)"
    )
    return elapsed


def peak_rss_mib() -> float:
    """Peak resident set size of this process so far, MiB (Linux reports KiB)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024 if sys.platform != "darwin" else peak / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=1_000_000)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--chunk", type=int, default=P.DEFAULT_CHUNK)
    parser.add_argument("--model", choices=["v3.2", "v2.2", "both"], default="both")
    args = parser.parse_args()

    t0 = time.perf_counter()
    cohort = synthetic_cohort(args.patients)
    print(
        f"cohort of {args.patients:,} synthetic patients built in {time.perf_counter() - t0:.2f} s"
    )
    P.v32(cohort.rows(slice(0, 10)))  # warm-up: load coefficients
    print(f"CPU cores: {os.cpu_count()}; numpy {np.__version__}")
    models: list[P.Model] = ["v3.2", "v2.2"] if args.model == "both" else [args.model]
    for model in models:
        run(model, cohort, args.threads, args.chunk)
    print(f"peak resident memory: {peak_rss_mib():.0f} MiB")


if __name__ == "__main__":
    main()
