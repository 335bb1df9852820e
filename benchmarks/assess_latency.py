"""In-process time of `breastcds.assess` per bundled example case (median over N calls).

Usage: python benchmarks/assess_latency.py [N]   (default N = 1000)
"""

from __future__ import annotations

import statistics
import sys
import time

from breastcds import assess, examples


def main(n: int = 1000) -> None:
    print(f"breastcds.assess: median / p95 over {n} calls per case (ms)")
    for name in examples.names():
        case = examples.load(name)
        assess(case)  # warm-up (knowledge files load once)
        times = []
        for _ in range(n):
            t0 = time.perf_counter()
            assess(case)
            times.append(time.perf_counter() - t0)
        times.sort()
        print(
            f"  {name:32s} {1e3 * statistics.median(times):7.3f} "
            f"{1e3 * times[int(0.95 * (n - 1))]:7.3f}"
        )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)
