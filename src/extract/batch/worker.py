"""One document in a worker process: extract, write its JSON, return its manifest line.

A worker is started once, warmed up (rules, NLP models) once, then capped in memory
(RLIMIT_AS above its warmed-up size) and given documents one by one, each under a time
limit (SIGALRM; a hang inside C code is the pool's to kill). Whatever happens to one
document becomes a failed manifest line with a reason and a message a clerk can act on.
Used by the process pool, the Dask engine and `kehoach serve`.
"""

from __future__ import annotations

import hashlib
import os
import resource
import signal
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

from extract.batch.folders import OutputPathError, resolve_output
from extract.load import LoadError
from extract.load.errors import scrub_internals
from extract.manifest import RunFailure, Status, document_counts, manifest_entry, remove_file, write_atomically
from extract.models import Document
from extract.write import document_json  # the same bytes as `kehoach extract -o`

MAX_MESSAGE = 1000   # characters of a failure message in the manifest
MAX_MEMORY_ENV = "KEHOACH_MAX_MEMORY_MB"
DEFAULT_MAX_MEMORY_MB = 2048   # per worker, above what it holds once warmed up (rules, NLP)
DEBUG_ENV = "KEHOACH_DEBUG"    # set: internal_error messages also carry the exception

ExtractFn = Callable[..., Document]


class DocumentTimeout(BaseException):
    """Raised inside a worker when a document runs past its time limit.

    A BaseException so that the pipeline's own `except Exception` cannot swallow it.
    """


@dataclass(frozen=True, slots=True)
class Task:
    """One document to extract: its manifest index, path to open, display name, OUT-relative
    output path and the input's sha256 (hashed in the parent, before extraction); `weight`
    is its expected cost in chunk units (a large file, e.g. a scan, weighs more)."""
    index: int
    path: str
    file: str          # display name (manifest 'file')
    output: str        # OUT-relative
    sha256: str
    weight: int = 1


def timeout_message(timeout: float) -> str:
    """The manifest message of a document past its time limit (`timeout` seconds)."""
    return (f"took longer than the time limit of {timeout:g} s; "
            f"if the file is genuine, run it alone with a longer --timeout")


def memory_message(limit_mb: int) -> str:
    """The manifest message of a document past the worker's memory budget (`limit_mb` MB)."""
    return (f"needed more than {limit_mb} MB of memory (a damaged or hostile file); "
            f"if the file is genuine, raise {MAX_MEMORY_ENV} or --max-memory")


INTERNAL_ERROR_MESSAGE = ("the extractor failed on this document because of a program error; "
                          "please report it together with the file")


def _on_alarm(signum, frame):
    raise DocumentTimeout()


def _statm_pages(field: int, pid: int | str = "self") -> int:
    """One field of /proc/<pid>/statm (0: virtual size, 1: resident), in pages; 0 when gone."""
    try:
        with open(f"/proc/{pid}/statm") as handle:
            return int(handle.read().split()[field])
    except (OSError, ValueError, IndexError):
        return 0


