"""Load on the real service: POST /assess at a fixed rate over loopback; latency and throughput.

Starts ``breastcds serve`` (SQLite in a temporary data dir, or ``--database-url``) as a separate
process, then sends POST /assess with httpx from this process on an open-loop schedule (request i
is due at start + i/rate; worker threads, one keep-alive connection each) and prints p50/p90/p99/
max latency and the throughput achieved. Latency is measured from each request's due time, so a
server that falls behind shows it (no coordinated omission). Bounded: at most 500 req/s, 60 s.

Usage: python benchmarks/service_load.py [--rate 100] [--duration 20] [--database-url URL]
       [--postgres] [--workers N]

``--postgres`` starts a throwaway PostgreSQL cluster (initdb + pg_ctl, 127.0.0.1, a free port,
a temporary directory) for the run; ``--workers N`` runs ``breastcds serve --workers N``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
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
from collections.abc import Iterator
from pathlib import Path

import httpx

from breastcds import examples

LAUNCH = "from breastcds.cli.main import app; app()"


@contextlib.contextmanager
def throwaway_postgres() -> Iterator[str]:
    """A PostgreSQL cluster on 127.0.0.1 in a temporary directory (trust auth); its URL."""
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
    try:
        import psycopg

        with psycopg.connect(
            f"postgresql://postgres@127.0.0.1:{port}/postgres", autocommit=True
        ) as conn:
            conn.execute("CREATE DATABASE breastcds_load")
        yield f"postgresql://postgres@127.0.0.1:{port}/breastcds_load"
    finally:
        pg(str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop")
        shutil.rmtree(root, ignore_errors=True)


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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rate", type=float, default=100.0, help="requests per second (<= 500)")
    ap.add_argument("--duration", type=float, default=20.0, help="seconds (<= 60)")
    ap.add_argument("--clients", type=int, default=8, help="client threads (<= 64)")
    ap.add_argument("--database-url", default=None, help="default: SQLite in a temporary dir")
    ap.add_argument("--postgres", action="store_true", help="a throwaway PostgreSQL cluster")
    ap.add_argument("--workers", type=int, default=1, help="server worker processes (<= 8)")
    args = ap.parse_args()
    server_workers = min(max(args.workers, 1), 8)
    rate = min(max(args.rate, 1.0), 500.0)
    duration = min(max(args.duration, 1.0), 60.0)
    workers = min(max(args.clients, 1), 64)
    n = int(rate * duration)
    cases = [examples.load(name) for name in examples.names()]

    with contextlib.ExitStack() as stack:
        tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix="breastcds-load-"))
        database_url = args.database_url
        if args.postgres:
            database_url = stack.enter_context(throwaway_postgres())
        proc, base, token = start_server(Path(tmp) / "data", database_url, server_workers)
        try:
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
                        try:
                            r = c.post("/assess", json=cases[i % len(cases)])
                            ok = r.status_code == 201
                        except httpx.HTTPError as exc:
                            ok, r = False, None
                            with lock:
                                errors.append(type(exc).__name__)
                        done = time.perf_counter()
                        with lock:
                            if ok:
                                latencies.append(done - due_at)
                                service.append(done - sent)
                            elif r is not None:
                                errors.append(str(r.status_code))

            threads = [threading.Thread(target=worker) for _ in range(workers)]
            for t in threads:
                t.start()
            start = time.perf_counter() + 0.2
            for i in range(n):
                due.put((i, start + i / rate))
            for _ in threads:
                due.put(None)
            for t in threads:
                t.join()
            elapsed = time.perf_counter() - start
        finally:
            proc.terminate()
            proc.wait(timeout=30)
        server_ms = sorted(
            rec["duration_ms"]
            for line in (Path(tmp) / "server.log").read_text().splitlines()
            if line.startswith("{")
            and (rec := json.loads(line)).get("msg") == "request"
            and rec.get("path") == "/assess"
        )[len(cases) :]  # without the warm-up requests

    def pct(xs: list[float], p: float) -> float:
        return 1e3 * xs[min(len(xs) - 1, int(p * len(xs)))]

    latencies.sort()
    service.sort()
    backend = (
        "PostgreSQL" if args.database_url or args.postgres else "SQLite (WAL, synchronous=FULL)"
    )
    load = os.getloadavg()
    print(
        f"POST /assess over loopback, {backend}, {server_workers} server worker(s); target "
        f"{rate:g} req/s for {duration:g} s ({n} requests, {workers} client threads); "
        f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
    )
    print(
        f"  completed {len(latencies)}  errors {len(errors)}  "
        f"throughput {len(latencies) / elapsed:.1f} req/s"
    )
    if latencies:
        print(
            f"  latency from due time (ms): p50 {pct(latencies, 0.50):.1f}  "
            f"p90 {pct(latencies, 0.90):.1f}  p99 {pct(latencies, 0.99):.1f}  "
            f"max {1e3 * latencies[-1]:.1f}"
        )
        print(
            f"  service time (ms):          p50 {pct(service, 0.50):.1f}  "
            f"p90 {pct(service, 0.90):.1f}  p99 {pct(service, 0.99):.1f}  "
            f"mean {1e3 * statistics.fmean(service):.1f}"
        )
    if server_ms:
        print(
            f"  in-server time (ms, request log): p50 {server_ms[len(server_ms) // 2]:.1f}  "
            f"p90 {server_ms[int(0.9 * len(server_ms))]:.1f}  "
            f"p99 {server_ms[int(0.99 * len(server_ms))]:.1f}"
        )
    if errors:
        print(f"  error kinds: {sorted(set(errors))}")


if __name__ == "__main__":
    main()
