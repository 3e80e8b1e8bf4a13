"""Worker processes on this machine (stdlib multiprocessing), each with its own pipe.

The parent waits on all pipes and process sentinels at once; a worker that hangs past its
document's time limit plus a grace period, or dies, is killed and replaced, the document it
was on fails (timeout, worker_crashed) and the others it held go to another worker. Workers
take documents in chunks so that thousands of small files do not drown in pipe traffic.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import os
import signal
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional

from extract.batch.folders import remove_output
from extract.batch.worker import ExtractFn, Task, timeout_message, worker_main
from extract.manifest import Reason, RunFailure, Status, manifest_entry


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
                 warm: Callable[[], Any] | None, context: str | None = None, memory_mb: int = 0,
                 expected_tasks: int | None = None):
        method = context or ("fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn")
        self.context = multiprocessing.get_context(method)
        self.size = size
        self.expected_tasks = expected_tasks   # how many documents the batch holds, when known
        self.args = (Path(out), extract_fn, options, timeout, warm, memory_mb)
        self.timeout = timeout
        self.grace = min(max(1.0, 0.1 * timeout), 10.0)
        # Warming up (imports, rules, NLP models) is not a document's time, but it is bounded too.
        self.startup_limit = max(60.0, timeout)
        self.workers: list[_Worker] = []
        self.stats = WorkerStats()
        self.start_failures = 0

    def _spawn(self) -> _Worker:
        return _Worker(*spawn_process(self.context, worker_main, self.args, "kehoach-batch-worker"))

    def _kill(self, worker: _Worker) -> None:
        kill_process(worker.process, worker.conn)

    def start(self) -> None:
        """Start the workers (their warm-up begins) unless they are running; `run` calls it."""
        if not self.workers:
            self.workers = [self._spawn() for _ in range(self.size)]

    def close(self) -> None:
        """Ask every worker to stop, wait up to 2 s each, then kill what is left."""
        for worker in self.workers:
            try:
                worker.conn.send(None)
            except OSError:
                pass
        for worker in self.workers:
            worker.process.join(2)
            self._kill(worker)
        self.workers = []

    def run(self, next_task: Callable[[], Optional[Task]], on_result: Callable[[int, dict], None],
            keep_workers: bool = False) -> None:
        """Run tasks from `next_task()` (None: no more) until all are done.

        `on_result(task.index, manifest_line)` is called in this process for each document,
        exactly once, whether it was extracted, timed out or its worker died. With
        `keep_workers`, the warmed-up workers stay for the next `run` (the Dask engine runs one
        document at a time through a resident pool); `close()` ends them.
        """
        queue = _TaskQueue(next_task)
        self.start()
        finished = False
        try:
            while True:
                self._feed(queue)
                if queue.done() and not any(worker.assigned for worker in self.workers):
                    finished = True
                    return
                try:
                    self._wait()
                except KeyboardInterrupt:
                    # documents finished before the Ctrl-C are written: their lines must say so
                    for worker in self.workers:
                        self._drain(worker, on_result)
                    raise
                for slot, worker in enumerate(self.workers):
                    self._check(slot, worker, queue, on_result)
        finally:
            if not (finished and keep_workers):
                self.close()

    def _feed(self, queue: "_TaskQueue") -> None:
        """Keep up to two chunks' weight in flight per worker, one chunk per worker in turn, so
        that heavy documents (their own chunk each) spread over the workers."""
        chunk_size = self._chunk_size(len(queue.requeued))
        hungry = list(self.workers)
        while hungry:
            for worker in list(hungry):
                if sum(task.weight for task in worker.assigned) >= 2 * chunk_size:
                    hungry.remove(worker)
                    continue
                chunk = queue.take(chunk_size)
                if not chunk:
                    return
                if not worker.assigned:
                    worker.started = time.monotonic()
                worker.assigned.extend(chunk)
                try:
                    worker.conn.send(chunk)
                except OSError:
                    hungry.remove(worker)  # dead: found by _check through its sentinel

    def _wait(self) -> None:
        """Until a worker sends something or dies, or the nearest deadline passes."""
        deadlines = [deadline for deadline in map(self._deadline, self.workers) if deadline is not None]
        wait_for = max(0.0, min(deadlines) - time.monotonic()) if deadlines else None
        handles = [w.conn for w in self.workers] + [w.process.sentinel for w in self.workers]
        multiprocessing.connection.wait(handles, timeout=wait_for)

    def _check(self, slot: int, worker: _Worker, queue: "_TaskQueue",
               on_result: Callable[[int, dict], None]) -> None:
        """Collect a worker's results; replace it when it is past a deadline or dead."""
        alive = self._drain(worker, on_result)
        if alive and worker.process.is_alive():
            deadline = self._deadline(worker)
            if deadline is None or time.monotonic() <= deadline:
                return
            self._kill(worker)
            if worker.ready:
                self._fail_head(worker, on_result, RunFailure.timeout,
                                timeout_message(self.timeout) + "; the worker was stopped")
                queue.give_back(worker.assigned, skip_head=True)
            else:
                queue.give_back(worker.assigned, skip_head=False)
                self._count_start_failure("did not get ready in time")
            self._replace(slot)
            return
        # The worker died (crash, out of memory killer, or killed from outside).
        worker.process.join(5)
        code = worker.process.exitcode
        if worker.ready and worker.assigned:
            self._fail_head(worker, on_result, RunFailure.worker_crashed,
                            f"the extractor stopped unexpectedly on this document (exit code {code}); "
                            f"try the file alone with kehoach extract and report it if it fails again")
            queue.give_back(worker.assigned, skip_head=True)
        else:
            queue.give_back(worker.assigned, skip_head=False)
            if not worker.ready:
                self._count_start_failure(f"exit code {code}")
        self._kill(worker)
        self._replace(slot)

    def _fail_head(self, worker: _Worker, on_result: Callable[[int, dict], None], reason: Reason,
                   message: str) -> None:
        """The document a lost worker was on fails; the others it held go to another worker."""
        head = worker.assigned[0]
        remove_output(self.args[0], head.output)
        on_result(head.index, manifest_entry(head.file, Status.failed, reason=reason, message=message,
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
        # Small chunks near a requeue (after a hang); up to 16 otherwise, but never so large that
        # a few heavy documents (scans: seconds per page) all queue on one worker while another idles.
        if backlog:
            return 1
        largest = 8 if self.size > 1 else 16
        if self.expected_tasks is None or self.size == 1:
            return largest
        return max(1, min(largest, self.expected_tasks // (4 * self.size)))

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



class _TaskQueue:
    """Tasks from `next_task()`, with the ones a lost worker still held served first."""

    def __init__(self, next_task: Callable[[], Optional[Task]]):
        self.next_task = next_task
        self.requeued: deque[Task] = deque()   # held by a lost worker: served first, in small chunks
        self.held: Task | None = None           # taken but too heavy for the last chunk: starts the next
        self.exhausted = False

    def take(self, weight: int) -> list[Task]:
        """The next chunk: tasks up to `weight` in all (a heavier task comes alone)."""
        chunk: list[Task] = []
        total = 0
        while total < weight:
            if self.requeued:
                task = self.requeued[0]
                if chunk and total + task.weight > weight:
                    break
                self.requeued.popleft()
            elif self.held is not None:
                task, self.held = self.held, None
            elif self.exhausted:
                break
            else:
                task = self.next_task()
                if task is None:
                    self.exhausted = True
                    break
            if chunk and total + task.weight > weight:
                self.held = task
                break
            chunk.append(task)
            total += task.weight
        return chunk

    def give_back(self, assigned: deque, skip_head: bool) -> None:
        """A lost worker's tasks, except the one it was on when `skip_head` (that one failed)."""
        rest = list(assigned)[1 if skip_head else 0:]
        self.requeued.extendleft(reversed(rest))
        assigned.clear()

    def done(self) -> bool:
        return self.exhausted and not self.requeued and self.held is None
