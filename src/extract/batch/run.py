"""`run_batch`: every input under DIR settled into one manifest line, documents on all cores.

Inputs that need no extraction (skipped, failed before opening, too large, unchanged on
`--resume`) are settled here in the parent; the others go to the worker pool as `Task`s.
Determinism: the document JSON holds no clock, and the manifest's only run-dependent field
is `seconds`. A Ctrl-C still writes the whole manifest (the rest `interrupted`).
"""

from __future__ import annotations

import functools
import hashlib
import os
import signal
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional

from extract.batch.folders import (
    OutputPathError, check_batch_folders, remove_output, remove_unlisted_outputs, resolve_output,
)
from extract.batch.inputs import SKIP_MESSAGES, InputFile, walk_inputs
from extract.batch.pool import WorkerPool, WorkerStats
from extract.batch.worker import ExtractFn, Task, max_memory_mb
from extract.load import file_sha256, limits
from extract.load.errors import LoadFailure
from extract.manifest import SkipReason, Status, document_counts, manifest_entry, read_manifest, write_manifest
from extract.models import Document

# Bytes of input per chunk unit: a 1.5 MB scan (seconds of OCR per page) weighs like a chunk of
# small documents, so heavy files are spread over the workers instead of queuing on one.
WEIGHT_BYTES = 256 * 1024


@dataclass
class BatchResult:
    """A finished (or interrupted) batch: manifest lines in input order, wall-clock seconds,
    worker count and memory figures, stale JSON removed, and the tables' report once built."""
    out: Path
    entries: list[dict]
    seconds: float
    workers: int
    stats: WorkerStats
    interrupted: bool = False
    removed: list[str] = field(default_factory=list)     # stale JSON removed from OUT/docs
    tables: Any = None                                   # extract.dataset.TablesReport, when built

    def counts(self) -> Counter:
        """Manifest lines per status ('ok', 'failed', 'skipped')."""
        return Counter(entry["status"] for entry in self.entries)


def default_workers() -> int:
    """Worker processes by default: the cores this process may run on (at least 1)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return max(1, os.cpu_count() or 1)


def _default_extract() -> ExtractFn:
    from extract.pipeline import extract_path
    return extract_path


def _default_warm(extract_fn: ExtractFn, options: Any) -> Callable[[], Any] | None:
    """The pipeline's own warm-up (rules, NLP models), when running the real pipeline."""
    from extract import pipeline
    warm = getattr(pipeline, "warm", None)
    if extract_fn is getattr(pipeline, "extract_path", None) and callable(warm):
        return functools.partial(warm, options)   # picklable: the Dask engine spawns its processes
    return None


class EngineUnavailable(RuntimeError):
    """The engine asked for cannot run here (its optional dependencies are missing)."""


DASK_INSTALL = "pip install 'kehoach-extract[dask]'"


def dask_pool() -> type:
    """The Dask engine's pool class. Raises EngineUnavailable, saying how to install Dask."""
    try:
        from extract.batch.dask_engine import DaskPool
    except ImportError as error:
        if (error.name or "").split(".")[0] not in ("dask", "distributed"):
            raise
        raise EngineUnavailable(f"--engine dask needs Dask distributed, which is not installed: "
                                f"{DASK_INSTALL}") from None
    return DaskPool


def _previous_lines(out: Path) -> dict[str, dict]:
    return {entry["file"]: entry for entry in read_manifest(out)}


