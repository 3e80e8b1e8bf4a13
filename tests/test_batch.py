"""`kehoach batch`: walking, workers, time limits, manifest, resume, determinism, path safety.

The extraction is a stand-in (tests/batch_standins.py), so that these tests exercise the batch
machinery alone and run in seconds; a last smoke test runs the real pipeline over corpus/.
"""

from __future__ import annotations

from collections import deque
import json
import os
from pathlib import Path

import pytest

from batch_standins import CALLS_ENV, CHILD_ENV, batch, by_file, make_tree, standin_extract
from extract.batch import format_summary, output_name, output_names, resolve_output, run_batch, walk_inputs
from extract.manifest import COUNT_KEYS, MANIFEST_NAME, read_manifest

ROOT = Path(__file__).resolve().parents[1]
MANIFEST_KEYS = ["file", "status", "reason", "message", "output", "output_sha256", "sha256", "format", "pages", "counts", "seconds"]


# ------------------------------------------------------------------------ walking

def test_walk_is_sorted_lists_hidden_and_own_output_as_skipped(tmp_path):
    src = make_tree(tmp_path / "in", {
        "b/plan.txt": "B", "a/plan.txt": "A", "a/z.txt": "Z", ".git/config": "x", "a/.hidden.txt": "x",
        "photo.PNG": "x", "~$plan.docx": "x", "out/docs/old.json": "{}",
    })
    inputs = walk_inputs(src, exclude=[src / "out"])
    assert [item.relative for item in inputs] == [".git", "a/.hidden.txt", "a/plan.txt", "a/z.txt", "b/plan.txt",
                                                  "out", "photo.PNG", "~$plan.docx"]
    skips = {item.relative: item.skip for item in inputs}
    assert skips["out"] == "output_folder"      # listed, never read
    assert skips[".git"] == "hidden" and skips["a/.hidden.txt"] == "hidden"   # listed, never silently absent
    assert skips["photo.PNG"] == "unsupported_extension"
    assert skips["~$plan.docx"] == "office_lock_file"
    assert skips["a/plan.txt"] is None


def test_walk_accounts_for_links_and_special_files(tmp_path):
    src = make_tree(tmp_path / "in", {"real/plan.txt": "A"})
    os.symlink(src / "real", src / "linked-folder")
    os.symlink(src / "missing.txt", src / "dangling.txt")
    os.mkfifo(src / "pipe")
    inputs = {item.relative: item for item in walk_inputs(src)}
    assert inputs["linked-folder"].skip == "symlink_to_folder"
    assert inputs["pipe"].skip == "not_a_regular_file"
    assert inputs["dangling.txt"].skip is None and inputs["dangling.txt"].output
    assert "linked-folder/plan.txt" not in inputs


# ------------------------------------------------------------------- output names

def test_output_names_are_safe_and_collision_free():
    assert output_name("xa-a/plan.docx") == "docs/xa-a/plan.docx.json"
    assert output_name("Kế hoạch 01.docx") == "docs/Kế hoạch 01.docx.json"
    rewritten = output_name("a:b/c*d.txt")
    assert rewritten.startswith("docs/a_b/c_d.txt~") and rewritten.endswith(".json")
    for bad in ("../etc/passwd", "/etc/passwd", "a/../../x", "./a", ""):
        with pytest.raises(ValueError):
            output_name(bad)
    names = output_names(["a_b.txt", "a:b.txt", "a?b.txt", "Plan.txt", "plan.txt", "x", "x.json/y"])
    assert len(set(names.values())) == len(names)
    assert len({name.casefold() for name in names.values()}) == len(names)
    assert names["a_b.txt"] == "docs/a_b.txt.json"        # a clean name is kept as it is
    folders = {str(Path(name).parent) for name in names.values()}
    assert not folders & set(names.values())               # no file where another output needs a folder


def test_resolve_output_never_leaves_out(tmp_path):
    assert resolve_output(tmp_path, "docs/a/b.json") == tmp_path / "docs/a/b.json"
    for escape in ("../x.json", "docs/../../x.json", "/tmp/x.json", "."):
        with pytest.raises(ValueError):
            resolve_output(tmp_path, escape)


