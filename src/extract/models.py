"""The output contract (docs/contract.md, version 1) as pydantic models.

These models are the executable form of the contract: `kehoach schema` prints their JSON
Schema (every model and field described here), the writer serialises them and golden files
are read back through them. docs/contract.md must stay true to this file
(tests/test_contract.py checks its problem codes and field names against it).
"""

from __future__ import annotations

from enum import Enum, StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION = "1"

# Every problem code the pipeline emits, with its meaning. The one list: ProblemCode,
# the schema's enum, docs/contract.md's table and the workbook's labels (rules/labels.yaml)
# are checked against it; tests/test_contract.py fails when code emits a code missing here.
PROBLEM_CODES: dict[str, str] = {
    "appendix_missing": "an appendix the body refers to by number is not attached",
    "declared_count_mismatch": "the plan declares a number of indicators, tasks or tasks per group "
                               "that differs from what was found (or the groups do not add up)",
    "target_missing": "an indicator without any target value (empty result cell)",
    "lead_missing": "a task or an indicator without a lead agency (cơ quan chủ trì)",
    "deadline_unparsed": "a deadline with numbers that could not be read as a date or period; its text is kept",
    "value_out_of_range": "a share (unit %) above 100",
    "table_shape": "a table row that could not be aligned to its header (no name cell)",
    "ocr_used": "text came from OCR of page images; check quotes and numbers",
    "text_layer_missing": "a PDF (or some of its pages) has images but no text layer and was not read",
    "pdf_damaged": "the PDF reader reported damaged content; some text may be missing",
    "empty_document": "no text was found in the document",
    "legacy_encoding_converted": "text typed in a legacy Vietnamese encoding (TCVN3/ABC or VNI) was converted to Unicode",
    "embedded_object_unread": "an object embedded in the document (a legacy .xls, a damaged workbook, another kind) could not be read as a table",
    "draft_unnumbered": "the plan has no number or no full date: a draft, or its header was lost",
    "group_missing": "a task with no appendix or group it came from",
    "embedded_table_read": "an Excel worksheet embedded in the document was read as a table; check it against the printed appendix",
    "notes_unread": "the document's footnotes or endnotes could not be read",
    "ocr_low_confidence": "OCR read this line or item with low confidence, an unsure number or a garbled word: check it against the page image",
    "text_layer_repaired": "a PDF page's text layer was damaged (fake bold, missing spaces) and was repaired",
    "not_a_plan": "the document does not look like a plan (no KẾ HOẠCH type line, no indicators or tasks)",
}

ProblemCode = Enum("ProblemCode", {code: code for code in PROBLEM_CODES}, type=str, module=__name__)
ProblemCode.__doc__ = "Problem codes and what each means:\n" + "\n".join(
    f"- {code}: {meaning}" for code, meaning in PROBLEM_CODES.items())
ProblemCode.__str__ = lambda self: self.value   # type: ignore[method-assign]


class Severity(StrEnum):
    """How much a problem matters (the values of `Problem.severity`, which the contract keeps
    as a plain string enum in the schema; tests/test_contract.py checks the two agree)."""

    error = "error"       # part of the document is missing or unreadable
    warning = "warning"   # an item is incomplete or doubtful
    info = "info"         # worth a look


class Model(BaseModel):
    """Base of the contract models: unknown fields are refused, enums are stored as their string
    values."""

    model_config = ConfigDict(extra="forbid", use_enum_values=True)


PROVENANCE = "Where the item came from in the document (first: where it is stated most fully)."


class Source(Model):
    """Where an item came from: `text[start:end] == quote` in the text `kehoach text FILE` prints."""

    page: int | None = Field(None, description=(
        "1-based page number. PDF: the page as laid out. DOCX: counted from explicit page breaks "
        "when the file has them (an estimate: Word may break pages elsewhere), else null. "
        "Text exports: null."))
    quote: str = Field(description="The exact stretch of the document text the item came from.")
    start: int = Field(description="Offset of the quote's first character, in Unicode code points "
                                   "(not bytes) into the text `kehoach text FILE` prints.")
    end: int = Field(description="Offset just past the quote's last character, in code points; "
                                 "text[start:end] == quote.")