def _resumed_entry(item: InputFile, sha256: str, out: Path, previous: dict[str, dict]) -> dict | None:
    """A 'skipped, unchanged' line when OUT already holds a verified JSON of this input.

    Verified: the JSON parses as a contract Document made from this sha256, and, when the
    previous manifest recorded the JSON's own sha256 for it, still hashes to that (a JSON
    truncated or edited after writing is redone). Nothing else in the old manifest is trusted.
    """
    try:
        target = resolve_output(out, item.output)
        data = target.read_bytes()
    except (OSError, OutputPathError):
        return None
    digest = hashlib.sha256(data).hexdigest()
    before = previous.get(item.display)
    if before is not None and before.get("sha256") == sha256 and isinstance(before.get("output_sha256"), str):
        if before["output_sha256"] != digest:
            return None
    try:
        document = Document.model_validate_json(data)
    except (ValueError, RecursionError):
        return None
    if document.source.sha256 != sha256:
        return None
    return manifest_entry(item.display, Status.skipped, reason=SkipReason.unchanged, output=item.output, output_sha256=digest,
                          sha256=sha256, counts=document_counts(document), format=document.source.format,
                          pages=document.source.pages)


def settle_input(index: int, item: InputFile, out: Path, previous: dict[str, dict] | None,
                 max_bytes: int) -> dict | Task:
    """An input's manifest line when it needs no extraction, else the `Task` that extracts it.

    Settled here: failed before opening, skipped (item.skip), larger than `max_bytes` bytes
    (refused before hashing: the file may be huge), unreadable, and, when `previous` (the
    last manifest's lines by file: `--resume`) is given, unchanged with a verified JSON in OUT.
    """
    if item.fail is not None:
        return manifest_entry(item.display, Status.failed, reason=item.fail[0], message=item.fail[1])
    if item.skip is not None:
        return manifest_entry(item.display, Status.skipped, reason=item.skip, message=SKIP_MESSAGES.get(item.skip))
    try:
        size, limit = item.path.stat().st_size, max_bytes
        if size > limit:
            remove_output(out, item.output)
            return manifest_entry(
                item.display, Status.failed, reason=LoadFailure.too_large,
                message=f"the file is {size} bytes, above the limit of {limit} bytes; if it is genuine, "
                        f"raise the limit with --max-bytes or {limits.MAX_BYTES_ENV}")
        sha256 = file_sha256(item.path)
    except OSError as error:
        remove_output(out, item.output)
        return manifest_entry(item.display, Status.failed, reason=LoadFailure.unreadable,
                              message=f"cannot read the file: {error.strerror or error}")
    if previous is not None:
        entry = _resumed_entry(item, sha256, out, previous)
        if entry is not None:
            return entry
    return Task(index, str(item.path), item.display, item.output, sha256, weight=1 + size // WEIGHT_BYTES)


class ManifestLines:
    """The manifest being filled in input order, as lines are settled (in any order)."""

    def __init__(self, inputs: list[InputFile], progress: bool,
                 on_entry: Callable[[dict], None] | None = None):
        self.inputs = inputs
        self.entries: list[dict | None] = [None] * len(inputs)
        self.on_entry = on_entry
        self.bar = _progress_bar(len(inputs), progress)
        self.tally: Counter = Counter()

    def record(self, index: int, entry: dict) -> None:
        """Settle input `index` with its manifest line; update the progress bar."""
        self.entries[index] = entry
        self.tally[entry["status"]] += 1
        if self.on_entry is not None:
            self.on_entry(entry)
        if self.bar is not None:
            self.bar.set_postfix_str(", ".join(f"{status} {self.tally[status]}"
                                               for status in Status), refresh=False)
            self.bar.update(1)

    def tasks(self, out: Path, previous: dict[str, dict] | None, max_bytes: int) -> Callable[[], Optional[Task]]:
        """`next_task()` for a pool: the next input needing extraction (None: no more); the
        inputs settled on the way are recorded."""
        position = 0

        def next_task() -> Optional[Task]:
            nonlocal position
            while position < len(self.inputs):
                index = position
                position += 1
                settled = settle_input(index, self.inputs[index], out, previous, max_bytes)
                if isinstance(settled, Task):
                    return settled
                self.record(index, settled)
            return None

        return next_task

    def close(self) -> list[dict]:
        """Every line, inputs never reached (only after an interruption) as `interrupted`."""
        if self.bar is not None:
            self.bar.close()
            self.bar = None
        for index, entry in enumerate(self.entries):
            if entry is None:
                self.entries[index] = manifest_entry(
                    self.inputs[index].display, Status.skipped, reason=SkipReason.interrupted,
                    message="the batch was stopped before this file; "
                            "run the same command with --resume to continue")
        return self.entries


def run_batch(directory: Path, out: Path, *, extract_fn: ExtractFn | None = None, options: Any = None,
              workers: int | None = None, timeout: float = 120.0, resume: bool = False,
              progress: bool = False, warm: Callable[[], Any] | None = None,
              context: str | None = None, on_entry: Callable[[dict], None] | None = None,
              memory_mb: int | None = None, engine: str = "processes",
              scheduler: str | None = None) -> BatchResult:
    """Extract every document under `directory` into `out`; write the manifest.

    `on_entry(line)` is called (in this process) with each manifest line as it is settled,
    for progress reports (`kehoach serve`'s batches).

    `extract_fn(path, options) -> Document` defaults to the pipeline's `extract_path`; it and
    `warm` are passed to the workers as they are under the 'fork' start method (the default
    on Linux), and must be picklable under 'spawn'. `memory_mb` caps what each worker may
    allocate for one document (default: KEHOACH_MAX_MEMORY_MB or 2048; 0: no cap).
    `engine`: "processes" (worker processes on this machine) or "dask" (extract.batch.dask_engine:
    a LocalCluster of `workers` processes, or the cluster whose scheduler is at `scheduler`).
    Raises FolderError, before any work, when DIR or OUT cannot be used; EngineUnavailable
    when the Dask engine is asked for without Dask installed.
    """
    started = time.monotonic()
    dask_pool_class = dask_pool() if engine == "dask" else None
    directory, out = Path(directory), Path(out)
    check_batch_folders(directory, out)
    memory_mb = max_memory_mb() if memory_mb is None else memory_mb
    if extract_fn is None:
        from extract.options import Options
        extract_fn = _default_extract()
        options = Options() if options is None else options
        if warm is None:
            warm = _default_warm(extract_fn, options)
    inputs = walk_inputs(directory, exclude=[out])
    lines = ManifestLines(inputs, progress, on_entry)
    # the size limit of the run's Options (a stand-in extractor's options may have none)
    max_bytes = getattr(getattr(options, "limits", None), "max_bytes", None) or limits.max_bytes()
    next_task = lines.tasks(out, _previous_lines(out) if resume else None, max_bytes)
    size = max(1, min(workers or default_workers(), len(inputs) or 1))
    if dask_pool_class is not None:
        pool = dask_pool_class(size, out, extract_fn, options, timeout, warm, memory_mb, scheduler=scheduler)
    else:
        pool = WorkerPool(size, out, extract_fn, options, timeout, warm, context, memory_mb,
                          expected_tasks=len(inputs))
    interrupted = False
    try:
        if inputs:
            pool.run(next_task, lines.record)
    except KeyboardInterrupt:
        interrupted = True
        with _sigint_ignored():          # a second Ctrl-C must not lose the manifest
            pool.close()
    with _sigint_ignored():
        entries = lines.close()
        write_manifest(out, entries)
        stale = [] if interrupted else remove_unlisted_outputs(out, entries)
    result = BatchResult(out, entries, time.monotonic() - started, pool.size, pool.stats, interrupted)
    result.removed = stale
    return result


class _sigint_ignored:
    """Ctrl-C is ignored inside (main thread only): the manifest is written whole."""

    def __enter__(self):
        self.previous = None
        try:
            self.previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
        except ValueError:      # not the main thread
            pass
        return self

    def __exit__(self, *exc_info):
        if self.previous is not None:
            signal.signal(signal.SIGINT, self.previous)
        return False


def _progress_bar(total: int, enabled: bool):
    if not enabled or not sys.stderr.isatty():
        return None
    from tqdm import tqdm
    tqdm.monitor_interval = 0  # no monitor thread: the parent forks replacement workers
    return tqdm(total=total, unit="doc", file=sys.stderr, dynamic_ncols=True, smoothing=0.05)
