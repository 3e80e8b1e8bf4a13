"""Analyst tables from a batch output folder: CSV, Parquet, XLSX and DuckDB.

`build_tables(OUT)` reads the document JSON files that OUT/manifest.jsonl lists (or, without a
manifest, every OUT/docs/**/*.json) and writes into OUT/tables/:

    <table>.csv        UTF-8 with BOM (Excel shows Vietnamese), one per table
    <table>.parquet    typed columns (pyarrow)
    kehoach.xlsx       one sheet per table, Vietnamese sheet names and headers (rules/tables.yaml),
                       a Vietnamese label beside each code (rules/labels.yaml), and a sheet of the
                       files that failed or were skipped; header frozen, auto-filter, widths fitted
    kehoach.duckdb     one table per table, created from the Parquet files

Tables: documents, indicators, targets, tasks, assignments, agencies, references, problems.
`agencies` and `assignments` carry the issuing document's locality and province, so that one
office name in different communes ("Phòng Văn hóa - Xã hội") stays apart.
Keys: `document_id` (the document JSON's path under OUT/docs without '.json': stable and
unique), `indicator_id` / `task_id` / `assignment_id` (`<document_id>:<id in the document>`);
`agencies` links an item (`item_type`, `item_id`) to each of its agencies with a `role`.
Rows are in manifest order (sorted input paths), then document order; columns in the order
below. CSV, Parquet and XLSX bytes depend only on the documents; a DuckDB file does not.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
import os
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator

from extract.manifest import DOCS_DIR, MANIFEST_NAME, TABLES_DIR, SkipReason, read_manifest
from extract.load.errors import scrub_internals
from extract.models import Agency, Deadline, Document, Issuer, Source
from extract.rules import load_rules

WORKBOOK_NAME = "kehoach.xlsx"
DATABASE_NAME = "kehoach.duckdb"
LIST_SEPARATOR = "; "
FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
FIXED_TIMESTAMP = "1980-01-01T00:00:00Z"

# Column types: str, int, float, bool, date. Every table's columns, in output order.
DEADLINE_COLUMNS = (("deadline_text", "str"), ("deadline_kind", "str"), ("deadline_start", "date"),
                    ("deadline_end", "date"), ("deadline_recurrence", "str"))
SOURCE_COLUMNS = (("page", "int"), ("quote", "str"))

TABLES: dict[str, tuple[tuple[str, str], ...]] = {
    "documents": (
        ("document_id", "str"), ("file", "str"), ("output", "str"), ("sha256", "str"), ("format", "str"),
        ("pages", "int"), ("ocr", "bool"), ("extractor", "str"), ("doc_type", "str"), ("number", "str"),
        ("serial", "str"), ("symbol", "str"), ("title", "str"), ("issuer_name", "str"), ("issuer_kind", "str"),
        ("issuer_level", "str"), ("issuer_locality", "str"), ("issuer_province", "str"), ("place", "str"),
        ("date", "date"), ("date_text", "str"), ("plan_year", "int"), ("signer_name", "str"),
        ("signer_title", "str"), ("signer_capacity", "str"), ("recipients", "str"),
        ("section_count", "int"), ("indicator_count", "int"), ("target_count", "int"), ("task_count", "int"),
        ("assignment_count", "int"), ("reference_count", "int"), ("problem_count", "int"),
        ("declared_indicators", "int"), ("declared_tasks", "int"), ("declared_appendices", "str"),
    ),
    "indicators": (
        ("document_id", "str"), ("indicator_id", "str"), ("id", "str"), ("name", "str"), ("group", "str"),
        ("target_count", "int"), ("targets_text", "str"), ("lead", "str"), ("partners", "str"),
        *DEADLINE_COLUMNS, ("basis", "str"), *SOURCE_COLUMNS,
    ),
    "targets": (
        ("document_id", "str"), ("indicator_id", "str"), ("target_no", "int"), ("value", "float"),
        ("comparator", "str"), ("unit", "str"), ("scope", "str"), ("text", "str"),
    ),
    "tasks": (
        ("document_id", "str"), ("task_id", "str"), ("id", "str"), ("name", "str"), ("group", "str"),
        ("lead", "str"), ("partners", "str"), ("output_text", "str"), *DEADLINE_COLUMNS, ("basis", "str"),
        *SOURCE_COLUMNS,
    ),
    "assignments": (
        ("document_id", "str"), ("assignment_id", "str"), ("assignment_no", "int"), ("agency_name", "str"),
        ("agency_text", "str"), ("issuer_locality", "str"), ("issuer_province", "str"), ("duty_count", "int"),
        ("duties", "str"), ("deadlines", "str"), *SOURCE_COLUMNS,
    ),
    "agencies": (
        ("document_id", "str"), ("item_type", "str"), ("item_id", "str"), ("role", "str"),
        ("agency_no", "int"), ("agency_name", "str"), ("agency_text", "str"), ("issuer_locality", "str"),
        ("issuer_province", "str"),
    ),
    "references": (
        ("document_id", "str"), ("reference_no", "int"), ("type", "str"), ("number", "str"), ("date", "date"),
        ("issuer", "str"), ("role", "str"), ("text", "str"), *SOURCE_COLUMNS,
    ),
    "problems": (
        ("document_id", "str"), ("problem_no", "int"), ("code", "str"), ("severity", "str"),
        ("message", "str"), *SOURCE_COLUMNS,
    ),
}


# The workbook's sheet of files not extracted (rules/tables.yaml: files_sheet).
FILE_COLUMNS = (("file", "str"), ("status", "str"), ("reason", "str"), ("message", "str"))
# Reasons for which a file is not listed there: its document is in the tables all the same.
FILE_REASONS_NOT_LISTED = frozenset({SkipReason.unchanged})

# ------------------------------------------------------------------ documents in

@dataclass(frozen=True, slots=True)
class DocumentEntry:
    """One extracted document of a batch output, as the tables see it."""

    document_id: str
    file: str          # the input path relative to the batch folder (source.file without manifest)
    output: str | None  # OUT-relative path of the JSON (None: not written, `kehoach extract --xlsx`)
    document: Document


def iter_documents(out_dir: Path, unreadable: list[str] | None = None,
                   manifest_entries: list[dict] | None = None) -> Iterator[DocumentEntry]:
    """The extracted documents of a batch, in manifest order (else sorted JSON paths).

    A listed JSON that cannot be read or is not a contract Document is left out (its
    OUT-relative path appended to `unreadable`), so one damaged file never stops the tables.
    """
    out_dir = Path(out_dir)
    manifest = out_dir / MANIFEST_NAME
    if manifest.is_file():
        entries = read_manifest(out_dir) if manifest_entries is None else manifest_entries
        listed = [(entry["output"], entry["file"]) for entry in entries
                  if isinstance(entry.get("output"), str) and entry.get("status") in ("ok", "skipped")]
    else:
        listed = [(path.relative_to(out_dir).as_posix(), None)
                  for path in sorted((out_dir / DOCS_DIR).rglob("*.json"))]
    for output, file in listed:
        path = out_dir / output
        if not path.is_file():
            continue
        try:
            document = Document.model_validate_json(path.read_bytes())
        except (OSError, ValueError, RecursionError):
            if unreadable is not None:
                unreadable.append(output)
            continue
        yield DocumentEntry(document_id_of(output), file or document.source.file, output, document)


def document_id_of(output: str) -> str:
    """docs/xa-a/plan.docx.json -> xa-a/plan.docx"""
    name = output[len(DOCS_DIR) + 1:] if output.startswith(DOCS_DIR + "/") else output
    return name[:-len(".json")] if name.endswith(".json") else name


# --------------------------------------------------------------------- flatten

def _names(agencies: list[Agency]) -> str | None:
    return LIST_SEPARATOR.join(agency.name for agency in agencies) or None


def _deadline(deadline: Deadline | None) -> dict[str, Any]:
    if deadline is None:
        return {name: None for name, _ in DEADLINE_COLUMNS}
    recurrence = deadline.recurrence
    return {
        "deadline_text": deadline.text,
        "deadline_kind": deadline.kind,
        "deadline_start": deadline.start,
        "deadline_end": deadline.end,
        "deadline_recurrence": recurrence.freq if recurrence else None,
    }


def _source(sources: list[Source]) -> dict[str, Any]:
    first = sources[0] if sources else None
    return {"page": first.page if first else None, "quote": first.quote if first else None}


def _target_text(target) -> str:
    comparator = "" if target.comparator == "=" else target.comparator + " "
    unit = f" {target.unit}" if target.unit else ""
    scope = f" ({target.scope})" if target.scope else ""
    value = int(target.value) if float(target.value).is_integer() else target.value
    return f"{comparator}{value}{unit}{scope}"


def _agency_rows(document_id: str, item_type: str, item_id: str, role: str,
                 agencies: list[Agency], issuer: Issuer) -> list[dict]:
    return [
        {"document_id": document_id, "item_type": item_type, "item_id": item_id, "role": role,
         "agency_no": number, "agency_name": agency.name, "agency_text": agency.text,
         "issuer_locality": issuer.locality, "issuer_province": issuer.province}
        for number, agency in enumerate(agencies, 1)
    ]


def flatten(entry: DocumentEntry) -> dict[str, list[dict]]:
    """One document as rows of every table."""
    doc, key = entry.document, entry.document_id
    meta = doc.document
    rows: dict[str, list[dict]] = {name: [] for name in TABLES}
    rows["documents"].append({
        "document_id": key, "file": entry.file, "output": entry.output,
        "sha256": doc.source.sha256, "format": doc.source.format, "pages": doc.source.pages,
        "ocr": doc.source.ocr, "extractor": doc.source.extractor, "doc_type": meta.doc_type,
        "number": meta.number, "serial": meta.serial, "symbol": meta.symbol, "title": meta.title,
        "issuer_name": meta.issuer.name, "issuer_kind": meta.issuer.kind, "issuer_level": meta.issuer.level,
        "issuer_locality": meta.issuer.locality, "issuer_province": meta.issuer.province,
        "place": meta.place, "date": meta.date.iso if meta.date else None,
        "date_text": meta.date.text if meta.date else None, "plan_year": meta.plan_year,
        "signer_name": meta.signer.name, "signer_title": meta.signer.title,
        "signer_capacity": meta.signer.capacity, "recipients": LIST_SEPARATOR.join(meta.recipients) or None,
        "section_count": len(doc.sections), "indicator_count": len(doc.indicators),
        "target_count": sum(len(indicator.targets) for indicator in doc.indicators),
        "task_count": len(doc.tasks), "assignment_count": len(doc.assignments),
        "reference_count": len(meta.references), "problem_count": len(doc.problems),
        "declared_indicators": doc.declared.indicators, "declared_tasks": doc.declared.tasks,
        "declared_appendices": LIST_SEPARATOR.join(doc.declared.appendices) or None,
    })
    for indicator in doc.indicators:
        item_id = f"{key}:{indicator.id}"
        rows["indicators"].append({
            "document_id": key, "indicator_id": item_id, "id": indicator.id, "name": indicator.name,
            "group": indicator.group, "target_count": len(indicator.targets),
            "targets_text": LIST_SEPARATOR.join(map(_target_text, indicator.targets)) or None,
            "lead": _names(indicator.lead), "partners": _names(indicator.partners),
            **_deadline(indicator.deadline), "basis": indicator.basis, **_source(indicator.sources),
        })
        rows["targets"] += [
            {"document_id": key, "indicator_id": item_id, "target_no": number, "value": target.value,
             "comparator": target.comparator, "unit": target.unit, "scope": target.scope, "text": target.text}
            for number, target in enumerate(indicator.targets, 1)
        ]
        rows["agencies"] += _agency_rows(key, "indicator", item_id, "lead", indicator.lead, meta.issuer)
        rows["agencies"] += _agency_rows(key, "indicator", item_id, "partner", indicator.partners, meta.issuer)
    for task in doc.tasks:
        item_id = f"{key}:{task.id}"
        rows["tasks"].append({
            "document_id": key, "task_id": item_id, "id": task.id, "name": task.name, "group": task.group,
            "lead": _names(task.lead), "partners": _names(task.partners), "output_text": task.output,
            **_deadline(task.deadline), "basis": task.basis, **_source(task.sources),
        })
        rows["agencies"] += _agency_rows(key, "task", item_id, "lead", task.lead, meta.issuer)
        rows["agencies"] += _agency_rows(key, "task", item_id, "partner", task.partners, meta.issuer)
    for number, assignment in enumerate(doc.assignments, 1):
        item_id = f"{key}:asg-{number}"
        rows["assignments"].append({
            "document_id": key, "assignment_id": item_id, "assignment_no": number,
            "agency_name": assignment.agency.name, "agency_text": assignment.agency.text,
            "issuer_locality": meta.issuer.locality, "issuer_province": meta.issuer.province,
            "duty_count": len(assignment.duties), "duties": "\n".join(assignment.duties) or None,
            "deadlines": LIST_SEPARATOR.join(deadline.text for deadline in assignment.deadlines) or None,
            **_source(assignment.sources),
        })
        rows["agencies"] += _agency_rows(key, "assignment", item_id, "assignee", [assignment.agency], meta.issuer)
    rows["references"] += [
        {"document_id": key, "reference_no": number, "type": reference.type, "number": reference.number,
         "date": reference.date, "issuer": reference.issuer, "role": reference.role, "text": reference.text,
         **_source(reference.sources)}
        for number, reference in enumerate(meta.references, 1)
    ]
    rows["problems"] += [
        {"document_id": key, "problem_no": number, "code": problem.code, "severity": problem.severity,
         "message": problem.message, **_source(problem.sources)}
        for number, problem in enumerate(doc.problems, 1)
    ]
    return rows


def collect_rows(entries: Iterable[DocumentEntry]) -> dict[str, list[dict]]:
    """Every table's rows over all entries (table name -> list of row dicts in TABLES column order).
    Raises RuntimeError when a row's keys differ from its table's columns (a programming error)."""
    tables: dict[str, list[dict]] = {name: [] for name in TABLES}
    for entry in entries:
        for name, rows in flatten(entry).items():
            tables[name] += rows
    for name, rows in tables.items():
        expected = [column for column, _ in TABLES[name]]
        for row in rows[:1]:
            if list(row) != expected:
                raise RuntimeError(f"table {name}: row keys {list(row)} differ from columns {expected}")
    return tables


def _date(value: str | None) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


def typed(value: Any, kind: str) -> Any:
    """A cell value converted to its column kind ('date': a datetime.date or None when not ISO;
    'float'); other kinds and None pass through."""
    if value is None:
        return None
    if kind == "date":
        return _date(value)
    if kind == "float":
        return float(value)
    return value


# ------------------------------------------------------------------ safe values

INT64_MIN, INT64_MAX = -(1 << 63), (1 << 63) - 1
# Characters no writer can hold: XML 1.0 forbids C0 controls (but TAB, LF, CR), U+FFFE and
# U+FFFF (XLSX is XML); lone surrogates cannot be encoded as UTF-8 (CSV, Parquet).
_UNWRITABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def safe_value(value: Any, kind: str) -> Any:
    """`value` made safe for every writer (CSV, Parquet, XLSX, DuckDB) as a column of `kind`.

    Text loses the characters no writer can hold; an integer beyond 64 bits (a DOCX claiming
    10^20 pages, a declared count of 30 digits) and a float that is not finite become empty
    (None) rather than wrong; a value of the wrong type for its column becomes empty.
    """
    if value is None:
        return None
    if isinstance(value, str):
        if kind in ("int", "float", "bool"):
            return None
        return _UNWRITABLE.sub("", value)
    if kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            return None
        return value if INT64_MIN <= value <= INT64_MAX else None
    if kind == "float":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return None
        try:
            finite = math.isfinite(float(value))
        except OverflowError:
            return None
        return value if finite else None     # kept as written: 70 stays "70" in CSV
    if kind == "bool":
        return value if isinstance(value, bool) else None
    return value


def safe_tables(tables: dict[str, list[dict]]) -> dict[str, list[dict]]:
    """Every row of every table with safe_value applied to each cell (new dicts)."""
    return {table: [{column: safe_value(row[column], kind) for column, kind in TABLES[table]} for row in rows]
            for table, rows in tables.items()}


# -------------------------------------------------------------------- writers

def headers(table: str) -> tuple[str, list[str]]:
    """The Vietnamese sheet name and column headers of a table (rules/tables.yaml)."""
    vocabulary = load_rules("tables")
    spec = vocabulary["tables"][table]
    overrides = spec.get("columns") or {}
    common = vocabulary["columns"]
    return spec["sheet"], [overrides.get(column) or common[column] for column, _ in TABLES[table]]


def csv_cell(value: Any) -> Any:
    """A value as a CSV cell: None empty, booleans as true/false, the rest as it is."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def write_csv(path: Path, table: str, rows: list[dict]) -> None:
    """One table as CSV: UTF-8 with BOM (Excel opens it as Unicode), CRLF line ends, a header row;
    written atomically."""
    columns = [column for column, _ in TABLES[table]]
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([csv_cell(row[column]) for column in columns])
    write_bytes_atomically(path, buffer.getvalue().encode("utf-8-sig"))


