"""Start-up of the command line, side by side with a bare interpreter.

Times, in one run and interleaved round by round (so that load from other processes hits all
three alike):

* ``python -c pass`` (the peer: the interpreter's own start-up),
* ``breastcds --version``,
* ``breastcds assess --example NAME --format json`` (one case, every section),

each as a fresh process with Python's bytecode cache in use, as after a normal installation
(``PYTHONDONTWRITEBYTECODE`` is dropped for the runs: the warm-up run writes the ``.pyc``
files and the parsed and validated knowledge caches), and prints the median wall time of each
and its ratio to the peer (targets: ``--version`` <= ~15x, one-case ``assess`` <= ~40x).
Prints figures only.

``--example`` may be given several times (the default example is metastatic: no PREDICT, so
no numpy; an early case such as ``er-low-early`` runs PREDICT). ``--cache-off`` adds the first
example's ``assess`` with the validated-knowledge cache turned off
(``BREASTCDS_KNOWLEDGE_CACHE=0``: the knowledge is validated as on a first run), side by side.

Usage: ``.venv/bin/python benchmarks/startup.py [--rounds N] [--example NAME]... [--cache-off]``
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

CLI = "from breastcds.cli.main import run; run()"


ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def timed(args: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """Wall and CPU (user + system) seconds of one run of ``args`` (output discarded; a failure
    stops the benchmark)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(
        args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env or ENV
    )
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=15, help="runs of each command")
    parser.add_argument("--example", action="append", help="bundled example (repeatable)")
    parser.add_argument("--cache-off", action="store_true", help="also without the cache")
    args = parser.parse_args()
    examples: list[str] = args.example or ["her2-low-metastatic"]
    py = sys.executable
    script = Path(py).with_name("breastcds")
    cli = [str(script)] if script.exists() else [py, "-c", CLI]
    commands: dict[str, tuple[list[str], dict[str, str] | None]] = {
        "python -c pass": ([py, "-c", "pass"], None),
        "breastcds --version": ([*cli, "--version"], None),
    }
    for example in examples:
        argv = [*cli, "assess", "--example", example, "--format", "json"]
        commands[f"breastcds assess --example {example} --format json"] = (argv, None)
        if args.cache_off and example == examples[0]:
            off = {**ENV, "BREASTCDS_KNOWLEDGE_CACHE": "0"}
            commands["  the same, BREASTCDS_KNOWLEDGE_CACHE=0"] = (argv, off)
    for argv, env in commands.values():  # warm the file cache, .pyc and knowledge caches
        timed(argv, env)
    wall: dict[str, list[float]] = {name: [] for name in commands}
    cpu: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(args.rounds):
        for name, (argv, env) in commands.items():
            w, c = timed(argv, env)
            wall[name].append(w)
            cpu[name].append(c)
    load = os.getloadavg()
    peer_wall = statistics.median(wall["python -c pass"])
    peer_cpu = statistics.median(cpu["python -c pass"])
    print(f"start-up, median of {args.rounds} interleaved runs each "
          f"(load average {load[0]:.1f} on {os.cpu_count()} CPUs)")  # fmt: skip
    width = max(len(name) for name in commands)
    print(f"{'command':{width}} {'wall ms':>8} {'ratio':>6} {'CPU ms':>8} {'ratio':>6}")
    for name in commands:
        w = statistics.median(wall[name])
        c = statistics.median(cpu[name])
        print(f"{name:{width}} {1000 * w:8.1f} {w / peer_wall:5.1f}x {1000 * c:8.1f} "
              f"{c / peer_cpu:5.1f}x")  # fmt: skip
    print("ratio: to `python -c pass` in the same run (wall: elapsed; CPU: user + system)")


if __name__ == "__main__":
    main()