class DocumentSource(Model):
    """The input file the document was extracted from."""

    file: str = Field(description="The input path as given, relative to the working folder when inside "
                                  "it ('-' for standard input).")
    sha256: str = Field(description="SHA-256 of the input file's bytes, lower-case hex.")
    format: Literal["docx", "pdf", "doc", "txt", "md"] = Field(
        description="The format read, decided by content (not by file name); doc also covers RTF and ODT "
                    "converted through LibreOffice.")
    pages: int | None = Field(None, description="Number of pages (PDF; DOCX from explicit page breaks); "
                                                "null where the format has no pages.")
    ocr: bool = Field(False, description="True where text came from OCR of page images.")
    extractor: str = Field(description="Program and version that wrote this JSON ('kehoach-extract 0.1.0').")
    page_estimated: bool = Field(
        default=False,
        description="True when `page` values were counted from the file's page breaks rather than read "
                    "from printed pages or Word's own rendered page marks (w:lastRenderedPageBreak): "
                    "they may differ from the printed page.",
    )


class DateValue(Model):
    """A date as written; parts left blank in the document ('ngày  tháng 4 năm 2026') stay null."""

    text: str = Field(description="The date as written ('ngày 10 tháng 4 năm 2026').")
    iso: str | None = Field(None, description="ISO date YYYY-MM-DD; null unless day, month and year are all given.")
    year: int | None = Field(None, description="Year, null where blank.")
    month: int | None = Field(None, description="Month 1-12, null where blank.")
    day: int | None = Field(None, description="Day of the month, null where blank.")


class Issuer(Model):
    """The body that issues the document (from the header's issuer lines, else its symbol)."""

    name: str | None = Field(None, description="Canonical name of the issuing body "
                                               "('Ủy ban nhân dân xã Tân Hà').")
    kind: Literal["ubnd", "ban_chi_dao", "dang_uy", "hdnd", "so", "other"] | None = Field(
        None, description="ubnd: people's committee; ban_chi_dao: steering committee; dang_uy: party "
                          "committee; hdnd: people's council; so: provincial department; other.")
    level: Literal["tinh", "xa", "phuong", "dac_khu", "trung_uong"] | None = Field(
        None, description="Administrative level: tinh (province), xa (commune), phuong (ward), "
                          "dac_khu (special zone), trung_uong (central).")
    locality: str | None = Field(None, description="The commune, ward or province the issuer governs "
                                                   "('Minh Xuân').")
    province: str | None = Field(None, description="The province the document says or implies; null where none.")


class Signer(Model):
    """Who signed, from the signature block."""

    name: str | None = Field(None, description="The signer's name (the last mixed-case line of the block).")
    title: str | None = Field(None, description="The signer's title in sentence case ('Phó Chủ tịch UBND phường').")
    capacity: str | None = Field(None, description="The authority line as printed (TM./KT./TL./TUQ./Q. …).")


ReferenceType = Literal[
    "nghi_quyet", "nghi_dinh", "quyet_dinh", "ke_hoach", "chuong_trinh", "thong_bao",
    "to_trinh", "chi_thi", "ket_luan", "cong_van", "luat", "other",
]
ReferenceRole = Literal["basis", "implements", "replaces", "mentioned"]


