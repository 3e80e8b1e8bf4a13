#!/usr/bin/env python3
"""`make bench-dask`: `kehoach batch` on worker processes against Dask (a LocalCluster), with 1
and 2 workers, the cost per page by format, the Dask scheduler's cost per document, and the
cluster size that these figures give for 100,000 plans in an hour.

    python bench/dask_scaling.py            # the corpus (text, DOCX, PDF, scans): a few minutes
    python bench/dask_scaling.py --quick    # 1 worker only, fewer stand-in documents

1. The corpus (corpus/, scans included) through the real command, NLP on, for each engine and
   worker count: `kehoach batch corpus -o OUT --engine E --workers N --quiet --no-tables`;
   wall-clock of the whole command (start-up, cluster start and model loading included).
2. CPU seconds per page by kind (text, DOCX, PDF, scanned PDF through OCR), each corpus file
   extracted in this process after the warm-up (a text export or DOCX counts the pages of its
   PDF twin): CPU time, so that the other work on a shared machine barely moves it.
3. The engines' own cost per document: batches of 50 and 450 tiny stand-in documents
   (tests/batch_standins.py) through `run_batch` on 2 workers; the difference over the
   difference in size removes the fixed start-up and closing cost.

Writes bench/out/dask_scaling.json and bench/out/dask_scaling.md (the tables quoted in the
README). The load average is recorded before and after each run: the machine is shared.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
CORPUS = ROOT / "corpus"
PLANS = 100_000
HOUR = 3600.0
MIX = {"pdf (OCR)": 0.3, "pdf": 0.7}       # share of plans by kind, ~10 pages each
PAGES_PER_PLAN = 10


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def load_average() -> float:
    return round(os.getloadavg()[0], 2)


def adopt_orphans() -> None:
    """Become the subreaper of this process's descendants (Linux): the processes a Dask worker
    leaves behind (its fork server, whose children did the documents) are then reaped here,
    and their CPU time is counted in os.times().children_*."""
    try:
        import ctypes
        ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)   # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        pass


def reap_orphans(patience: float = 15.0) -> None:
    deadline = time.monotonic() + patience
    while time.monotonic() < deadline:
        try:
            pid, _status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            time.sleep(0.1)


def cpu_now() -> float:
    """CPU seconds of this process and of every process it has reaped."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


def run_command(engine: str, workers: int, out: Path) -> dict:
    """One `kehoach batch` over the corpus; wall-clock, CPU seconds of every process it
    started, load average and the manifest."""
    shutil.rmtree(out, ignore_errors=True)
    program = Path(sys.executable).with_name("kehoach")
    argv = [str(program), "batch", str(CORPUS), "-o", str(out), "--engine", engine, "--workers", str(workers),
            "--quiet", "--no-tables", "--timeout", "600"]
    before = load_average()
    cpu = cpu_now()
    started = time.perf_counter()
    completed = subprocess.run(argv, capture_output=True, text=True, cwd=ROOT)
    wall = time.perf_counter() - started
    reap_orphans()
    cpu = cpu_now() - cpu
    if completed.returncode != 0:
        raise SystemExit(f"kehoach batch failed ({completed.returncode}):\n{completed.stdout}\n{completed.stderr}")
    manifest = [json.loads(line) for line in (out / "manifest.jsonl").read_text(encoding="utf-8").splitlines()]
    return {"engine": engine, "workers": workers, "wall": round(wall, 2), "cpu": round(cpu, 1),
            "document_seconds": round(sum(entry["seconds"] or 0 for entry in manifest), 1), "load_before": before,
            "load_after": load_average(), "documents": len(manifest),
            "ok": sum(entry["status"] == "ok" for entry in manifest), "manifest": manifest}


def kind(path: Path, file_format: str) -> str:
    return "pdf (OCR)" if path.parent.name == "scans" else file_format


