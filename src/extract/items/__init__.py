"""Extract contract items from a segmented document: metadata, references, sections,
appendix table rows, body text items, assignments and declared contents."""

from __future__ import annotations

from extract.items.appendix_tables import extract_table_items
from extract.items.declared import extract_declared
from extract.items.merge import merge_indicators
from extract.items.metadata import extract_metadata
from extract.items.provenance import Provenance
from extract.items.references import extract_references
from extract.items.sections import extract_sections
from extract.items.text_items import extract_text_items
from extract.models import Document, DocumentSource, Note, Problem
from extract.normalize import normalize_text
from extract.nlp import agency_tagger
from extract.options import Options
from extract.segment import Segmented


def extract_items(seg: Segmented, source: DocumentSource, options: Options) -> Document:
    """The contract Document of a segmented document: metadata and references, sections, indicators
    and tasks from the appendix tables and the text (merged, numbered ind-N / task-N),
    assignments, results, declared counts, notes, and the problems found so far (validate adds
    the rest). `options.nlp` decides whether the NLP agency tagger is used."""
    prov = Provenance(seg.text)
    meta = extract_metadata(seg)
    meta.references = extract_references(seg, prov, meta.number)
    level = meta.issuer.level
    table_items = extract_table_items(seg.tables, prov, meta.plan_year, level)
    text_items = extract_text_items(seg, prov, meta.plan_year, level, agency_tagger() if options.nlp else None)
    indicators = merge_indicators(table_items.indicators, text_items.indicators)
    tasks = table_items.tasks + text_items.tasks
    for prefix, items in (("ind", indicators), ("task", tasks)):
        for number, item in enumerate(items, start=1):
            item.id = f"{prefix}-{number}"
    problems = [Problem(code=p.code, severity=p.severity, message=p.message) for p in seg.text.problems]
    problems.extend(table_items.problems)
    # a declared count refers to the appendix when there is one, else to what the text states
    counts = {"indicators": len(table_items.indicators) or len(indicators),
              "tasks": len(table_items.tasks) or len(tasks)}
    declared, declared_problems = extract_declared(seg, prov, counts)
    problems.extend(declared_problems)
    return Document(
        source=source, document=meta, sections=extract_sections(seg, prov),
        indicators=indicators, tasks=tasks, assignments=text_items.assignments,
        declared=declared, problems=problems, results=text_items.results,
        notes=_notes(seg, prov),
    )


def _notes(seg: Segmented, prov: Provenance) -> list[Note]:
    """Footnotes and endnotes, each attached to the first line (paragraph or table row) that
    holds the text citing it."""
    notes = []
    for raw in seg.text.notes:
        cited = normalize_text(raw.cited_in)
        line = next((line for line in seg.text.lines if cited and cited in line.text), None)
        notes.append(Note(kind=raw.kind, text=normalize_text(raw.text), cited_in=line.text if line else cited or None,
                          sources=[prov.line(line)] if line else []))
    return notes
