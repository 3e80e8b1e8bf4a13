"""The batch output folder's format: its layout and the manifest's lines.

    OUT/manifest.jsonl        one line per input file, in input order (sorted paths)
    OUT/docs/<path>.json      one contract JSON per extracted document
    OUT/tables/...            analyst tables (extract.dataset)

Shared by the writer (extract.batch) and its readers (extract.dataset, extract.coverage,
extract.serve), so that none of them imports another to learn the format.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from enum import StrEnum
from typing import Any, Iterable

from extract.load.errors import LoadFailure
from extract.models import Document

MANIFEST_NAME = "manifest.jsonl"
DOCS_DIR = "docs"
TABLES_DIR = "tables"
COUNT_KEYS = ("sections", "indicators", "targets", "tasks", "assignments", "references", "problems")


class Status(StrEnum):
    """A manifest line's `status`."""

    ok = "ok"              # extracted; its JSON is `output`
    failed = "failed"      # no JSON: `reason` says why (a LoadFailure or a RunFailure)
    skipped = "skipped"    # not extracted on purpose: `reason` is a SkipReason


class SkipReason(StrEnum):
    """Why an input was listed without being extracted (status `skipped`)."""

    hidden = "hidden"                                  # its name, or a folder's, starts with a dot
    outside_input = "outside_input"                    # a symbolic link to a file outside DIR
    output_folder = "output_folder"                    # this run's or another batch's output folder
    unsupported_extension = "unsupported_extension"    # not a document, by its extension
    office_lock_file = "office_lock_file"              # '~$plan.docx' and the like
    symlink_to_folder = "symlink_to_folder"            # never followed
    not_a_regular_file = "not_a_regular_file"          # FIFO, socket, device
    unchanged = "unchanged"                            # --resume: its verified JSON is kept
    interrupted = "interrupted"                        # Ctrl-C before it was reached


class RunFailure(StrEnum):
    """Why a document failed in the run itself rather than in reading it (status `failed`;
    reading failures are extract.load.LoadFailure values)."""

    timeout = "timeout"                      # past --timeout (the worker may have been stopped)
    out_of_memory = "out_of_memory"          # past the worker's memory budget
    worker_crashed = "worker_crashed"        # the worker process died on it
    internal_error = "internal_error"        # a bug in the extractor
    output_outside = "output_outside"        # its JSON would land outside OUT through a link


Reason = LoadFailure | SkipReason | RunFailure


def document_counts(document: Document) -> dict[str, int]:
    """Items per kind in a document (COUNT_KEYS): the manifest line's `counts`."""
    return {
        "sections": len(document.sections),
        "indicators": len(document.indicators),
        "targets": sum(len(indicator.targets) for indicator in document.indicators),
        "tasks": len(document.tasks),
        "assignments": len(document.assignments),
        "references": len(document.document.references),
        "problems": len(document.problems),
    }


def manifest_entry(file: str, status: Status, *, reason: Reason | None = None, message: str | None = None,
                   output: str | None = None, sha256: str | None = None, format: str | None = None,
                   pages: int | None = None, counts: dict | None = None,
                   seconds: float | None = None, output_sha256: str | None = None) -> dict[str, Any]:
    """One manifest line, keys always in this order.

    `sha256` is the input file's; `output_sha256` the sha256 of the JSON written for it
    (`--resume` keeps that JSON only if it still hashes to this value and parses).
    """
    return {
        "file": file,
        "status": status,
        "reason": reason,
        "message": message,
        "output": output,
        "output_sha256": output_sha256,
        "sha256": sha256,
        "format": format,
        "pages": pages,
        "counts": None if counts is None else {key: counts.get(key, 0) for key in COUNT_KEYS},
        "seconds": None if seconds is None else round(seconds, 3),
    }


def write_atomically(path: Path, text: str) -> None:
    """Write `text` (UTF-8, '\\n' line ends) to `path` through a temporary file and a rename,
    so a reader never sees half a file; creates the parent folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(temporary, "w", encoding="utf-8", newline="\n") as handle:
        handle.write(text)
    os.replace(temporary, path)


def remove_file(path: Path) -> None:
    """Remove a file if it is there."""
    try:
        path.unlink()
    except FileNotFoundError:
        pass


def read_manifest(out: Path) -> list[dict]:
    """The manifest's lines that are JSON objects with a text `file`; anything else (a
    hand-edited or damaged line: garbage, invalid UTF-8, deep nesting) is ignored, which
    costs at most a re-extraction."""
    path = Path(out) / MANIFEST_NAME
    if not path.is_file():
        return []
    entries = []
    try:
        with path.open("rb") as handle:
            for raw in handle:
                try:
                    entry = json.loads(raw.decode("utf-8"))
                except (ValueError, RecursionError):
                    continue
                if isinstance(entry, dict) and isinstance(entry.get("file"), str):
                    entries.append(entry)
    except OSError:
        return entries
    return entries


def write_manifest(out: Path, entries: Iterable[dict]) -> Path:
    """Write every line (in input order) to OUT/manifest.jsonl at once; return its path."""
    path = Path(out) / MANIFEST_NAME
    write_atomically(path, "".join(json.dumps(entry, ensure_ascii=False) + "\n" for entry in entries))
    return path
