#!/usr/bin/env python3
"""`make bench`: time `kehoach batch` per format and per worker count; write BENCHMARKS.md.

For each format (text exports, DOCX, PDF) of the synthetic batch (bench/make_batch.py) and
each worker count, runs the real command end to end, NLP on:

    kehoach batch bench/work/batch-…/<format> -o bench/out/<format>-w<N> --workers N --no-tables --stats …

and reports documents/s and pages/s from the wall-clock time of the whole command (start-up
and model loading included), the peak RSS of every worker (ru_maxrss, reported by the workers
themselves), and whether a worker's memory grows with the batch (its RSS after 10% of the
documents against after all of them). The PDF baseline is pdfplumber's own character parse of
the same files (`page.chars` of every page), in one process, timed right before and right
after the one-worker PDF run (their mean), so that both see the same load on the machine. The
tables step is timed separately, once, on the largest output.

    python bench/run.py              # ~2,000 documents, about 10-15 minutes on 2 cores
    python bench/run.py --quick      # 200 documents, a smoke run (writes bench/out/BENCHMARKS.quick.md)
    python bench/run.py --formats docx   # re-measure one format, keep the other figures
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from collections import Counter
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import make_batch  # noqa: E402

ROOT = make_batch.ROOT
OUT = ROOT / "bench" / "out"
REPORT = ROOT / "BENCHMARKS.md"
FORMAT_NAMES = {"txt": "text export", "docx": "DOCX", "pdf": "PDF"}
TARGET_DOCS_PER_S = {"txt": 100.0, "docx": 40.0}
PDF_MAX_RATIO = 1.3
MEMORY_MAX_GROWTH = 0.10       # RSS after 100% of the batch vs after 10%


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def batch_command() -> list[str]:
    """`kehoach batch` when the CLI has it, else the same function through `python -m`."""
    script = Path(sys.executable).with_name("kehoach")
    if script.exists():
        probe = subprocess.run([str(script), "batch", "--help"], capture_output=True, text=True)
        if probe.returncode == 0:
            return [str(script), "batch"]
    return [sys.executable, "-m", "extract.batch"]


def run_batch(command: list[str], folder: Path, workers: int, nlp: bool) -> dict:
    out = OUT / f"{folder.name}-w{workers}"
    stats_path = OUT / f"{folder.name}-w{workers}.stats.json"
    shutil.rmtree(out, ignore_errors=True)
    argv = [*command, str(folder), "-o", str(out), "--workers", str(workers), "--quiet", "--no-tables",
            "--timeout", "600", "--stats", str(stats_path)] + ([] if nlp else ["--no-nlp"])
    started = time.perf_counter()
    completed = subprocess.run(argv, capture_output=True, text=True)
    wall = time.perf_counter() - started
    if completed.returncode != 0 or not stats_path.exists():
        raise SystemExit(f"kehoach batch failed ({completed.returncode}):\n{completed.stdout}\n{completed.stderr}")
    stats = json.loads(stats_path.read_text(encoding="utf-8"))
    manifest = [json.loads(line) for line in (out / "manifest.jsonl").read_text(encoding="utf-8").splitlines()]
    stats.update(wall=wall, out=out, documents=len(manifest),
                 failures=Counter(entry["reason"] for entry in manifest if entry["status"] == "failed"))
    return stats


def memory_growth(stats: dict) -> tuple[float, float] | None:
    """(RSS MB after 10% of the documents, after 100%) of the worker that did the most."""
    trace = stats["rss_trace"]
    if not trace:
        return None
    by_pid = Counter(pid for _, pid, _ in trace)
    pid = by_pid.most_common(1)[0][0]
    samples = [(done, rss) for done, p, rss in trace if p == pid]
    total = trace[-1][0]
    early = next((rss for done, rss in samples if done >= 0.1 * total), samples[0][1])
    return early / 1024, samples[-1][1] / 1024


def pdfplumber_baseline(files: list[Path]) -> tuple[float, int]:
    """Seconds and pages of pdfplumber's character parse of every page, in this process."""
    import pdfplumber

    pages = 0
    started = time.perf_counter()
    for path in files:
        with pdfplumber.open(path) as pdf:
            for page in pdf.pages:
                len(page.chars)
                pages += 1
    return time.perf_counter() - started, pages


def timed_baseline(batch: Path) -> tuple[float, int]:
    log("pdfplumber baseline …")
    seconds, pages = pdfplumber_baseline(sorted((batch / "pdf").rglob("*.pdf")))
    log(f"  {pages} pages in {seconds:.1f} s")
    return seconds, pages


