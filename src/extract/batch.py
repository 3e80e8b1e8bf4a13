"""`kehoach batch DIR -o OUT`: every document under a folder, on all cores.

Layout of OUT:

    OUT/manifest.jsonl        one line per input file, in input order (sorted paths)
    OUT/docs/<path>.json      one contract JSON per extracted document
    OUT/tables/...            analyst tables (extract.dataset), unless --no-tables

Each document runs in a worker process with a time limit. A worker that hangs (past the
limit plus a grace period) or dies is killed and replaced, and the batch goes on; the
documents it still held are handed to another worker. Workers are started once and warmed
(rules, NLP) once, and take documents in chunks so that thousands of small files do not
drown in inter-process traffic.

Determinism: the document JSON holds no clock, and the manifest's only run-dependent field
is `seconds`. Output names are derived from the input's path relative to DIR (never leaving
OUT/docs); two files with the same name in different folders both survive.

Hardening (checked before any work, or per document): OUT must be a writable folder that is
not DIR, and its docs/ and tables/ must not be links elsewhere (else one line and exit 2);
nothing outside DIR is read (a symbolic link out of DIR is skipped as `outside_input`) and
nothing outside OUT is written (paths are checked after resolving links); each worker has a
memory cap (RLIMIT_AS above its warmed-up size) besides the time limit; `--resume` re-reads
and re-hashes every JSON it keeps; JSON in OUT/docs that the manifest does not list is removed.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import multiprocessing.connection
import os
import resource
import signal
import sys
import time
import traceback
import unicodedata
from collections import Counter, deque
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Annotated, Any, Callable, Iterable, Optional

import typer

from extract.load import LoadError, file_sha256, limits
from extract.load.errors import scrub_internals
from extract.models import Document
from extract.rules import load_rules
from extract.write import document_json  # the same bytes as `kehoach extract -o`

MANIFEST_NAME = "manifest.jsonl"
DOCS_DIR = "docs"
TABLES_DIR = "tables"
COUNT_KEYS = ("sections", "indicators", "targets", "tasks", "assignments", "references", "problems")

# Characters kept in output file names besides letters and digits (any script).
SAFE_PUNCTUATION = frozenset(" -_.,()+")
# Separates a name from the hash that keeps a rewritten name unique; never a safe character,
# so a name that needed no rewriting can never look like one that did.
HASH_SEPARATOR = "~"
MAX_NAME_BYTES = 180
MAX_MESSAGE = 1000   # characters of a failure message in the manifest
MAX_MEMORY_ENV = "KEHOACH_MAX_MEMORY_MB"
DEFAULT_MAX_MEMORY_MB = 2048   # per worker, above what it holds once warmed up (rules, NLP)
DEBUG_ENV = "KEHOACH_DEBUG"    # set: internal_error messages also carry the exception

ExtractFn = Callable[..., Document]


# ------------------------------------------------------------------------- inputs

@dataclass(frozen=True, slots=True)
class InputFile:
    """One manifest line to produce: a file under DIR (or a folder that could not be listed)."""

    relative: str                   # path relative to DIR, '/'-separated, as the OS gave it
    path: Path                      # the path to open
    output: str | None = None       # OUT-relative path of its JSON ('docs/...json')
    skip: str | None = None         # reason to list it without opening it
    fail: tuple[str, str] | None = None  # (reason, message) known before opening it

    @property
    def display(self) -> str:
        return display_name(self.relative)


def display_name(name: str) -> str:
    """A file name as valid text: bytes that are not UTF-8 shown as U+FFFD."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _batch_rules() -> dict:
    return load_rules("batch")


def _skip_reason(name: str) -> str | None:
    rules = _batch_rules()
    if any(name.startswith(prefix) for prefix in rules["lock_file_prefixes"]):
        return "office_lock_file"
    suffix = name.rpartition(".")[2].lower() if "." in name else ""
    if suffix in rules["not_documents"]:
        return "unsupported_extension"
    return None


def _inside(path: str, root: str) -> bool:
    """Whether the real path `path` is `root` or below it (both already resolved)."""
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def _is_output_folder(path: Path) -> bool:
    """A folder that a batch wrote (manifest.jsonl beside docs/): never read as input."""
    return (path / MANIFEST_NAME).is_file() and (path / DOCS_DIR).is_dir()


