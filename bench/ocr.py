#!/usr/bin/env python3
"""`make bench-ocr`: OCR throughput of scanned PDFs with 1 and 2 workers, and the peak memory
of one long scan.

    python bench/ocr.py              # the committed scans (corpus/scans), and a 100-page scan
    python bench/ocr.py --pages 40   # a shorter long scan

1. Throughput: `kehoach batch SCANS -o OUT --workers N --quiet --no-tables` over the scans in
   corpus/scans (the committed ones; `make corpus` makes every plan's), NLP on; wall-clock of the
   whole command (start-up and model loading included) and pages/s from the manifest's page
   counts; with the CPU seconds (user + system) of the command and its workers per page, which
   a busy machine changes less than the wall clock.
2. Memory: a scan of `--pages` pages (the committed scans' pages repeated, built with pypdfium2)
   through `kehoach extract`, its peak RSS polled every 50 ms (psutil), with the seconds taken
   and its CPU seconds per page.

    python bench/ocr.py --repeat 3   # each throughput run 3 times (the least CPU is reported)

Writes bench/out/ocr.json and bench/out/ocr.md (the figures quoted in the README). The load
average is recorded before each run: the machine may be shared.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
SCANS = ROOT / "corpus" / "scans"
KEHOACH = Path(sys.executable).with_name("kehoach")


def _children_cpu() -> float:
    """CPU seconds (user + system) of the waited-for child processes so far, theirs included."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def peak_rss_mb(command: list[str]) -> tuple[float, float, int, float]:
    """(peak RSS in MB of the command and its children, wall seconds, exit code, CPU seconds)."""
    import psutil

    cpu = _children_cpu()
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    watched = psutil.Process(process.pid)
    peak = 0
    while process.poll() is None:
        try:
            family = [watched, *watched.children(recursive=True)]
            peak = max(peak, sum(member.memory_info().rss for member in family))
        except psutil.Error:
            pass
        time.sleep(0.05)
    return peak / 2**20, time.perf_counter() - started, process.returncode, _children_cpu() - cpu


def throughput(workers: int, scans: Path) -> dict:
    """One batch over `scans` with `workers` processes: seconds, pages, pages/s, CPU seconds
    per page (the batch process and its workers)."""
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "out"
        load = os.getloadavg()[0]
        cpu = _children_cpu()
        started = time.perf_counter()
        subprocess.run([str(KEHOACH), "batch", str(scans), "-o", str(out), "--workers", str(workers),
                        "--quiet", "--no-tables"], check=True, stdout=subprocess.DEVNULL)
        seconds = time.perf_counter() - started
        cpu = _children_cpu() - cpu
        lines = [json.loads(line) for line in (out / "manifest.jsonl").read_text(encoding="utf-8").splitlines()]
    pages = sum(line.get("pages") or 0 for line in lines)
    failed = sum(1 for line in lines if line.get("status") != "ok")
    return {"workers": workers, "documents": len(lines), "failed": failed, "pages": pages,
            "seconds": round(seconds, 1), "pages_per_s": round(pages / seconds, 2),
            "cpu_s_per_page": round(cpu / pages, 2) if pages else None, "load_before": round(load, 2)}


def long_scan(pages: int, path: Path, scans: Path = SCANS) -> None:
    """A scan of `pages` pages: the pages of the scans in `scans`, repeated in turn."""
    import pypdfium2

    sources = [pypdfium2.PdfDocument(str(scan)) for scan in sorted(scans.glob("*.pdf"))]
    target = pypdfium2.PdfDocument.new()
    index = 0
    while len(target) < pages:
        source = sources[index % len(sources)]
        take = min(len(source), pages - len(target))
        target.import_pages(source, list(range(take)))
        index += 1
    target.save(str(path))
    for document in [*sources, target]:
        document.close()


def report(data: dict) -> str:
    """The Markdown tables of bench/out/ocr.md."""
    lines = ["# OCR benchmark", "", f"Measured {data['date']} by `make bench-ocr` (bench/ocr.py), NLP on, "
             f"{os.cpu_count()} cores; OMP_THREAD_LIMIT=1 per worker.", "",
             "| workers | scans | failed | pages | seconds | pages/s | CPU s/page | load before |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for run in data["throughput"]:
        lines.append(f"| {run['workers']} | {run['documents']} | {run['failed']} | {run['pages']} | {run['seconds']} "
                     f"| {run['pages_per_s']} | {run['cpu_s_per_page']} | {run['load_before']} |")
    memory = data["memory"]
    lines += ["", f"A {memory['pages']}-page scan through `kehoach extract`: peak RSS {memory['peak_rss_mb']:.0f} MB, "
              f"{memory['seconds']:.0f} s ({memory['pages'] / memory['seconds']:.2f} pages/s), "
              f"{memory['cpu_s_per_page']:.2f} CPU s/page, exit {memory['exit']}."]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=100, help="pages of the long scan (default 100)")
    parser.add_argument("--scans", type=Path, default=SCANS, help="folder of scans for the throughput runs")
    parser.add_argument("--repeat", type=int, default=1, help="runs per worker count; the one of least CPU is kept")
    parser.add_argument("--no-memory", action="store_true", help="skip the long scan")
    args = parser.parse_args(argv)
    if not any(args.scans.glob("*.pdf")):
        print(f"no scans in {args.scans}", file=sys.stderr)
        return 2
    runs = [min((throughput(n, args.scans) for _ in range(max(args.repeat, 1))), key=lambda run: run["cpu_s_per_page"])
            for n in (1, 2)]
    data = {"date": time.strftime("%Y-%m-%d"), "throughput": runs}
    if args.no_memory:
        print(json.dumps(data, indent=2))
        return 0
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"long-{args.pages}.pdf"
        long_scan(args.pages, path, args.scans)
        peak, seconds, code, cpu = peak_rss_mb([str(KEHOACH), "extract", str(path), "-o", str(Path(folder) / "out")])
    data["memory"] = {"pages": args.pages, "peak_rss_mb": round(peak, 1), "seconds": round(seconds, 1), "exit": code,
                      "cpu_s_per_page": round(cpu / args.pages, 2)}
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "ocr.json").write_text(json.dumps(data, indent=2), encoding="utf-8")
    (OUT / "ocr.md").write_text(report(data), encoding="utf-8")
    print(report(data))
    return 0


if __name__ == "__main__":
    sys.exit(main())
