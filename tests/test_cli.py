"""The command line as other tools use it: extract, text, schema, eval."""

import json

from typer.testing import CliRunner

from conftest import CORPUS, ROOT
from extract.cli import app

runner = CliRunner()


def test_text_and_extract_agree_on_offsets():
    path = str(CORPUS / "minh-xuan-phuong-2026.pdf")
    text = runner.invoke(app, ["text", path])
    extracted = runner.invoke(app, ["extract", path])
    assert text.exit_code == 0 and extracted.exit_code == 0
    document = json.loads(extracted.stdout)
    for reference in document["document"]["references"]:
        for source in reference["sources"]:
            assert text.stdout[source["start"]:source["end"]] == source["quote"]


def test_extract_into_a_folder_keeps_formats_apart(tmp_path):
    files = [str(CORPUS / f"binh-lu-xa-2026.{ext}") for ext in ("txt", "docx")]
    result = runner.invoke(app, ["extract", *files, "-o", str(tmp_path)])
    assert result.exit_code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["binh-lu-xa-2026.docx.json", "binh-lu-xa-2026.txt.json"]


def test_unreadable_input_is_reported_not_raised(tmp_path):
    empty = tmp_path / "empty.docx"
    empty.write_bytes(b"")
    result = runner.invoke(app, ["extract", str(empty)])
    assert result.exit_code == 1
    assert "empty" in result.output


def test_schema_is_json_schema():
    result = runner.invoke(app, ["schema"])
    schema = json.loads(result.stdout)
    assert schema["$schema"].endswith("2020-12/schema")
    assert {"indicators", "tasks", "assignments", "problems"} <= set(schema["properties"])


def test_eval_prints_every_category(tmp_path):
    golden = tmp_path / "golden"
    golden.mkdir()
    (golden / "plan.json").write_text((ROOT / "golden" / "binh-lu-xa-2026.txt.json").read_text(encoding="utf-8"),
                                      encoding="utf-8")
    result = runner.invoke(app, ["eval", str(golden), "--json"])
    figures = json.loads(result.stdout)
    assert figures["txt"]["overall"]["f1"] > 0.9


def test_json_is_what_the_standard_library_writes():
    from extract.write import document_json
    from conftest import extracted
    document = extracted(CORPUS / "quang-tri-tinh-2026.txt")
    assert document_json(document) == json.dumps(document.model_dump(mode="json"), ensure_ascii=False, indent=2) + "\n"
