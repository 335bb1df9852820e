"""Load on the real service: POST /assess at a fixed rate over loopback; latency and throughput.

Starts ``breastcds serve`` (SQLite in a temporary data dir, or ``--database-url``) as a separate
process, then sends POST /assess with httpx from this process on an open-loop schedule (request i
is due at start + i/rate; worker threads, one keep-alive connection each) and prints p50/p90/p99/
max latency and the throughput achieved. Latency is measured from each request's due time, so a
server that falls behind shows it (no coordinated omission). Bounded: at most 500 req/s, 60 s.

Usage: python benchmarks/service_load.py [--rate 100] [--duration 20] [--runs 5]
       [--target-ms 50] [--database-url URL] [--postgres] [--workers N]

``--runs N`` repeats the measurement N times, each on a new server and a new database, prints
each run (load average at its start and end, p50/p90/p99/max, errors) and a summary: how many
runs met p99 < ``--target-ms``. The percentiles are over every request sent: a request that
failed or got no 201 counts as slower than any other (a run with more than 1 % failures cannot
pass), and a run that did not complete every request fails.
Each run also prints what else the machine was doing while it was measured (from /proc, so
that a noisy run can be told from a slow server): the VM's steal time (CPU time the hypervisor
gave to other guests, % of all CPUs), the busy share of all CPUs, and how much of it was the
server's processes, the load generator (this process), the throwaway PostgreSQL cluster (with
``--postgres``) and everything else.
``--postgres`` starts a throwaway PostgreSQL cluster (initdb + pg_ctl, 127.0.0.1, a free port,
a temporary directory; a new database per run); ``--workers N`` runs
``breastcds serve --workers N``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import pwd
import queue
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from breastcds import examples

LAUNCH = "from breastcds.cli.main import app; app()"


@dataclass(frozen=True)
class Postgres:
    """A running throwaway cluster: ``new_database(name)`` creates a database and returns its
    URL; ``pid`` is the postmaster's (its process tree is PostgreSQL's CPU)."""

    new_database: Callable[[str], str]
    pid: int


@contextlib.contextmanager
def throwaway_postgres() -> Iterator[Postgres]:
    """A PostgreSQL cluster on 127.0.0.1 in a temporary directory (trust auth)."""
    root = Path(tempfile.mkdtemp(prefix="breastcds-load-pg-"))
    bindirs = sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
    found = shutil.which("initdb")
    bindir = Path(found).resolve().parent if found else (bindirs[0] if bindirs else None)
    if bindir is None:
        raise SystemExit("PostgreSQL server binaries (initdb, pg_ctl) are not installed")
    run_as: dict[str, int] = {}
    if os.geteuid() == 0:  # initdb refuses to run as root
        pw = pwd.getpwnam("postgres")
        run_as = {"user": pw.pw_uid, "group": pw.pw_gid}
        os.chown(root, pw.pw_uid, pw.pw_gid)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "LC_ALL": "C", "LANG": "C"}
    data = root / "pgdata"

    def pg(*args: str) -> None:
        subprocess.run(args, check=True, capture_output=True, env=env, cwd=root, **run_as)  # type: ignore[call-overload]

    pg(str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust", "-E", "UTF8")
    opts = f"-c listen_addresses=127.0.0.1 -p {port} -k {root} -c max_connections=200"
    pg(str(bindir / "pg_ctl"), "-D", str(data), "-l", str(root / "pg.log"), "-o", opts, "-w",
       "start")  # fmt: skip

    def new_database(name: str) -> str:
        import psycopg

        with psycopg.connect(
            f"postgresql://postgres@127.0.0.1:{port}/postgres", autocommit=True
        ) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        return f"postgresql://postgres@127.0.0.1:{port}/{name}"

    try:
        pid = int((data / "postmaster.pid").read_text().split()[0])
        yield Postgres(new_database, pid)
    finally:
        pg(str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop")
        shutil.rmtree(root, ignore_errors=True)


TICK_S = 1 / os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class CpuSample:
    """CPU time counters at one moment (seconds): all CPUs from /proc/stat, and the server's
    process tree and this process from /proc/<pid>/stat."""

    wall: float
    total: float  # every state of every CPU, steal included
    idle: float  # idle + iowait
    steal: float  # time the hypervisor ran another guest while this VM wanted a CPU
    server: float  # user + system of the server and its worker processes
    client: float  # user + system of this process (the load generator)
    database: float  # user + system of the throwaway PostgreSQL cluster (0 otherwise)


def _process_tree(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        with contextlib.suppress(OSError):
            for task in Path(f"/proc/{p}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
    return out


def _cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:  # the process ended
        return 0.0
    return (int(fields[11]) + int(fields[12])) * TICK_S  # utime, stime


def cpu_sample(server_pid: int, database_pid: int | None = None) -> CpuSample:
    # the "cpu" line: user nice system idle iowait irq softirq steal (guest is within user)
    ticks = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    idle, iowait, steal = ticks[3], ticks[4], ticks[7]
    return CpuSample(
        wall=time.perf_counter(),
        total=sum(ticks) * TICK_S,
        idle=(idle + iowait) * TICK_S,
        steal=steal * TICK_S,
        server=sum(_cpu_seconds(p) for p in _process_tree(server_pid)),
        client=_cpu_seconds(os.getpid()),
        database=sum(_cpu_seconds(p) for p in _process_tree(database_pid)) if database_pid else 0.0,
    )


@dataclass(frozen=True)
class MachineShare:
    """What the machine did during one measurement (from two :class:`CpuSample`)."""

    cpus: float  # CPU-seconds available per second of wall time (the CPU count)
    steal_pct: float  # of all CPU time
    busy_pct: float  # of all CPU time, steal not included
    server_pct: float
    client_pct: float
    database_pct: float  # the throwaway PostgreSQL cluster (--postgres)
    others_pct: float  # busy, but not the server, the load generator or that cluster
    server_ms_per_request: float

    @classmethod
    def between(cls, a: CpuSample, b: CpuSample, requests: int) -> MachineShare:
        total = max(b.total - a.total, 1e-9)
        busy = total - (b.idle - a.idle) - (b.steal - a.steal)
        server, client, database = b.server - a.server, b.client - a.client, b.database - a.database
        return cls(
            cpus=total / max(b.wall - a.wall, 1e-9),
            steal_pct=100 * (b.steal - a.steal) / total,
            busy_pct=100 * busy / total,
            server_pct=100 * server / total,
            client_pct=100 * client / total,
            database_pct=100 * database / total,
            others_pct=100 * max(busy - server - client - database, 0.0) / total,
            server_ms_per_request=1e3 * server / max(requests, 1),
        )


def start_server(
    data_dir: Path, database_url: str | None, workers: int = 1
) -> tuple[subprocess.Popen[str], str, str]:
    args = [sys.executable, "-c", LAUNCH, "serve", "--port", "0", "--data-dir", str(data_dir)]
    if database_url:
        args += ["--database-url", database_url]
    if workers > 1:
        args += ["--workers", str(workers)]
    log = (data_dir.parent / "server.log").open("w")
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=log, text=True)
    assert proc.stdout is not None
    token = ""
    while True:
        line = proc.stdout.readline()
        if not line:
            raise SystemExit(f"server did not start; see {data_dir.parent / 'server.log'}")
        if line.startswith("first admin token"):
            token = line.split(":", 1)[1].strip()
        if "listening on " in line:
            base = line.rsplit(" ", 1)[1].strip()
            break
    if not token:
        raise SystemExit("the database is not new: no admin token was printed")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/health").status_code == 200:
                return proc, base, token
        except httpx.TransportError:
            time.sleep(0.05)
    raise SystemExit("server did not become healthy")


@dataclass
class Run:
    """One measurement: latencies from due time (inf for a request without its 201)."""

    n: int
    latencies: list[float]
    service: list[float]
    errors: list[str]
    elapsed: float
    server_ms: list[float]
    load_start: tuple[float, float, float]
    machine: MachineShare
    load_end: tuple[float, float, float] = (0.0, 0.0, 0.0)
    completed: int = field(init=False)

    def __post_init__(self) -> None:
        self.completed = sum(1 for x in self.latencies if math.isfinite(x))
        self.latencies.sort()
        self.service.sort()
        self.server_ms.sort()

    def pct(self, p: float, xs: list[float] | None = None) -> float:
        """Percentile in ms (the value below which a fraction ``p`` of the requests fall)."""
        xs = self.latencies if xs is None else xs
        return 1e3 * xs[min(len(xs) - 1, int(p * len(xs)))] if xs else math.inf

    def passed(self, target_ms: float) -> bool:
        return self.completed == self.n and self.pct(0.99) < target_ms


def measure(
    base: str,
    token: str,
    cases: list[Any],
    rate: float,
    duration: float,
    clients: int,
    sample: Callable[[], CpuSample],
) -> tuple[list[float], list[float], list[str], float, MachineShare]:
    """Open-loop POST /assess: request i is due at start + i/rate; (latency from due time per
    request, inf when it failed; service times of the successful ones; errors; elapsed s;
    what the machine did from just before the first due time to the last answer)."""
    n = int(rate * duration)
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base, headers=headers) as warm:  # load sections once
        for case in cases:
            assert warm.post("/assess", json=case).status_code == 201
    due: queue.Queue[tuple[int, float] | None] = queue.Queue()
    latencies: list[float] = []
    service: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()

    def worker() -> None:
        with httpx.Client(base_url=base, headers=headers, timeout=30) as c:
            while (item := due.get()) is not None:
                i, due_at = item
                now = time.perf_counter()
                if due_at > now:
                    time.sleep(due_at - now)
                sent = time.perf_counter()
                error = None
                try:
                    r = c.post("/assess", json=cases[i % len(cases)])
                    if r.status_code != 201:
                        error = str(r.status_code)
                except httpx.HTTPError as exc:
                    error = type(exc).__name__
                done = time.perf_counter()
                with lock:
                    if error is None:
                        latencies.append(done - due_at)
                        service.append(done - sent)
                    else:
                        latencies.append(math.inf)
                        errors.append(error)

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for t in threads:
        t.start()
    before = sample()  # before the schedule starts: sampling never delays a request
    start = time.perf_counter() + 0.2
    for i in range(n):
        due.put((i, start + i / rate))
    for _ in threads:
        due.put(None)
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    return latencies, service, errors, elapsed, MachineShare.between(before, sample(), n)


def one_run(
    database_url: str | None,
    server_workers: int,
    cases: list[Any],
    rate: float,
    duration: float,
    clients: int,
    database_pid: int | None = None,
) -> Run:
    """A new server (and database) for one measurement."""
    load_start = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="breastcds-load-") as tmp:
        proc, base, token = start_server(Path(tmp) / "data", database_url, server_workers)
        try:
            latencies, service, errors, elapsed, machine = measure(
                base,
                token,
                cases,
                rate,
                duration,
                clients,
                lambda: cpu_sample(proc.pid, database_pid),
            )
        finally:
            proc.terminate()
            proc.wait(timeout=30)
        server_ms = [
            float(rec["duration_ms"])
            for line in (Path(tmp) / "server.log").read_text().splitlines()
            if line.startswith("{")
            and (rec := json.loads(line)).get("msg") == "request"
            and rec.get("path") == "/assess"
        ][len(cases) :]  # without the warm-up requests
    n = int(rate * duration)
    run = Run(n, latencies, service, errors, elapsed, server_ms, load_start, machine)
    run.load_end = os.getloadavg()
    return run


def report(i: int, run: Run, target_ms: float) -> None:
    ls, le = run.load_start, run.load_end
    print(
        f"run {i}: load average {ls[0]:.2f} (start) {le[0]:.2f} (end); completed "
        f"{run.completed} of {run.n}, errors {len(run.errors)}, "
        f"throughput {run.completed / run.elapsed:.1f} req/s"
    )
    print(
        f"  latency from due time (ms): p50 {run.pct(0.50):.1f}  p90 {run.pct(0.90):.1f}  "
        f"p99 {run.pct(0.99):.1f}  max {run.pct(1.0):.1f}  -> "
        f"{'pass' if run.passed(target_ms) else 'FAIL'} (p99 < {target_ms:g} ms)"
    )
    if run.service:
        print(
            f"  service time (ms):          p50 {run.pct(0.50, run.service):.1f}  "
            f"p90 {run.pct(0.90, run.service):.1f}  p99 {run.pct(0.99, run.service):.1f}  "
            f"mean {1e3 * statistics.fmean(run.service):.1f}"
        )
    if run.server_ms:
        xs = run.server_ms
        print(
            f"  in-server time (ms, request log): p50 {xs[len(xs) // 2]:.1f}  "
            f"p90 {xs[int(0.9 * len(xs))]:.1f}  p99 {xs[int(0.99 * len(xs))]:.1f}"
        )
    m = run.machine
    print(
        f"  machine ({m.cpus:.1f} CPUs, % of all CPU time): steal {m.steal_pct:.1f}  busy "
        f"{m.busy_pct:.0f} = server {m.server_pct:.0f} + load generator {m.client_pct:.0f} + "
        + (f"PostgreSQL {m.database_pct:.0f} + " if m.database_pct else "")
        + f"others {m.others_pct:.0f}; server CPU {m.server_ms_per_request:.1f} ms per request"
    )
    if run.errors:
        print(f"  error kinds: {sorted(set(run.errors))}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rate", type=float, default=100.0, help="requests per second (<= 500)")
    ap.add_argument("--duration", type=float, default=20.0, help="seconds (<= 60)")
    ap.add_argument("--runs", type=int, default=1, help="measurements, each on a new server")
    ap.add_argument("--target-ms", type=float, default=50.0, help="p99 target of a run (ms)")
    ap.add_argument("--clients", type=int, default=8, help="client threads (<= 64)")
    ap.add_argument("--database-url", default=None, help="default: SQLite in a temporary dir")
    ap.add_argument("--postgres", action="store_true", help="a throwaway PostgreSQL cluster")
    ap.add_argument("--workers", type=int, default=1, help="server worker processes (<= 8)")
    args = ap.parse_args()
    server_workers = min(max(args.workers, 1), 8)
    rate = min(max(args.rate, 1.0), 500.0)
    duration = min(max(args.duration, 1.0), 60.0)
    clients = min(max(args.clients, 1), 64)
    runs = min(max(args.runs, 1), 20)
    cases = [examples.load(name) for name in examples.names()]
    backend = (
        "PostgreSQL" if args.database_url or args.postgres else "SQLite (WAL, synchronous=FULL)"
    )
    load = os.getloadavg()
    print(
        f"POST /assess over loopback, {backend}, {server_workers} server worker(s); target "
        f"{rate:g} req/s for {duration:g} s ({int(rate * duration)} requests, {clients} client "
        f"threads), {runs} run(s); {os.cpu_count()} CPUs, load average {load[0]:.2f} "
        f"{load[1]:.2f} {load[2]:.2f}",
        flush=True,
    )
    results: list[Run] = []
    with contextlib.ExitStack() as stack:
        pg = stack.enter_context(throwaway_postgres()) if args.postgres else None
        for i in range(1, runs + 1):
            url = pg.new_database(f"breastcds_load_{i}") if pg else args.database_url
            pid = pg.pid if pg else None
            results.append(one_run(url, server_workers, cases, rate, duration, clients, pid))
            report(i, results[-1], args.target_ms)
            sys.stdout.flush()
    passed = sum(r.passed(args.target_ms) for r in results)
    print(
        f"summary: {backend}, {server_workers} worker(s), {rate:g} req/s for {duration:g} s: "
        f"p50 (ms) {' '.join(f'{r.pct(0.5):.1f}' for r in results)}; "
        f"p99 (ms) {' '.join(f'{r.pct(0.99):.1f}' for r in results)}; "
        f"load average {' '.join(f'{r.load_start[0]:.1f}-{r.load_end[0]:.1f}' for r in results)}; "
        f"steal % {' '.join(f'{r.machine.steal_pct:.1f}' for r in results)}; "
        f"others' CPU % {' '.join(f'{r.machine.others_pct:.0f}' for r in results)}"
    )
    print(f"p99 < {args.target_ms:g} ms in {passed} of {len(results)} runs")


if __name__ == "__main__":
    main()