class Reference(Model):
    """A document this one cites by number (or a law by name), once per number."""

    text: str = Field(description="The fullest citation as written.")
    type: ReferenceType = Field(description="Kind of document cited: nghị quyết, nghị định, quyết định, kế "
                                            "hoạch, chương trình, thông báo, tờ trình, chỉ thị, kết luận, "
                                            "công văn, luật, other.")
    number: str | None = Field(None, description="Number and symbol as printed ('57-NQ/TW'); null for a law "
                                                 "cited by name.")
    date: str | None = Field(None, description="ISO date of the cited document; null where not given.")
    issuer: str | None = Field(None, description="Who issued the cited document ('Bộ Chính trị'); null where "
                                                 "not given.")
    role: ReferenceRole = Field("mentioned", description=(
        "basis: cited in a 'Căn cứ …' clause; implements: the plan carries it out ('Thực hiện / Triển khai …'); "
        "replaces: '… thay thế'; mentioned: otherwise."))
    sources: list[Source] = Field(default_factory=list, description=PROVENANCE)


DocType = Literal["ke_hoach", "bao_cao", "quyet_dinh", "chuong_trinh", "other"]


class DocumentMeta(Model):
    """The document's metadata: type, number, issuer, date, title, signer, recipients, references."""

    doc_type: DocType = Field("other", description="ke_hoach (plan), bao_cao (report), quyet_dinh (decision), "
                                                   "chuong_trinh (programme), other (not recognised).")
    number: str | None = Field(None, description="Serial and symbol as printed ('01/KH-BCĐ'); null when the "
                                                 "serial was left blank.")
    serial: str | None = Field(None, description="The serial before the symbol ('01'); null when blank.")
    symbol: str | None = Field(None, description="Everything after the serial and its separator ('KH-BCĐ').")
    issuer: Issuer = Field(default_factory=Issuer, description="The issuing body.")
    place: str | None = Field(None, description="The place name of the date line (địa danh).")
    date: DateValue | None = Field(None, description="The date of issue.")
    title: str | None = Field(None, description="The title (trích yếu) on one line.")
    plan_year: int | None = Field(None, description="The year the plan is for: the title's year, else the date's.")
    signer: Signer = Field(default_factory=Signer, description="Who signed.")
    recipients: list[str] = Field(default_factory=list, description="The 'Nơi nhận' lines, without bullets and "
                                                                    "filing notes ('Lưu: VT').")
    references: list[Reference] = Field(default_factory=list, description="Documents cited, once per number.")


class Section(Model):
    """A heading of the document's tree; appendices and the closing are sections too."""

    id: str = Field(description="Identifier within the document ('s4').")
    parent: str | None = Field(None, description="id of the enclosing section; null at the top.")
    number: str | None = Field(None, description="The label as printed without punctuation ('II', '2', 'a', "
                                                 "'(1)', '2.1.1'; an appendix's 'I').")
    heading: str = Field(description="The heading text (before a colon when short).")
    level: int = Field(description="Depth in the tree, 1 at the top; follows the nesting of label kinds.")
    kind: Literal["body", "appendix", "closing"] = Field(
        "body", description="body, appendix, or closing (Nơi nhận and the signature block).")
    sources: list[Source] = Field(default_factory=list, description=PROVENANCE)


class Agency(Model):
    """An agency (cơ quan, đơn vị) named by an item."""

    name: str = Field(description="Canonical name: abbreviations expanded (UBND → Ủy ban nhân dân), tone "
                                  "marks and separators normalised, a level word that only repeats the "
                                  "issuer's level dropped; one name for one agency across a batch.")
    text: str = Field(description="The agency as written in the document.")


Comparator = Literal[">=", ">", "<=", "<", "="]


class Target(Model):
    """A value an indicator is to reach."""

    value: float | int = Field(description="The number ('17,5%' → 17.5), in the unit of `unit`.")
    comparator: Comparator = Field("=", description=(
        ">= (≥, tối thiểu, ít nhất, đạt, không thấp hơn), > (trên, hơn, vượt), <= (≤, tối đa, không quá), "
        "< (dưới), = (a bare number)."))
    unit: str | None = Field(None, description="'%' for a share, else the counted noun as written "
                                               "('sáng kiến', 'doanh nghiệp'); null where none is given.")
    scope: str | None = Field(None, description="The sub-population the target applies to when an indicator "
                                                "has several ('Cấp xã'); else null.")
    text: str = Field(description="The target as written ('≥70').")