def walk_inputs(directory: Path, exclude: Iterable[Path] = ()) -> list[InputFile]:
    """Every entry under `directory` that the manifest must account for, sorted by path.

    The folders in `exclude` (our own output) are left out. Names starting with '.' are
    listed as skipped (`hidden`; a hidden folder as one line), and so is another batch's
    output folder (`output_folder`). Regular files and dangling symbolic links are inputs;
    a symbolic link whose target lies outside `directory` is skipped (`outside_input`) and
    never opened; symbolic links to folders are not followed, and they, FIFOs, sockets and
    devices are listed as skipped; a folder that cannot be listed is listed as failed.
    """
    directory = Path(directory)
    root = os.path.realpath(directory)
    excluded = {_identity(path) for path in exclude}
    excluded.discard(None)
    found: list[InputFile] = []

    def visit(folder: Path, prefix: str) -> None:
        try:
            with os.scandir(folder) as scan:
                entries = sorted(scan, key=lambda entry: entry.name)
        except OSError as error:
            found.append(InputFile(prefix.rstrip("/") or ".", folder,
                                   fail=("unreadable", f"cannot list the folder: {error.strerror}")))
            return
        for entry in entries:
            relative = prefix + entry.name
            path = Path(entry.path)
            try:
                if entry.is_dir(follow_symlinks=False):
                    if _identity(path) in excluded:     # this batch's own OUT: listed, never read
                        found.append(InputFile(relative, path, skip="output_folder"))
                        continue
                    if entry.name.startswith("."):
                        found.append(InputFile(relative, path, skip="hidden"))
                    elif _is_output_folder(path):
                        found.append(InputFile(relative, path, skip="output_folder"))
                    else:
                        visit(path, relative + "/")
                    continue
                if entry.name.startswith("."):
                    found.append(InputFile(relative, path, skip="hidden"))
                    continue
                if entry.is_symlink() and not _inside(os.path.realpath(path), root):
                    found.append(InputFile(relative, path, skip="outside_input"))
                    continue
                if entry.is_symlink() and path.is_dir():
                    found.append(InputFile(relative, path, skip="symlink_to_folder"))
                    continue
                if entry.is_file() or (entry.is_symlink() and not path.exists()):
                    found.append(InputFile(relative, path, skip=_skip_reason(entry.name)))
                    continue
            except OSError as error:
                found.append(InputFile(relative, path, fail=("unreadable", f"cannot read: {error.strerror}")))
                continue
            found.append(InputFile(relative, path, skip="not_a_regular_file"))

    visit(directory, "")
    found.sort(key=lambda item: item.relative)
    outputs = output_names(item.relative for item in found if item.skip is None and item.fail is None)
    return [
        InputFile(item.relative, item.path, outputs.get(item.relative), item.skip, item.fail)
        if item.skip is None and item.fail is None else item
        for item in found
    ]


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        info = os.stat(path)
    except OSError:
        return None
    return info.st_dev, info.st_ino


def _name_hash(relative: str, length: int = 8) -> str:
    return hashlib.sha1(relative.encode("utf-8", "surrogateescape")).hexdigest()[:length]


def _safe_component(name: str) -> str:
    text = unicodedata.normalize("NFC", name)
    cleaned = "".join(ch if ch.isalnum() or ch in SAFE_PUNCTUATION else "_" for ch in text)
    cleaned = cleaned.strip(" .") or "_"
    encoded = cleaned.encode("utf-8")
    if len(encoded) > MAX_NAME_BYTES:
        cleaned = encoded[:MAX_NAME_BYTES].decode("utf-8", "ignore")
    return cleaned


def output_name(relative: str, hash_length: int = 0) -> str:
    """'docs/<relative path in safe characters>.json' for an input path relative to DIR.

    A path that had to be rewritten (unsafe characters, very long names) gets a hash of the
    original path, so distinct inputs never share an output. Absolute paths and '..' parts
    are refused: the result always stays inside OUT/docs.
    """
    parts = relative.split("/")
    if any(part in ("", ".", "..") for part in parts):   # also refuses '/abs' and 'a//b'
        raise ValueError(f"not a relative path inside the input folder: {relative!r}")
    safe = "/".join(_safe_component(part) for part in parts)
    if safe != relative or hash_length:
        safe += HASH_SEPARATOR + _name_hash(relative, hash_length or 8)
    return f"{DOCS_DIR}/{safe}.json"


def output_names(relatives: Iterable[str]) -> dict[str, str]:
    """Output names for a whole batch: collision-free even on case-insensitive file systems.

    Names that would collide ignoring case, or a file name that equals a folder of another
    output, are all given a longer hash of their own path; the result depends only on the set
    of inputs, never on their order.
    """
    names = {relative: output_name(relative) for relative in relatives}
    by_key: dict[str, list[str]] = {}
    for relative, name in names.items():
        by_key.setdefault(name.casefold(), []).append(relative)
    folders = {parent.casefold() for name in names.values() for parent in map(str, PurePosixPath(name).parents)}
    for key, group in by_key.items():
        if len(group) > 1 or key in folders:
            for relative in group:
                names[relative] = output_name(relative, hash_length=16)
    return names


