"""Analyst tables: CSV (BOM), Parquet, XLSX (Vietnamese headers), DuckDB; keys, order, bytes."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import pytest

from batch_standins import sample_document, standin_extract
from extract.batch import run_batch
from extract.manifest import manifest_entry, write_manifest
from extract.rules import load_rules
from extract.dataset import TABLES, WORKBOOK_NAME, DATABASE_NAME, build_tables, headers, load_tables
from extract.write import document_json

TABLE_NAMES = ["documents", "indicators", "targets", "tasks", "assignments", "agencies", "references", "problems"]
SHEETS = ["Văn bản", "Chỉ tiêu", "Mục tiêu", "Nhiệm vụ", "Phân công", "Cơ quan", "Văn bản dẫn chiếu", "Vấn đề"]


@pytest.fixture(scope="module")
def batch_out(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("tables")
    src = root / "in"
    for folder, names in {"xa-a": ["Bình Lư", "Bình Thành"], "xa-b": ["Minh Xuân"]}.items():
        for number, name in enumerate(names):
            path = src / folder / f"plan-{number}.txt"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(name, encoding="utf-8")
    (src / "xa-b" / "broken.txt").write_text("BOOM", encoding="utf-8")
    out = root / "out"
    run_batch(src, out, extract_fn=standin_extract, workers=2, timeout=20)
    build_tables(out)
    return out


def read_csv(out: Path, table: str) -> list[dict]:
    raw = (out / "tables" / f"{table}.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")            # BOM: Excel reads the file as UTF-8
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


def test_every_column_has_a_vietnamese_header():
    vocabulary = load_rules("tables")
    assert list(vocabulary["tables"]) == TABLE_NAMES == list(TABLES)
    for table in TABLES:
        sheet, labels = headers(table)
        assert len(sheet) <= 31 and all(labels)
        assert len(set(labels)) == len(labels), f"{table}: two columns with one header"
    assert [headers(table)[0] for table in TABLES] == SHEETS


def test_csv_tables_rows_keys_and_order(batch_out):
    documents = read_csv(batch_out, "documents")
    assert [row["document_id"] for row in documents] == ["xa-a/plan-0.txt", "xa-a/plan-1.txt", "xa-b/plan-0.txt"]
    assert documents[0]["issuer_locality"] == "Bình Lư" and documents[0]["date"] == "2026-04-10"
    assert documents[0]["file"] == "xa-a/plan-0.txt" and documents[0]["indicator_count"] == "2"
    indicators = read_csv(batch_out, "indicators")
    assert len(indicators) == 6
    assert indicators[0]["indicator_id"] == "xa-a/plan-0.txt:ind-1"
    assert indicators[0]["targets_text"] == ">= 70 % (Cấp tỉnh); 17.5 % (Cấp xã)"
    assert indicators[0]["lead"] == "Phòng Văn hóa - Xã hội"
    targets = read_csv(batch_out, "targets")
    assert [row["value"] for row in targets[:2]] == ["70", "17.5"]
    assert {row["indicator_id"] for row in targets} <= {row["indicator_id"] for row in indicators}
    agencies = read_csv(batch_out, "agencies")
    roles = {(row["item_type"], row["role"]) for row in agencies}
    assert roles == {("indicator", "lead"), ("indicator", "partner"), ("task", "lead"), ("task", "partner"),
                     ("assignment", "assignee")}
    for table in TABLE_NAMES:
        header = (batch_out / "tables" / f"{table}.csv").read_bytes().decode("utf-8-sig").split("\r\n")[0]
        assert header.split(",") == [column for column, _ in TABLES[table]]


def test_parquet_types_and_pandas(batch_out):
    frames = load_tables(batch_out)
    assert list(frames) == TABLE_NAMES
    assert str(frames["targets"]["value"].dtype) == "float64"
    assert str(frames["documents"]["pages"].dtype) in ("Int64", "float64", "object")
    assert frames["documents"]["date"].iloc[0].isoformat() == "2026-04-10"
    assert len(frames["problems"]) == 3


def test_xlsx_has_vietnamese_sheets_headers_and_no_formulas(batch_out):
    from openpyxl import load_workbook

    workbook = load_workbook(batch_out / "tables" / WORKBOOK_NAME, read_only=True)
    assert workbook.sheetnames == [*SHEETS, "Tệp lỗi, bỏ qua"]
    sheet = workbook["Chỉ tiêu"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("Mã văn bản", "Mã chỉ tiêu", "Số hiệu chỉ tiêu trong văn bản", "Tên chỉ tiêu")
    assert rows[2][3] == "=Số sáng kiến"          # text starting with '=' stays text
    with zipfile.ZipFile(batch_out / "tables" / WORKBOOK_NAME) as package:
        sheet_xml = b"".join(package.read(name) for name in package.namelist() if name.startswith("xl/worksheets/"))
    assert b"<f>" not in sheet_xml


def test_indicators_per_agency_is_one_duckdb_query(batch_out):
    import duckdb

    connection = duckdb.connect(str(batch_out / "tables" / DATABASE_NAME), read_only=True)
    tables = {row[0] for row in connection.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    assert tables == set(TABLE_NAMES)
    query = (Path(__file__).resolve().parents[1] / "docs" / "analysts.md").read_text(encoding="utf-8")
    sql = query.split("```sql\n", 1)[1].split("```", 1)[0]       # the first query in the analysts' guide
    rows = connection.execute(sql).fetchall()
    assert {row[0]: row[1] for row in rows} == {"Phòng Văn hóa - Xã hội": 3, "Công an xã": 3}
    connection.close()


def test_tables_are_byte_identical_across_builds(batch_out, tmp_path):
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(batch_out / "docs", copy / "docs")
    shutil.copy(batch_out / "manifest.jsonl", copy / "manifest.jsonl")
    build_tables(copy)
    for table in TABLE_NAMES:
        for suffix in ("csv", "parquet"):
            name = f"{table}.{suffix}"
            assert (copy / "tables" / name).read_bytes() == (batch_out / "tables" / name).read_bytes(), name
    assert (copy / "tables" / WORKBOOK_NAME).read_bytes() == (batch_out / "tables" / WORKBOOK_NAME).read_bytes()


def test_build_tables_alone_without_manifest_and_empty(tmp_path):
    out = tmp_path / "out"
    (out / "docs" / "x").mkdir(parents=True)
    (out / "docs" / "x" / "a.docx.json").write_text(document_json(sample_document("a.docx")), encoding="utf-8")
    counts = build_tables(out, xlsx=False, duckdb=False)
    assert counts["documents"] == 1 and counts["agencies"] == 7
    assert read_csv(out, "documents")[0]["document_id"] == "x/a.docx"
    empty = tmp_path / "empty"
    empty.mkdir()
    write_manifest(empty, [manifest_entry("a.png", "skipped", reason="unsupported_extension")])
    counts = build_tables(empty)
    assert all(count == 0 for count in counts.values())
    assert read_csv(empty, "targets") == []
    assert (empty / "tables" / DATABASE_NAME).exists()


def test_workbook_staff_open(batch_out):
    """Failed files with reasons, Vietnamese labels beside codes, filter, frozen header, widths."""
    from openpyxl import load_workbook

    workbook = load_workbook(batch_out / "tables" / WORKBOOK_NAME)   # not read-only: sheet settings too
    files = list(workbook["Tệp lỗi, bỏ qua"].iter_rows(values_only=True))
    assert files[0] == ("Tệp", "Trạng thái", "Kết quả xử lý", "Lý do", "Lý do (diễn giải)", "Chi tiết")
    assert [row[0] for row in files[1:]] == ["xa-b/broken.txt"]
    assert files[1][1:5] == ("failed", "Lỗi, không trích xuất được", "internal_error",
                             "Lỗi chương trình (cần báo cho bộ phận kỹ thuật)")
    problems = list(workbook["Vấn đề"].iter_rows(values_only=True))
    header = problems[0]
    code = header.index("Mã vấn đề")
    assert header[code + 1] == "Vấn đề (diễn giải)" and header[header.index("Mức độ") + 1] == "Mức độ (diễn giải)"
    labels = load_rules("labels")["columns"]["code"]["values"]
    assert all(row[code + 1] == labels[row[code]] for row in problems[1:]) and len(problems) > 1
    for sheet in workbook.worksheets:
        assert sheet.freeze_panes == "A2", sheet.title
        assert sheet.auto_filter.ref == f"A1:{sheet.cell(1, sheet.max_column).column_letter}{sheet.max_row}"
        widths = [sheet.column_dimensions[sheet.cell(1, n).column_letter].width for n in range(1, sheet.max_column + 1)]
        assert all(8 <= width <= 60 for width in widths), sheet.title
    indicators = workbook["Chỉ tiêu"]
    names = [indicators.cell(1, n).value for n in range(1, indicators.max_column + 1)]
    name_width = indicators.column_dimensions[indicators.cell(1, names.index("Tên chỉ tiêu") + 1).column_letter].width
    count_width = indicators.column_dimensions[indicators.cell(1, names.index("Số mục tiêu") + 1).column_letter].width
    assert name_width > count_width


def test_agency_rows_say_whose_commune(batch_out):
    """The same office name in two communes: told apart by the issuer's locality."""
    agencies = [row for row in read_csv(batch_out, "agencies") if row["agency_name"] == "Phòng Văn hóa - Xã hội"]
    assert {row["issuer_locality"] for row in agencies} == {"Bình Lư", "Bình Thành", "Minh Xuân"}
    assignments = read_csv(batch_out, "assignments")
    assert all(row["issuer_locality"] for row in assignments)


def test_every_code_and_reason_has_a_vietnamese_label():
    from extract.models import PROBLEM_CODES

    labels = load_rules("labels")["columns"]
    assert set(PROBLEM_CODES) <= set(labels["code"]["values"])
    assert set(labels["severity"]["values"]) == {"error", "warning", "info"}
    assert set(labels["status"]["values"]) == {"ok", "failed", "skipped"}
    from contract_codes import failure_reasons
    missing = failure_reasons() - set(labels["reason"]["values"])
    assert not missing, f"reasons without a Vietnamese label in rules/labels.yaml: {sorted(missing)}"