def time_tables(out: Path) -> tuple[float, dict]:
    from extract.dataset import build_tables

    started = time.perf_counter()
    counts = build_tables(out)
    return time.perf_counter() - started, counts


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def fmt_rate(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"


def write_report(path: Path, runs: list[dict], baseline: tuple[float, int] | None, tables: tuple[float, dict] | None,
                 counts: dict, batch: Path, nlp: bool, command: list[str]) -> None:
    from extract import EXTRACTOR

    lines = [
        "# Benchmarks",
        "",
        f"Measured {date.today().isoformat()} by `make bench` (bench/run.py) with {EXTRACTOR}, NLP "
        f"{'on' if nlp else 'off'}, on {os.cpu_count()} cores ({cpu_model()}), Python {platform.python_version()}.",
        f"Batch: {sum(counts.values())} synthetic documents from bench/make_batch.py "
        f"({', '.join(f'{n} {FORMAT_NAMES[f]}' for f, n in counts.items() if n)}), varied from "
        f"{len(make_batch.batch_plans(batch)) or 'the'} corpus plans (`{batch.relative_to(ROOT)}`).",
        f"Command: `{' '.join(Path(command[0]).name if k == 0 else part for k, part in enumerate(command))} "
        "FOLDER -o OUT --workers N --no-tables`; times are wall-clock for the whole command, start-up "
        "and model loading included. Other work on the machine at the same time adds noise.",
        "",
        "## Throughput",
        "",
        "| format | workers | documents | failed | pages | seconds | documents/s | pages/s | peak RSS per worker (MB) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for run in runs:
        pages = run["pages"] or None
        peaks = ", ".join(f"{kb / 1024:.0f}" for kb in sorted(run["peak_rss_kb"].values()))
        lines.append(
            f"| {FORMAT_NAMES[run['format']]} | {run['workers']} | {run['documents']} | {sum(run['failures'].values())} "
            f"| {pages or '–'} | {run['wall']:.1f} | {run['documents'] / run['wall']:.1f} "
            f"| {fmt_rate(pages / run['wall'] if pages else None)} | {peaks} |")
    failures = Counter()
    for run in runs:
        failures.update(run["failures"])
    if failures:
        lines += ["", "Failures: " + ", ".join(f"{reason} {n}" for reason, n in failures.most_common()) +
                  " (see bench/out/*/manifest.jsonl)."]

    lines += ["", "## Memory", "",
              "RSS of one worker after 10% of the documents and after all of them (one worker per run).", "",
              "| format | documents | RSS at 10% (MB) | RSS at 100% (MB) | growth |", "|---|---:|---:|---:|---:|"]
    growths = {}
    for run in runs:
        if run["workers"] != 1:
            continue
        growth = memory_growth(run)
        if growth:
            early, late = growth
            growths[run["format"]] = (late - early) / early
            lines.append(f"| {FORMAT_NAMES[run['format']]} | {run['documents']} | {early:.0f} | {late:.0f} "
                         f"| {100 * growths[run['format']]:+.1f}% |")

    one_worker = {run["format"]: run for run in runs if run["workers"] == 1}
    lines += ["", "## Targets (one worker, end to end, NLP on)", "", "| target | measured | met |", "|---|---|---|"]
    for fmt, target in TARGET_DOCS_PER_S.items():
        if fmt in one_worker:
            rate = one_worker[fmt]["documents"] / one_worker[fmt]["wall"]
            lines.append(f"| {FORMAT_NAMES[fmt]}: ≥ {target:.0f} documents/s | {rate:.1f} documents/s "
                         f"| {'yes' if rate >= target else 'NO'} |")
    if baseline and "pdf" in one_worker:
        seconds, pages = baseline
        ratio = one_worker["pdf"]["wall"] / seconds
        lines.append(f"| PDF: ≤ {PDF_MAX_RATIO}× pdfplumber's character parse of the same pages "
                     f"({pages} pages in {seconds:.1f} s, {pages / seconds:.1f} pages/s) | {ratio:.3f}× "
                     f"| {'yes' if ratio <= PDF_MAX_RATIO else 'NO'} |")
    if growths:
        worst = max(growths.values())
        lines.append(f"| memory flat: RSS growth from 10% to 100% of the batch ≤ {100 * MEMORY_MAX_GROWTH:.0f}% "
                     f"| {100 * worst:+.1f}% (worst format) | {'yes' if worst <= MEMORY_MAX_GROWTH else 'NO'} |")
    if tables:
        seconds, rows = tables
        lines += ["", "## Tables", "",
                  f"`build_tables` (CSV, Parquet, XLSX, DuckDB) over the {rows['documents']} documents of the "
                  f"largest run: {seconds:.1f} s ({sum(rows.values())} rows in 8 tables). `kehoach batch` runs it "
                  "after the extraction unless `--no-tables`."]
    lines += ["", "Reproduce: `make bench` (or `.venv/bin/python bench/run.py`; `--quick` for a 200-document "
              "smoke run). The generated batch is cached under bench/work/.", ""]
    path.write_text("\n".join(lines), encoding="utf-8")


def results_path(quick: bool) -> Path:
    """The figures of the last run, for --report-only and for re-measuring some formats."""
    return OUT / ("results.quick.json" if quick else "results.json")


def load_results(path: Path) -> dict | None:
    if not path.exists():
        return None
    saved = json.loads(path.read_text(encoding="utf-8"))
    for run in saved["runs"]:
        run.update(out=Path(run["out"]), failures=Counter(run["failures"]))
    return saved


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="200 documents; report to bench/out/BENCHMARKS.quick.md")
    parser.add_argument("--workers", default="1,2", help="worker counts to run (default 1,2)")
    parser.add_argument("--formats", default="txt,docx,pdf")
    parser.add_argument("--no-nlp", action="store_true", help="rules only (not the target configuration)")
    parser.add_argument("--output", type=Path, help="report path (default BENCHMARKS.md)")
    parser.add_argument("--report-only", action="store_true",
                        help="rewrite the report from the figures of the last run (bench/out/results*.json)")
    args = parser.parse_args(argv)
    formats = [f for f in args.formats.split(",") if f]
    counts = {f: n for f, n in (make_batch.QUICK_COUNTS if args.quick else make_batch.FULL_COUNTS).items()}
    report = args.output or (OUT / "BENCHMARKS.quick.md" if args.quick else REPORT)
    results = results_path(args.quick)
    saved = load_results(results)
    if args.report_only:
        if saved is None:
            raise SystemExit(f"no saved figures in {results}: run the benchmark first")
        write_report(report, saved["runs"], saved["baseline"], saved["tables"], saved["counts"],
                     ROOT / saved["batch"], saved["nlp"], saved["command"])
        print(report.read_text(encoding="utf-8"))
        return 0
    batch = make_batch.build(counts, log=log)
    OUT.mkdir(parents=True, exist_ok=True)
    command = batch_command()
    nlp = not args.no_nlp
    runs = []
    baselines = []   # pdfplumber, right before and right after the one-worker PDF run (load drifts)
    for fmt in formats:
        for workers in (int(w) for w in args.workers.split(",")):
            paired = fmt == "pdf" and (workers == 1 or not baselines)
            if paired:
                baselines.append(timed_baseline(batch))
            log(f"{fmt}, {workers} worker(s): {counts[fmt]} documents …")
            run = run_batch(command, batch / fmt, workers, nlp)
            run.update(format=fmt, workers=workers)
            log(f"  {run['wall']:.1f} s, {run['documents'] / run['wall']:.1f} documents/s, "
                f"failed {sum(run['failures'].values())}")
            runs.append(run)
            if paired:
                baselines.append(timed_baseline(batch))
    baseline = None
    if saved and saved["batch"] == str(batch.relative_to(ROOT)) and saved["nlp"] == nlp:
        # Re-measuring some formats: keep the other figures of the last run on the same batch.
        done = {(run["format"], run["workers"]) for run in runs}
        runs = [run for run in saved["runs"] if (run["format"], run["workers"]) not in done] + runs
        runs.sort(key=lambda run: (make_batch.FORMATS.index(run["format"]), run["workers"]))
        baseline = saved["baseline"]
    if baselines:
        baseline = (sum(seconds for seconds, _ in baselines) / len(baselines), baselines[0][1])
    largest = max(runs, key=lambda run: run["documents"], default=None)
    tables = time_tables(largest["out"]) if largest else None
    results.write_text(json.dumps({
        "runs": runs, "baseline": baseline, "tables": tables, "counts": counts, "nlp": nlp, "command": command,
        "batch": str(batch.relative_to(ROOT)),
    }, default=str, indent=1), encoding="utf-8")
    write_report(report, runs, baseline, tables, counts, batch, nlp, command)
    log(f"report: {report}")
    print(report.read_text(encoding="utf-8"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
