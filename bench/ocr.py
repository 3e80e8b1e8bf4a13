#!/usr/bin/env python3
"""`make bench-ocr`: OCR throughput of scanned PDFs with 1 and 2 workers, and the peak memory
of one long scan.

    python bench/ocr.py              # the committed scans (corpus/scans), and a 100-page scan
    python bench/ocr.py --pages 40   # a shorter long scan

1. Throughput: `kehoach batch SCANS -o OUT --workers N --quiet --no-tables` over the scans in
   corpus/scans (the committed ones; `make corpus` makes every plan's), NLP on; wall-clock of the
   whole command (start-up and model loading included) and pages/s from the manifest's page
   counts.
2. Memory: a scan of `--pages` pages (the committed scans' pages repeated, built with pypdfium2)
   through `kehoach extract`, its peak RSS polled every 50 ms (psutil), with the seconds taken.

Writes bench/out/ocr.json and bench/out/ocr.md (the figures quoted in the README). The load
average is recorded before each run: the machine may be shared.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
SCANS = ROOT / "corpus" / "scans"
KEHOACH = Path(sys.executable).with_name("kehoach")


def peak_rss_mb(command: list[str]) -> tuple[float, float, int]:
    """(peak RSS in MB of the command and its children, wall seconds, exit code)."""
    import psutil

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
    return peak / 2**20, time.perf_counter() - started, process.returncode


def throughput(workers: int, scans: Path) -> dict:
    """One batch over `scans` with `workers` processes: seconds, pages, pages/s."""
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "out"
        load = os.getloadavg()[0]
        started = time.perf_counter()
        subprocess.run([str(KEHOACH), "batch", str(scans), "-o", str(out), "--workers", str(workers),
                        "--quiet", "--no-tables"], check=True, stdout=subprocess.DEVNULL)
        seconds = time.perf_counter() - started
        lines = [json.loads(line) for line in (out / "manifest.jsonl").read_text(encoding="utf-8").splitlines()]
    pages = sum(line.get("pages") or 0 for line in lines)
    failed = sum(1 for line in lines if line.get("status") != "ok")
    return {"workers": workers, "documents": len(lines), "failed": failed, "pages": pages,
            "seconds": round(seconds, 1), "pages_per_s": round(pages / seconds, 2), "load_before": round(load, 2)}


def long_scan(pages: int, path: Path) -> None:
    """A scan of `pages` pages: the committed scans' pages, repeated in turn."""
    import pypdfium2

    sources = [pypdfium2.PdfDocument(str(scan)) for scan in sorted(SCANS.glob("*.pdf"))]
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
             "| workers | scans | failed | pages | seconds | pages/s | load before |", "|---:|---:|---:|---:|---:|---:|---:|"]
    for run in data["throughput"]:
        lines.append(f"| {run['workers']} | {run['documents']} | {run['failed']} | {run['pages']} | {run['seconds']} "
                     f"| {run['pages_per_s']} | {run['load_before']} |")
    memory = data["memory"]
    lines += ["", f"A {memory['pages']}-page scan through `kehoach extract`: peak RSS {memory['peak_rss_mb']:.0f} MB, "
              f"{memory['seconds']:.0f} s ({memory['pages'] / memory['seconds']:.2f} pages/s), exit {memory['exit']}."]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=100, help="pages of the long scan (default 100)")
    parser.add_argument("--scans", type=Path, default=SCANS, help="folder of scans for the throughput runs")
    args = parser.parse_args(argv)
    if not any(args.scans.glob("*.pdf")):
        print(f"no scans in {args.scans}", file=sys.stderr)
        return 2
    data = {"date": time.strftime("%Y-%m-%d"), "throughput": [throughput(n, args.scans) for n in (1, 2)]}
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"long-{args.pages}.pdf"
        long_scan(args.pages, path)
        peak, seconds, code = peak_rss_mb([str(KEHOACH), "extract", str(path), "-o", str(Path(folder) / "out")])
    data["memory"] = {"pages": args.pages, "peak_rss_mb": round(peak, 1), "seconds": round(seconds, 1), "exit": code}
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "ocr.json").write_text(json.dumps(data, indent=2), encoding="utf-8")
    (OUT / "ocr.md").write_text(report(data), encoding="utf-8")
    print(report(data))
    return 0


if __name__ == "__main__":
    sys.exit(main())