class OutputPathError(ValueError):
    """An output path that would land outside OUT (by its name or through a symbolic link)."""


def resolve_output(out: Path, name: str) -> Path:
    """OUT/<name>, refusing anything that would land outside OUT, also through links.

    The check is made on the name and again after resolving every symbolic link on the way
    (OUT/docs being a link elsewhere must not write there). Raises OutputPathError.
    """
    root = Path(os.path.abspath(out))
    target = Path(os.path.abspath(root / name))
    if os.path.commonpath([root, target]) != str(root) or target == root:
        raise OutputPathError(f"output path leaves the output folder: {name!r}")
    real_root = os.path.realpath(root)
    real_target = os.path.realpath(target)
    if not _inside(real_target, real_root) or real_target == real_root:
        raise OutputPathError(f"output path leads outside the output folder through a link: {name!r}")
    return target


def _remove_output(out: Path, name: str | None) -> None:
    """Remove OUT/<name> if it is there (never anything outside OUT)."""
    if name:
        try:
            _remove(resolve_output(out, name))
        except OutputPathError:
            pass


# ------------------------------------------------------------- folder checks

class FolderError(Exception):
    """DIR or OUT cannot be used; the message is one line for the operator (exit 2)."""


def prepare_output_folder(out: Path, subfolders: Iterable[str] = ()) -> Path:
    """Create OUT if needed and prove it is a writable folder, before any work is done.

    Raises FolderError when OUT is a file, cannot be created or written, or when one of
    `subfolders` (or manifest.jsonl) exists as something other than what a batch writes.
    """
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise FolderError(f"the output folder {display_name(str(out))} is a file, not a folder; "
                          "choose another path for -o")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise FolderError(f"cannot create the output folder {display_name(str(out))} "
                          f"({error.strerror or 'error'}); choose another path for -o") from error
    probe = out / f".kehoach-write-test.{os.getpid()}"
    try:
        with open(probe, "w", encoding="utf-8") as handle:
            handle.write("ok")
        probe.unlink()
    except OSError as error:
        raise FolderError(f"cannot write into the output folder {display_name(str(out))} "
                          f"({error.strerror or 'error'}); choose a writable folder for -o") from error
    real_out = os.path.realpath(out)
    for name in subfolders:
        path = out / name
        if path.is_symlink() or (path.exists() and not path.is_dir()) or (
                path.exists() and not _inside(os.path.realpath(path), real_out)):
            raise FolderError(f"{display_name(str(path))} must be a folder inside the output folder, "
                              "not a file or a link elsewhere; remove it or choose another path for -o")
    return out


def check_batch_folders(directory: Path, out: Path) -> None:
    """The batch's folders, checked at start: DIR a folder, OUT usable and not DIR itself."""
    directory = Path(directory)
    if not directory.is_dir():
        raise FolderError(f"the input folder {display_name(str(directory))} is not a folder")
    if Path(out).exists() and os.path.realpath(out) == os.path.realpath(directory):
        raise FolderError("the output folder is the input folder; choose another path for -o "
                          "(outside the input folder)")
    prepare_output_folder(out, (DOCS_DIR, TABLES_DIR))
    manifest = Path(out) / MANIFEST_NAME
    if manifest.is_symlink() or (manifest.exists() and not manifest.is_file()):
        raise FolderError(f"{display_name(str(manifest))} is not a regular file; remove or rename it "
                          "and run again")


# ---------------------------------------------------------------- manifest lines

def document_counts(document: Document) -> dict[str, int]:
    return {
        "sections": len(document.sections),
        "indicators": len(document.indicators),
        "targets": sum(len(indicator.targets) for indicator in document.indicators),
        "tasks": len(document.tasks),
        "assignments": len(document.assignments),
        "references": len(document.document.references),
        "problems": len(document.problems),
    }


