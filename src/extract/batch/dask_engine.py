"""`kehoach batch --engine dask`: the same per-document work on Dask distributed workers.

`DaskPool` honours the seam of `extract.batch.pool.WorkerPool` (`run(next_task, on_result)`,
`close()`, `stats`), so `run_batch` settles inputs, resumes, writes the manifest and
`kehoach batch` builds the tables once at the end exactly as with worker processes.

Decisions (a remote cluster need not share the parent's disks):

- Inputs are read by path, from a shared file system: every Dask worker must see DIR at the
  same path as the parent, and the parent's working folder too (`source.file` in the JSON is
  relative to it, so the document process works from there). Sending the bytes instead
  would have pushed every scan through the scheduler and changed `source.file`. A worker that
  cannot see the working folder stops the batch with a message saying so.
- Outputs come back as text: the document process writes its JSON into a scratch folder
  of the Dask worker, the worker returns the text, and the parent writes it into OUT with the
  same `write_atomically`, so the files, `output_sha256`, resume and the stale-output
  clean-up are those of the process engine. OUT need not be shared.
- Per-document limits: each thread of a Dask worker keeps one resident, warmed-up document
  process (a one-process `WorkerPool`, `keep_workers=True`): the same time limit (SIGALRM,
  then a hard kill of the process group, so a hang inside C code is stopped), the same
  memory cap (RLIMIT_AS), and a crash of the document process fails that document with
  `worker_crashed` at once, as on one machine.
- A Dask worker that dies (its host lost, killed from outside): the scheduler gives its task
  to another worker; after `max_tries` deaths on the same document (the scheduler's
  `distributed.scheduler.allowed-failures` + 1; set for a LocalCluster, the remote
  scheduler's own setting otherwise) the future fails with KilledWorker and the document
  gets `worker_crashed`. Each document's line is recorded once, when its future resolves.
- Warm-up once per Dask worker thread: `DocumentPlugin.setup` starts the document process
  (rules, NLP models) as the worker joins. The parent's KEHOACH_* settings (vocabulary folder, debug; size limits ride in the Options)
  travel with the plugin; workers must run the same kehoach-extract version (installed from
  its wheel with the `dask` extra), or the batch stops, since outputs would differ.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import shutil
import signal
import socket
import tempfile
import threading
import uuid
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any, Callable, Optional
from urllib.parse import urlsplit

import dask
from distributed import Client, KilledWorker, LocalCluster, WorkerPlugin, as_completed, get_worker

from extract.batch.folders import OutputPathError, remove_output, resolve_output
from extract.batch.pool import WorkerPool, WorkerStats
from extract.batch.worker import ExtractFn, Task, output_outside_entry
from extract.manifest import RunFailure, Status, manifest_entry, remove_file, write_atomically

PACKAGE = "kehoach-extract"
SETTINGS_PREFIX = "KEHOACH_"     # environment settings the workers take from the parent
DEFAULT_MAX_TRIES = 3            # Dask workers a document may end before it counts as crashed
# Document processes start from a fork server: no fork of a threaded Dask worker, and a
# replacement (after a hang or a crash) starts without importing everything again.
START_METHOD = "forkserver"
PR_SET_PDEATHSIG = 1     # prctl(2)
# One task at a time on a one-thread worker: when a worker dies, the scheduler counts a death
# against every task assigned to it, and a document waiting behind a poison one must not pay.
# (A remote scheduler should be started with the same setting.)
LOCAL_SCHEDULER = {"distributed.scheduler.worker-saturation": 1.0}


def _package_version() -> str | None:
    try:
        return metadata.version(PACKAGE)
    except metadata.PackageNotFoundError:
        return None


@dataclass
class WorkerSetup:
    """What every Dask worker needs to process documents as the parent would (pickled)."""

    extract_fn: ExtractFn
    options: Any
    timeout: float
    warm: Callable[[], Any] | None
    memory_mb: int
    folder: str                                   # the parent's working folder
    version: str | None                           # kehoach-extract of the parent
    settings: dict[str, str] = field(default_factory=dict)   # the parent's KEHOACH_* variables


@dataclass(frozen=True)
class Outcome:
    """One document done on a Dask worker: its manifest line, its JSON text when it is ok,
    and the memory of the process that did it (KiB)."""

    entry: dict
    text: str | None
    pid: int
    rss_kb: int
    peak_rss_kb: int
    replaced: int     # document processes replaced on the way (hang, crash)


class DocumentPlugin(WorkerPlugin):
    """Lives in each Dask worker: resident document processes, one per running task."""

    def __init__(self, setup: WorkerSetup):
        self.setup_data = setup
        self.idle: list[WorkerPool] = []
        self.scratch: Path | None = None
        self.unusable: str | None = None

    def setup(self, worker) -> None:
        """On a Dask worker joining: check its version and view of the working folder, then
        start (and warm) one document process from a fork server."""
        data = self.setup_data
        self.lock = threading.Lock()    # made on the worker: the plugin travels pickled
        if _package_version() != data.version:
            self.unusable = (f"this Dask worker runs {PACKAGE} {_package_version()}, the batch {data.version}: "
                             f"install the same wheel on every worker")
        elif not os.path.isdir(data.folder):
            self.unusable = (f"this Dask worker does not see the batch's working folder {data.folder}: "
                             f"the Dask engine reads inputs from a file system shared at the same path")
        if self.unusable:
            return
        # A Dask worker is a daemon process by default, and those may not start processes;
        # the document processes are ended by their pool (process-group kill) and by teardown.
        multiprocessing.current_process().daemon = False
        preload = ["extract.batch.worker", getattr(data.extract_fn, "__module__", None) or "extract.pipeline"]
        multiprocessing.get_context(START_METHOD).set_forkserver_preload(preload)
        self.scratch = Path(tempfile.mkdtemp(prefix="kehoach-dask-"))
        pool = self._new_pool()
        pool.start()   # warm up now, while the worker waits for its first task
        self.idle.append(pool)

    def teardown(self, worker) -> None:
        """On a Dask worker leaving: close its document processes."""
        with self.lock:
            pools, self.idle = self.idle, []
        for pool in pools:
            pool.close()
        if self.scratch is not None:
            shutil.rmtree(self.scratch, ignore_errors=True)

    def _new_pool(self) -> WorkerPool:
        data = self.setup_data
        warm = _Warm(data.folder, data.settings, data.warm)
        return WorkerPool(1, self.scratch, data.extract_fn, data.options, data.timeout, warm, START_METHOD,
                          data.memory_mb)

    def extract(self, task: Task) -> Outcome:
        """Run one document in a resident document process; its line and JSON text."""
        if self.unusable:
            raise RuntimeError(self.unusable)
        with self.lock:
            pool = self.idle.pop() if self.idle else self._new_pool()
        try:
            entries: list[dict] = []
            pending = [task]
            replaced = pool.stats.replaced
            pool.run(lambda: pending.pop() if pending else None, lambda _index, entry: entries.append(entry),
                     keep_workers=True)
        finally:
            with self.lock:
                self.idle.append(pool)
        entry = entries[0]
        target = resolve_output(self.scratch, task.output)
        text = target.read_text(encoding="utf-8") if entry["status"] == Status.ok else None
        remove_file(target)
        _done, pid, rss = pool.stats.rss_trace[-1] if pool.stats.rss_trace else (0, 0, 0)
        pool.stats.rss_trace.clear()
        return Outcome(entry, text, pid, rss, pool.stats.peak_rss_kb.get(pid, 0), pool.stats.replaced - replaced)


def _die_with_parent() -> None:
    """Linux: this process is killed when its parent (the fork server) ends, which it does when
    its Dask worker dies, so that no document goes on computing for a worker that is gone."""
    try:
        import ctypes
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        pass


class _Warm:
    """A document process's start: the parent's working folder and KEHOACH_* settings, then
    the usual warm-up (picklable, for the fork server's start)."""

    def __init__(self, folder: str, settings: dict[str, str], warm: Callable[[], Any] | None):
        self.folder, self.settings, self.warm = folder, settings, warm

    def __call__(self) -> None:
        _die_with_parent()
        os.chdir(self.folder)  # source.file is relative to the working folder, as in the parent
        for key in [key for key in os.environ if key.startswith(SETTINGS_PREFIX)]:
            del os.environ[key]
        os.environ.update(self.settings)   # the fork server's environment is the worker's own
        if self.warm is not None:
            self.warm()


def extract_on_worker(plugin_name: str, task: Task) -> Outcome:
    """The Dask task: one document on the worker that runs it (through its plugin)."""
    return get_worker().plugins[plugin_name].extract(task)


def crashed_entry(task: Task, tries: int) -> dict:
    """The failed line of a document during which `tries` Dask workers stopped."""
    return manifest_entry(task.file, Status.failed, reason=RunFailure.worker_crashed, sha256=task.sha256, message=(
        f"the Dask workers stopped unexpectedly on this document ({tries} tries); "
        f"try the file alone with kehoach extract and report it if it fails again"))


def _probe(address: str, seconds: float = 5.0) -> None:
    """Raise OSError at once when nothing listens at a tcp:// scheduler address (Dask's own
    client retries a refused connection for 30 s before it gives up)."""
    parts = urlsplit(address if "://" in address else f"tcp://{address}")
    if parts.scheme != "tcp" or parts.hostname is None or parts.port is None:
        return      # other transports (tls://, inproc://): Dask's own connect decides
    with socket.create_connection((parts.hostname, parts.port), timeout=seconds):
        pass


class DaskPool:
    """Documents on a Dask cluster, behind the same seam as `WorkerPool`.

    `scheduler`: the address of a running scheduler (tcp://HOST:PORT), or None for a
    LocalCluster of `size` worker processes with one thread each. `max_tries`: Dask workers
    a document may end before it fails with worker_crashed (LocalCluster only; a remote
    scheduler applies its own allowed-failures). Raises OSError (from `run`) when the
    scheduler cannot be reached.
    """

    def __init__(self, size: int, out: Path, extract_fn: ExtractFn, options: Any, timeout: float,
                 warm: Callable[[], Any] | None, memory_mb: int = 0, scheduler: str | None = None,
                 max_tries: int = DEFAULT_MAX_TRIES):
        self.size = size
        self.out = Path(out)
        self.scheduler = scheduler
        self.max_tries = max(1, max_tries)
        self.setup = WorkerSetup(extract_fn, options, timeout, warm, memory_mb, os.getcwd(), _package_version(),
                                 {key: value for key, value in os.environ.items() if key.startswith(SETTINGS_PREFIX)})
        self.stats = WorkerStats()
        self.client: Client | None = None
        self.cluster: LocalCluster | None = None
        self.plugin_name: str | None = None
        self.futures: dict[Any, Task] = {}

    def _connect(self) -> Client:
        if self.scheduler:
            _probe(self.scheduler)
            self.client = Client(self.scheduler)
            self.size = max(1, sum(self.client.nthreads().values()))
            return self.client
        with dask.config.set(LOCAL_SCHEDULER | {"distributed.scheduler.allowed-failures": self.max_tries - 1}):
            self.cluster = LocalCluster(n_workers=self.size, threads_per_worker=1, processes=True,
                                        dashboard_address=":0", silence_logs=logging.ERROR)
            self.client = Client(self.cluster)
        return self.client

    def run(self, next_task: Callable[[], Optional[Task]], on_result: Callable[[int, dict], None]) -> None:
        """Run tasks from `next_task()` (None: no more) until all are done.

        `on_result(task.index, manifest_line)` is called in this process once per document;
        its JSON is in OUT before the call. Inputs are settled (hashed) as the cluster takes them.
        """
        try:
            client = self._connect()
            self.plugin_name = f"kehoach-batch-{uuid.uuid4().hex}"
            client.register_plugin(DocumentPlugin(self.setup), name=self.plugin_name)
            # Results are fetched as soon as they are ready: a result still held by a worker
            # that dies is lost, and Dask would extract that document again.
            running = as_completed(with_results=True, raise_errors=False)
            exhausted = self._submit(client, running, next_task, on_result)
            for future, outcome in running:
                task = self.futures.pop(future)
                if future.status == "error":
                    outcome = future.exception()
                on_result(task.index, self._settle(task, outcome))
                del future, outcome   # a result still wanted would be recomputed if its worker died
                if not exhausted:
                    exhausted = self._submit(client, running, next_task, on_result)
        finally:
            self.close()

    def _submit(self, client: Client, running, next_task: Callable[[], Optional[Task]],
                on_result: Callable[[int, dict], None]) -> bool:
        """Keep one document in flight per worker thread; True when there are no more.

        Not more: a document waiting on a worker that dies counts that death as one of its
        tries, and it would be extracted again (a round trip per document is the price).
        """
        # Asked each time (one call to the scheduler): a worker that died and is starting again
        # has no thread, and a task sent to its neighbour would wait there, exposed to its death.
        window = max(1, sum(client.nthreads().values()))
        while len(self.futures) < window:
            task = next_task()
            if task is None:
                return True
            try:
                resolve_output(self.out, task.output)
            except OutputPathError:
                on_result(task.index, output_outside_entry(task))
                continue
            future = client.submit(extract_on_worker, self.plugin_name, task, pure=False,
                                   key=f"kehoach-document-{task.index}-{uuid.uuid4().hex}")
            self.futures[future] = task
            running.add(future)
        return False

    def _settle(self, task: Task, outcome: Outcome | BaseException) -> dict:
        """The document's line, its JSON written into OUT (or a stale one removed).
        Raises what the task raised, other than the workers' deaths (a broken worker)."""
        if isinstance(outcome, KilledWorker):
            remove_output(self.out, task.output)
            return crashed_entry(task, outcome.allowed_failures + 1)
        if isinstance(outcome, BaseException):
            raise outcome
        self.stats.replaced += outcome.replaced
        if outcome.pid:
            self.stats.peak_rss_kb[outcome.pid] = max(outcome.peak_rss_kb, self.stats.peak_rss_kb.get(outcome.pid, 0))
            self.stats.rss_trace.append((len(self.stats.rss_trace) + 1, outcome.pid, outcome.rss_kb))
        if outcome.text is None:
            remove_output(self.out, task.output)
            return outcome.entry
        try:
            target = resolve_output(self.out, task.output)
        except OutputPathError:
            return output_outside_entry(task)
        write_atomically(target, outcome.text)
        return outcome.entry

    def close(self) -> None:
        """Cancel what is in flight, end the document processes, leave the cluster."""
        client, self.client = self.client, None
        if client is not None:
            try:
                if self.futures:
                    client.cancel(list(self.futures), force=True)
                if self.plugin_name is not None:
                    client.unregister_worker_plugin(self.plugin_name)
            except Exception:  # closing must not hide what stopped the batch
                pass
            client.close()
        self.futures = {}
        if self.cluster is not None:
            self.cluster.close()
            self.cluster = None
