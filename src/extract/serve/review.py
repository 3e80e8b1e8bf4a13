"""The review page's model: what a person sees beside the document, and their corrections.

A review session holds one uploaded document, its contract JSON and its document text (the
text that `sources[].start/end` index). The page lists the items with their source offsets
(in UTF-16 code units, as the browser counts); a person corrects fields or marks items wrong,
and `save_golden` applies those corrections to the contract JSON and writes, in the review
folder:

    <name>.json              the golden file: the contract's format (as golden/ holds them,
                             without provenance), checked by the contract's models; scored by
                             `kehoach eval <review folder>` like any golden file
    <name>.review.json       who reviewed it, when (UTC), and every correction (before/after);
                             it has no `source` key, so the evaluator passes over it
    documents/<name>         the reviewed document itself, which the golden's source.file names

Corrections are JSON-pointer paths into the contract JSON, limited to the fields a person can
judge (EDITABLE, REMOVABLE); agencies and deadlines typed by a person are canonicalised by the
pipeline's own canonical stage, so a golden never holds a form the pipeline could not produce.
"""

from __future__ import annotations

import copy
import json
import re
import shutil
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

from pydantic import BaseModel, Field, ValidationError

from extract.manifest import write_atomically
from extract.models import Comparator, Document, DocType, Issuer, ReferenceRole, ReferenceType
from extract.pipeline import display_path
from extract.rules import load_rules
from extract.serve.uploads import remove_tree, safe_name
from extract.serve.workers import BOXES_NAME, PAGES_DIR, TEXT_NAME
from extract.write import document_json

META_FIELDS = ("doc_type", "number", "title", "place", "date", "plan_year", "issuer.name", "issuer.level",
               "issuer.locality", "issuer.province", "signer.name", "signer.title", "signer.capacity")
INDICATOR_FIELDS = ("name", "group", "lead", "partners", "deadline", "basis")
TARGET_FIELDS = ("value", "comparator", "unit", "scope")
TASK_FIELDS = ("name", "group", "lead", "partners", "deadline", "output", "basis")
REFERENCE_FIELDS = ("text", "type", "number", "date", "issuer", "role")
ASSIGNMENT_FIELDS = ("agency",)

EDITABLE = re.compile(
    r"^/(?:document/(?:doc_type|number|title|place|date|plan_year)"
    r"|document/issuer/(?:name|level|locality|province)|document/signer/(?:name|title|capacity)"
    r"|indicators/\d+/(?:name|group|basis|lead|partners|deadline)"
    r"|indicators/\d+/targets/\d+/(?:value|comparator|unit|scope)"
    r"|tasks/\d+/(?:name|group|output|basis|lead|partners|deadline)"
    r"|document/references/\d+/(?:text|type|number|date|issuer|role)|assignments/\d+/agency)$")
REMOVABLE = re.compile(r"^/(?:indicators/\d+(?:/targets/\d+)?|tasks/\d+|assignments/\d+|problems/\d+"
                       r"|document/references/\d+)$")
REQUIRED = frozenset({"name", "value", "text", "agency"})


def _literal_values(annotation: Any) -> tuple[str, ...]:
    """The values of a Literal type, also inside `Literal[...] | None`."""
    if get_origin(annotation) is Literal:
        return tuple(get_args(annotation))
    return tuple(value for arg in get_args(annotation) for value in _literal_values(arg))


# Fields a person picks from the contract's own values (a select box, not free text);
# '' clears an optional one.
CHOICES = {
    "doc_type": _literal_values(DocType),
    "issuer.level": ("", *_literal_values(Issuer.model_fields["level"].annotation)),
    "comparator": _literal_values(Comparator),
    "type": _literal_values(ReferenceType),
    "role": _literal_values(ReferenceRole),
}


def review_rules() -> dict:
    """The review page's labels, field names and choices (rules/review.yaml)."""
    return load_rules("review")


# ------------------------------------------------------------------------ sessions

@dataclass
class ReviewSession:
    """One uploaded document under review; its files live in `folder`."""

    id: str
    folder: Path
    upload: Path            # the uploaded document (safe name)
    client_name: str        # the name the client gave, made safe

    @property
    def document_path(self) -> Path:
        """The path of the extracted document's JSON in the session folder."""
        return self.folder / "document.json"

    def document(self) -> dict:
        """The extracted document as contract JSON (a dict)."""
        return json.loads(self.document_path.read_text(encoding="utf-8"))

    def text(self) -> str:
        """The document text that the document's offsets index."""
        return (self.folder / TEXT_NAME).read_text(encoding="utf-8")

    def boxes(self) -> dict[str, list]:
        """Word boxes of PDF pages for highlighting (page -> boxes); {} when there are none."""
        path = self.folder / BOXES_NAME
        return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}

    def page_image(self, number: int) -> Path | None:
        """The PNG of page `number` (1-based), None when there is no such page image."""
        path = self.folder / PAGES_DIR / f"{number}.png"
        return path if number >= 1 and path.is_file() else None


