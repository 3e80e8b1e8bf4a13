"""What a batch tells its operator (the summary on stderr/stdout) and the benchmark (--stats)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from extract.batch.inputs import display_name
from extract.batch.run import BatchResult
from extract.manifest import DOCS_DIR, MANIFEST_NAME, TABLES_DIR, SkipReason, Status


def format_summary(result: BatchResult, slowest: int = 5) -> str:
    """The operator's summary: counts, extracted items, reasons for failures and skips, the
    `slowest` files, and where the manifest and JSON are (one line each)."""
    counts = result.counts()
    total = len(result.entries)
    rate = total / result.seconds if result.seconds > 0 else 0.0
    lines = [
        f"{total} files: {counts['ok']} ok, {counts['failed']} failed, {counts['skipped']} skipped "
        f"in {result.seconds:.1f} s ({rate:.1f} files/s, {result.workers} worker{'s' if result.workers != 1 else ''})"
        + (" — interrupted" if result.interrupted else "")
    ]
    extracted = Counter()
    for entry in result.entries:
        extracted.update(entry.get("counts") or {})
    if extracted:
        lines.append("Extracted: " + ", ".join(f"{extracted[name]} {name}" for name in (
            "indicators", "targets", "tasks", "assignments", "references", "problems") if name in extracted))
    for status in (Status.failed, Status.skipped):
        reasons = Counter(entry["reason"] for entry in result.entries if entry["status"] == status)
        if reasons:
            lines.append(f"{status.capitalize()} by reason:")
            width = max(len(reason) for reason in reasons)
            lines += [f"  {reason:<{width}}  {count}" for reason, count in sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0]))]
    timed = sorted((entry for entry in result.entries if entry["seconds"] is not None),
                   key=lambda entry: (-entry["seconds"], entry["file"]))[:slowest]
    if timed:
        lines.append("Slowest files:")
        lines += [f"  {entry['seconds']:8.2f} s  {entry['file']}" for entry in timed]
    if result.removed:
        lines.append(f"Removed {len(result.removed)} JSON file(s) from {DOCS_DIR}/ that this run's manifest "
                     f"does not list (from an earlier batch into the same folder).")
    tables = result.tables
    if tables is not None and tables.failed:
        lines.append(f"Tables not written: {', '.join(sorted(tables.failed))} "
                     f"(the others were; see {TABLES_DIR}/{tables.REPORT_NAME}).")
    lines.append(f"Manifest: {display_name(str(result.out / MANIFEST_NAME))}")
    lines.append(f"Documents (JSON): {display_name(str(result.out / DOCS_DIR))}/")
    if result.interrupted:
        not_done = sum(1 for entry in result.entries if entry["reason"] == SkipReason.interrupted)
        lines.append(f"Interrupted: {not_done} file(s) not processed; the manifest lists the documents "
                     f"written. To continue, run the same command again with --resume.")
    return "\n".join(lines)


def write_stats(path: Path, result: BatchResult) -> None:
    """Run figures for the benchmark: timing and worker memory (never part of OUT)."""
    data = {
        "seconds": result.seconds,
        "workers": result.workers,
        "counts": dict(result.counts()),
        "document_seconds": sum(entry["seconds"] or 0 for entry in result.entries),
        "pages": sum(entry["pages"] or 0 for entry in result.entries if entry["status"] == Status.ok),
        "peak_rss_kb": {str(pid): kb for pid, kb in result.stats.peak_rss_kb.items()},
        "rss_trace": result.stats.rss_trace,
        "workers_replaced": result.stats.replaced,
    }
    Path(path).write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
