#!/usr/bin/env python3
"""Requests/s, latency and memory of `kehoach serve`'s POST /extract, on localhost only.

Starts `kehoach serve --workers 2` on a free 127.0.0.1 port, waits until it is warm, and
sends a bounded number of requests (one small corpus DOCX each): first one at a time (the
latency of one request), then from several client threads at once (the throughput of the
two workers). Reports requests/s, p50/p95/max latency, and the memory of every process of the
server (RSS, and PSS, which counts pages shared with the warm fork server once). Stops the
server it started.

    python bench/serve_load.py                  # 40 sequential + 300 concurrent requests
    python bench/serve_load.py --requests 100   # fewer
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
DOCX = ROOT / "corpus" / "heldout-ea-drang-xa-2026.docx"   # the smallest corpus DOCX (41 KB)
OUT = ROOT / "bench" / "out" / "serve.json"
MAX_SECONDS = 300   # the whole load phase stops by then, whatever is left


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def process_tree(root: int) -> list[int]:
    """The server and every process below it (fork server, workers)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as handle:
                    parent = int(handle.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(parent, []).append(int(entry))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def memory_kb(pid: int) -> dict[str, int]:
    figures = {}
    try:
        with open(f"/proc/{pid}/smaps_rollup") as handle:
            for line in handle:
                key, _, rest = line.partition(":")
                if key in ("Rss", "Pss"):
                    figures[key.lower()] = int(rest.split()[0])
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            figures["command"] = handle.read().replace(b"\0", b" ").decode(errors="replace")[:80]
    except OSError:
        pass
    return figures


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))]


def run_requests(base: str, count: int, clients: int, deadline: float) -> tuple[list[float], float, dict]:
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    remaining = [count]
    payload = DOCX.read_bytes()

    def client() -> None:
        with httpx.Client(base_url=base, timeout=60) as session:
            while time.monotonic() < deadline:
                with lock:
                    if remaining[0] <= 0:
                        return
                    remaining[0] -= 1
                started = time.perf_counter()
                response = session.post("/extract", files={"file": (DOCX.name, payload)})
                elapsed = time.perf_counter() - started
                with lock:
                    latencies.append(elapsed)
                    statuses[response.status_code] = statuses.get(response.status_code, 0) + 1

    started = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, time.perf_counter() - started, statuses


def summary(latencies: list[float], seconds: float, statuses: dict) -> dict:
    return {"requests": len(latencies), "seconds": round(seconds, 2),
            "requests_per_s": round(len(latencies) / seconds, 1),
            "p50_ms": round(1000 * statistics.median(latencies), 1),
            "p95_ms": round(1000 * percentile(latencies, 0.95), 1),
            "max_ms": round(1000 * max(latencies), 1), "statuses": statuses}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=300, help="concurrent phase (default 300)")
    parser.add_argument("--sequential", type=int, default=40, help="one-at-a-time phase (default 40)")
    parser.add_argument("--clients", type=int, default=4, help="client threads in the concurrent phase")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    kehoach = Path(sys.executable).with_name("kehoach")
    server = subprocess.Popen([str(kehoach), "serve", "--host", "127.0.0.1", "--port", str(port),
                               "--workers", str(args.workers)], cwd=ROOT)
    try:
        started = time.monotonic()
        while True:
            try:
                if httpx.get(base + "/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if server.poll() is not None or time.monotonic() - started > 120:
                raise SystemExit("the server did not start")
            time.sleep(0.2)
        ready = time.monotonic() - started
        deadline = time.monotonic() + MAX_SECONDS
        run_requests(base, 10, 2, deadline)   # warm the HTTP path
        before = {pid: memory_kb(pid) for pid in process_tree(server.pid)}
        sequential = summary(*run_requests(base, args.sequential, 1, deadline))
        concurrent = summary(*run_requests(base, args.requests, args.clients, deadline))
        after = {pid: memory_kb(pid) for pid in process_tree(server.pid)}
    finally:
        server.terminate()
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
    result = {
        "document": DOCX.name, "bytes": DOCX.stat().st_size, "workers": args.workers,
        "ready_seconds": round(ready, 1), "one_at_a_time": sequential,
        f"{args.clients}_clients": concurrent,
        "memory_kb_before": before, "memory_kb_after": after,
        "total_rss_mb_after": round(sum(m.get("rss", 0) for m in after.values()) / 1024),
        "total_pss_mb_after": round(sum(m.get("pss", 0) for m in after.values()) / 1024),
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
