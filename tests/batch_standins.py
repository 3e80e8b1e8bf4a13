"""Stand-ins for the pipeline in the batch and table tests: fast, deterministic Documents.

`standin_extract(path, options)` reads a text file and builds a Document whose items depend
on the file's content only, so that batch mechanics (workers, manifest, resume, tables) are
tested without the real extractor. Content markers change its behaviour:

    "HANG"       sleeps far beyond any test time limit (interruptible by the soft timeout)
    "STUBBORN"   blocks SIGALRM, then sleeps: only the parent's hard kill stops it
    "CHILD"      starts a long `sleep` (its pid into $KEHOACH_TEST_CHILD), then behaves as STUBBORN
    "CRASH"      ends the worker process at once (os._exit)
    "REGEX"      a catastrophic regular expression: hangs inside C, where no alarm can interrupt
    "INTERRUPT"  sends Ctrl-C (SIGINT) to the batch's parent process, then behaves as HANG
    "MEMORY"     allocates 64 GiB (ends in MemoryError under the worker's memory cap)
    "UNWRITABLE" an indicator name and a page count that no table writer can hold as they are
    "BOOM"       raises an ordinary exception (a pipeline bug)
    "POISON"     ends the process that started the worker (a Dask worker), then itself
    "HOSTLOSS"   as POISON on its first call only (the calls log holds one line of it);
                 then an ordinary document
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

from extract.load import file_sha256
from extract.load import LoadError
from extract.models import (
    Agency, Assignment, DateValue, Deadline, Document, DocumentMeta, DocumentSource, Indicator, Issuer,
    Problem, Reference, Section, Source, Target, Task,
)

CALLS_ENV = "KEHOACH_TEST_CALLS"   # a file that every stand-in call appends a line to
CHILD_ENV = "KEHOACH_TEST_CHILD"   # a file that receives the pid of the CHILD marker's process


def _count_call(path: Path) -> None:
    log = os.environ.get(CALLS_ENV)
    if log:
        with open(log, "a", encoding="utf-8") as handle:
            handle.write(f"{path}\n")


def _calls(path: Path) -> int:
    """How many times the stand-in was called on `path` (by the calls log; 0 without one)."""
    log = os.environ.get(CALLS_ENV)
    if not log or not os.path.exists(log):
        return 0
    with open(log, encoding="utf-8") as handle:
        return sum(1 for line in handle if line.rstrip("\n") == str(path))


def _host_pid() -> int:
    """The process that started this worker, past a multiprocessing fork server."""
    parent = os.getppid()
    with open(f"/proc/{parent}/cmdline", "rb") as handle:
        if b"forkserver" not in handle.read():
            return parent
    with open(f"/proc/{parent}/stat", encoding="utf-8") as handle:
        return int(handle.read().rsplit(")", 1)[1].split()[1])


def sample_document(path: Path | str = "sample.txt", sha256: str = "0" * 64, label: str = "Minh Xuân",
                    file_format: str = "txt") -> Document:
    """A small but complete Document: every table gets rows."""
    src = lambda quote, start, page=None: [Source(page=page, quote=quote, start=start, end=start + len(quote))]
    lead = [Agency(name="Phòng Văn hóa - Xã hội", text="Phòng Văn hoá – Xã hội xã")]
    partners = [Agency(name="Công an xã", text="Công an xã"),
                Agency(name="Trung tâm Phục vụ hành chính công", text="Trung tâm Phục vụ hành chính công")]
    return Document(
        source=DocumentSource(file=str(path), sha256=sha256, format=file_format, pages=None,
                              extractor="stand-in"),
        document=DocumentMeta(
            doc_type="ke_hoach", number="01/KH-UBND", serial="01", symbol="KH-UBND",
            issuer=Issuer(name=f"Ủy ban nhân dân xã {label}", kind="ubnd", level="xa", locality=label,
                          province="Thái Nguyên"),
            place=label, date=DateValue(text="ngày 10 tháng 4 năm 2026", iso="2026-04-10", year=2026, month=4, day=10),
            title=f"Kế hoạch chuyển đổi số năm 2026 của xã {label}", plan_year=2026,
            recipients=["Sở Khoa học và Công nghệ", "Lưu: VT"],
            references=[Reference(text="Nghị quyết số 57-NQ/TW ngày 22/12/2024 của Bộ Chính trị", type="nghi_quyet",
                                  number="57-NQ/TW", date="2024-12-22", issuer="Bộ Chính trị", role="basis",
                                  sources=src("Nghị quyết số 57-NQ/TW", 10))],
        ),
        sections=[Section(id="s1", heading="MỤC TIÊU", level=1, number="I"),
                  Section(id="s2", parent="s1", heading="Mục tiêu cụ thể", level=2, number="1")],
        indicators=[
            Indicator(id="ind-1", name="Tỷ lệ hồ sơ được xử lý trên môi trường điện tử",
                      targets=[Target(value=70, comparator=">=", unit="%", scope="Cấp tỉnh", text="≥70"),
                               Target(value=17.5, comparator="=", unit="%", scope="Cấp xã", text="17,5")],
                      lead=lead, partners=partners,
                      deadline=Deadline(text="Quý II/2026", kind="quarter", start="2026-04-01", end="2026-06-30"),
                      group="Chuyển đổi số", sources=src("Tỷ lệ hồ sơ", 100, 5)),
            Indicator(id="ind-2", name="=Số sáng kiến", targets=[], lead=partners[:1]),
        ],
        tasks=[Task(id="task-1", name="Ban hành bộ trường thông tin", lead=lead, partners=partners[1:],
                    output="Bộ trường thông tin", deadline=Deadline(text="Thường xuyên", kind="ongoing"))],
        assignments=[Assignment(agency=lead[0], duties=["Chủ trì tham mưu", "Báo cáo định kỳ"],
                                deadlines=[Deadline(text="Hằng quý", kind="recurring")])],
        problems=[Problem(code="target_missing", severity="warning", message="chỉ tiêu ind-2 không có giá trị")],
    )


def make_tree(root: Path, files: dict[str, str]) -> Path:
    """Files (relative name -> UTF-8 text) under `root`, folders created."""
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def batch(src: Path, out: Path, **kwargs):
    """run_batch with the stand-in extraction, 2 workers and a 20 s limit unless given."""
    from extract.batch import run_batch

    kwargs.setdefault("extract_fn", standin_extract)
    kwargs.setdefault("workers", 2)
    kwargs.setdefault("timeout", 20)
    return run_batch(src, out, **kwargs)


def by_file(result) -> dict[str, dict]:
    return {entry["file"]: entry for entry in result.entries}


def standin_extract(path: Path, options=None) -> Document:
    path = Path(path)
    _count_call(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise LoadError("not_text", f"not UTF-8 text: {error}") from error
    if "CHILD" in text:
        import subprocess
        child = subprocess.Popen(["sleep", "600"])
        Path(os.environ[CHILD_ENV]).write_text(str(child.pid))
        text += "STUBBORN"
    if "STUBBORN" in text:
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
        time.sleep(600)
    if "INTERRUPT" in text:
        os.kill(os.getppid(), signal.SIGINT)
        text += "HANG"
    if "HANG" in text:
        time.sleep(600)
    if "CRASH" in text:
        os._exit(3)
    if "POISON" in text or ("HOSTLOSS" in text and _calls(path) == 1):
        os.kill(_host_pid(), signal.SIGKILL)
        os._exit(3)
    if "REGEX" in text:
        import re
        re.match(r"(a+)+$", "a" * 64 + "b")       # exponential backtracking in the C engine
    if "MEMORY" in text:
        bytearray(64 << 30)
    if "BOOM" in text:
        raise ValueError("stand-in bug")
    label = text.strip().splitlines()[0] if text.strip() else "trống"
    document = sample_document(path.name, file_sha256(path), label=label)
    if "UNWRITABLE" in text:
        document.indicators[0].name = "Tỷ lệ\ufffe hồ sơ\uffff\x1b trực tuyến"
        document.source.pages = 10 ** 20
    return document