@dataclass
class ReviewStore:
    """Review sessions under a private folder; the oldest are removed past `keep`."""

    root: Path
    keep: int = 50
    sessions: OrderedDict[str, ReviewSession] = field(default_factory=OrderedDict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, session: ReviewSession) -> None:
        """Keep a session; the oldest beyond `keep` are dropped and their folders removed."""
        with self.lock:
            self.sessions[session.id] = session
            while len(self.sessions) > self.keep:
                _, old = self.sessions.popitem(last=False)
                remove_tree(old.folder)

    def get(self, identifier: str) -> ReviewSession | None:
        """The session of that id, or None (unknown or dropped)."""
        with self.lock:
            return self.sessions.get(identifier)


# ---------------------------------------------------------------------- page model

def utf16_offsets(text: str):
    """A function mapping code-point offsets of `text` to UTF-16 offsets (the browser's)."""
    if all(ord(ch) < 0x10000 for ch in text):
        return lambda offset: offset
    cumulative = [0]
    for ch in text:
        cumulative.append(cumulative[-1] + (2 if ord(ch) >= 0x10000 else 1))
    return lambda offset: cumulative[max(0, min(offset, len(text)))]


def _spans(sources: list[dict], to_utf16, boxes: dict[str, list]) -> list[dict]:
    return [{"start": to_utf16(s["start"]), "end": to_utf16(s["end"]), "page": s.get("page"),
             "box": boxes.get(f"{s['start']}:{s['end']}")}
            for s in sources or []]


def _overlaps(sources: list[dict], spans: list[tuple[int, int]]) -> bool:
    return any(s["start"] < end and start < s["end"] for s in sources or [] for start, end in spans)


def _low_confidence(item: dict, rules: dict) -> bool:
    threshold = float(rules.get("threshold", 0.0))
    flags = set(rules.get("flags", []))
    for holder in [item, *(item.get("sources") or [])]:
        confidence = holder.get("confidence")
        if isinstance(confidence, (int, float)) and confidence < threshold:
            return True
        if flags & set(holder.get("flags") or []):
            return True
    return False


def display_value(value: Any) -> str:
    """A field's value as the text in its input box."""
    if value is None:
        return ""
    if isinstance(value, list):        # agencies
        return "; ".join(agency["name"] for agency in value)
    if isinstance(value, dict):        # an agency (its name), a date (ISO), a deadline (as written)
        if "name" in value:
            return value["name"] or ""
        return (value.get("iso") if "iso" in value else None) or value.get("text") or ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _field(path: str, name: str, value: Any) -> dict:
    return {"path": path, "name": name, "value": display_value(value), "choices": CHOICES.get(name)}


