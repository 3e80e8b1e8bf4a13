"""The output contract (shared/spec/contract.md, version 1) as pydantic models.

These models are the executable form of the contract: `kehoach schema` prints their JSON
Schema, the writer serialises them and golden files are read back through them.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION = "1"


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Source(Model):
    """Where an item came from: `text[start:end] == quote` in `kehoach text FILE`."""

    page: int | None = None
    quote: str
    start: int
    end: int


class DocumentSource(Model):
    file: str
    sha256: str
    format: Literal["docx", "pdf", "doc", "txt", "md"]
    pages: int | None = None
    ocr: bool = False
    extractor: str
    page_estimated: bool = Field(
        default=False,
        description="True when `page` values were counted from the file's page breaks rather than read "
                    "from printed pages or Word's own rendered page marks (w:lastRenderedPageBreak): "
                    "they may differ from the printed page.",
    )


class DateValue(Model):
    text: str
    iso: str | None = None
    year: int | None = None
    month: int | None = None
    day: int | None = None


class Issuer(Model):
    name: str | None = None
    kind: Literal["ubnd", "ban_chi_dao", "dang_uy", "hdnd", "so", "other"] | None = None
    level: Literal["tinh", "xa", "phuong", "dac_khu", "trung_uong"] | None = None
    locality: str | None = None
    province: str | None = None


class Signer(Model):
    name: str | None = None
    title: str | None = None
    capacity: str | None = None


ReferenceType = Literal[
    "nghi_quyet", "nghi_dinh", "quyet_dinh", "ke_hoach", "chuong_trinh", "thong_bao",
    "to_trinh", "chi_thi", "ket_luan", "cong_van", "luat", "other",
]
ReferenceRole = Literal["basis", "implements", "replaces", "mentioned"]


class Reference(Model):
    text: str
    type: ReferenceType
    number: str | None = None
    date: str | None = None
    issuer: str | None = None
    role: ReferenceRole = "mentioned"
    sources: list[Source] = Field(default_factory=list)


DocType = Literal["ke_hoach", "bao_cao", "quyet_dinh", "chuong_trinh", "other"]


class DocumentMeta(Model):
    doc_type: DocType = "other"
    number: str | None = None
    serial: str | None = None
    symbol: str | None = None
    issuer: Issuer = Field(default_factory=Issuer)
    place: str | None = None
    date: DateValue | None = None
    title: str | None = None
    plan_year: int | None = None
    signer: Signer = Field(default_factory=Signer)
    recipients: list[str] = Field(default_factory=list)
    references: list[Reference] = Field(default_factory=list)


class Section(Model):
    id: str
    parent: str | None = None
    number: str | None = None
    heading: str
    level: int
    kind: Literal["body", "appendix", "closing"] = "body"
    sources: list[Source] = Field(default_factory=list)


class Agency(Model):
    name: str
    text: str


Comparator = Literal[">=", ">", "<=", "<", "="]


class Target(Model):
    value: float | int
    comparator: Comparator = "="
    unit: str | None = None
    scope: str | None = None
    text: str


class Recurrence(Model):
    freq: Literal["weekly", "monthly", "quarterly", "yearly"]
    day: int | None = None
    month: int | None = None
    time: str | None = None


DeadlineKind = Literal[
    "date", "month", "quarter", "half", "year", "range", "from", "recurring", "ongoing", "unspecified",
]


class Deadline(Model):
    text: str
    kind: DeadlineKind
    start: str | None = None
    end: str | None = None
    recurrence: Recurrence | None = None


class Indicator(Model):
    id: str
    name: str
    targets: list[Target] = Field(default_factory=list)
    lead: list[Agency] = Field(default_factory=list)
    partners: list[Agency] = Field(default_factory=list)
    deadline: Deadline | None = None
    basis: str | None = None
    group: str | None = None
    sources: list[Source] = Field(default_factory=list)
    appendix: str | None = Field(
        default=None,
        description='The appendix the table row comes from, as "Phụ lục I" / "Phụ lục 2" (null for items '
                    "stated in the body text).",
    )


class Task(Model):
    id: str
    name: str
    group: str | None = None
    lead: list[Agency] = Field(default_factory=list)
    partners: list[Agency] = Field(default_factory=list)
    output: str | None = None
    deadline: Deadline | None = None
    basis: str | None = None
    sources: list[Source] = Field(default_factory=list)
    appendix: str | None = Field(
        default=None,
        description='The appendix the table row comes from, as "Phụ lục I" / "Phụ lục 2" (null for items '
                    "stated in the body text).",
    )


class Assignment(Model):
    agency: Agency
    duties: list[str] = Field(default_factory=list)
    deadlines: list[Deadline] = Field(default_factory=list)
    sources: list[Source] = Field(default_factory=list)


class TaskGroupCount(Model):
    name: str
    count: int


class Declared(Model):
    indicators: int | None = None
    tasks: int | None = None
    task_groups: list[TaskGroupCount] = Field(default_factory=list)
    appendices: list[str] = Field(default_factory=list)


class Result(Model):
    """A result already achieved that the plan reports (a past year's figures, an evaluation
    section): kept for the reader, never an indicator or a task of the plan."""

    text: str = Field(description="The statement as written, without its list bullet.")
    values: list[Target] = Field(default_factory=list,
                                 description="The figures it reports (value, unit), in order.")
    group: str | None = Field(default=None, description="The headings above it, joined by ' > '.")
    sources: list[Source] = Field(default_factory=list)


class Note(Model):
    """A footnote or endnote, attached to the place that cites it."""

    kind: Literal["footnote", "endnote"] = Field(description="Where Word keeps it.")
    text: str = Field(description="The note's text, paragraphs joined by a space.")
    cited_in: str | None = Field(default=None,
                                 description="The text of the paragraph or table row that cites the note.")
    sources: list[Source] = Field(default_factory=list,
                                  description="Where the citing paragraph or row is in the document text.")


class Problem(Model):
    code: str
    severity: Literal["error", "warning", "info"]
    message: str
    sources: list[Source] = Field(default_factory=list)


class Document(Model):
    """One input document's extraction: the top level of the contract."""

    schema_version: Literal["1"] = SCHEMA_VERSION
    source: DocumentSource
    document: DocumentMeta = Field(default_factory=DocumentMeta)
    sections: list[Section] = Field(default_factory=list)
    indicators: list[Indicator] = Field(default_factory=list)
    tasks: list[Task] = Field(default_factory=list)
    assignments: list[Assignment] = Field(default_factory=list)
    declared: Declared = Field(default_factory=Declared)
    problems: list[Problem] = Field(default_factory=list)
    results: list[Result] = Field(
        default_factory=list,
        description="Results already achieved that the plan reports (evaluation sections, 'Kết quả: …'); "
                    "not targets of the plan.",
    )
    notes: list[Note] = Field(default_factory=list, description="Footnotes and endnotes (DOCX).")


def json_schema() -> dict:
    schema = Document.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "kehoach-extract output, contract version " + SCHEMA_VERSION
    return schema