def arrow_schema(table: str):
    """The pyarrow schema of a table (column types from TABLES: str, int, float, bool, date)."""
    import pyarrow as pa

    types = {"str": pa.string(), "int": pa.int64(), "float": pa.float64(), "bool": pa.bool_(),
             "date": pa.date32()}
    return pa.schema([pa.field(column, types[kind]) for column, kind in TABLES[table]])


def write_parquet(path: Path, table: str, rows: list[dict]) -> None:
    """One table as Parquet with its fixed schema (typed values), written atomically."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = arrow_schema(table)
    columns = {column: [typed(row[column], kind) for row in rows] for column, kind in TABLES[table]}
    data = pa.Table.from_pydict(columns, schema=schema)
    temporary = _temporary(path)
    pq.write_table(data, temporary, compression="zstd")
    os.replace(temporary, path)


_ILLEGAL_XLSX = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
XLSX_MAX_CELL = 32767


def _xlsx_value(value: Any, kind: str) -> Any:
    value = typed(value, kind)
    if isinstance(value, str):
        value = _ILLEGAL_XLSX.sub("", value)
        if len(value) > XLSX_MAX_CELL:
            value = value[:XLSX_MAX_CELL - 1] + "…"
    return value


def write_xlsx(path: Path, tables: dict[str, list[dict]], files: list[dict] = ()) -> None:
    """One sheet per table with Vietnamese names and headers, then the sheet of files not
    extracted (`files`: manifest lines, FILE_COLUMNS); fixed timestamps (same bytes)."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    for table, rows in tables.items():
        sheet_name, labels = headers(table)
        _write_sheet(workbook, sheet_name, TABLES[table], labels, rows)
    sheet_name, labels = file_headers()
    _write_sheet(workbook, sheet_name, FILE_COLUMNS, labels, files)
    workbook.properties.creator = "kehoach-extract"
    buffer = io.BytesIO()
    workbook.save(buffer)
    write_bytes_atomically(path, deterministic_zip(buffer.getvalue()))


