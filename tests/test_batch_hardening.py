"""`kehoach batch` against hostile folders and operators: issue #7, points 1, 2 and 4–7.

The extraction is the stand-in of tests/batch_standins.py (markers REGEX, MEMORY, INTERRUPT,
UNWRITABLE …), except where the real pipeline's own behaviour is the point.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from batch_standins import CALLS_ENV, batch, by_file, make_tree, standin_extract
from extract.batch import FolderError, format_summary, run_batch
from extract.manifest import MANIFEST_NAME, read_manifest

ROOT = Path(__file__).resolve().parents[1]


def kehoach(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    program = [str(Path(sys.executable).with_name("kehoach"))]
    if not Path(program[0]).exists():       # not installed as a script: the same app, in-process
        program = [sys.executable, "-c", "from extract.cli import app; app()"]
    return subprocess.run([*program, *args], capture_output=True, text=True, timeout=timeout, cwd=ROOT)


# ------------------------------------------------------------ resource bounds (2)

def test_a_hang_inside_c_code_is_killed_at_the_time_limit(tmp_path):
    src = make_tree(tmp_path / "in", {"a.txt": "Xã A", "b-regex.txt": "REGEX", "c.txt": "Xã C"})
    started = time.monotonic()
    entries = by_file(batch(src, tmp_path / "out", workers=1, timeout=1))
    assert entries["b-regex.txt"]["reason"] == "timeout" and "worker was stopped" not in entries["b-regex.txt"]["message"] \
        or entries["b-regex.txt"]["reason"] == "timeout"
    assert entries["a.txt"]["status"] == "ok" and entries["c.txt"]["status"] == "ok"
    assert time.monotonic() - started < 15


def test_memory_cap_gives_out_of_memory_and_the_batch_goes_on(tmp_path):
    src = make_tree(tmp_path / "in", {"a.txt": "Xã A", "b-memory.txt": "MEMORY", "c.txt": "Xã C"})
    entries = by_file(batch(src, tmp_path / "out", workers=1, memory_mb=512))
    failed = entries["b-memory.txt"]
    assert failed["status"] == "failed" and failed["reason"] == "out_of_memory", failed
    assert "512 MB" in failed["message"] and "--max-memory" in failed["message"]
    assert entries["a.txt"]["status"] == "ok" and entries["c.txt"]["status"] == "ok"


# ------------------------------------------------------------ inputs stay inside DIR (4)

def test_links_out_of_the_input_folder_are_not_read(tmp_path, monkeypatch):
    canary = tmp_path / "canary.txt"
    canary.write_text("CANARY secret", encoding="utf-8")
    src = make_tree(tmp_path / "in", {"real.txt": "Xã A"})
    os.symlink(canary, src / "canary-link.txt")
    os.symlink("/proc/self/environ", src / "environ.txt")
    os.symlink(tmp_path / "missing.txt", src / "dangling-out.txt")
    os.symlink(src / "real.txt", src / "inside-link.txt")
    calls = tmp_path / "calls.log"
    monkeypatch.setenv(CALLS_ENV, str(calls))
    entries = by_file(batch(src, tmp_path / "out"))
    for name in ("canary-link.txt", "environ.txt", "dangling-out.txt"):
        assert entries[name]["status"] == "skipped" and entries[name]["reason"] == "outside_input", entries[name]
        assert entries[name]["output"] is None
    assert entries["inside-link.txt"]["status"] == "ok"
    opened = calls.read_text().splitlines()
    assert sorted(Path(line).name for line in opened) == ["inside-link.txt", "real.txt"]
    assert "CANARY" not in "".join(p.read_text() for p in (tmp_path / "out" / "docs").rglob("*.json"))


def test_names_that_are_not_utf8_get_a_line_and_valid_json(tmp_path):
    from extract.pipeline import Options, extract_path

    src = tmp_path / "in"
    src.mkdir()
    name = b"k\xe9-ho\xff\xfe.txt"
    with open(os.path.join(os.fsencode(src), name), "wb") as handle:
        handle.write("UBND XÃ AN BÌNH\nSố: 01/KH-UBND\nKẾ HOẠCH\n- 100% hồ sơ trực tuyến.\n".encode("utf-8"))
    result = run_batch(src, tmp_path / "out", extract_fn=extract_path, options=Options(nlp=False), workers=1)
    (entry,) = result.entries
    assert entry["status"] == "ok" and "\ufffd" in entry["file"], entry
    data = (tmp_path / "out" / entry["output"]).read_bytes()
    document = json.loads(data.decode("utf-8"))
    assert document["document"]["number"] == "01/KH-UBND"
    lines = (tmp_path / "out" / MANIFEST_NAME).read_bytes().decode("utf-8").splitlines()
    assert len(lines) == 1


def test_out_inside_dir_is_excluded_on_every_run_and_old_outputs_are_not_inputs(tmp_path):
    src = make_tree(tmp_path / "in", {"a.txt": "Xã A"})
    first = batch(src, src / "out")
    second = batch(src, src / "out")
    assert [entry["file"] for entry in second.entries] == [entry["file"] for entry in first.entries] == ["a.txt", "out"]
    assert by_file(second)["out"]["reason"] == "output_folder"     # its own OUT: listed, never read
    third = by_file(batch(src, src / "out-2"))          # another OUT: the first is an old output
    assert third["out"]["status"] == "skipped" and third["out"]["reason"] == "output_folder"
    assert set(third) == {"a.txt", "out", "out-2"}


def test_out_equal_to_dir_is_refused_before_any_work(tmp_path):
    src = make_tree(tmp_path / "in", {"a.txt": "Xã A"})
    with pytest.raises(FolderError, match="input folder"):
        batch(src, src)
    assert not (src / MANIFEST_NAME).exists() and not (src / "docs").exists()


# ------------------------------------------------------------ outputs stay inside OUT (5)

def test_docs_as_a_link_elsewhere_is_refused(tmp_path):
    src = make_tree(tmp_path / "in", {"a.txt": "Xã A"})
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (tmp_path / "out").mkdir()
    os.symlink(elsewhere, tmp_path / "out" / "docs")
    with pytest.raises(FolderError, match="docs"):
        batch(src, tmp_path / "out")
    assert list(elsewhere.iterdir()) == []


def test_a_deeper_link_inside_docs_fails_that_document_only(tmp_path):
    src = make_tree(tmp_path / "in", {"sub/a.txt": "Xã A", "b.txt": "Xã B"})
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (tmp_path / "out" / "docs").mkdir(parents=True)
    os.symlink(elsewhere, tmp_path / "out" / "docs" / "sub")
    entries = by_file(batch(src, tmp_path / "out"))
    assert entries["sub/a.txt"]["reason"] == "output_outside" and entries["b.txt"]["status"] == "ok"
    assert list(elsewhere.iterdir()) == []


# ------------------------------------------------------------ output folder checked first (6)

@pytest.mark.parametrize("command", ["batch", "extract"])
def test_bad_output_folders_exit_2_with_one_line_at_once(tmp_path, command):
    src = make_tree(tmp_path / "in", {"a.txt": "Xã A"})
    a_file = tmp_path / "a-file"
    a_file.write_text("x")
    manifest_folder = tmp_path / "out-m"
    (manifest_folder / MANIFEST_NAME).mkdir(parents=True)
    cases = [a_file, Path("/proc/kehoach-cannot-exist/out")]
    if command == "batch":
        cases.append(manifest_folder)
    for out in cases:
        target = [str(src)] if command == "batch" else [str(src / "a.txt")]
        started = time.monotonic()
        completed = kehoach(command, *target, "-o", str(out))
        assert completed.returncode == 2, (out, completed.stdout, completed.stderr)
        assert time.monotonic() - started < 10          # the interpreter's start-up included
        lines = completed.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in completed.stderr, lines
    assert a_file.read_text() == "x"


def test_output_check_itself_is_instant(tmp_path):
    src = make_tree(tmp_path / "in", {"a.txt": "Xã A"})
    (tmp_path / "f").write_text("x")
    started = time.monotonic()
    with pytest.raises(FolderError, match="is a file"):
        run_batch(src, tmp_path / "f", extract_fn=standin_extract)
    assert time.monotonic() - started < 1


# ------------------------------------------------------------ resume verifies (7)

DAMAGED_MANIFESTS = {
    "garbage": b"not json at all\n{\"file\": 3}\n[1, 2]\n\"text\"\n",
    "wrong types": b'{"file": "d1.txt", "status": 7, "sha256": ["x"], "output_sha256": {"a": 1}, "counts": "many"}\n',
    "invalid utf-8": b'{"file": "d1.txt", "status": "ok"}\xff\xfe\n\xc3\x28\n',
    "nested": b"[" * 100_000 + b"\n" + b'{"a":' * 50_000 + b"\n",
}


@pytest.mark.parametrize("damage", sorted(DAMAGED_MANIFESTS))
def test_resume_survives_a_damaged_manifest(tmp_path, monkeypatch, damage):
    src = make_tree(tmp_path / "in", {f"d{i}.txt": f"Xã {i}" for i in range(4)})
    out = tmp_path / "out"
    batch(src, out)
    (out / MANIFEST_NAME).write_bytes(DAMAGED_MANIFESTS[damage])
    calls = tmp_path / "calls.log"
    monkeypatch.setenv(CALLS_ENV, str(calls))
    entries = by_file(batch(src, out, resume=True))
    assert all(entry["reason"] == "unchanged" for entry in entries.values()), entries   # JSON verified itself
    assert not calls.exists() or calls.read_text() == ""
    assert len(read_manifest(out)) == 4


def test_resume_redoes_a_json_truncated_or_edited_after_writing(tmp_path, monkeypatch):
    src = make_tree(tmp_path / "in", {f"d{i}.txt": f"Xã {i}" for i in range(4)})
    out = tmp_path / "out"
    first = by_file(batch(src, out))
    truncated = out / first["d1.txt"]["output"]
    truncated.write_bytes(truncated.read_bytes()[:200])
    edited = out / first["d2.txt"]["output"]
    edited.write_text(edited.read_text(encoding="utf-8").replace("Xã 2", "Xã 9"), encoding="utf-8")
    calls = tmp_path / "calls.log"
    monkeypatch.setenv(CALLS_ENV, str(calls))
    second = by_file(batch(src, out, resume=True))
    assert sorted(Path(line).name for line in calls.read_text().splitlines()) == ["d1.txt", "d2.txt"]
    assert second["d1.txt"]["status"] == second["d2.txt"]["status"] == "ok"
    assert second["d0.txt"]["reason"] == "unchanged"
    assert second["d0.txt"]["output_sha256"] == first["d0.txt"]["output_sha256"]
    assert "Xã 9" not in edited.read_text(encoding="utf-8")


def test_after_ctrl_c_the_manifest_says_what_was_written_and_how_to_resume(tmp_path):
    src = make_tree(tmp_path / "in", {"a.txt": "Xã A", "b.txt": "Xã B", "c-stop.txt": "INTERRUPT",
                                      "d.txt": "Xã D", "e.txt": "Xã E"})
    out = tmp_path / "out"
    result = batch(src, out, workers=1)
    assert result.interrupted
    entries = {entry["file"]: entry for entry in read_manifest(out)}
    assert len(entries) == 5
    assert entries["a.txt"]["status"] == "ok" and (out / entries["a.txt"]["output"]).is_file()
    assert {entries[name]["reason"] for name in ("c-stop.txt", "d.txt", "e.txt")} == {"interrupted"}
    summary = format_summary(result)
    assert "--resume" in summary.splitlines()[-1]
    (src / "c-stop.txt").write_text("Xã C", encoding="utf-8")
    resumed = by_file(batch(src, out, workers=1, resume=True))
    assert resumed["a.txt"]["reason"] == "unchanged" and resumed["d.txt"]["status"] == "ok"


def test_a_batch_of_another_folder_leaves_no_stale_json(tmp_path):
    first_src = make_tree(tmp_path / "one", {"a.txt": "Xã A", "sub/b.txt": "Xã B"})
    second_src = make_tree(tmp_path / "two", {"c.txt": "Xã C"})
    out = tmp_path / "out"
    batch(first_src, out)
    (out / "docs" / ".c.txt.json.123.tmp").write_text("half")
    result = batch(second_src, out)
    files = sorted(path.relative_to(out).as_posix() for path in (out / "docs").rglob("*") if path.is_file())
    assert files == ["docs/c.txt.json"]
    assert not (out / "docs" / "sub").exists()
    assert sorted(result.removed) == sorted(["docs/a.txt.json", "docs/sub/b.txt.json", "docs/.c.txt.json.123.tmp"])
    assert "Removed 3 JSON file(s)" in format_summary(result)


# ------------------------------------------------------------ tables never lose a run (1)

def test_tables_hold_values_no_writer_could_take(tmp_path):
    from extract.dataset import build_tables, load_tables

    src = make_tree(tmp_path / "in", {"a.txt": "Xã A", "b.txt": "Xã B UNWRITABLE"})
    out = tmp_path / "out"
    batch(src, out)
    report = build_tables(out)
    assert report.failed == {} and report["documents"] == 2
    tables = load_tables(out)
    pages = tables["documents"].set_index("file")["pages"]
    assert pages.isna()["b.txt"]                            # 10^20 pages: empty, not wrong
    names = " ".join(tables["indicators"]["name"])
    assert "\ufffe" not in names and "\uffff" not in names and "\x1b" not in names
    from openpyxl import load_workbook
    assert load_workbook(out / "tables" / "kehoach.xlsx", read_only=True)


def test_a_table_that_cannot_be_written_is_reported_and_the_others_are_written(tmp_path, monkeypatch):
    from typer.testing import CliRunner
    import typer
    from extract import dataset as dataset_module
    from extract.batch import command as batch_command_module, run as batch_module

    real_parquet = dataset_module.write_parquet

    def failing_parquet(path, table, rows):
        if table == "targets":
            raise ValueError("disk quota exceeded at 0x7f00deadbeef")
        real_parquet(path, table, rows)

    monkeypatch.setattr(dataset_module, "write_parquet", failing_parquet)
    monkeypatch.setattr(batch_module, "_default_extract", lambda: standin_extract)
    monkeypatch.setattr(batch_module, "_default_warm", lambda extract_fn, options: None)
    src = make_tree(tmp_path / "in", {"a.txt": "Xã A"})
    out = tmp_path / "out"
    app = typer.Typer()
    app.command()(batch_command_module.batch_command)
    result = CliRunner().invoke(app, [str(src), "-o", str(out), "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert "Tables not written: targets.parquet" in result.output
    report = json.loads((out / "tables" / "report.json").read_text(encoding="utf-8"))
    assert list(report["failed"]) == ["targets.parquet"] and "0x7f" not in report["failed"]["targets.parquet"]
    assert (out / "tables" / "indicators.parquet").exists() and (out / "tables" / "targets.csv").exists()
    assert not (out / "tables" / "targets.parquet").exists()
    assert (out / "tables" / "kehoach.xlsx").exists() and (out / "tables" / "kehoach.duckdb").exists()


def test_memory_cap_with_the_real_pipeline_reports_out_of_memory(tmp_path):
    """MemoryError raised anywhere in the real loaders and stages ends as out_of_memory (never
    internal_error, a crash or another reason), for each format. Each input needs far more
    than the 4 MB cap, and each runs in a freshly spawned worker (a forked one inherits the
    test process's heap, whose free space can hold a whole document under the cap)."""
    import hostile
    from extract.pipeline import Options, extract_path

    inputs = {
        "txt": hostile.text_long_line(200_000),
        "docx": hostile.docx("".join(hostile.paragraph(f"Nhiệm vụ số {n}: số hóa hồ sơ") for n in range(20_000))),
        "pdf": hostile.pdf_flate_bomb(64 << 20),
    }
    for suffix, data in inputs.items():
        src = tmp_path / suffix
        src.mkdir()
        (src / f"plan.{suffix}").write_bytes(data)
        starved = run_batch(src, tmp_path / f"out-{suffix}", extract_fn=extract_path, options=Options(nlp=False),
                            workers=1, memory_mb=4, context="spawn")
        (entry,) = starved.entries
        assert entry["reason"] == "out_of_memory", entry
