"""Import bombs against gunicorn: answer, latency and worker memory, and `/healthz` meanwhile.

    .venv/bin/python -m bench.import_bomb_bench                      # defaults below
    .venv/bin/python -m bench.import_bomb_bench --bombs all --duration 20 --workers 5
    .venv/bin/python -m bench.import_bomb_bench --source /tmp/old-tree   # another checkout

Builds a fresh SQLite database in a temporary directory (real Alembic migrations), starts
`gunicorn -c gunicorn.conf.py wsgi:app` on 127.0.0.1 (gunicorn.conf.py's defaults: 2 × cores
+ 1 sync workers, 30 s timeout), registers a supplier through the API (unverified, as a new
account is) and then:

1. warms every worker up with small valid XLSX imports (`?dry_run=true`);
2. for each bomb (tests/xlsx_bombs.py), `--repeat` single uploads: HTTP status, latency, and
   the memory of the worker that took it — its peak RSS (VmHWM, reset before each upload
   through /proc/<pid>/clear_refs) minus its RSS before, and its RSS after minus before
   (read from /proc/<pid>/status; psutil is not needed);
3. `/healthz` polled every `--poll-ms` for `--baseline` seconds alone, then while 5 clients
   (`--clients`) upload the dimension bomb back to back for `--duration` seconds: p50 / p95 /
   max of `/healthz`, and the bombs' own statuses and latencies.

Every loop is bounded in count and time; every request has a timeout; only 127.0.0.1 is used.
`--source DIR` runs the server (and migrations) from another tree, e.g. the last commit
exported with `git archive HEAD | tar -x -C DIR`, to compare before and after.
"""

from __future__ import annotations

import argparse
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import requests

from tests import xlsx_bombs

ROOT = Path(__file__).resolve().parents[1]
URL = "/api/v1/listings/import"
REQUEST_TIMEOUT = 45.0  # longer than gunicorn's 30 s worker timeout
MAX_REQUESTS_PER_CLIENT = 2_000

BOMBS: dict[str, Callable[[], bytes]] = {
    "dimension": xlsx_bombs.dimension_bomb,
    "blank-rows": lambda: xlsx_bombs.blank_row_bomb(500_000),
    "numbered-blank-rows": lambda: xlsx_bombs.numbered_blank_row_bomb(200_000),
    "wide-rows": lambda: xlsx_bombs.wide_row_bomb(100),
    "wide-rows-numbered": lambda: xlsx_bombs.wide_row_bomb(32, numbered=True),
    "shared-strings": lambda: xlsx_bombs.shared_strings_bomb(2_000_000),
}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bombs", default="dimension",
                        help=f"comma-separated, or 'all': {', '.join(BOMBS)}")
    parser.add_argument("--repeat", type=int, default=5, help="single uploads per bomb")
    parser.add_argument("--clients", type=int, default=5, help="concurrent bomb uploaders")
    parser.add_argument("--duration", type=float, default=10.0,
                        help="seconds of concurrent bomb uploads")
    parser.add_argument("--baseline", type=float, default=5.0,
                        help="seconds of /healthz polling without load")
    parser.add_argument("--poll-ms", type=float, default=50.0, help="/healthz polling interval")
    parser.add_argument("--workers", type=int, default=None, help="GUNICORN_WORKERS")
    parser.add_argument("--source", type=Path, default=ROOT,
                        help="tree to run the server from (default: this one)")
    args = parser.parse_args(argv)
    names = list(BOMBS) if args.bombs == "all" else args.bombs.split(",")
    unknown = [name for name in names if name not in BOMBS]
    if unknown:
        parser.error(f"unknown bomb(s): {', '.join(unknown)}")

    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}; "
          f"server tree: {args.source}")
    with tempfile.TemporaryDirectory(prefix="import-bomb-bench-") as tmp:
        workdir = Path(tmp)
        port = free_port()
        env = server_env(workdir, port, args.workers, args.source)
        migrate(args.source, env, workdir)
        server = start_gunicorn(args.source, env, workdir, port)
        try:
            base = f"http://127.0.0.1:{port}"
            token = register(base)
            workers = worker_pids(server.pid)
            print(f"gunicorn master {server.pid}, {len(workers)} workers: {workers}")
            warm_up(base, token, len(workers))
            for name in names:
                single_uploads(base, token, name, BOMBS[name](), server.pid, args.repeat)
            concurrent(base, token, BOMBS["dimension"](), args)
        finally:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(timeout=10)


