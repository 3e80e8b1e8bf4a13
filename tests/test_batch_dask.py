"""`kehoach batch --engine dask`: the process engine's results, on a LocalCluster of 2 worker
processes (one thread each), shared by the tests of this module through its address."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

import pytest

distributed = pytest.importorskip("distributed", reason="the dask extra is not installed")
import dask  # noqa: E402

from batch_standins import CALLS_ENV, batch, by_file, make_tree, standin_extract  # noqa: E402
from extract.batch import run_batch  # noqa: E402
from extract.manifest import MANIFEST_NAME, read_manifest  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
TRIES = 2    # Dask workers a document may end before it fails (the cluster's allowed-failures + 1)


@pytest.fixture(scope="module")
def scheduler():
    settings = {"distributed.scheduler.allowed-failures": TRIES - 1,
                "distributed.scheduler.worker-saturation": 1.0}
    with dask.config.set(settings):
        cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                           dashboard_address=None, silence_logs=logging.CRITICAL)
    yield cluster.scheduler_address
    cluster.close()


def on_dask(src: Path, out: Path, scheduler: str, **kwargs):
    return batch(src, out, engine="dask", scheduler=scheduler, **kwargs)


def lines_without_seconds(out: Path) -> list[dict]:
    return [{**entry, "seconds": None} for entry in read_manifest(out)]


def json_outputs(out: Path) -> dict[str, bytes]:
    return {path.relative_to(out).as_posix(): path.read_bytes() for path in sorted((out / "docs").rglob("*.json"))}


def test_same_manifest_and_bytes_as_the_process_engine_with_hangs_and_crashes(tmp_path, scheduler, monkeypatch):
    calls = tmp_path / "calls.log"
    monkeypatch.setenv(CALLS_ENV, str(calls))
    src = make_tree(tmp_path / "in", {
        **{f"{folder}/d{i}.txt": f"Xã {folder}{i}" for folder in "ab" for i in range(4)},
        "hang.txt": "HANG", "regex.txt": "REGEX", "crash.txt": "CRASH", "bug.txt": "BOOM",
    })
    (src / "latin1.txt").write_bytes(b"X\xe3 An B\xecnh")
    result = on_dask(src, tmp_path / "dask", scheduler, timeout=1)
    entries = by_file(result)
    assert entries["hang.txt"]["reason"] == "timeout" and entries["regex.txt"]["reason"] == "timeout"
    assert entries["crash.txt"]["reason"] == "worker_crashed" and entries["bug.txt"]["reason"] == "internal_error"
    assert entries["latin1.txt"]["reason"] == "not_text"
    assert sum(entry["status"] == "ok" for entry in result.entries) == 8
    assert calls.read_text().splitlines().count(str(src / "crash.txt")) == 1   # not retried: counted once
    assert result.stats.peak_rss_kb and result.workers == 2

    batch(src, tmp_path / "processes", workers=2, timeout=1)
    assert json_outputs(tmp_path / "dask") == json_outputs(tmp_path / "processes")
    assert len(json_outputs(tmp_path / "dask")) == 8
    assert lines_without_seconds(tmp_path / "dask") == lines_without_seconds(tmp_path / "processes")


def test_a_lost_worker_loses_no_document_and_a_poison_one_fails_after_its_tries(tmp_path, scheduler, monkeypatch):
    calls = tmp_path / "calls.log"
    monkeypatch.setenv(CALLS_ENV, str(calls))
    src = make_tree(tmp_path / "in", {f"d{i}.txt": f"Xã {i}" for i in range(6)}
                    | {"lost.txt": "Xã Mất HOSTLOSS", "poison.txt": "POISON"})
    entries = by_file(on_dask(src, tmp_path / "out", scheduler))
    assert entries["lost.txt"]["status"] == "ok"                    # retried on a worker that lived
    assert entries["poison.txt"]["reason"] == "worker_crashed"
    assert f"({TRIES} tries)" in entries["poison.txt"]["message"]
    assert all(entries[f"d{i}.txt"]["status"] == "ok" for i in range(6))
    assert len(read_manifest(tmp_path / "out")) == 8                 # one line each
    logged = calls.read_text().splitlines()
    # lost.txt runs again after its first worker died; a third run happens when the worker that
    # finished it is killed by poison.txt before the parent fetched the result (Dask recomputes
    # a lost result). Either way its manifest line is written once (above).
    assert logged.count(str(src / "lost.txt")) in (2, 3) and logged.count(str(src / "poison.txt")) == TRIES
    assert all(logged.count(str(src / f"d{i}.txt")) == 1 for i in range(6))   # none redone
    assert not (tmp_path / "out" / "docs" / "poison.txt.json").exists()


def test_resume_on_dask_extracts_only_what_is_not_done(tmp_path, scheduler, monkeypatch):
    calls = tmp_path / "calls.log"
    monkeypatch.setenv(CALLS_ENV, str(calls))
    src = make_tree(tmp_path / "in", {f"d{i}.txt": f"Xã {i}" for i in range(4)} | {"bad.txt": "BOOM"})
    first = on_dask(src, tmp_path / "out", scheduler)
    (src / "bad.txt").write_text("Xã sửa rồi", encoding="utf-8")
    (tmp_path / "out" / "docs" / "d0.txt.json").write_text("{}", encoding="utf-8")   # damaged: redone
    calls.write_text("")
    second = by_file(on_dask(src, tmp_path / "out", scheduler, resume=True))
    assert sorted(calls.read_text().splitlines()) == [str(src / "bad.txt"), str(src / "d0.txt")]
    assert second["d1.txt"]["reason"] == "unchanged" and second["bad.txt"]["status"] == "ok"
    assert second["d0.txt"]["output_sha256"] == by_file(first)["d0.txt"]["output_sha256"]


def test_limits_and_settings_reach_the_document_processes(tmp_path, scheduler, monkeypatch):
    src = make_tree(tmp_path / "in", {"a.txt": "Xã A", "memory.txt": "MEMORY"})
    entries = by_file(on_dask(src, tmp_path / "out", scheduler, memory_mb=256))
    assert entries["memory.txt"]["reason"] == "out_of_memory" and entries["a.txt"]["status"] == "ok"
    # A link inside OUT that leads out of it: refused in the parent, which writes every JSON.
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (tmp_path / "out" / "docs" / "a.txt.json").unlink()
    (tmp_path / "out" / "docs" / "a.txt.json").symlink_to(outside / "a.json")
    assert by_file(on_dask(src, tmp_path / "out", scheduler))["a.txt"]["reason"] == "output_outside"
    assert not (outside / "a.json").exists()


def test_the_real_pipeline_gives_the_same_bytes_on_dask(tmp_path, scheduler):
    from extract.pipeline import Options

    plan = min((ROOT / "corpus").glob("*.txt"), key=lambda path: path.stat().st_size)
    src = tmp_path / "in"
    src.mkdir()
    (src / plan.name).write_bytes(plan.read_bytes())
    dask_result = run_batch(src, tmp_path / "dask", options=Options(nlp=False), engine="dask", scheduler=scheduler)
    run_batch(src, tmp_path / "processes", options=Options(nlp=False), workers=1)
    assert dask_result.entries[0]["status"] == "ok", dask_result.entries
    assert json_outputs(tmp_path / "dask") == json_outputs(tmp_path / "processes")
    assert lines_without_seconds(tmp_path / "dask") == lines_without_seconds(tmp_path / "processes")


def _batch_app(monkeypatch):
    import typer
    from extract.batch import command, run

    monkeypatch.setattr(run, "_default_extract", lambda: standin_extract)
    monkeypatch.setattr(run, "_default_warm", lambda extract_fn, options: None)
    app = typer.Typer()
    app.command()(command.batch_command)
    return app


def test_command_engine_dask_on_its_own_local_cluster(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    src = make_tree(tmp_path / "in", {"a/plan.txt": "Bình Lư", "b/plan.txt": "Minh Xuân", "c.txt": "BOOM"})
    out = tmp_path / "out"
    result = CliRunner().invoke(_batch_app(monkeypatch), [str(src), "-o", str(out), "--engine", "dask",
                                                          "--workers", "2", "--timeout", "5"])
    assert result.exit_code == 0, result.output
    assert "3 files: 2 ok, 1 failed, 0 skipped" in result.output and "2 workers" in result.output
    assert (out / "tables" / "indicators.csv").exists()                 # built once, at the end
    assert json.loads((out / MANIFEST_NAME).read_text().splitlines()[0])["status"] == "ok"


def test_command_without_dask_or_scheduler_says_so_in_one_line(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    app = _batch_app(monkeypatch)
    src = make_tree(tmp_path / "in", {"a.txt": "Xã A"})
    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
        unreachable = CliRunner().invoke(app, [str(src), "-o", str(tmp_path / "out"), "--scheduler", "tcp://127.0.0.1:9"])
    assert unreachable.exit_code == 2 and "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in unreachable.output
    monkeypatch.delitem(sys.modules, "extract.batch.dask_engine", raising=False)
    monkeypatch.setitem(sys.modules, "dask", None)             # as if the dask extra were not installed
    missing = CliRunner().invoke(app, [str(src), "-o", str(tmp_path / "out"), "--engine", "dask"])
    assert missing.exit_code == 2
    assert missing.output.strip() == ("error: --engine dask needs Dask distributed, which is not installed: "
                                      "pip install 'kehoach-extract[dask]'")