class Recurrence(Model):
    """How often a recurring deadline comes round."""

    freq: Literal["weekly", "monthly", "quarterly", "yearly"] = Field(description="Period.")
    day: int | None = Field(None, description="Day of the period (of the month, quarter or year's month); null "
                                              "where none is named.")
    month: int | None = Field(None, description="Month 1-12, for yearly ones ('05/12 hằng năm' → 12).")
    time: str | None = Field(None, description="Time of day HH:MM ('trước 16h00' → '16:00').")


DeadlineKind = Literal[
    "date", "month", "quarter", "half", "year", "range", "from", "recurring", "ongoing", "unspecified",
]


class Deadline(Model):
    """A deadline as written and as a period (docs/contract.md, Deadline)."""

    text: str = Field(description="The deadline as written ('Quý II/2026').")
    kind: DeadlineKind = Field(description="date, month, quarter, half, year, range, from, recurring, ongoing "
                                           "(thường xuyên), unspecified (kept as text).")
    start: str | None = Field(None, description="ISO date the period starts; null for a date, recurring, "
                                                "ongoing or unspecified deadline.")
    end: str | None = Field(None, description="ISO date by which it is due (the period's last day); null "
                                              "where open or not a period.")
    recurrence: Recurrence | None = Field(None, description="For kind recurring; else null.")


class Indicator(Model):
    """A measurable target of the plan (chỉ tiêu), from a table, the text, or both (one indicator)."""

    id: str = Field(description="Identifier within the document ('ind-3').")
    name: str = Field(description="The indicator without its target and comparator words; a share is named "
                                  "'Tỷ lệ …'.")
    targets: list[Target] = Field(default_factory=list, description="Values to reach; empty when none is given "
                                                                    "(problem target_missing).")
    lead: list[Agency] = Field(default_factory=list, description="Lead agencies (cơ quan chủ trì).")
    partners: list[Agency] = Field(default_factory=list, description="Partner agencies (cơ quan phối hợp).")
    deadline: Deadline | None = Field(None, description="When it is to be reached; null where not stated.")
    basis: str | None = Field(None, description="The source document or basis (Văn bản nguồn / căn cứ).")
    group: str | None = Field(None, description="The headings it sits under, joined by ' > ', else the table's "
                                                "group row; null where none.")
    sources: list[Source] = Field(default_factory=list, description=PROVENANCE)
    appendix: str | None = Field(
        default=None,
        description='The appendix the table row comes from, as "Phụ lục I" / "Phụ lục 2" (null for items '
                    "stated in the body text).",
    )


class Task(Model):
    """A task (nhiệm vụ) with a lead agency, an output or a deadline."""

    id: str = Field(description="Identifier within the document ('task-4').")
    name: str = Field(description="What is to be done.")
    group: str | None = Field(None, description="The task group (table group row or heading); null where none.")
    lead: list[Agency] = Field(default_factory=list, description="Lead agencies (cơ quan chủ trì); empty: "
                                                                 "problem lead_missing.")
    partners: list[Agency] = Field(default_factory=list, description="Partner agencies (cơ quan phối hợp).")
    output: str | None = Field(None, description="Expected result or product (Kết quả / sản phẩm).")
    deadline: Deadline | None = Field(None, description="When it is due; null where not stated.")
    basis: str | None = Field(None, description="The source document or basis.")
    sources: list[Source] = Field(default_factory=list, description=PROVENANCE)
    appendix: str | None = Field(
        default=None,
        description='The appendix the table row comes from, as "Phụ lục I" / "Phụ lục 2" (null for items '
                    "stated in the body text).",
    )