def test_same_name_in_different_folders_both_survive(tmp_path):
    src = make_tree(tmp_path / "in", {"xa-a/plan.txt": "Bình Lư", "xa-b/plan.txt": "Minh Xuân",
                                      "xa-b/sub/plan.txt": "Bình Thành"})
    result = batch(src, tmp_path / "out")
    outputs = [entry["output"] for entry in result.entries]
    assert len(set(outputs)) == 3
    localities = {json.loads((tmp_path / "out" / output).read_text())["document"]["issuer"]["locality"]
                  for output in outputs}
    assert localities == {"Bình Lư", "Minh Xuân", "Bình Thành"}
    for output in outputs:
        assert (tmp_path / "out" / output).resolve().is_relative_to((tmp_path / "out" / "docs").resolve())


# ------------------------------------------------------------------------ manifest

def test_manifest_has_one_line_per_input_with_stable_keys(tmp_path):
    src = make_tree(tmp_path / "in", {f"d{i:02}.txt": f"Xã {i}" for i in range(25)} | {"bad.txt": "BOOM",
                                                                                        "logo.png": "x"})
    (src / "binary.txt").write_bytes(b"\xff\xfe\x00bad")
    result = batch(src, tmp_path / "out")
    lines = (tmp_path / "out" / MANIFEST_NAME).read_text(encoding="utf-8").splitlines()
    assert len(lines) == 28
    entries = [json.loads(line) for line in lines]
    assert [entry["file"] for entry in entries] == sorted(entry["file"] for entry in entries)
    assert all(list(entry) == MANIFEST_KEYS for entry in entries)
    files = {entry["file"]: entry for entry in entries}
    ok = files["d00.txt"]
    assert ok["status"] == "ok" and ok["format"] == "txt" and len(ok["sha256"]) == 64
    assert list(ok["counts"]) == list(COUNT_KEYS)
    assert ok["counts"] == {"sections": 2, "indicators": 2, "targets": 2, "tasks": 1, "assignments": 1,
                            "references": 1, "problems": 1}
    assert files["bad.txt"]["status"] == "failed" and files["bad.txt"]["reason"] == "internal_error"
    assert "program error" in files["bad.txt"]["message"] and "ValueError" not in files["bad.txt"]["message"]
    assert files["binary.txt"]["reason"] == "not_text"        # a LoadError code becomes the reason
    assert files["logo.png"]["status"] == "skipped"
    assert result.counts() == {"ok": 25, "failed": 2, "skipped": 1}


def test_summary_lists_failures_by_reason_and_slowest_files(tmp_path):
    src = make_tree(tmp_path / "in", {"a.txt": "A", "b.txt": "BOOM", "c.txt": "BOOM", "d.png": "x"})
    summary = format_summary(batch(src, tmp_path / "out", workers=1))
    assert "4 files: 1 ok, 2 failed, 1 skipped" in summary
    assert "internal_error  2" in summary
    assert "Slowest files:" in summary


# ----------------------------------------------------------- time limits and crashes

def test_hang_is_stopped_and_the_batch_goes_on(tmp_path):
    files = {f"d{i}.txt": f"Xã {i}" for i in range(6)}
    src = make_tree(tmp_path / "in", files | {"c-hang.txt": "HANG", "c-stubborn.txt": "STUBBORN"})
    result = batch(src, tmp_path / "out", timeout=1)
    entries = by_file(result)
    for name in ("c-hang.txt", "c-stubborn.txt"):
        assert entries[name]["status"] == "failed" and entries[name]["reason"] == "timeout", entries[name]
        assert entries[name]["output"] is None
    assert all(entries[name]["status"] == "ok" for name in files)
    assert result.stats.replaced == 1          # only the one that ignored the soft limit was killed
    assert result.seconds < 15


def test_killed_worker_takes_its_helper_processes_along(tmp_path, monkeypatch):
    src = make_tree(tmp_path / "in", {"a.txt": "Xã A", "b-child.txt": "CHILD"})
    pid_file = tmp_path / "child.pid"
    monkeypatch.setenv(CHILD_ENV, str(pid_file))
    entries = by_file(batch(src, tmp_path / "out", workers=1, timeout=1))
    assert entries["b-child.txt"]["reason"] == "timeout" and entries["a.txt"]["status"] == "ok"
    status = Path(f"/proc/{pid_file.read_text()}/status")
    assert not status.exists() or "State:\tZ" in status.read_text()   # gone, or dead and not yet reaped


