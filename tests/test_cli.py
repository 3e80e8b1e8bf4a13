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


# ------------------------------------------------------------------ as integrators use it

import subprocess
import sys

from extract import EXTRACTOR


def test_version():
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.stdout.strip() == EXTRACTOR


def test_several_documents_are_json_lines_one_is_a_json_document():
    files = [str(CORPUS / f"binh-lu-xa-2026.{ext}") for ext in ("txt", "docx")]
    several = runner.invoke(app, ["extract", "--no-nlp", *files])
    assert several.exit_code == 0
    lines = several.stdout.splitlines()
    assert [json.loads(line)["source"]["file"] for line in lines] == [f"corpus/binh-lu-xa-2026.{ext}" for ext in ("txt", "docx")]
    one = runner.invoke(app, ["extract", "--no-nlp", files[0]])
    assert json.loads(one.stdout) == json.loads(lines[0]) and len(one.stdout.splitlines()) > 1
    forced = runner.invoke(app, ["extract", "--no-nlp", "--jsonl", files[0]])
    assert forced.stdout.count("\n") == 1 and json.loads(forced.stdout) == json.loads(lines[0])


def test_a_failed_file_among_several_keeps_the_others_as_json_lines(tmp_path):
    empty = tmp_path / "empty.pdf"
    empty.write_bytes(b"")
    result = runner.invoke(app, ["extract", "--no-nlp", str(empty), str(CORPUS / "binh-lu-xa-2026.txt")])
    assert result.exit_code == 1
    assert [json.loads(line)["source"]["format"] for line in result.stdout.splitlines()] == ["txt"]
    assert "empty.pdf: empty:" in result.stderr


def test_standard_input_in_every_format_is_sniffed_from_content():
    for ext in ("txt", "docx", "pdf"):
        path = CORPUS / f"tan-ha-xa-bcd-2026.{ext}"
        from_stdin = runner.invoke(app, ["extract", "--no-nlp", "-"], input=path.read_bytes())
        from_file = runner.invoke(app, ["extract", "--no-nlp", str(path)])
        assert from_stdin.exit_code == 0, from_stdin.output
        piped, named = json.loads(from_stdin.stdout), json.loads(from_file.stdout)
        assert piped["source"]["file"] == "-" and piped["source"]["format"] == ext
        piped["source"]["file"] = named["source"]["file"]
        assert piped == named
        text = runner.invoke(app, ["text", "-"], input=path.read_bytes())
        assert text.stdout == runner.invoke(app, ["text", str(path)]).stdout


def test_empty_standard_input_is_reported():
    result = runner.invoke(app, ["extract", "-"], input=b"")
    assert result.exit_code == 1 and "-: empty:" in result.stderr


def test_out_folder_prints_each_path_written(tmp_path):
    path = CORPUS / "binh-lu-xa-2026.txt"
    result = runner.invoke(app, ["extract", "--no-nlp", str(path), "-", "-o", str(tmp_path)],
                           input=path.read_bytes())
    assert result.exit_code == 0
    written = result.stdout.splitlines()
    assert written == [str(tmp_path / "binh-lu-xa-2026.txt.json"), str(tmp_path / "stdin.json")]
    assert all(json.loads(open(name, encoding="utf-8").read())["indicators"] for name in written)


def test_eval_without_golden_files_fails_with_a_message(tmp_path):
    missing = runner.invoke(app, ["eval", str(tmp_path / "nowhere")])
    assert missing.exit_code == 2 and "no golden folder" in missing.stderr
    (tmp_path / "baseline.json").write_text("{}", encoding="utf-8")   # JSON, but no golden file
    empty = runner.invoke(app, ["eval", str(tmp_path)])
    assert empty.exit_code == 2 and "holds no golden file" in empty.stderr


def test_eval_reports_dev_and_heldout_apart(tmp_path):
    golden = tmp_path / "golden"
    golden.mkdir()
    for name in ("binh-lu-xa-2026.txt.json", "heldout-ea-drang-xa-2026.txt.json"):
        (golden / name).write_text((ROOT / "golden" / name).read_text(encoding="utf-8"), encoding="utf-8")
    result = runner.invoke(app, ["eval", str(golden), "--no-nlp"])
    assert result.exit_code == 0
    titles = [line for line in result.stdout.splitlines() if line.startswith("== ")]
    assert titles == ["== dev (1 golden files)", "== held-out (1 golden files)", "== all golden files (2 golden files)"]
    figures = json.loads(runner.invoke(app, ["eval", str(golden), "--no-nlp", "--json"]).stdout)
    assert set(figures["sets"]) == {"dev", "heldout"}
    assert figures["sets"]["heldout"]["txt"]["overall"]["tp"] + figures["sets"]["dev"]["txt"]["overall"]["tp"] \
        == figures["txt"]["overall"]["tp"]