def manifest_entry(file: str, status: str, *, reason: str | None = None, message: str | None = None,
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
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(temporary, "w", encoding="utf-8", newline="\n") as handle:
        handle.write(text)
    os.replace(temporary, path)


def _remove(path: Path) -> None:
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


# ------------------------------------------------------------------------ workers

class DocumentTimeout(BaseException):
    """Raised inside a worker when a document runs past its time limit.

    A BaseException so that the pipeline's own `except Exception` cannot swallow it.
    """


@dataclass(frozen=True, slots=True)
class Task:
    index: int
    path: str
    file: str          # display name (manifest 'file')
    output: str        # OUT-relative
    sha256: str


def timeout_message(timeout: float) -> str:
    return (f"took longer than the time limit of {timeout:g} s; "
            f"if the file is genuine, run it alone with a longer --timeout")


def memory_message(limit_mb: int) -> str:
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


def _rss_kb(pid: int | str = "self") -> int:
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


def process_document(task: Task, out: Path, extract_fn: ExtractFn, options: Any, timeout: float,
                     memory_mb: int = 0) -> dict:
    """Extract one document, write its JSON, and return its manifest line."""
    started = time.perf_counter()
    common = {"sha256": task.sha256}
    try:
        target = resolve_output(out, task.output)
    except OutputPathError:
        return manifest_entry(task.file, "failed", reason="output_outside", seconds=0.0, message=(
            "its output would be written outside the output folder through a symbolic link; "
            "remove the link inside the output folder and run again"), **common)
    if timeout > 0:
        signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        document = extract_fn(Path(task.path), options)
        text = document_json(document)
        if timeout > 0:
            signal.setitimer(signal.ITIMER_REAL, 0)
        write_atomically(target, text)
        return manifest_entry(task.file, "ok", output=task.output, format=document.source.format,
                              pages=document.source.pages, counts=document_counts(document),
                              seconds=time.perf_counter() - started,
                              output_sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(), **common)
    except DocumentTimeout:
        failure = ("timeout", timeout_message(timeout))
    except LoadError as error:
        failure = (error.code, error.message)
    except MemoryError:
        failure = ("out_of_memory", memory_message(memory_mb))
    except Exception as error:  # one document's bug must not stop the batch
        failure = ("internal_error", INTERNAL_ERROR_MESSAGE)
        if os.environ.get(DEBUG_ENV):
            failure = ("internal_error", f"{INTERNAL_ERROR_MESSAGE} ({type(error).__name__}: {error}"
                                         f"{_error_location(error)})")
    finally:
        if timeout > 0:
            signal.setitimer(signal.ITIMER_REAL, 0)
    _remove(target)  # no stale JSON from an earlier run beside a failed line
    return manifest_entry(task.file, "failed", reason=failure[0], message=clerk_message(failure[1]),
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


def _worker_main(conn, out: Path, extract_fn: ExtractFn, options: Any, timeout: float,
                 warm: Callable[[], Any] | None, memory_mb: int = 0) -> None:
    start_worker(warm)
    cap_memory(memory_mb)
    conn.send(("ready", os.getpid()))
    while True:
        try:
            chunk = conn.recv()
        except (EOFError, OSError):
            return
        if chunk is None:
            return
        for task in chunk:
            try:
                entry = process_document(task, out, extract_fn, options, timeout, memory_mb)
            except DocumentTimeout:  # the alarm fired between two statements of the handler
                entry = manifest_entry(task.file, "failed", reason="timeout", sha256=task.sha256,
                                       message=timeout_message(timeout))
            except MemoryError:     # raised while the handler itself allocated
                entry = manifest_entry(task.file, "failed", reason="out_of_memory", sha256=task.sha256,
                                       message=memory_message(memory_mb))
            conn.send(("done", task.index, entry, _rss_kb(),
                       resource.getrusage(resource.RUSAGE_SELF).ru_maxrss))


def spawn_process(context, target: Callable, args: tuple, name: str) -> tuple[Any, Any]:
    """A started daemon process running `target(conn, *args)`, and the parent's end of its pipe."""
    parent, child = context.Pipe(duplex=True)
    process = context.Process(target=target, args=(child, *args), daemon=True, name=name)
    process.start()
    child.close()
    return process, parent


def kill_process(process, conn) -> None:
    """Kill a worker and its process group (helpers it started, such as soffice); close its pipe."""
    if process.is_alive():
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except OSError:  # not yet its own group leader
            process.kill()
    process.join(5)
    conn.close()


@dataclass
class _Worker:
    process: Any
    conn: Any
    assigned: deque = field(default_factory=deque)
    ready: bool = False
    started: float = 0.0     # when the document at the head of `assigned` started
    spawned: float = field(default_factory=time.monotonic)


@dataclass
class WorkerStats:
    """Memory of the workers, for the benchmark (not part of the deterministic outputs)."""

    peak_rss_kb: dict[int, int] = field(default_factory=dict)      # pid -> ru_maxrss
    rss_trace: list[tuple[int, int, int]] = field(default_factory=list)  # (documents done, pid, rss)
    replaced: int = 0


class WorkerPool:
    """Worker processes that take tasks in chunks, with a per-document time limit.

    stdlib only: each worker has its own pipe; the parent waits on all pipes and process
    sentinels at once, and kills a worker whose current document is past its hard deadline.
    """

    MAX_START_FAILURES = 3

    def __init__(self, size: int, out: Path, extract_fn: ExtractFn, options: Any, timeout: float,
                 warm: Callable[[], Any] | None, context: str | None = None, memory_mb: int = 0):
        method = context or ("fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn")
        self.context = multiprocessing.get_context(method)
        self.size = size
        self.args = (Path(out), extract_fn, options, timeout, warm, memory_mb)
        self.timeout = timeout
        self.grace = min(max(1.0, 0.1 * timeout), 10.0)
        # Warming up (imports, rules, NLP models) is not a document's time, but it is bounded too.
        self.startup_limit = max(60.0, timeout)
        self.workers: list[_Worker] = []
        self.stats = WorkerStats()
        self.start_failures = 0

    def _spawn(self) -> _Worker:
        return _Worker(*spawn_process(self.context, _worker_main, self.args, "kehoach-batch-worker"))

    def _kill(self, worker: _Worker) -> None:
        kill_process(worker.process, worker.conn)

    def close(self) -> None:
        for worker in self.workers:
            try:
                worker.conn.send(None)
            except OSError:
                pass
        for worker in self.workers:
            worker.process.join(2)
            self._kill(worker)
        self.workers = []

    def run(self, next_task: Callable[[], Optional[Task]], on_result: Callable[[int, dict], None]) -> None:
        """Run tasks from `next_task()` (None: no more) until all are done."""
        requeued: deque[Task] = deque()
        exhausted = False

        def take() -> Optional[Task]:
            nonlocal exhausted
            if requeued:
                return requeued.popleft()
            if exhausted:
                return None
            task = next_task()
            if task is None:
                exhausted = True
            return task

        def give_back(worker: _Worker, skip_head: bool) -> None:
            rest = list(worker.assigned)[1 if skip_head else 0:]
            requeued.extendleft(reversed(rest))
            worker.assigned.clear()

        self.workers = [self._spawn() for _ in range(self.size)]
        try:
            while True:
                chunk_size = self._chunk_size(len(requeued))
                for worker in self.workers:
                    while len(worker.assigned) < 2 * chunk_size:
                        chunk = []
                        while len(chunk) < chunk_size and (task := take()) is not None:
                            chunk.append(task)
                        if not chunk:
                            break
                        if not worker.assigned:
                            worker.started = time.monotonic()
                        worker.assigned.extend(chunk)
                        try:
                            worker.conn.send(chunk)
                        except OSError:
                            break  # dead: found below through its sentinel
                if exhausted and not requeued and not any(worker.assigned for worker in self.workers):
                    return
                now = time.monotonic()
                deadlines = [self._deadline(w) for w in self.workers if self._deadline(w) is not None]
                wait_for = max(0.0, min(deadlines) - now) if deadlines else None
                handles = [w.conn for w in self.workers] + [w.process.sentinel for w in self.workers]
                multiprocessing.connection.wait(handles, timeout=wait_for)

                for slot, worker in enumerate(self.workers):
                    alive = self._drain(worker, on_result)
                    if alive and worker.process.is_alive():
                        deadline = self._deadline(worker)
                        if deadline is not None and time.monotonic() > deadline and not worker.ready:
                            self._kill(worker)
                            give_back(worker, skip_head=False)
                            self._count_start_failure("did not get ready in time")
                            self._replace(slot)
                        elif deadline is not None and time.monotonic() > deadline:
                            self._kill(worker)
                            self._fail_head(worker, on_result, "timeout",
                                            timeout_message(self.timeout) + "; the worker was stopped")
                            give_back(worker, skip_head=True)
                            self._replace(slot)
                        continue
                    # The worker died (crash, out of memory killer, or killed from outside).
                    worker.process.join(5)
                    code = worker.process.exitcode
                    if worker.ready and worker.assigned:
                        self._fail_head(worker, on_result, "worker_crashed",
                                        f"the extractor stopped unexpectedly on this document (exit code {code}); "
                                        f"try the file alone with kehoach extract and report it if it fails again")
                        give_back(worker, skip_head=True)
                    else:
                        give_back(worker, skip_head=False)
                        if not worker.ready:
                            self._count_start_failure(f"exit code {code}")
                    self._kill(worker)
                    self._replace(slot)
        finally:
            self.close()

    def _fail_head(self, worker: _Worker, on_result: Callable[[int, dict], None], reason: str,
                   message: str) -> None:
        """The document a lost worker was on fails; the others it held go to another worker."""
        head = worker.assigned[0]
        _remove_output(self.args[0], head.output)
        on_result(head.index, manifest_entry(head.file, "failed", reason=reason, message=message,
                                             sha256=head.sha256, seconds=time.monotonic() - worker.started))

    def _deadline(self, worker: _Worker) -> float | None:
        if self.timeout <= 0:
            return None
        if not worker.ready:
            return worker.spawned + self.startup_limit
        if worker.assigned:
            return worker.started + self.timeout + self.grace
        return None

    def _count_start_failure(self, detail: str) -> None:
        self.start_failures += 1
        if self.start_failures >= self.MAX_START_FAILURES:
            raise RuntimeError(f"worker processes fail to start ({detail})")

    def _chunk_size(self, backlog: int) -> int:
        # Small chunks near a requeue (after a hang) and for few documents; up to 16 otherwise.
        return 1 if backlog else 8 if self.size > 1 else 16

    def _replace(self, slot: int) -> None:
        self.stats.replaced += 1
        self.workers[slot] = self._spawn()

    def _drain(self, worker: _Worker, on_result: Callable[[int, dict], None]) -> bool:
        """Read every message the worker has sent; False when its pipe is closed."""
        try:
            while worker.conn.poll():
                message = worker.conn.recv()
                if message[0] == "ready":
                    worker.ready = True
                    self.start_failures = 0
                    worker.started = time.monotonic()
                    continue
                _, index, entry, rss, peak = message
                if worker.assigned and worker.assigned[0].index == index:
                    worker.assigned.popleft()
                worker.started = time.monotonic()
                pid = worker.process.pid
                self.stats.peak_rss_kb[pid] = max(peak, self.stats.peak_rss_kb.get(pid, 0))
                self.stats.rss_trace.append((len(self.stats.rss_trace) + 1, pid, rss))
                on_result(index, entry)
        except (EOFError, OSError):
            return False
        return True


# -------------------------------------------------------------------------- batch

@dataclass
class BatchResult:
    out: Path
    entries: list[dict]
    seconds: float
    workers: int
    stats: WorkerStats
    interrupted: bool = False
    removed: list[str] = field(default_factory=list)     # stale JSON removed from OUT/docs
    tables: Any = None                                   # extract.dataset.TablesReport, when built

    def counts(self) -> Counter:
        return Counter(entry["status"] for entry in self.entries)


def default_workers() -> int:
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
        return lambda: warm(options)
    return None


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
    return manifest_entry(item.display, "skipped", reason="unchanged", output=item.output, output_sha256=digest,
                          sha256=sha256, counts=document_counts(document), format=document.source.format,
                          pages=document.source.pages)


def run_batch(directory: Path, out: Path, *, extract_fn: ExtractFn | None = None, options: Any = None,
              workers: int | None = None, timeout: float = 120.0, resume: bool = False,
              progress: bool = False, warm: Callable[[], Any] | None = None,
              context: str | None = None, on_entry: Callable[[dict], None] | None = None,
              memory_mb: int | None = None) -> BatchResult:
    """Extract every document under `directory` into `out`; write the manifest.

    `on_entry(line)` is called (in this process) with each manifest line as it is settled,
    for progress reports (`kehoach serve`'s batches).

    `extract_fn(path, options) -> Document` defaults to the pipeline's `extract_path`; it and
    `warm` are passed to the workers as they are under the 'fork' start method (the default
    on Linux), and must be picklable under 'spawn'. `memory_mb` caps what each worker may
    allocate for one document (default: KEHOACH_MAX_MEMORY_MB or 2048; 0: no cap).
    Raises FolderError, before any work, when DIR or OUT cannot be used.
    """
    started = time.monotonic()
    directory, out = Path(directory), Path(out)
    check_batch_folders(directory, out)
    memory_mb = max_memory_mb() if memory_mb is None else memory_mb
    if extract_fn is None:
        from extract.pipeline import Options
        extract_fn = _default_extract()
        options = Options() if options is None else options
        if warm is None:
            warm = _default_warm(extract_fn, options)
    inputs = walk_inputs(directory, exclude=[out])
    previous = _previous_lines(out) if resume else {}
    entries: list[dict | None] = [None] * len(inputs)
    bar = _progress_bar(len(inputs), progress)
    tally: Counter = Counter()

    def record(index: int, entry: dict) -> None:
        entries[index] = entry
        tally[entry["status"]] += 1
        if on_entry is not None:
            on_entry(entry)
        if bar is not None:
            bar.set_postfix_str(", ".join(f"{status} {tally[status]}" for status in ("ok", "failed", "skipped")),
                                refresh=False)
            bar.update(1)

    position = 0

    def next_task() -> Optional[Task]:
        """The next input that needs extraction; inputs settled without it are recorded here."""
        nonlocal position
        while position < len(inputs):
            index, item = position, inputs[position]
            position += 1
            if item.fail is not None:
                record(index, manifest_entry(item.display, "failed", reason=item.fail[0], message=item.fail[1]))
                continue
            if item.skip is not None:
                record(index, manifest_entry(item.display, "skipped", reason=item.skip,
                                             message=_SKIP_MESSAGES.get(item.skip)))
                continue
            try:
                size, limit = item.path.stat().st_size, limits.max_bytes()
                if size > limit:  # refused before hashing: the file may be huge
                    _remove_output(out, item.output)
                    record(index, manifest_entry(
                        item.display, "failed", reason="too_large",
                        message=f"the file is {size} bytes, above the limit of {limit} bytes; if it is genuine, "
                                f"raise the limit with --max-bytes or {limits.MAX_BYTES_ENV}"))
                    continue
                sha256 = file_sha256(item.path)
            except OSError as error:
                _remove_output(out, item.output)
                record(index, manifest_entry(item.display, "failed", reason="unreadable",
                                             message=f"cannot read the file: {error.strerror or error}"))
                continue
            if resume:
                entry = _resumed_entry(item, sha256, out, previous)
                if entry is not None:
                    record(index, entry)
                    continue
            return Task(index, str(item.path), item.display, item.output, sha256)
        return None

    size = max(1, min(workers or default_workers(), len(inputs) or 1))
    pool = WorkerPool(size, out, extract_fn, options, timeout, warm, context, memory_mb)
    interrupted = False
    try:
        if inputs:
            pool.run(next_task, record)
    except KeyboardInterrupt:
        interrupted = True
        with _sigint_ignored():          # a second Ctrl-C must not lose the manifest
            pool.close()
    finally:
        if bar is not None:
            bar.close()
    with _sigint_ignored():
        for index, entry in enumerate(entries):
            if entry is None:  # only after an interruption
                entries[index] = manifest_entry(inputs[index].display, "skipped", reason="interrupted",
                                                message="the batch was stopped before this file; "
                                                        "run the same command with --resume to continue")
        write_manifest(out, entries)
        stale = [] if interrupted else remove_unlisted_outputs(out, entries)
    result = BatchResult(out, entries, time.monotonic() - started, size, pool.stats, interrupted)
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


def remove_unlisted_outputs(out: Path, entries: list[dict]) -> list[str]:
    """Remove JSON files under OUT/docs that no manifest line lists as its output (left by a
    batch of another folder into the same OUT, or by an interrupted run), and temporary files
    of killed workers. Returns the removed OUT-relative paths, sorted. Links are not followed."""
    listed = {entry["output"] for entry in entries if entry.get("output")}
    docs = Path(out) / DOCS_DIR
    if docs.is_symlink() or not docs.is_dir():
        return []
    removed = []
    for folder, subfolders, files in os.walk(docs, followlinks=False):
        for name in files:
            path = Path(folder) / name
            relative = path.relative_to(out).as_posix()
            stale_json = name.endswith(".json") and relative not in listed
            temporary = name.startswith(".") and name.endswith(".tmp")
            if (stale_json or temporary) and not path.is_symlink():
                _remove(path)
                removed.append(relative)
    for folder, _subfolders, _files in sorted(os.walk(docs, followlinks=False), reverse=True):
        if Path(folder) != docs:
            try:
                os.rmdir(folder)          # only succeeds on folders left empty
            except OSError:
                pass
    return sorted(removed)


_SKIP_MESSAGES = {
    "hidden": "a hidden file or folder (its name starts with a dot); rename it to include it",
    "outside_input": "a symbolic link to a file outside the input folder (not read); copy the file in instead",
    "output_folder": "a batch's output folder, this run's or an earlier one's (not read as input)",
    "unsupported_extension": "not a text document (by its extension)",
    "office_lock_file": "an office program's lock file, not a document",
    "symlink_to_folder": "a symbolic link to a folder (not followed)",
    "not_a_regular_file": "not a regular file (FIFO, socket or device)",
}


def write_manifest(out: Path, entries: Iterable[dict]) -> Path:
    path = Path(out) / MANIFEST_NAME
    write_atomically(path, "".join(json.dumps(entry, ensure_ascii=False) + "\n" for entry in entries))
    return path


def _progress_bar(total: int, enabled: bool):
    if not enabled or not sys.stderr.isatty():
        return None
    from tqdm import tqdm
    tqdm.monitor_interval = 0  # no monitor thread: the parent forks replacement workers
    return tqdm(total=total, unit="doc", file=sys.stderr, dynamic_ncols=True, smoothing=0.05)


# ------------------------------------------------------------------------ summary

def format_summary(result: BatchResult, slowest: int = 5) -> str:
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
    for status in ("failed", "skipped"):
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
        not_done = sum(1 for entry in result.entries if entry["reason"] == "interrupted")
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
        "pages": sum(entry["pages"] or 0 for entry in result.entries if entry["status"] == "ok"),
        "peak_rss_kb": {str(pid): kb for pid, kb in result.stats.peak_rss_kb.items()},
        "rss_trace": result.stats.rss_trace,
        "workers_replaced": result.stats.replaced,
    }
    Path(path).write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")


# ---------------------------------------------------------------------------- CLI

def batch_command(
    directory: Annotated[Path, typer.Argument(help="Folder of documents (walked recursively).",
                                              exists=True, file_okay=False, dir_okay=True)],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder: docs/, manifest.jsonl, tables/.")],
    workers: Annotated[Optional[int], typer.Option("--workers", "-j", min=1,
                                                   help="Worker processes (default: all cores).")] = None,
    timeout: Annotated[float, typer.Option("--timeout", min=0,
                                           help="Time limit per document in seconds (0: none).")] = 120.0,
    resume: Annotated[bool, typer.Option("--resume",
                                         help="Skip inputs whose JSON for the same sha256 is already in OUT.")] = False,
    no_nlp: Annotated[bool, typer.Option("--no-nlp", help="Rules only, without the NLP stage.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar; a one-line summary.")] = False,
    no_tables: Annotated[bool, typer.Option("--no-tables", help="Do not build OUT/tables.")] = False,
    max_bytes: Annotated[Optional[int], typer.Option("--max-bytes", min=1,
                                                     help="Refuse files larger than this (sets KEHOACH_MAX_BYTES).")] = None,
    compare_to: Annotated[Optional[Path], typer.Option("--compare-to", exists=True, dir_okay=False,
                                                       help="Higher-level plan (JSON or document): write "
                                                            "OUT/coverage (default: plans of the batch).")] = None,
    strict: Annotated[bool, typer.Option("--strict", help="Exit 1 when any file failed (default: 0 when the "
                                                        "batch ran to its end).")] = False,
    stats: Annotated[Optional[Path], typer.Option("--stats", hidden=True,
                                                  help="Write timing and worker memory as JSON here.")] = None,
    max_memory: Annotated[Optional[int], typer.Option(
        "--max-memory", min=0, help="Memory in MB a worker may add for one document (0: no cap; "
                                    f"default {DEFAULT_MAX_MEMORY_MB}, or {MAX_MEMORY_ENV}).")] = None,
) -> None:
    """Extract every document under DIRECTORY into OUT, with a manifest and analyst tables."""
    from extract.pipeline import Options

    if max_bytes is not None:
        os.environ["KEHOACH_MAX_BYTES"] = str(max_bytes)  # read by the loader in every worker
    try:
        result = run_batch(directory, out, options=Options(nlp=not no_nlp), workers=workers, timeout=timeout,
                           resume=resume, progress=not quiet, memory_mb=max_memory)
    except FolderError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2)
    if not no_tables and not result.interrupted:
        from extract.dataset import TablesReport, build_tables, tables_summary
        try:
            result.tables = build_tables(out)
        except Exception as error:  # the documents and manifest are written: never lose the run
            result.tables = TablesReport()
            result.tables.failed["tables"] = clerk_message(f"could not be built ({error})")
    summary = format_summary(result)
    if result.tables is not None:
        summary += "\n" + tables_summary(out)
    if (compare_to or not no_tables) and not result.interrupted:
        from extract.coverage import write_batch_coverage
        try:
            coverage_summary = write_batch_coverage(out, compare_to)["summary"]
        except Exception as error:  # like the tables: a coverage failure never loses the run
            coverage_summary = clerk_message(f"Coverage tables could not be built ({error})")
        if coverage_summary:
            summary += "\n" + coverage_summary
    if stats is not None:
        write_stats(stats, result)
    typer.echo(summary.splitlines()[0] if quiet else summary)
    if result.interrupted:
        if quiet:
            typer.echo(summary.splitlines()[-1])
        raise typer.Exit(130)
    if strict and result.counts()["failed"]:
        raise typer.Exit(1)


def main() -> None:  # `python -m extract.batch DIR -o OUT`
    typer.run(batch_command)


if __name__ == "__main__":
    main()
