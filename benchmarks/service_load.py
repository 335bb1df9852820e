"""Load on the real service: POST /assess at a fixed rate over loopback; latency and throughput.

Starts ``breastcds serve`` (SQLite in a temporary data dir, or ``--database-url``) as a separate
process, then sends POST /assess with httpx from this process on an open-loop schedule (request i
is due at start + i/rate; worker threads, one keep-alive connection each) and prints p50/p90/p99/
max latency and the throughput achieved. Latency is measured from each request's due time, so a
server that falls behind shows it (no coordinated omission). Bounded: at most 500 req/s, 60 s.

Usage: python benchmarks/service_load.py [--rate 100] [--duration 20] [--database-url URL]
"""

from __future__ import annotations

import argparse
import json
import queue
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

from breastcds import examples

LAUNCH = "from breastcds.cli.main import app; app()"


def start_server(
    data_dir: Path, database_url: str | None
) -> tuple[subprocess.Popen[str], str, str]:
    args = [sys.executable, "-c", LAUNCH, "serve", "--port", "0", "--data-dir", str(data_dir)]
    if database_url:
        args += ["--database-url", database_url]
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
    ap.add_argument("--workers", type=int, default=8, help="client threads (<= 64)")
    ap.add_argument("--database-url", default=None, help="default: SQLite in a temporary dir")
    args = ap.parse_args()
    rate = min(max(args.rate, 1.0), 500.0)
    duration = min(max(args.duration, 1.0), 60.0)
    workers = min(max(args.workers, 1), 64)
    n = int(rate * duration)
    cases = [examples.load(name) for name in examples.names()]

    with tempfile.TemporaryDirectory(prefix="breastcds-load-") as tmp:
        proc, base, token = start_server(Path(tmp) / "data", args.database_url)
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
    backend = "PostgreSQL" if args.database_url else "SQLite (WAL, synchronous=FULL)"
    print(
        f"POST /assess over loopback, {backend}; target {rate:g} req/s for {duration:g} s "
        f"({n} requests, {workers} client threads)"
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