def test_extract_writes_a_per_document_workbook(tmp_path):
    from openpyxl import load_workbook

    empty = tmp_path / "empty.docx"
    empty.write_bytes(b"")
    book = tmp_path / "plan.xlsx"
    path = str(CORPUS / "hac-thanh-phuong-2026.docx")
    result = runner.invoke(app, ["extract", "--no-nlp", path, str(empty), "--xlsx", str(book), "-o", str(tmp_path)])
    assert result.exit_code == 1 and book.is_file()
    workbook = load_workbook(book, read_only=True)
    documents = list(workbook["Văn bản"].iter_rows(values_only=True))
    assert [row[0] for row in documents[1:]] == [path]
    indicators = list(workbook["Chỉ tiêu"].iter_rows(values_only=True))
    document = json.loads((tmp_path / "hac-thanh-phuong-2026.docx.json").read_text(encoding="utf-8"))
    assert len(indicators) - 1 == len(document["indicators"]) > 0
    failed = list(workbook["Tệp lỗi, bỏ qua"].iter_rows(values_only=True))
    assert failed[1][:5] == (str(empty), "failed", "Lỗi, không trích xuất được", "empty", "Tệp rỗng (0 byte)")


def test_batch_strict_and_summary_name_the_output_folders(tmp_path):
    source = tmp_path / "in"
    source.mkdir()
    (source / "plan.txt").write_bytes((CORPUS / "binh-lu-xa-2026.txt").read_bytes())
    (source / "empty.docx").write_bytes(b"")
    out = tmp_path / "out"
    common = ["batch", str(source), "-o", str(out), "--no-nlp", "--workers", "1", "--quiet"]
    lenient = runner.invoke(app, common)
    assert lenient.exit_code == 0, lenient.output
    strict = runner.invoke(app, [*common, "--strict"])
    assert strict.exit_code == 1
    full = runner.invoke(app, [c for c in common if c != "--quiet"])
    assert f"{out / 'docs'}/" in full.stdout and f"{out / 'tables'}/" in full.stdout
    (source / "empty.docx").unlink()
    assert runner.invoke(app, [*common, "--strict"]).exit_code == 0


def test_single_file_extract_loads_no_batch_machinery():
    """`kehoach extract` of a document that needs no NLP imports neither the batch runner, the
    tables (pandas, pyarrow, openpyxl, duckdb) nor underthesea."""
    code = ("import sys; from extract.cli import app\n"
            "try: app(['extract', sys.argv[1]])\n"
            "except SystemExit: pass\n"
            "heavy = ('extract.batch', 'extract.dataset', 'multiprocessing', 'pandas', 'pyarrow', 'openpyxl',"
            " 'duckdb', 'underthesea', 'tqdm')\n"
            "print(sorted(m for m in heavy if m in sys.modules), file=sys.stderr)")
    small = ROOT / "tests" / "fixtures" / "small-plan.txt"
    result = subprocess.run([sys.executable, "-c", code, str(small)], capture_output=True, text=True, cwd=ROOT)
    assert json.loads(result.stdout)["indicators"][0]["lead"], result.stderr
    assert result.stderr.strip().splitlines()[-1] == "[]"


def test_inputs_with_the_same_file_name_do_not_overwrite_each_other(tmp_path):
    other = tmp_path / "elsewhere"
    other.mkdir()
    source = CORPUS / "binh-lu-xa-2026.txt"
    copy = other / source.name
    copy.write_text(source.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    out = tmp_path / "out"
    result = runner.invoke(app, ["extract", "--no-nlp", str(source), str(copy), "-o", str(out)])
    assert result.exit_code == 0, result.output
    written = sorted(path.name for path in out.glob("*.json"))
    assert len(written) == 2 and all(name.startswith("binh-lu-xa-2026.txt~") for name in written)
    files = {json.loads(path.read_text(encoding="utf-8"))["source"]["file"] for path in out.glob("*.json")}
    assert len(files) == 2


def test_workbook_path_is_checked_before_any_work(tmp_path):
    a_file = tmp_path / "a-file"
    a_file.write_text("x", encoding="utf-8")
    plan = tmp_path / "plan.txt"
    plan.write_bytes((CORPUS / "binh-lu-xa-2026.txt").read_bytes())
    for xlsx, says in ((a_file / "x.xlsx", "is a file"), (tmp_path, "is a folder"), (plan, "input documents")):
        result = runner.invoke(app, ["extract", "--no-nlp", str(plan), "--xlsx", str(xlsx)])
        assert result.exit_code == 2, (xlsx, result.output)
        assert says in result.output and "Traceback" not in result.output
    assert plan.read_bytes() == (CORPUS / "binh-lu-xa-2026.txt").read_bytes()   # the input is untouched


def test_the_size_limit_in_the_environment_reaches_every_command_through_its_options(tmp_path, monkeypatch):
    path = tmp_path / "plan.txt"
    path.write_text("KẾ HOẠCH\nChuyển đổi số năm 2026\n" * 20, encoding="utf-8")
    monkeypatch.setenv("KEHOACH_MAX_BYTES", "100")
    for command in (["extract", str(path)], ["text", str(path)]):
        result = runner.invoke(app, command)
        assert result.exit_code == 1 and "too_large" in result.output and "limit is 100" in result.output
    piped = runner.invoke(app, ["text", "-"], input=path.read_bytes())
    assert piped.exit_code == 1 and "too_large" in piped.output
    monkeypatch.delenv("KEHOACH_MAX_BYTES")
    assert runner.invoke(app, ["text", str(path)]).exit_code == 0


def test_help_shows_flags_without_a_value_placeholder():
    # a flag takes no value: "--no-nlp  rules only", never "--no-nlp <bool>" (typer 0.29 did that)
    for command in (["--help"], ["extract", "--help"], ["batch", "--help"]):
        result = runner.invoke(app, command, terminal_width=100)
        assert result.exit_code == 0 and "--help" in result.output
        assert "<bool>" not in result.output and "BOOLEAN" not in result.output