def test_worker_crash_fails_one_document_only(tmp_path):
    files = {f"d{i}.txt": f"Xã {i}" for i in range(10)}
    src = make_tree(tmp_path / "in", files | {"d5-crash.txt": "CRASH"})
    entries = by_file(batch(src, tmp_path / "out", workers=1))
    assert entries["d5-crash.txt"]["reason"] == "worker_crashed"
    assert "exit code 3" in entries["d5-crash.txt"]["message"]
    assert all(entries[name]["status"] == "ok" for name in files)


# ---------------------------------------------------------- determinism and resume

def _without_seconds(manifest: Path) -> list[dict]:
    return [{**entry, "seconds": None} for entry in read_manifest(manifest.parent)]


def _json_outputs(out: Path) -> dict[str, bytes]:
    return {path.relative_to(out).as_posix(): path.read_bytes() for path in sorted((out / "docs").rglob("*.json"))}


def test_same_inputs_give_byte_identical_outputs(tmp_path):
    src = make_tree(tmp_path / "in", {f"{folder}/d{i}.txt": f"Xã {folder}{i}" for folder in "ab" for i in range(8)})
    batch(src, tmp_path / "one", workers=2)
    batch(src, tmp_path / "two", workers=1)
    one, two = _json_outputs(tmp_path / "one"), _json_outputs(tmp_path / "two")
    assert one == two and len(one) == 16
    assert _without_seconds(tmp_path / "one" / MANIFEST_NAME) == _without_seconds(tmp_path / "two" / MANIFEST_NAME)
    for data in one.values():
        assert b"seconds" not in data and b"2026-11" not in data   # no clock in the document JSON


def test_resume_skips_unchanged_inputs_without_extracting(tmp_path, monkeypatch):
    src = make_tree(tmp_path / "in", {f"d{i}.txt": f"Xã {i}" for i in range(6)} | {"bad.txt": "BOOM"})
    calls = tmp_path / "calls.log"
    monkeypatch.setenv(CALLS_ENV, str(calls))
    first = batch(src, tmp_path / "out")
    assert len(calls.read_text().splitlines()) == 7
    calls.write_text("")
    second = batch(src, tmp_path / "out", resume=True)
    assert calls.read_text().splitlines() == [str(src / "bad.txt")]    # only the failed one is retried
    entries = by_file(second)
    assert all(entries[f"d{i}.txt"]["status"] == "skipped" and entries[f"d{i}.txt"]["reason"] == "unchanged"
               for i in range(6))
    before = by_file(first)
    assert entries["d3.txt"]["counts"] == before["d3.txt"]["counts"]
    assert entries["d3.txt"]["sha256"] == before["d3.txt"]["sha256"]
    # A changed input is extracted again; a lost manifest does not matter (the JSON holds the sha256).
    (src / "d2.txt").write_text("Xã đổi", encoding="utf-8")
    (tmp_path / "out" / MANIFEST_NAME).unlink()
    calls.write_text("")
    third = by_file(batch(src, tmp_path / "out", resume=True))
    assert sorted(calls.read_text().splitlines()) == sorted([str(src / "bad.txt"), str(src / "d2.txt")])
    assert third["d2.txt"]["status"] == "ok" and third["d1.txt"]["reason"] == "unchanged"
    assert third["d1.txt"]["counts"] == before["d1.txt"]["counts"]


def test_failed_input_leaves_no_stale_output(tmp_path):
    src = make_tree(tmp_path / "in", {"plan.txt": "Minh Xuân"})
    first = batch(src, tmp_path / "out", workers=1)
    output = tmp_path / "out" / first.entries[0]["output"]
    assert output.exists()
    (src / "plan.txt").write_text("BOOM", encoding="utf-8")
    second = batch(src, tmp_path / "out", workers=1)
    assert second.entries[0]["status"] == "failed" and not output.exists()


# ------------------------------------------------------------------------- command