class Assignment(Model):
    """Who must do what, from the implementation section (Tổ chức thực hiện)."""

    agency: Agency = Field(description="The agency or group of agencies addressed.")
    duties: list[str] = Field(default_factory=list, description="Its paragraphs and bullets, one per duty.")
    deadlines: list[Deadline] = Field(default_factory=list, description="Every deadline stated in its duties, "
                                                                        "in order.")
    sources: list[Source] = Field(default_factory=list, description=PROVENANCE)


class TaskGroupCount(Model):
    """A task group and the number of tasks the plan declares for it."""

    name: str = Field(description="The group's name as written.")
    count: int = Field(description="Number of tasks declared for it.")


class Declared(Model):
    """What the document says it contains, so that a missing appendix or item shows."""

    indicators: int | None = Field(None, description="Number of indicators the plan declares; null where none.")
    tasks: int | None = Field(None, description="Number of tasks the plan declares; null where none.")
    task_groups: list[TaskGroupCount] = Field(default_factory=list, description="Declared tasks per group.")
    appendices: list[str] = Field(default_factory=list, description="Appendices the body refers to "
                                                                    "('Phụ lục 1', 'Phụ lục I').")


class Result(Model):
    """A result already achieved that the plan reports (a past year's figures, an evaluation
    section): kept for the reader, never an indicator or a task of the plan."""

    text: str = Field(description="The statement as written, without its list bullet.")
    values: list[Target] = Field(default_factory=list,
                                 description="The figures it reports (value, unit), in order.")
    group: str | None = Field(default=None, description="The headings above it, joined by ' > '.")
    sources: list[Source] = Field(default_factory=list, description=PROVENANCE)


class Note(Model):
    """A footnote or endnote, attached to the place that cites it."""

    kind: Literal["footnote", "endnote"] = Field(description="Where Word keeps it.")
    text: str = Field(description="The note's text, paragraphs joined by a space.")
    cited_in: str | None = Field(default=None,
                                 description="The text of the paragraph or table row that cites the note.")
    sources: list[Source] = Field(default_factory=list,
                                  description="Where the citing paragraph or row is in the document text.")


class Problem(Model):
    """Something a person should look at; never a crash."""

    code: ProblemCode = Field(description="What kind of problem (see ProblemCode for each code's meaning).")
    severity: Literal["error", "warning", "info"] = Field(
        description="error: part of the document is missing or unreadable; warning: an item is incomplete "
                    "or doubtful; info: worth a look.")
    message: str = Field(description="What was found, in English, quoting the item ('indicator without a "
                                     "target value: …').")
    sources: list[Source] = Field(default_factory=list, description="Where it was found; empty for problems "
                                                                    "of the whole document.")


class Document(Model):
    """One input document's extraction: the top level of the contract."""

    schema_version: Literal["1"] = Field(SCHEMA_VERSION, description="Contract version; changes only on "
                                                                     "purpose (see CHANGELOG).")
    source: DocumentSource = Field(description="The input file.")
    document: DocumentMeta = Field(default_factory=DocumentMeta, description="Metadata.")
    sections: list[Section] = Field(default_factory=list, description="The heading tree, in document order.")
    indicators: list[Indicator] = Field(default_factory=list, description="Measurable targets.")
    tasks: list[Task] = Field(default_factory=list, description="Tasks, in document order.")
    assignments: list[Assignment] = Field(default_factory=list, description="Duties of the implementation "
                                                                            "section, one per agency or group.")
    declared: Declared = Field(default_factory=Declared, description="What the document says it contains.")
    problems: list[Problem] = Field(default_factory=list, description="What a person should look at, errors "
                                                                      "first.")
    results: list[Result] = Field(
        default_factory=list,
        description="Results already achieved that the plan reports (evaluation sections, 'Kết quả: …'); "
                    "not targets of the plan.",
    )
    notes: list[Note] = Field(default_factory=list, description="Footnotes and endnotes (DOCX).")


def json_schema() -> dict:
    """The contract's JSON Schema (draft 2020-12): every model and field with a description."""
    schema = Document.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "kehoach-extract output, contract version " + SCHEMA_VERSION
    return schema