def page_model(document: dict, text: str, boxes: dict[str, list] | None = None) -> dict:
    """What the review template shows: metadata fields, indicators, tasks, references,
    assignments (their duties read-only) and problems, each
    item with its JSON-pointer path, editable fields, source spans (UTF-16 offsets, page, and
    the quote's box on the page image from `boxes`, see workers.locate_quotes) and filter flags."""
    boxes = boxes or {}
    rules = review_rules()
    to_utf16 = utf16_offsets(text)
    flagged_codes = set(rules["low_confidence"].get("problem_codes", []))
    problem_spans = [(s["start"], s["end"]) for p in document.get("problems", []) for s in p.get("sources", [])]
    ocr_spans = [(s["start"], s["end"]) for p in document.get("problems", []) if p["code"] in flagged_codes
                 for s in p.get("sources", [])]

    def item(path: str, data: dict, title: str, fields: list[dict], **extra) -> dict:
        sources = data.get("sources") or []
        kind, index = path.rsplit("/", 2)[-2:]
        return {"kind": kind, "path": path, "id": data.get("id", f"{kind}-{index}"),
                "title": title, "fields": fields, "spans": _spans(sources, to_utf16, boxes),
                "problem": _overlaps(sources, problem_spans),
                "low_confidence": _low_confidence(data, rules["low_confidence"]) or _overlaps(sources, ocr_spans),
                **extra}

    meta = document["document"]
    metadata = []
    for name in META_FIELDS:
        head, _, tail = name.partition(".")
        value = (meta.get(head) or {}).get(tail) if tail else meta.get(head)
        metadata.append(_field("/document/" + name.replace(".", "/"), name, value))
    indicators = [
        item(f"/indicators/{i}", ind, ind["name"],
             [_field(f"/indicators/{i}/{name}", name, ind.get(name)) for name in INDICATOR_FIELDS],
             targets=[{"path": f"/indicators/{i}/targets/{t}",
                       "fields": [_field(f"/indicators/{i}/targets/{t}/{name}", name, target.get(name))
                                  for name in TARGET_FIELDS]}
                      for t, target in enumerate(ind.get("targets", []))])
        for i, ind in enumerate(document.get("indicators", []))]
    tasks = [item(f"/tasks/{i}", task, task["name"],
                  [_field(f"/tasks/{i}/{name}", name, task.get(name)) for name in TASK_FIELDS])
             for i, task in enumerate(document.get("tasks", []))]
    references = [item(f"/document/references/{i}", ref, ref["text"],
                       [_field(f"/document/references/{i}/{name}", name, ref.get(name)) for name in REFERENCE_FIELDS])
                  for i, ref in enumerate(meta.get("references", []))]
    assignments = [item(f"/assignments/{i}", duty, duty["agency"]["name"],
                        [_field(f"/assignments/{i}/{name}", name, duty.get(name)) for name in ASSIGNMENT_FIELDS],
                        notes=duty.get("duties", []))
                   for i, duty in enumerate(document.get("assignments", []))]
    problems = [item(f"/problems/{i}", problem, problem["message"], [], code=problem["code"],
                     severity=problem["severity"])
                for i, problem in enumerate(document.get("problems", []))]
    for problem in problems:
        problem["problem"] = True
    return {"metadata": metadata, "indicators": indicators, "tasks": tasks, "references": references,
            "assignments": assignments, "problems": problems,
            "source": document["source"]}


# ---------------------------------------------------------------------- corrections

class Correction(BaseModel):
    """One corrected field: `path` a JSON pointer into the contract JSON (see EDITABLE);
    `value` as typed (numbers may use a decimal comma; '' clears an optional field)."""

    path: str = Field(max_length=200)
    value: str | int | float | None = None


class ReviewSubmission(BaseModel):
    """What the review page saves: who reviewed, the corrected fields, the items marked wrong."""

    reviewer: str = Field(min_length=1, max_length=200)
    corrections: list[Correction] = Field(default_factory=list, max_length=5000)
    wrong: list[str] = Field(default_factory=list, max_length=5000,
                             description="JSON pointers of items marked wrong (see REMOVABLE)")


class SavedGolden(BaseModel):
    """POST /reviews/{id}/golden: where the golden file and its review record were written."""

    golden: str = Field(description="path of the golden file written")
    review: str = Field(description="path of its review record")
    corrections: int
    removed: int


class CorrectionError(ValueError):
    """A correction that cannot be applied (unknown path, value of the wrong kind)."""


def _pointer(path: str) -> list[str | int]:
    return [int(part) if part.isdigit() else part for part in path.strip("/").split("/")]


def _locate(document: dict, parts: list[str | int]) -> tuple[Any, str | int]:
    node: Any = document
    try:
        for part in parts[:-1]:
            node = node[part]
        node[parts[-1]]
    except (KeyError, IndexError, TypeError):
        raise CorrectionError(f"no such item: /{'/'.join(map(str, parts))}") from None
    return node, parts[-1]


def _number(text: str | int | float) -> int | float:
    if isinstance(text, (int, float)):
        return text
    cleaned = text.strip().replace(" ", "")
    if "," in cleaned and "." not in cleaned:
        cleaned = cleaned.replace(",", ".")
    try:
        value = float(cleaned)
    except ValueError:
        raise CorrectionError(f"not a number: {text!r}") from None
    return int(value) if value.is_integer() else value


def _date(text: str, before: dict | None) -> dict | None:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise CorrectionError(f"not a date (YYYY-MM-DD): {text!r}") from None
    return {"text": (before or {}).get("text") or text, "iso": day.isoformat(),
            "year": day.year, "month": day.month, "day": day.day}


