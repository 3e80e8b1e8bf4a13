"""Validate an extracted document: what a person must look at becomes a problem.

Runs after extraction, over the finished items, so that every rule applies to items from
tables and from the text alike. Problems never stop the pipeline.
"""

from __future__ import annotations

import re
from bisect import bisect_right

from extract.models import Document, Problem, ProblemCode, Severity
from extract.segment import Segmented

_SEVERITY_ORDER = {Severity.error: 0, Severity.warning: 1, Severity.info: 2}


def _draft_problems(document: Document, seg: Segmented) -> list[Problem]:
    """A plan without its number or its full date is a draft, or lost its header."""
    meta = document.document
    if not seg.text.lines or meta.doc_type == "other":
        return []
    missing = [what for what, absent in (("number", meta.serial is None),
                                         ("date", meta.date is None or meta.date.day is None)) if absent]
    if not missing:
        return []
    return [Problem(code=ProblemCode.draft_unnumbered, severity=Severity.warning,
                    message=f"the plan has no {' and no '.join(missing)}: a draft, or its header was lost")]


def validate(document: Document, seg: Segmented) -> Document:
    """The document with its problems completed and ordered (severity, then position, then code):
    missing targets and leads, out-of-range shares, unparsed deadlines, tasks without a group, an
    unnumbered draft, items OCR read unsurely, an empty document or one that is not a plan.
    Modifies and returns `document`."""
    problems = list(document.problems)
    for indicator in document.indicators:
        where = indicator.sources[:1]
        if not indicator.targets:
            problems.append(Problem(code=ProblemCode.target_missing, severity=Severity.warning,
                                    message=f"indicator without a target value: '{indicator.name[:80]}'",
                                    sources=where))
        for target in indicator.targets:
            if target.unit == "%" and target.value > 100:
                problems.append(Problem(code=ProblemCode.value_out_of_range, severity=Severity.warning,
                                        message=f"share above 100%: {target.text} for '{indicator.name[:80]}'",
                                        sources=where))
    for item in [*document.indicators, *document.tasks]:
        deadline = item.deadline
        if deadline is not None and deadline.kind == "unspecified" and re.search(r"\d", deadline.text):
            problems.append(Problem(code=ProblemCode.deadline_unparsed, severity=Severity.info,
                                    message=f"deadline kept as text: '{deadline.text[:80]}'",
                                    sources=item.sources[:1]))
    for kind, items in (("task", document.tasks), ("indicator", document.indicators)):
        for item in items:
            if not item.lead:
                problems.append(Problem(code=ProblemCode.lead_missing, severity=Severity.warning,
                                        message=f"{kind} without a lead agency: '{item.name[:80]}'",
                                        sources=item.sources[:1]))
    for task in document.tasks:
        if task.group is None and task.appendix is None:
            problems.append(Problem(code=ProblemCode.group_missing, severity=Severity.info,
                                    message=f"task with no appendix or group it comes from: '{task.name[:80]}'",
                                    sources=task.sources[:1]))
    problems.extend(_draft_problems(document, seg))
    problems.extend(_unsure_items(document, seg))
    if not seg.text.lines:
        problems.append(Problem(code=ProblemCode.empty_document, severity=Severity.error,
                                message="no text was found in the document"))
    elif document.document.doc_type == "other" and not (document.indicators or document.tasks):
        problems.append(Problem(code=ProblemCode.not_a_plan, severity=Severity.warning,
                                message="the document does not look like a plan (no KẾ HOẠCH type line, "
                                        "no indicators or tasks)"))
    problems.sort(key=lambda p: (_SEVERITY_ORDER[p.severity], p.sources[0].start if p.sources else -1, p.code))
    document.problems = problems
    return document


def _unsure_items(document: Document, seg: Segmented) -> list[Problem]:
    """An `ocr_low_confidence` warning for every indicator and task one of whose sources lies
    on a line that OCR read with low confidence: its name, target or agency may be misread."""
    unsure = [line for line in seg.text.lines if line.low_confidence]
    if not unsure:
        return []
    starts = [line.start for line in unsure]

    def on_unsure_line(source) -> bool:
        index = bisect_right(starts, source.start) - 1
        return index >= 0 and source.start < unsure[index].end

    problems = []
    for kind, items in (("indicator", document.indicators), ("task", document.tasks)):
        for item in items:
            where = [source for source in item.sources if on_unsure_line(source)]
            if where:
                problems.append(Problem(code=ProblemCode.ocr_low_confidence, severity=Severity.warning,
                                        message=f"{kind} read by OCR with low confidence, check it against the "
                                                f"scan: '{item.name[:80]}'", sources=where[:1]))
    return problems