def test_batch_command_end_to_end(tmp_path, monkeypatch):
    try:
        import extract.pipeline  # noqa: F401  (batch_command builds its Options)
    except ImportError as error:
        pytest.skip(f"the pipeline is not importable yet: {error}")
    from typer.testing import CliRunner
    import typer
    from extract.batch import command as batch_command_module, run as batch_module

    monkeypatch.setattr(batch_module, "_default_extract", lambda: standin_extract)
    monkeypatch.setattr(batch_module, "_default_warm", lambda extract_fn, options: None)
    src = make_tree(tmp_path / "in", {"a/plan.txt": "Bình Lư", "b/plan.txt": "Minh Xuân", "c.txt": "BOOM"})
    app = typer.Typer()
    app.command()(batch_command_module.batch_command)
    out = tmp_path / "out"
    result = CliRunner().invoke(app, [str(src), "-o", str(out), "--workers", "2", "--timeout", "5",
                                      "--stats", str(tmp_path / "stats.json")])
    assert result.exit_code == 0, result.output
    assert "3 files: 2 ok, 1 failed, 0 skipped" in result.output
    assert "internal_error" in result.output
    assert (out / "tables" / "indicators.csv").exists() and (out / "tables" / "kehoach.xlsx").exists()
    stats = json.loads((tmp_path / "stats.json").read_text())
    assert stats["counts"] == {"ok": 2, "failed": 1} and stats["peak_rss_kb"]
    quiet = CliRunner().invoke(app, [str(src), "-o", str(out), "--resume", "--quiet", "--no-tables"])
    assert quiet.exit_code == 0 and quiet.output.count("\n") == 1 and "2 skipped" in quiet.output


# --------------------------------------------------------------- the real pipeline

CORPUS = ROOT / "corpus"


@pytest.mark.skipif(not any(CORPUS.glob("*.txt")), reason="corpus/ is empty")
def test_smoke_real_pipeline_over_corpus(tmp_path):
    try:
        from extract.pipeline import Options, extract_path
    except ImportError as error:
        pytest.skip(f"the pipeline is not importable yet: {error}")
    result = run_batch(CORPUS, tmp_path / "out", extract_fn=extract_path, options=Options(nlp=False),
                       workers=2, timeout=120)
    entries = [entry for entry in result.entries if entry["file"].count("/") == 0]
    not_done = [entry for entry in entries if entry["status"] != "ok"]
    if any(entry["reason"] == "internal_error" and "NotImplementedError" in (entry["message"] or "")
           for entry in not_done):
        pytest.skip("a pipeline stage is not implemented yet")
    assert not not_done, not_done
    assert all(entry["counts"]["sections"] > 0 for entry in entries)


def test_every_manifest_reason_is_documented_for_analysts():
    from extract.manifest import RunFailure, SkipReason

    guide = (ROOT / "docs" / "analysts.md").read_text(encoding="utf-8")
    documented = [reason for reason in (*SkipReason, *RunFailure) if f"`{reason.value}`" in guide]
    assert documented == [*SkipReason, *RunFailure]
    # the loader's codes are listed by example; the guide names the common ones
    assert all(f"`{code}`" in guide for code in ("empty", "too_large", "corrupt_pdf", "encrypted"))


def test_heavy_documents_come_alone_so_they_spread_over_the_workers():
    from extract.batch.pool import _TaskQueue
    from extract.batch.worker import Task

    weights = iter([1, 1, 7, 7, 1, 2, 2])
    tasks = [Task(index, f"f{index}", f"f{index}", f"docs/f{index}.json", "0" * 64, weight=next(weights))
             for index in range(7)]
    pending = iter(tasks)
    queue = _TaskQueue(lambda: next(pending, None))
    chunks = []
    while chunk := queue.take(4):
        chunks.append([task.weight for task in chunk])
    assert chunks == [[1, 1], [7], [7], [1, 2], [2]]      # a scan-sized file is a chunk of its own
    assert queue.done()
    # a lost worker's tasks come back first, still cut by weight
    queue.give_back(deque(tasks[:4]), skip_head=True)
    assert [task.index for task in queue.take(4)] == [1] and [task.index for task in queue.take(4)] == [2]