def page_costs() -> dict[str, dict]:
    """CPU seconds per page by kind of document, each corpus file extracted in this process
    (NLP on, after the warm-up), so that other work on the machine barely moves the figure.
    A text export or DOCX counts the pages of its PDF twin."""
    from extract.pipeline import Options, extract_path, warm

    options = Options()
    warm(options)
    files = sorted(path for path in CORPUS.rglob("*") if path.suffix in {".txt", ".docx", ".pdf"})
    measured = []
    for path in files:
        started = time.process_time()
        document = extract_path(path, options)
        measured.append((path, document.source.format, document.source.pages, time.process_time() - started))
    twin_pages = {path.stem: pages for path, file_format, pages, _ in measured
                  if file_format == "pdf" and path.parent == CORPUS and pages}
    totals: dict[str, list[float]] = defaultdict(lambda: [0.0, 0, 0])
    for path, file_format, pages, seconds in measured:
        pages = pages if file_format == "pdf" else twin_pages.get(path.stem)
        if pages:
            total = totals[kind(path, file_format)]
            total[0] += seconds
            total[1] += pages
            total[2] += 1
    return {name: {"documents": count, "pages": pages, "cpu_seconds": round(seconds, 2),
                   "seconds_per_page": round(seconds / pages, 4)}
            for name, (seconds, pages, count) in sorted(totals.items())}