def _write_sheet(workbook, sheet_name: str, columns: tuple[tuple[str, str], ...], labels: list[str],
                 rows: Iterable[dict]) -> None:
    """One sheet: bold frozen header, auto-filter, widths fitted to the content, and beside
    each code column of rules/labels.yaml a column of its Vietnamese labels."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    coded = load_rules("labels")["columns"]
    layout: list[tuple[str, str, str, dict | None]] = []   # (column, kind, header, labels of its codes)
    for label, (column, kind) in zip(labels, columns):
        layout.append((column, kind, label, None))
        if column in coded:
            layout.append((column, "str", coded[column]["header"], coded[column]["values"]))
    values = [[_sheet_value(row.get(column), kind, codes) for column, kind, _, codes in layout] for row in rows]
    sheet = workbook.create_sheet(sheet_name)
    sheet.freeze_panes = "A2"
    for number, (_, kind, header, _) in enumerate(layout, 1):
        sheet.column_dimensions[get_column_letter(number)].width = _column_width(
            header, kind, (line[number - 1] for line in values[:_WIDTH_SAMPLE]))
    bold = Font(bold=True)
    header_cells = []
    for _, _, header, _ in layout:
        cell = WriteOnlyCell(sheet, value=header)
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    for line in values:
        sheet.append([_text_cell(sheet, value) if isinstance(value, str) and value.startswith("=") else value
                      for value in line])   # never a formula
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(layout))}{len(values) + 1}"


def _sheet_value(value: Any, kind: str, codes: dict | None) -> Any:
    """A cell's value: the typed value, or the Vietnamese label of a code (the code itself
    where rules/labels.yaml has none)."""
    if codes is not None:
        return None if value is None else _xlsx_value(codes.get(value, value), "str")
    return _xlsx_value(value, kind)


def file_headers() -> tuple[str, list[str]]:
    """The sheet name and headers of the files sheet (rules/tables.yaml: files_sheet)."""
    vocabulary = load_rules("tables")
    spec = vocabulary["files_sheet"]
    return spec["sheet"], [spec["columns"].get(column) or vocabulary["columns"][column] for column, _ in FILE_COLUMNS]


def files_not_extracted(entries: Iterable[dict]) -> list[dict]:
    """Manifest lines of the files that failed or were skipped (not 'unchanged': their
    documents are in the tables), as rows of the files sheet."""
    return [{column: safe_value(entry.get(column), kind) for column, kind in FILE_COLUMNS} for entry in entries
            if entry.get("status") in ("failed", "skipped") and entry.get("reason") not in FILE_REASONS_NOT_LISTED]


def _text_cell(sheet, value: str):
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"
    return cell


_WIDTH_SAMPLE = 500     # rows looked at to fit a column's width
_WIDTH_MIN, _WIDTH_MAX = 8, 60


def _column_width(header: str, kind: str, values: Iterable[Any]) -> float:
    """Wide enough for the header and for most values (the 90th percentile of the sampled
    lengths, so that one long quote does not widen the column), within 8 and 60 characters."""
    lengths = sorted(len(str(value).split("\n")[0]) for value in values if value is not None)
    typical = lengths[int(len(lengths) * 0.9)] if lengths else 0
    if kind in ("int", "float", "bool", "date"):
        typical = max(typical, 10 if kind == "date" else 0)
    return float(max(_WIDTH_MIN, min(_WIDTH_MAX, max(len(header), typical) + 2)))


_CORE_TIMES = re.compile(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:(?:created|modified)>)")


def deterministic_zip(data: bytes) -> bytes:
    """The same workbook (XLSX bytes) with fixed member times and document properties times,
    so that the same tables give the same bytes."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "docProps/core.xml":
                content = _CORE_TIMES.sub(rb"\g<1>" + FIXED_TIMESTAMP.encode() + rb"\g<2>", content)
            info = zipfile.ZipInfo(item.filename, date_time=FIXED_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            target.writestr(info, content)
    return out.getvalue()


def write_duckdb(path: Path, parquet_files: dict[str, Path]) -> None:
    """One table per Parquet file, with the Vietnamese headers as column comments."""
    import duckdb

    temporary = _temporary(path)
    connection = duckdb.connect(str(temporary))
    try:
        for table, parquet in parquet_files.items():
            connection.execute(f'CREATE TABLE "{table}" AS SELECT * FROM read_parquet(?)', [str(parquet)])
            sheet, labels = headers(table)
            connection.execute(f"COMMENT ON TABLE \"{table}\" IS '{_sql_text(sheet)}'")
            for (column, _), label in zip(TABLES[table], labels):
                connection.execute(f"COMMENT ON COLUMN \"{table}\".\"{column}\" IS '{_sql_text(label)}'")
        connection.execute("CHECKPOINT")
    finally:
        connection.close()
    os.replace(temporary, path)


def _sql_text(text: str) -> str:
    return text.replace("'", "''")


def _temporary(path: Path) -> Path:
    return path.with_name(f".{path.name}.{os.getpid()}.tmp")


def write_bytes_atomically(path: Path, data: bytes) -> None:
    """Write `data` to `path` through a temporary file and a rename (no half-written table)."""
    temporary = _temporary(path)
    temporary.write_bytes(data)
    os.replace(temporary, path)


# ----------------------------------------------------------------------- entry

class TablesReport(dict):
    """The row count of each table (a dict, as before), and what could not be written.

    `failed`: output file name -> why it was not written (the others were);
    `unreadable`: document JSON files (OUT-relative) left out because they could not be read.
    Written as OUT/tables/report.json.
    """

    REPORT_NAME = "report.json"

    def __init__(self) -> None:
        super().__init__()
        self.failed: dict[str, str] = {}
        self.unreadable: list[str] = []

    def as_dict(self) -> dict[str, Any]:
        """Rows written per table, the tables that failed (name -> reason) and the unreadable JSON
        files, as a JSON-ready dict."""
        return {"rows": dict(self), "failed": dict(sorted(self.failed.items())), "unreadable": self.unreadable}


def _write_isolated(report: TablesReport, path: Path, write, *args) -> bool:
    """Run one writer; a failure is recorded (and its partial file removed), never raised."""
    try:
        write(path, *args)
        return True
    except Exception as error:  # one table that cannot be written must not lose the others
        for leftover in (path, _temporary(path)):
            try:
                leftover.unlink()
            except OSError:
                pass
        detail = scrub_internals(" ".join(str(error).split()))[:300] or "unknown error"
        report.failed[path.name] = f"could not be written ({detail})"
        return False


def build_tables(out_dir: Path, *, xlsx: bool = True, duckdb: bool = True) -> TablesReport:
    """Write OUT/tables from the documents in OUT; returns the row count of each table.

    Values are made safe for every writer first (safe_tables); each output file is written
    on its own, so one that still fails is reported (TablesReport.failed, tables/report.json)
    while the others are written.
    """
    out_dir = Path(out_dir)
    target = out_dir / TABLES_DIR
    target.mkdir(parents=True, exist_ok=True)
    report = TablesReport()
    entries = read_manifest(out_dir)      # read once: the documents' list and the files sheet
    tables = safe_tables(collect_rows(iter_documents(out_dir, report.unreadable, entries)))
    files = files_not_extracted(entries)
    parquet_files = {}
    for table, rows in tables.items():
        report[table] = len(rows)
        _write_isolated(report, target / f"{table}.csv", write_csv, table, rows)
        if _write_isolated(report, target / f"{table}.parquet", write_parquet, table, rows):
            parquet_files[table] = target / f"{table}.parquet"
    if xlsx:
        _write_isolated(report, target / WORKBOOK_NAME, write_xlsx, tables, files)
    if duckdb:
        _write_isolated(report, target / DATABASE_NAME, write_duckdb, parquet_files)
    write_bytes_atomically(target / report.REPORT_NAME,
                 (json.dumps(report.as_dict(), ensure_ascii=False, indent=1) + "\n").encode("utf-8"))
    return report


def tables_summary(out_dir: Path) -> str:
    """The line of `kehoach batch`'s summary that says where the tables are."""
    folder = Path(out_dir) / TABLES_DIR
    kinds = [kind for kind, present in (
        ("CSV", any(folder.glob("*.csv"))), ("Parquet", any(folder.glob("*.parquet"))),
        (WORKBOOK_NAME, (folder / WORKBOOK_NAME).is_file()), (DATABASE_NAME, (folder / DATABASE_NAME).is_file()),
    ) if present]
    return f"Tables for analysts: {folder}/ ({', '.join(kinds)})"


def write_documents_workbook(path: Path, documents: Iterable[tuple[str, Document]],
                             failed: Iterable[tuple[str, str, str]] = ()) -> None:
    """The batch workbook for documents extracted one by one (`kehoach extract --xlsx`):
    `documents` are (file as given, Document), `failed` are (file, reason, message); the
    document_id of each is the file as given."""
    entries = [DocumentEntry(file, file, None, document) for file, document in documents]
    files = files_not_extracted(
        {"file": file, "status": "failed", "reason": reason, "message": message} for file, reason, message in failed)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_xlsx(path, safe_tables(collect_rows(entries)), files)


def load_tables(out_dir: Path) -> dict[str, Any]:
    """The Parquet tables of a batch as pandas DataFrames."""
    import pandas as pd

    folder = Path(out_dir) / TABLES_DIR
    return {table: pd.read_parquet(folder / f"{table}.parquet") for table in TABLES}
