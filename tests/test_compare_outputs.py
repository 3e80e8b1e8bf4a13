"""tools/compare_outputs.py: two batch outputs compared document by document, byte for byte."""

from __future__ import annotations

import importlib.util
import json

import pytest

from conftest import ROOT

spec = importlib.util.spec_from_file_location("compare_outputs", ROOT / "tools" / "compare_outputs.py")
compare_outputs = importlib.util.module_from_spec(spec)
spec.loader.exec_module(compare_outputs)


def batch_output(folder, documents: dict[str, str], seconds: float = 1.0):
    """A folder shaped like `kehoach batch -o`: docs/<name> and a manifest line per document."""
    for name, text in documents.items():
        path = folder / "docs" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    lines = [json.dumps({"file": name, "status": "ok", "output": f"docs/{name}", "seconds": seconds})
             for name in documents]
    (folder / "manifest.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def test_outputs_that_differ_only_in_timings_are_identical(tmp_path):
    before = batch_output(tmp_path / "a", {"x.json": "{}\n", "sub/y.json": "[]\n"}, seconds=1.0)
    after = batch_output(tmp_path / "b", {"x.json": "{}\n", "sub/y.json": "[]\n"}, seconds=9.5)
    assert compare_outputs.compare_outputs(before, after) == []
    assert compare_outputs.main([str(before), str(after)]) == 0


def test_a_changed_missing_or_extra_document_is_named(tmp_path):
    before = batch_output(tmp_path / "a", {"x.json": "{}\n", "y.json": "[]\n"})
    after = batch_output(tmp_path / "b", {"x.json": "{} \n", "z.json": "[]\n"})
    differences = compare_outputs.compare_outputs(before, after)
    assert "docs/x.json: content differs" in differences
    assert "docs/y.json: only in before" in differences and "docs/z.json: only in after" in differences
    assert any(line.startswith("manifest.jsonl:2") for line in differences)
    assert compare_outputs.main([str(before), str(after)]) == 1


def test_a_folder_without_a_manifest_is_not_a_batch_output(tmp_path, capsys):
    before = batch_output(tmp_path / "a", {"x.json": "{}\n"})
    (tmp_path / "empty").mkdir()
    assert compare_outputs.main([str(before), str(tmp_path / "empty")]) == 2
    assert "not a batch output" in capsys.readouterr().err


def test_a_database_is_compared_by_its_rows(tmp_path):
    duckdb = pytest.importorskip("duckdb")
    paths = []
    for name, value in (("a.duckdb", 1), ("b.duckdb", 1), ("c.duckdb", 2)):
        path = tmp_path / name
        with duckdb.connect(str(path)) as connection:
            connection.execute("CREATE TABLE t (v INTEGER)")
            connection.execute("INSERT INTO t VALUES (?)", [value])
        paths.append(path)
    assert compare_outputs.same_content(paths[0], paths[1])
    assert not compare_outputs.same_content(paths[0], paths[2])