def rss_kb(pid: int | str = "self") -> int:
    """Resident memory of a process (this one by default) in KiB; 0 when it is gone."""
    return _statm_pages(1, pid) * (os.sysconf("SC_PAGE_SIZE") // 1024)


def _error_location(error: BaseException) -> str:
    frames = traceback.extract_tb(error.__traceback__)
    if not frames:
        return ""
    last = frames[-1]
    return f" (at {Path(last.filename).name}:{last.lineno})"


def clerk_message(message: str) -> str:
    """A failure message fit for the manifest: no object addresses, bounded length."""
    message = scrub_internals(" ".join(message.split()))
    return message if len(message) <= MAX_MESSAGE else message[:MAX_MESSAGE - 1] + "…"


def output_outside_entry(task: Task) -> dict:
    """The failed line of a document whose JSON would land outside OUT (a link inside OUT)."""
    return manifest_entry(task.file, Status.failed, reason=RunFailure.output_outside, seconds=0.0, sha256=task.sha256, message=(
        "its output would be written outside the output folder through a symbolic link; "
        "remove the link inside the output folder and run again"))


def process_document(task: Task, out: Path, extract_fn: ExtractFn, options: Any, timeout: float,
                     memory_mb: int = 0) -> dict:
    """Extract one document, write its JSON, and return its manifest line."""
    started = time.perf_counter()
    common = {"sha256": task.sha256}
    try:
        target = resolve_output(out, task.output)
    except OutputPathError:
        return output_outside_entry(task)
    if timeout > 0:
        signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        document = extract_fn(Path(task.path), options)
        text = document_json(document)
        if timeout > 0:
            signal.setitimer(signal.ITIMER_REAL, 0)
        write_atomically(target, text)
        return manifest_entry(task.file, Status.ok, output=task.output, format=document.source.format,
                              pages=document.source.pages, counts=document_counts(document),
                              seconds=time.perf_counter() - started,
                              output_sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(), **common)
    except DocumentTimeout:
        failure = (RunFailure.timeout, timeout_message(timeout))
    except LoadError as error:
        failure = (error.code, error.message)
    except MemoryError:
        failure = (RunFailure.out_of_memory, memory_message(memory_mb))
    except Exception as error:  # one document's bug must not stop the batch
        failure = (RunFailure.internal_error, INTERNAL_ERROR_MESSAGE)
        if os.environ.get(DEBUG_ENV):
            failure = (RunFailure.internal_error, f"{INTERNAL_ERROR_MESSAGE} ({type(error).__name__}: {error}"
                                         f"{_error_location(error)})")
    finally:
        if timeout > 0:
            signal.setitimer(signal.ITIMER_REAL, 0)
    remove_file(target)  # no stale JSON from an earlier run beside a failed line
    return manifest_entry(task.file, Status.failed, reason=failure[0], message=clerk_message(failure[1]),
                          seconds=time.perf_counter() - started, **common)


def _vm_size() -> int:
    """This process's virtual memory size in bytes (what RLIMIT_AS limits)."""
    return _statm_pages(0) * os.sysconf("SC_PAGE_SIZE")


def cap_memory(memory_mb: int) -> None:
    """Limit this process's address space to its current size plus `memory_mb` MB.

    Called in a worker once it is warmed up (its rules and NLP models are in memory), so the
    cap is on what one document may add; past it, allocations fail with MemoryError (reason
    out_of_memory) instead of the machine swapping. Helper programs (LibreOffice) lift it.
    """
    if memory_mb <= 0 or not hasattr(resource, "RLIMIT_AS"):
        return
    size = _vm_size()
    if size <= 0:
        return
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = size + memory_mb * 1024 * 1024
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    try:
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (ValueError, OSError):
        pass


def max_memory_mb() -> int:
    """The per-worker memory budget in MB (env KEHOACH_MAX_MEMORY_MB; 0 turns the cap off)."""
    raw = os.environ.get(MAX_MEMORY_ENV, "").strip()
    try:
        return max(0, int(raw)) if raw else DEFAULT_MAX_MEMORY_MB
    except ValueError:
        return DEFAULT_MAX_MEMORY_MB


def start_worker(warm: Callable[[], Any] | None) -> None:
    """A worker process's start (batch and `kehoach serve`): signals, own process group, warm."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C for everyone
    os.setpgid(0, 0)  # its own process group: a hard kill also ends helpers it started (soffice)
    signal.signal(signal.SIGALRM, _on_alarm)
    if warm is not None:
        try:
            warm()
        except Exception:  # warming is an optimisation; the documents will report real errors
            pass


def requests_from(conn) -> Iterator[Any]:
    """A worker's side of its pipe: say ready (with its pid), then yield each message the parent
    sends until it sends None (stop) or the pipe closes. Batch and `kehoach serve` workers."""
    conn.send(("ready", os.getpid()))
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        yield message


def worker_main(conn, out: Path, extract_fn: ExtractFn, options: Any, timeout: float,
                 warm: Callable[[], Any] | None, memory_mb: int = 0) -> None:
    """A batch worker's loop: warm up, cap memory, say ready, then take chunks of `Task`s from
    `conn` (None: stop) and send back ('done', index, manifest line, RSS KiB, peak RSS KiB)."""
    start_worker(warm)
    cap_memory(memory_mb)
    for chunk in requests_from(conn):
        for task in chunk:
            try:
                entry = process_document(task, out, extract_fn, options, timeout, memory_mb)
            except DocumentTimeout:  # the alarm fired between two statements of the handler
                entry = manifest_entry(task.file, Status.failed, reason=RunFailure.timeout, sha256=task.sha256,
                                       message=timeout_message(timeout))
            except MemoryError:     # raised while the handler itself allocated
                entry = manifest_entry(task.file, Status.failed, reason=RunFailure.out_of_memory, sha256=task.sha256,
                                       message=memory_message(memory_mb))
            conn.send(("done", task.index, entry, rss_kb(),
                       resource.getrusage(resource.RUSAGE_SELF).ru_maxrss))