def corrected_value(name: str, typed: str | int | float | None, before: Any, meta: dict,
                    path: str = "") -> Any:
    """The contract value of a field from what a person typed: numbers parsed, agencies and
    deadlines through the canonical stage (with the document's issuer level and plan year)."""
    text = typed.strip() if isinstance(typed, str) else typed
    if text in ("", None):
        if name in REQUIRED:
            raise CorrectionError(f"{name} cannot be empty")
        return [] if name in ("lead", "partners") else None
    if name == "value":
        return _number(text)
    if name == "plan_year":
        return int(_number(text))
    if name in ("lead", "partners"):
        from extract.canonical.agencies import split_agencies
        level = (meta.get("issuer") or {}).get("level")
        return [agency.model_dump() for agency in split_agencies(str(text), level)]
    if name == "deadline":
        from extract.canonical.deadlines import parse_deadline
        return parse_deadline(str(text), meta.get("plan_year")).model_dump()
    if name == "agency":
        from extract.canonical.agencies import split_agencies
        agencies = split_agencies(str(text), (meta.get("issuer") or {}).get("level"))
        if not agencies:
            raise CorrectionError(f"not an agency: {text!r}")
        return agencies[0].model_dump()
    if name == "date" and path.startswith("/document/references/"):
        return _date(str(text), None)["iso"]     # a reference's date is ISO only
    if name == "date":
        return _date(str(text), before)
    return str(text)


def _sort_key(parts: list[str | int]) -> tuple:
    return tuple((0, part, "") if isinstance(part, int) else (1, 0, part) for part in parts)


def apply_corrections(document: dict, submission: ReviewSubmission) -> tuple[dict, list[dict], list[dict]]:
    """The corrected contract JSON, the log of corrections (path, before, after) and of items
    removed (path, id, name). Raises CorrectionError (also for a result the contract refuses)."""
    result = copy.deepcopy(document)
    log = []
    for correction in submission.corrections:
        if not EDITABLE.match(correction.path):
            raise CorrectionError(f"this field cannot be corrected here: {correction.path}")
        parts = _pointer(correction.path)
        parent, key = _locate(result, parts)
        before = parent[key]
        after = corrected_value(str(key), correction.value, before, result["document"], correction.path)
        if after != before:
            parent[key] = after
            log.append({"path": correction.path, "before": before, "after": after})
    removed = []
    paths = sorted({path for path in submission.wrong}, key=lambda p: _sort_key(_pointer(p)), reverse=True)
    for path in paths:
        if not REMOVABLE.match(path):
            raise CorrectionError(f"this item cannot be marked wrong here: {path}")
        parent, key = _locate(result, _pointer(path))
        item = parent.pop(key)
        removed.append({"path": path, "id": item.get("id"), "name": item.get("name") or item.get("text")
                        or item.get("message") or (item.get("agency") or {}).get("name")})
    try:
        Document.model_validate(result)
    except ValidationError as error:
        first = error.errors()[0]
        where = "/" + "/".join(map(str, first["loc"]))
        raise CorrectionError(f"{where}: {first['msg']}") from None
    return result, log, list(reversed(removed))


def golden_name(review_dir: Path, client_name: str, sha256: str) -> str:
    """The golden's file name: the document's name plus '.json'; a different document of the
    same name already reviewed keeps its file (the new one gets its sha256's head)."""
    name = safe_name(client_name, "document")
    existing = review_dir / f"{name}.json"
    if existing.is_file():
        try:
            if json.loads(existing.read_text(encoding="utf-8"))["source"]["sha256"] != sha256:
                stem, dot, suffix = name.partition(".")
                name = f"{stem}~{sha256[:8]}{dot}{suffix}"
        except (OSError, ValueError, KeyError, TypeError):
            pass
    return name


def save_golden(session: ReviewSession, submission: ReviewSubmission, review_dir: Path,
                now: datetime | None = None) -> SavedGolden:
    """Apply the corrections and write the golden, its review record and the document into
    `review_dir` (see the module doc). Raises CorrectionError."""
    original = session.document()
    corrected, log, removed = apply_corrections(original, submission)
    review_dir = Path(review_dir)
    name = golden_name(review_dir, session.client_name, corrected["source"]["sha256"])
    documents = review_dir / "documents"
    documents.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(session.upload, documents / name)
    corrected["source"]["file"] = display_path(documents / name)
    golden = Document.model_validate(corrected)
    golden_path = review_dir / f"{name}.json"
    record_path = review_dir / f"{name}.review.json"
    stamp = (now or datetime.now(timezone.utc)).astimezone(timezone.utc).replace(microsecond=0)
    record = {
        "golden": golden_path.name,
        "reviewer": submission.reviewer.strip(),
        "reviewed_at": stamp.isoformat().replace("+00:00", "Z"),
        "document_sha256": golden.source.sha256,
        "extractor": golden.source.extractor,
        "corrections": log,
        "removed": removed,
    }
    write_atomically(golden_path, document_json(golden, provenance=False))
    write_atomically(record_path, json.dumps(record, ensure_ascii=False, indent=2) + "\n")
    return SavedGolden(golden=display_path(golden_path), review=display_path(record_path),
                       corrections=len(log), removed=len(removed))