# --------------------------------------------------------------------------- server


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_env(workdir: Path, port: int, workers: int | None, source: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "PYTHONPATH": str(source),
        "MARKETPLACE_DATABASE_URL": f"sqlite:///{workdir / 'marketplace.sqlite3'}",
        "MARKETPLACE_SEARCH_INDEX_PATH": str(workdir / "search.sqlite3"),
        "MARKETPLACE_QUEUE_URL": f"sqlite:///{workdir / 'queue.sqlite3'}",
        "MARKETPLACE_STORAGE_URL": f"file://{workdir / 'documents'}",
        "MARKETPLACE_SECRET_KEY": "bench-" + secrets.token_hex(8),
        "GUNICORN_BIND": f"127.0.0.1:{port}",
    }
    if workers:
        env["GUNICORN_WORKERS"] = str(workers)
    return env


def migrate(source: Path, env: dict[str, str], workdir: Path) -> None:
    with open(workdir / "migrate.log", "wb") as log:
        subprocess.run([str(ROOT / ".venv/bin/flask"), "--app", "wsgi", "db", "upgrade"],
                       cwd=source, env=env, stdout=log, stderr=log, check=True, timeout=300)


def start_gunicorn(source: Path, env: dict[str, str], workdir: Path,
                   port: int) -> subprocess.Popen[bytes]:
    log = open(workdir / "gunicorn.log", "wb")  # noqa: SIM115 - closed with the process
    server = subprocess.Popen([str(ROOT / ".venv/bin/gunicorn"), "-c", "gunicorn.conf.py",
                               "wsgi:app"], cwd=source, env=env, stdout=log, stderr=log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return server
        except requests.RequestException:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit(f"gunicorn did not start; see {workdir / 'gunicorn.log'}")


def register(base: str) -> str:
    response = requests.post(f"{base}/api/v1/auth/register", timeout=30, json={
        "email": f"bomber-{secrets.token_hex(4)}@bench.example",
        "password": secrets.token_urlsafe(16), "display_name": "新供应商",
        "organization": {"name": "刚注册的原料公司", "kind": "supplier", "country": "CN"},
    })
    response.raise_for_status()
    body = response.json()
    print(f"registered supplier {body['organization']['id']} "
          f"({body['organization']['verification_status']})")
    return str(body["token"])


def worker_pids(master: int) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            # pid (comm) state ppid …; comm may hold spaces, so split after the last ')'
            if int(stat.rpartition(")")[2].split()[1]) == master:
                pids.append(int(entry.name))
    return sorted(pids)


def memory(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM in bytes (empty when the process is gone)."""
    found = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                found[key] = int(value.split()[0]) * 1024
    except OSError:
        pass
    return found


def reset_peak(pid: int) -> bool:
    """Reset VmHWM to the current RSS (Linux ≥ 4.0, same user)."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError:
        return False
    return True


# --------------------------------------------------------------------------- measurements


def upload(base: str, token: str, content: bytes, *, query: str = "",
           timeout: float = REQUEST_TIMEOUT) -> tuple[str, float, str]:
    """(status, seconds, message) of one import; status "no answer" if the connection died."""
    started = time.perf_counter()
    try:
        response = requests.post(
            f"{base}{URL}{query}", headers={"Authorization": f"Bearer {token}"},
            files={"file": ("listings.xlsx", content)}, timeout=timeout,
        )
    except requests.RequestException as exc:
        return "no answer", time.perf_counter() - started, type(exc).__name__
    elapsed = time.perf_counter() - started
    try:
        message = str(response.json().get("message", ""))
    except ValueError:
        message = response.text[:100]
    return str(response.status_code), elapsed, message


def warm_up(base: str, token: str, workers: int) -> None:
    content = xlsx_bombs.normal_xlsx()
    statuses = [upload(base, token, content, query="?dry_run=true")[0]
                for _ in range(3 * workers)]
    print(f"warm-up: {len(statuses)} dry-run imports of a valid 2-row XLSX: "
          f"{sorted(set(statuses))}")


def single_uploads(base: str, token: str, name: str, content: bytes, master: int,
                   repeat: int) -> None:
    print(f"\n{name}: {len(content):,} bytes, {repeat} uploads one at a time")
    for attempt in range(1, repeat + 1):
        pids = worker_pids(master)
        peaks_reset = all([reset_peak(pid) for pid in pids])
        before = {pid: memory(pid) for pid in pids}
        status, seconds, message = upload(base, token, content)
        after = {pid: memory(pid) for pid in pids}
        # The worker that took the upload is the one whose memory moved most.
        growth = [
            ((after[pid].get("VmHWM", 0) - before[pid].get("VmRSS", 0)) if peaks_reset
             else (after[pid].get("VmHWM", 0) - before[pid].get("VmHWM", 0)),
             after[pid].get("VmRSS", 0) - before[pid].get("VmRSS", 0), pid)
            for pid in pids
        ]
        peak, rss, pid = max(growth)
        gone = [pid for pid in pids if not after[pid]]
        print(f"  #{attempt}: {status} in {seconds * 1000:.0f} ms; worker {pid}: peak RSS "
              f"+{peak / 1024:,.0f} KiB{'' if peaks_reset else ' (VmHWM not reset)'}, "
              f"RSS after +{rss / 1024:,.0f} KiB" + (f"; workers gone: {gone}" if gone else ""))
        print(f"      {message[:150]}")


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


def poll_healthz(base: str, stop: threading.Event, interval: float,
                 results: list[tuple[float, str]], deadline: float) -> None:
    while not stop.is_set() and time.monotonic() < deadline:
        started = time.perf_counter()
        try:
            status = str(requests.get(f"{base}/healthz", timeout=REQUEST_TIMEOUT).status_code)
        except requests.RequestException as exc:
            status = type(exc).__name__
        results.append((time.perf_counter() - started, status))
        stop.wait(max(0.0, interval - (time.perf_counter() - started)))


def summary(latencies: list[float]) -> str:
    if not latencies:
        return "none"
    return (f"n={len(latencies)} p50 {statistics.median(latencies) * 1000:.1f} ms, "
            f"p95 {percentile(latencies, 0.95) * 1000:.1f} ms, "
            f"max {max(latencies) * 1000:.1f} ms")


def concurrent(base: str, token: str, content: bytes, args: argparse.Namespace) -> None:
    interval = args.poll_ms / 1000
    idle: list[tuple[float, str]] = []
    stop = threading.Event()
    poll_healthz(base, stop, interval, idle, time.monotonic() + args.baseline)
    print(f"\n/healthz alone for {args.baseline:.0f} s: {summary([s for s, _ in idle])}")

    polled: list[tuple[float, str]] = []
    answers: list[tuple[str, float, str]] = []
    lock = threading.Lock()
    end = time.monotonic() + args.duration

    def bomber() -> None:
        for _ in range(MAX_REQUESTS_PER_CLIENT):
            if time.monotonic() >= end:
                return
            result = upload(base, token, content)
            with lock:
                answers.append(result)

    poller = threading.Thread(target=poll_healthz, args=(
        base, stop, interval, polled, end + REQUEST_TIMEOUT + 5))
    clients = [threading.Thread(target=bomber) for _ in range(args.clients)]
    poller.start()
    for client in clients:
        client.start()
    for client in clients:
        client.join(timeout=args.duration + REQUEST_TIMEOUT + 5)
    stop.set()
    poller.join(timeout=REQUEST_TIMEOUT + 5)

    statuses: dict[str, int] = {}
    for status, _, _ in answers:
        statuses[status] = statuses.get(status, 0) + 1
    health: dict[str, int] = {}
    for _, status in polled:
        health[status] = health.get(status, 0) + 1
    print(f"{args.clients} clients uploading the {len(content):,}-byte dimension bomb back to "
          f"back for {args.duration:.0f} s: {len(answers)} uploads, statuses {statuses}; "
          f"{summary([seconds for _, seconds, _ in answers])}")
    print(f"/healthz meanwhile (every {args.poll_ms:.0f} ms): statuses {health}; "
          f"{summary([seconds for seconds, _ in polled])}")


if __name__ == "__main__":
    sys.exit(main())
