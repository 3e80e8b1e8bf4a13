"""Extraction in worker processes for `kehoach serve`: warm, and bounded in time and memory.

Every upload is extracted in a worker process, never in the server: a hostile file that hangs
a parser, eats memory or crashes it costs that worker (killed and replaced), not the server.
The workers reuse the batch's handling of one document (`extract.batch.worker.process_document`: the
time limit, LoadError codes, out of memory, internal errors without a traceback), so the API
reports exactly the reasons a batch manifest gives.

Workers are forked from a fork server that imported and warmed the pipeline once
(`extract.serve.warmed`), so a worker, and a replacement for a killed one, starts warm; the
server process itself never forks from its threads.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import re
import queue
import threading
import time
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from extract.batch.pool import kill_process, spawn_process
from extract.batch.worker import (
    Task, cap_memory, process_document, requests_from, rss_kb, start_worker, timeout_message,
)
from extract.load.limits import Limits, from_environment
from extract.manifest import RunFailure, Status, manifest_entry
from extract.pipeline import Options, extract_path_with_text, warm

NLP_ENV = "KEHOACH_SERVE_NLP"          # read by extract.serve.warmed in the fork server
TEXT_NAME = "text.txt"                 # review sidecars written beside the upload
PAGES_DIR = "pages"
PAGE_WIDTH_PX = 1000                   # rendered width of a PDF page image on the review page
BOXES_NAME = "boxes.json"              # where each source quote lies on its PDF page
QUOTE_WORDS = (12, 6, 3)               # words of a quote searched for on its page, in turn


@dataclass(frozen=True, slots=True)
class UploadOptions:
    """How to extract an upload (picklable: it crosses into worker processes).

    `root`: `source.file` is the upload's path relative to this folder (the name the client
    gave, made safe), never the server's private path. `review`: also write the document text
    and, for a PDF, its page images (at most `max_pages`) beside the upload. `limits`: the
    loaders' size limits (the server's settings; default: the environment's).
    """

    nlp: bool = True
    root: str = ""
    review: bool = False
    max_pages: int = 200
    limits: Limits = field(default_factory=from_environment)


def extract_upload(path: Path, options: UploadOptions) -> Any:
    """The contract Document of an uploaded file (`extract_fn` of the batch and of the pool).

    Raises extract.load.LoadError like the pipeline. With `options.review`, writes
    `<upload folder>/text.txt` and `<upload folder>/pages/<n>.png` (1-based) for the review page.
    """
    path = Path(path)
    document, text = extract_path_with_text(path, Options(nlp=options.nlp, limits=options.limits))
    relative = os.path.relpath(path, options.root) if options.root else path.name
    document.source.file = Path(relative).as_posix()
    if options.review:
        (path.parent / TEXT_NAME).write_text(text, encoding="utf-8")
        if document.source.format == "pdf":
            render_pages(path, path.parent / PAGES_DIR, options.max_pages)
            locate_quotes(path, document, path.parent / BOXES_NAME, options.max_pages)
    return document


def render_pages(pdf: Path, folder: Path, max_pages: int) -> int:
    """PNG images of a PDF's first `max_pages` pages, `PAGE_WIDTH_PX` wide, as
    `folder/<n>.png` (1-based, as `sources[].page`). Returns how many were written."""
    import pypdfium2

    folder.mkdir(parents=True, exist_ok=True)
    document = pypdfium2.PdfDocument(str(pdf))
    try:
        count = min(len(document), max_pages)
        for index in range(count):
            page = document[index]
            width = page.get_width() or 1
            image = page.render(scale=PAGE_WIDTH_PX / width).to_pil()
            image.save(folder / f"{index + 1}.png", optimize=False)
            page.close()
        return count
    finally:
        document.close()


def quote_patterns(quote: str) -> list[str]:
    """Regexes finding a source quote in a PDF page's text, most specific first: the first
    QUOTE_WORDS words of its longest line or cell (the document text joins table cells with
    tabs), then fewer (a table cell's words wrap, and the page's text interleaves the cells
    of a row line by line); any white space between words, any dash for '-'."""
    words = max(re.split(r"[\t\n]", quote), key=len).split()
    patterns = []
    for count in QUOTE_WORDS:
        if words[:count] and (count == QUOTE_WORDS[0] or len(words) > count):
            patterns.append(r"\s*".join(re.escape(word).replace(r"\-", "[-‐–—]") for word in words[:count]))
    return patterns


def locate_quotes(pdf: Path, document: Any, target: Path, max_pages: int) -> int:
    """Write `target` (JSON): for each source of an item the review page shows on the first
    `max_pages` pages, "start:end" -> [page, x0, top, x1, bottom] as fractions of the page's
    width and height, where its quote is found on the page. Quotes not found are left out
    (the page image is still shown). Returns how many were found."""
    import pdfplumber

    wanted: dict[int, dict[str, str]] = {}
    for item in [*document.indicators, *document.tasks, *document.document.references, *document.assignments,
                 *document.problems]:
        for source in item.sources:
            if source.page and source.page <= max_pages:
                wanted.setdefault(source.page, {})[f"{source.start}:{source.end}"] = source.quote
    boxes: dict[str, list[float]] = {}
    with pdfplumber.open(pdf) as opened:
        for number, quotes in sorted(wanted.items()):
            if number > len(opened.pages):
                continue
            page = opened.pages[number - 1]
            width, height = float(page.width) or 1.0, float(page.height) or 1.0
            for key, quote in quotes.items():
                found = next((hits for pattern in quote_patterns(quote)
                              if (hits := page.search(pattern, regex=True, return_chars=False))), None)
                if found:
                    box = found[0]
                    boxes[key] = [number, box["x0"] / width, box["top"] / height,
                                  box["x1"] / width, box["bottom"] / height]
            page.close()
    target.write_text(json.dumps(boxes), encoding="utf-8")
    return len(boxes)


def prepare_worker(nlp: bool, memory_mb: int) -> None:
    """A worker's start: warm the pipeline (a no-op cost when forked warm), then cap its address
    space at its warm size plus `memory_mb` so that one document cannot take the machine's
    memory (past it the pipeline gets MemoryError: reason `out_of_memory`)."""
    warm(Options(nlp=nlp))
    cap_memory(memory_mb)


def _worker_main(conn, nlp: bool, memory_mb: int) -> None:
    """Serve requests `(task, out, options, timeout)` from the pool: one manifest line each."""
    start_worker(partial(prepare_worker, nlp, memory_mb))
    for task, out, options, timeout in requests_from(conn):
        conn.send(process_document(task, Path(out), extract_upload, options, timeout, memory_mb))


def fork_context(nlp: bool):
    """The fork-server context whose server warms the pipeline once (see module doc)."""
    os.environ[NLP_ENV] = "1" if nlp else "0"
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["extract.serve.warmed"])
    return context


class PoolBusy(Exception):
    """No worker became free within the wait limit."""


class PoolBroken(Exception):
    """Workers fail to start (the server cannot extract at all)."""


@dataclass
class _Worker:
    process: Any
    conn: Any
    ready: bool = False


class ExtractionPool:
    """`size` long-lived worker processes; `run` hands one document to a free one.

    Thread-safe: each request takes a worker for itself (requests beyond `size` wait up to
    `queue_wait` seconds, then PoolBusy). A worker past the time limit plus a grace period is
    killed and replaced; one that dies is replaced; the document gets reason `timeout` or
    `worker_crashed`, as in a batch manifest.
    """

    STARTUP_LIMIT = 120.0
    MAX_START_FAILURES = 3

    def __init__(self, size: int, *, timeout: float, memory_mb: int, nlp: bool = True,
                 queue_wait: float = 30.0):
        self.size = size
        self.timeout = timeout
        self.memory_mb = memory_mb
        self.nlp = nlp
        self.queue_wait = queue_wait
        self.grace = min(max(1.0, 0.1 * timeout), 10.0)
        self.context = fork_context(nlp)
        self.idle: queue.Queue[_Worker] = queue.Queue()
        self.workers: dict[int, _Worker] = {}
        self.lock = threading.Lock()
        self.start_failures = 0
        self.replaced = 0
        self.closed = False

    def start(self) -> None:
        """Start every worker and wait until they are warm (the server is ready then)."""
        for _ in range(self.size):
            self.idle.put(self._spawn())
        taken = [self.idle.get() for _ in range(self.size)]
        for worker in taken:
            self._await_ready(worker)
            self.idle.put(worker)

    def _spawn(self) -> _Worker:
        worker = _Worker(*spawn_process(self.context, _worker_main, (self.nlp, self.memory_mb),
                                        "kehoach-serve-worker"))
        with self.lock:
            self.workers[worker.process.pid] = worker
        return worker

    def _await_ready(self, worker: _Worker) -> bool:
        if worker.ready:
            return True
        try:
            if worker.conn.poll(self.STARTUP_LIMIT):
                message = worker.conn.recv()
                worker.ready = message[0] == "ready"
        except (EOFError, OSError):
            worker.ready = False
        if not worker.ready:
            self._discard(worker)
            with self.lock:
                self.start_failures += 1
                broken = self.start_failures >= self.MAX_START_FAILURES
            if broken:
                raise PoolBroken("extraction workers fail to start")
            self.idle.put(self._spawn())
            return False
        with self.lock:
            self.start_failures = 0
        return True

    def _discard(self, worker: _Worker) -> None:
        kill_process(worker.process, worker.conn)
        with self.lock:
            self.workers.pop(worker.process.pid, None)

    def _take(self) -> _Worker:
        deadline = time.monotonic() + self.queue_wait
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or self.closed:
                raise PoolBusy(f"all {self.size} extraction workers are busy")
            try:
                worker = self.idle.get(timeout=remaining)
            except queue.Empty:
                raise PoolBusy(f"all {self.size} extraction workers are busy") from None
            if not worker.process.is_alive():   # died while idle (killed from outside)
                self._discard(worker)
                self.replaced += 1
                self.idle.put(self._spawn())
                continue
            if self._await_ready(worker):
                return worker

    def run(self, path: Path, out: Path, options: UploadOptions, output: str = "document.json") -> dict:
        """Extract `path` in a worker; its JSON goes to `out/output`. Returns the manifest line
        (status ok or failed with reason and message). Raises PoolBusy, PoolBroken."""
        task = Task(0, str(path), Path(path).name, output, sha256="")
        worker = self._take()
        started = time.monotonic()
        try:
            worker.conn.send((task, str(out), options, self.timeout))
            if worker.conn.poll(self.timeout + self.grace if self.timeout > 0 else None):
                entry = worker.conn.recv()
                self.idle.put(worker)
                return entry
            reason, message = RunFailure.timeout, timeout_message(self.timeout) + "; the worker was stopped"
        except (EOFError, OSError):
            worker.process.join(1)
            reason = RunFailure.worker_crashed
            message = f"the worker process ended (exit code {worker.process.exitcode}) on this document"
        self._discard(worker)
        self.replaced += 1
        if not self.closed:
            self.idle.put(self._spawn())
        return manifest_entry(task.file, Status.failed, reason=reason, message=message,
                              seconds=time.monotonic() - started)

    def memory(self) -> dict[str, int]:
        """RSS in KiB of each worker, by pid."""
        with self.lock:
            pids = list(self.workers)
        return {str(pid): rss_kb(pid) for pid in pids}

    def close(self) -> None:
        """Stop every worker: each is asked to exit and waited for up to 2 s, then discarded; later
        runs raise PoolBusy."""
        self.closed = True
        with self.lock:
            workers = list(self.workers.values())
        for worker in workers:
            try:
                worker.conn.send(None)
            except OSError:
                pass
        for worker in workers:
            worker.process.join(2)
            self._discard(worker)