def stand_in_batch(engine: str, documents: int, workers: int) -> tuple[float, float, float]:
    """(wall s, CPU s of every process, median s of one stand-in document) of a batch of tiny
    stand-in documents (tests/batch_standins.py) through run_batch."""
    sys.path.insert(0, str(ROOT / "tests"))
    from batch_standins import make_tree, standin_extract
    from extract.batch import run_batch

    with tempfile.TemporaryDirectory() as folder:
        src = make_tree(Path(folder) / "in", {f"d{i:05d}.txt": f"Xã {i}" for i in range(documents)})
        cpu, started = cpu_now(), time.perf_counter()
        result = run_batch(src, Path(folder) / "out", extract_fn=standin_extract, workers=workers, timeout=60,
                           engine=engine)
        wall = time.perf_counter() - started
        reap_orphans()
        cpu = cpu_now() - cpu
    work = sorted(entry["seconds"] for entry in result.entries)[len(result.entries) // 2]
    return wall, cpu, work


def engine_overhead(engine: str, few: int, many: int, workers: int = 2) -> dict:
    """The engine's own cost per document: two batches of tiny stand-in documents, `few` and
    `many`; the difference of their wall and CPU time over the difference of their sizes
    removes the fixed start-up (cluster, workers, warm-up) and closing costs."""
    before = load_average()
    wall_few, cpu_few, _ = stand_in_batch(engine, few, workers)
    wall_many, cpu_many, work = stand_in_batch(engine, many, workers)
    extra = many - few
    return {"engine": engine, "workers": workers, "documents": [few, many],
            "wall": [round(wall_few, 2), round(wall_many, 2)], "cpu": [round(cpu_few, 2), round(cpu_many, 2)],
            "start_and_close_wall": round(wall_few - few * (wall_many - wall_few) / extra, 2),
            "wall_per_document": round((wall_many - wall_few) / extra, 5),
            "cpu_per_document": round(max(0.0, (cpu_many - cpu_few) / extra - work), 5),
            "work_median": work, "load_before": before, "load_after": load_average()}


def estimate(costs: dict[str, dict], overhead: float) -> dict:
    """Cores for PLANS plans in an hour with the MIX, from the measured costs per page."""
    per_plan = sum(share * PAGES_PER_PLAN * costs[name]["seconds_per_page"] for name, share in MIX.items())
    per_plan += overhead      # the engine's CPU per document (client, scheduler, worker)
    core_seconds = PLANS * per_plan
    cores = core_seconds / HOUR
    return {"seconds_per_plan": round(per_plan, 3), "core_hours": round(core_seconds / HOUR, 1),
            "cores": math.ceil(cores), "cores_at_70_percent": math.ceil(cores / 0.7)}


def report(data: dict) -> str:
    lines = [f"Measured {data['date']} on {os.cpu_count()} cores (shared with other work; load average given)."]
    lines += ["", "| engine | workers | documents | ok | wall s | CPU s (all processes) | sum of document s | "
                  "load before/after |", "|---|---:|---:|---:|---:|---:|---:|---|"]
    for run in data["runs"]:
        lines.append(f"| {run['engine']} | {run['workers']} | {run['documents']} | {run['ok']} | {run['wall']} | "
                     f"{run['cpu']} | {run['document_seconds']} | {run['load_before']} / {run['load_after']} |")
    lines += ["", "| kind | documents | pages | CPU s | CPU s/page |", "|---|---:|---:|---:|---:|"]
    for name, cost in data["costs"].items():
        lines.append(f"| {name} | {cost['documents']} | {cost['pages']} | {cost['cpu_seconds']} | "
                     f"{cost['seconds_per_page']} |")
    lines += ["", "| engine (2 workers, stand-in documents) | documents | wall s | CPU s | start+close s | "
                  "wall s/document | engine CPU s/document | load before/after |", "|---|---|---|---|---:|---:|---:|---|"]
    for run in data["overhead"]:
        lines.append(f"| {run['engine']} | {run['documents'][0]} / {run['documents'][1]} | "
                     f"{run['wall'][0]} / {run['wall'][1]} | {run['cpu'][0]} / {run['cpu'][1]} | "
                     f"{run['start_and_close_wall']} | {run['wall_per_document']} | {run['cpu_per_document']} | "
                     f"{run['load_before']} / {run['load_after']} |")
    plan = data["estimate"]
    lines += ["", f"Estimate for {PLANS:,} plans in one hour ({', '.join(f'{int(s * 100)}% {n}' for n, s in MIX.items())}, "
                  f"{PAGES_PER_PLAN} pages each): {plan['seconds_per_plan']} CPU s per plan including the Dask cost, "
                  f"{plan['core_hours']} core-hours, so {plan['cores']} busy cores; "
                  f"{plan['cores_at_70_percent']} at 70% utilisation."]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="1 worker only, 100 stand-in documents")
    parser.add_argument("--rounds", type=int, default=1,
                        help="rounds over every engine and worker count, each in the other order (default 1)")
    args = parser.parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    adopt_orphans()
    configurations = [(engine, workers) for workers in ([1] if args.quick else [1, 2])
                      for engine in ("processes", "dask")]
    runs = []
    for round_number in range(args.rounds):
        # Alternate the order so that neither engine always meets the same moment of the load.
        for engine, workers in configurations if round_number % 2 == 0 else configurations[::-1]:
            log(f"corpus, {engine}, {workers} worker(s) …")
            runs.append(run_command(engine, workers, OUT / f"dask-scaling-{engine}-w{workers}"))
            log(f"  {runs[-1]['wall']} s, CPU {runs[-1]['cpu']} s "
                f"(load {runs[-1]['load_before']} -> {runs[-1]['load_after']})")
    log("costs per page, in this process …")
    costs = page_costs()
    overhead = []
    for engine in ("processes", "dask"):
        log(f"stand-ins, {engine} …")
        overhead.append(engine_overhead(engine, 50, 150 if args.quick else 450))
    dask_overhead = next(run for run in overhead if run["engine"] == "dask")["cpu_per_document"]
    data = {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
            "runs": [{key: value for key, value in run.items() if key != "manifest"} for run in runs],
            "costs": costs, "overhead": overhead, "estimate": estimate(costs, dask_overhead)}
    (OUT / "dask_scaling.json").write_text(json.dumps(data, indent=2), encoding="utf-8")
    text = report(data)
    (OUT / "dask_scaling.md").write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
