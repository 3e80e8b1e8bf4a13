"""Declared contents: the counts and appendices a plan says it has, so that gaps show."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from extract.items.provenance import Provenance
from extract.models import Declared, Problem, ProblemCode, Severity, TaskGroupCount
from extract.patterns import bullet_class
from extract.rules import load_rules
from extract.segment import Segmented

_ROMAN = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100}


def appendix_name(number: str | None) -> str:
    """How an appendix is named in the output: "Phụ lục I", "Phụ lục 1" (for "số 01"), or
    "Phụ lục" for a plan's single unnumbered appendix."""
    label = load_rules("declared")["appendix_word"]
    return f"{label} {number.lstrip('0') or '0'}" if number else label


def appendix_number(label: str) -> int | None:
    """'01' -> 1, 'IV' -> 4: one number for the ways appendices are numbered."""
    if label.isdigit():
        return int(label)
    if label and all(c in _ROMAN for c in label):
        total = 0
        for i, c in enumerate(label):
            v = _ROMAN[c]
            total += -v if i + 1 < len(label) and _ROMAN[label[i + 1]] > v else v
        return total
    return None


@dataclass(frozen=True)
class _Patterns:
    totals: dict[str, list[re.Pattern[str]]]
    total_cue: re.Pattern[str]
    task_group: re.Pattern[str]
    appendix: re.Pattern[str]


@cache
def _patterns() -> _Patterns:
    rules = load_rules("declared")
    return _Patterns(
        totals={k: [re.compile(p) for p in v] for k, v in rules["totals"].items()},
        total_cue=re.compile("|".join(re.escape(c) for c in rules["total_cues"])),
        task_group=re.compile(rules["task_group"]),
        appendix=re.compile(rules["appendix_mention"]),
    )


def _declared_totals(text: str, p: _Patterns) -> list[tuple[str, int, int, int]]:
    """("indicators" | "tasks", count, start, end) of each total the line declares, at most one
    per kind ("đề ra 03 chỉ tiêu và 02 nhiệm vụ" declares both)."""
    totals = []
    for name, patterns in p.totals.items():
        for i, pattern in enumerate(patterns):
            match = pattern.search(text)
            # "<N> chỉ tiêu" counts as a declaration only in a sentence that declares
            if match and (i == 0 or p.total_cue.search(text)):
                totals.append((name, int(match.group(1)), match.start(), match.end()))
                break
    return totals


def extract_declared(seg: Segmented, prov: Provenance, counts: dict[str, int]) -> tuple[Declared, list[Problem]]:
    """Declared contents, and problems where the document does not hold what it declares.

    `counts` holds what was extracted: {"indicators": n, "tasks": m}.
    """
    p = _patterns()
    declared = Declared()
    sources: dict[str, list] = {}
    in_task_breakdown = False
    appendix_labels: dict[int, tuple[str, list]] = {}
    for line in seg.preamble + seg.body:
        if line.is_row:
            continue
        text = line.text
        group = p.task_group.match(text) if in_task_breakdown else None
        totals = [] if group else [t for t in _declared_totals(text, p) if getattr(declared, t[0]) is None]
        for name, value, start, end in totals:
            setattr(declared, name, value)
            sources[name] = [prov.span(line.start + start, line.start + end)]
            in_task_breakdown = name == "tasks"
        if not totals:
            if group:
                declared.task_groups.append(TaskGroupCount(name=group.group("name").strip(),
                                                           count=int(group.group("count"))))
            elif in_task_breakdown and not re.match(bullet_class(), text):
                in_task_breakdown = False
        for match in p.appendix.finditer(text):
            number = appendix_number(match.group(1))
            if number is not None and number not in appendix_labels:
                label = appendix_name(match.group(1))
                appendix_labels[number] = (label, [prov.span(line.start + match.start(), line.start + match.end())])
            elif number is not None:
                appendix_labels[number][1].append(prov.span(line.start + match.start(), line.start + match.end()))
    declared.appendices = [label for _, (label, _) in sorted(appendix_labels.items())]

    problems: list[Problem] = []
    present = {appendix_number(a.number) for a in seg.appendices}
    for number, (label, where) in sorted(appendix_labels.items()):
        if number not in present:
            problems.append(Problem(code=ProblemCode.appendix_missing, severity=Severity.error,
                                    message=f"{label} is referred to but not attached", sources=where[:1]))
    for name in ("indicators", "tasks"):
        expected = getattr(declared, name)
        if expected is not None and expected != counts.get(name, 0):
            problems.append(Problem(
                code=ProblemCode.declared_count_mismatch, severity=Severity.warning,
                message=f"the plan declares {expected} {name} but {counts.get(name, 0)} were found",
                sources=sources.get(name, [])))
    total = sum(g.count for g in declared.task_groups)
    if declared.task_groups and declared.tasks is not None and total != declared.tasks:
        problems.append(Problem(code=ProblemCode.declared_count_mismatch, severity=Severity.info,
                                message=f"task groups add up to {total}, not the declared {declared.tasks}",
                                sources=sources.get("tasks", [])))
    return declared, problems
