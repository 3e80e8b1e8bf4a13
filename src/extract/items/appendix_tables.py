"""Appendix tables: every row of an indicator table or a task table becomes one item.

Columns are recognised by the meaning of their header (rules/table_columns.yaml), in any
order. A Roman-numeral row spanning the table is a group; rows with an empty index cell
under an indicator are its scoped targets ("Cấp tỉnh", "Cấp xã"). Rows broken across a
page break were already joined by segment.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache

from extract.canonical import parse_deadline, parse_target, split_agencies
from extract.items.declared import appendix_name
from extract.items.provenance import Provenance
from extract.numbering import ocr_numeral
from extract.models import Agency, Deadline, Indicator, Problem, ProblemCode, Severity, Source, Task
from extract.patterns import bullet_class
from extract.rules import alternation, load_rules
from extract.segment import StitchedTable, vocabulary, without_trailing_speck
from extract.stitch import TableRow
from extract.structures import CellText


@dataclass(frozen=True)
class _Columns:
    patterns: dict[str, list[re.Pattern[str]]]
    indicator_table: dict
    task_table: dict
    group_index: re.Pattern[str]
    note_basis: re.Pattern[str]
    spread_down: frozenset[str]


@cache
def _columns() -> _Columns:
    rules = load_rules("table_columns")
    return _Columns(
        patterns={f: [re.compile(re.sub(r"\s+", "", p)) for p in ps] for f, ps in rules["fields"].items()},
        indicator_table=rules["indicator_table"], task_table=rules["task_table"],
        group_index=re.compile(rules["group_index"]),
        note_basis=re.compile(alternation(rules["note_basis_cues"])),
        spread_down=frozenset(rules["merged_cell_applies_to_each_row"]),
    )


def _header_key(text: str) -> str:
    """A header cell as matched against rules: lower case, no markup, no white space at all
    (a PDF wraps narrow header cells inside words: "Thờ i hạn")."""
    return re.sub(r"[\s*:()]+", "", text).lower().rstrip(".")


def map_columns(header: list[str], plan_year: int | None = None) -> tuple[str | None, dict[str, int]]:
    """The table kind ('indicator' | 'task' | None) and the column index of each field.

    A header that fits several fields takes the first one no column before it took ("Nội dung
    chỉ tiêu | … | Chỉ tiêu cụ thể": the second is the target). A target column of a year
    before `plan_year` ("Kết quả năm 2025", "Thực hiện năm 2025") reports past results: it is
    not the plan's target."""
    columns = _columns()
    candidates: list[list[str]] = []
    for cell in header:
        key = _header_key(cell)
        fields = [f for f, ps in columns.patterns.items() if any(p.fullmatch(key) for p in ps)]
        years = [int(y) for y in re.findall(r"(?<!\d)(\d{4})(?!\d)", key)]
        if plan_year and years and max(years) < plan_year:
            fields = [f for f in fields if f != "target"]
        candidates.append(fields)
    present = {f for c in candidates for f in c}
    if "indicator" in present and ({"target", "unit"} & present):
        kind, table_rules = "indicator", columns.indicator_table
    elif "task" in present:
        kind, table_rules = "task", columns.task_table
    elif "indicator" in present:
        kind, table_rules = "indicator", columns.indicator_table
    else:
        return None, {}
    ambiguous = {_header_key(k): v for k, v in table_rules["ambiguous"].items()}
    other = "task" if kind == "indicator" else "indicator"
    mapping: dict[str, int] = {}
    for index, (cell, fields) in enumerate(zip(header, candidates)):
        if not fields:
            continue
        chosen = ambiguous.get(_header_key(cell))
        if chosen is None:
            # the name column of the other kind of table is not a field here
            usable = [f for f in fields if f != other] or fields
            chosen = next((f for f in usable if f not in mapping), usable[0])
        mapping.setdefault(chosen, index)
    return kind, mapping


@dataclass
class TableItems:
    """What the appendix tables give: indicators, tasks, and table_shape problems."""

    indicators: list[Indicator] = field(default_factory=list)
    tasks: list[Task] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def _cell(row: TableRow, mapping: dict[str, int], name: str) -> str:
    index = mapping.get(name)
    return row.text(index) if index is not None else ""


def _basis(row: TableRow, mapping: dict[str, int]) -> str | None:
    """The basis column, else a note that names where the item comes from."""
    basis = _cell(row, mapping, "basis")
    if basis:
        return basis
    note = _cell(row, mapping, "note")
    return note if note and _columns().note_basis.search(note) else None


def _agencies(text: str, level: str | None) -> list[Agency]:
    return split_agencies(text, level) if text else []


def _cell_agencies(row: TableRow, mapping: dict[str, int], role: str, level: str | None) -> list[Agency]:
    """The agencies of a lead/partners cell; a cell typed one agency per line (Enter or
    Shift+Enter) is split at those lines, not only at its punctuation."""
    index = mapping.get(role)
    cell = row.cells[index] if index is not None and index < len(row.cells) else None
    if cell is None or not cell.text:
        return []
    return _agencies("\n".join(cell.parts) if cell.parts else cell.text, level)


def _spread_merged_cells(row: TableRow, mapping: dict[str, int],
                         origins: dict[int, CellText]) -> TableRow:
    """The row with each vertically merged cell (lead, deadline … drawn once over several
    rows) given the value of the cell it continues. `origins` holds, per column, the last
    cell that started a merge; it is updated with this row's own cells."""
    columns = {mapping[f] for f in _columns().spread_down if f in mapping}
    cells = list(row.cells)
    for index in columns:
        if index >= len(cells):
            continue
        cell = cells[index]
        # an empty merged cell at the top of a page continues the merge from the page before
        # (a PDF draws the cell again on each page, its text only on the first)
        continued = cell is not None and not cell.text and (
            cell.merged_above or (cell.merges_down and row.after_break))
        if continued and index in origins:
            cells[index] = origins[index]
        elif cell is not None:
            origins[index] = cell
    if cells == row.cells:
        return row
    return TableRow(cells=cells, lines=row.lines, after_break=row.after_break)


def _deadline(text: str, plan_year: int | None) -> Deadline | None:
    return parse_deadline(text, plan_year) if text else None


def _row_sources(row: TableRow, prov: Provenance) -> list[Source]:
    return prov.lines(row.lines)


def _group_name(row: TableRow, mapping: dict[str, int]) -> str | None:
    texts = [c.text for i, c in enumerate(row.cells) if c is not None and c.text and i != mapping.get("index", 0)]
    return without_trailing_speck(texts[0]) if texts else None


def _is_group_row(row: TableRow, mapping: dict[str, int], ocr: bool = False) -> bool:
    index_text = row.text(mapping.get("index", 0)).strip()
    filled = [c for c in row.cells if c is not None and c.text]
    if index_text and _columns().group_index.match(index_text):
        return True
    if ocr and index_text and len(filled) == 2:
        title = next((c for c in filled if c.text.strip() != index_text), None)
        if ocr_numeral(index_text) is not None:
            # a Roman numeral OCR misread ("IH", "1H", "II,") before a group's title
            return title is not None and (title.bold or title.text.isupper())
        if len(index_text) <= 3 and not any(ch.isdigit() for ch in index_text):
            # a numeral read as no numeral at all ("lị" for "II") before a title in capitals
            return title is not None and title.text.isupper() and len(title.text.split()) >= 2
    if ocr and not index_text and len(filled) == 1 and filled[0].text.isupper() and len(filled[0].text.split()) >= 2:
        return True             # its numeral lost, a group's title in capitals alone on its row
    # an unnumbered bold row with a single text cell spanning the table
    return not index_text and len(filled) == 1 and filled[0].bold and filled[0].span > 1


def extract_table_items(tables: list[StitchedTable], prov: Provenance, plan_year: int | None,
                        level: str | None) -> TableItems:
    """Indicators and tasks from every stitched table, each row mapped to its columns by the header
    (rules/tables.yaml); `plan_year` completes deadlines without a year, `level` the agencies'
    level."""
    reader = _TableReader(prov, plan_year, level)
    for table in tables:
        reader.read(table)
    return reader.items


def _scope_of(name: str) -> str | None:
    match = vocabulary().scope.match(name)
    return re.sub(rf"^{bullet_class()}\s*", "", name).strip(" :") if match else None


# A sub-row with its own target names the target's scope ("Cấp xã", "Hộ sản xuất nông nghiệp quy
# mô hàng hóa") in up to this many words; a longer name is a sentence, not a scope.
MAX_SCOPE_WORDS = 12


class _TableReader:
    """Reads rows into items, carrying the group and the last item across rows."""

    def __init__(self, prov: Provenance, plan_year: int | None, level: str | None):
        self.items = TableItems()
        self.prov = prov
        self.plan_year = plan_year
        self.level = level
        self.units: dict[int, str | None] = {}  # unit column of each indicator, by position

    def read(self, table: StitchedTable) -> None:
        kind, mapping = map_columns(table.header, self.plan_year)
        if kind is None:
            return
        group: str | None = None
        origins: dict[int, CellText] = {}
        appendix = appendix_name(table.appendix.number) if table.appendix is not None else None
        first_new = (len(self.items.indicators), len(self.items.tasks))
        for row in table.rows:
            if _is_group_row(row, mapping, table.ocr):
                group = _group_name(row, mapping)
                origins.clear()
                continue
            numbered = bool(row.text(mapping["index"]).strip()) if "index" in mapping else True
            if kind == "indicator":
                self._indicator_row(row, mapping, group, numbered, origins)
            else:
                self._task_row(row, mapping, group, numbered, origins)
        for item in self.items.indicators[first_new[0]:] + self.items.tasks[first_new[1]:]:
            item.appendix = appendix

    def _problem(self, code: ProblemCode, message: str, sources: list[Source]) -> None:
        self.items.problems.append(Problem(code=code, severity=Severity.warning, message=message, sources=sources))

    def _indicator_row(self, row: TableRow, mapping: dict[str, int], group: str | None, numbered: bool,
                       origins: dict[int, CellText]) -> None:
        items = self.items
        row = _spread_merged_cells(row, mapping, origins)
        name = _cell(row, mapping, "indicator")
        unit = _cell(row, mapping, "unit") or None
        target_text = _cell(row, mapping, "target")
        sources = _row_sources(row, self.prov)
        scope_cell = _cell(row, mapping, "scope") or None
        if not numbered and items.indicators:
            previous = items.indicators[-1]
            scope = scope_cell or _scope_of(name) or (name if name and len(name.split()) <= MAX_SCOPE_WORDS else None)
            unit = unit or self.units.get(len(items.indicators) - 1)
            target = parse_target(target_text, unit, scope) if target_text else None
            if target is not None:
                previous.targets.append(target)
                previous.sources.extend(sources)
                # a sub-row's own agencies join the indicator's
                for role in ("lead", "partners"):
                    known = {a.name for a in getattr(previous, role)}
                    getattr(previous, role).extend(
                        a for a in _cell_agencies(row, mapping, role, self.level) if a.name not in known)
                return
            if name:
                previous.name = f"{previous.name} {name}".strip()
                previous.sources.extend(sources)
                return
        if not name:
            self._problem(ProblemCode.table_shape, "indicator row without a name", sources)
            return
        target = parse_target(target_text, unit, scope_cell) if target_text else None
        indicator = Indicator(
            id=f"ind-{len(items.indicators) + 1}", name=name, targets=[target] if target else [],
            lead=_cell_agencies(row, mapping, "lead", self.level),
            partners=_cell_agencies(row, mapping, "partners", self.level),
            deadline=_deadline(_cell(row, mapping, "deadline"), self.plan_year),
            basis=_basis(row, mapping), group=group, sources=sources,
        )
        self.units[len(items.indicators)] = unit
        items.indicators.append(indicator)

    def _task_row(self, row: TableRow, mapping: dict[str, int], group: str | None, numbered: bool,
                  origins: dict[int, CellText]) -> None:
        items = self.items
        name = _cell(row, mapping, "task")
        sources = _row_sources(row, self.prov)
        # a row continues the task above only by its own cells, not by a merged one
        typed_here = _cell(row, mapping, "lead") or _cell(row, mapping, "deadline")
        row = _spread_merged_cells(row, mapping, origins)
        deadline_text = _cell(row, mapping, "deadline")
        output = _cell(row, mapping, "output") or None
        if not numbered and items.tasks and not typed_here:
            previous = items.tasks[-1]
            if name:
                previous.name = f"{previous.name} {name}".strip()
            if output:
                previous.output = f"{previous.output} {output}".strip() if previous.output else output
            previous.sources.extend(sources)
            return
        if not name:
            self._problem(ProblemCode.table_shape, "task row without a name", sources)
            return
        items.tasks.append(Task(
            id=f"task-{len(items.tasks) + 1}", name=name, group=group,
            lead=_cell_agencies(row, mapping, "lead", self.level),
            partners=_cell_agencies(row, mapping, "partners", self.level), output=output,
            deadline=_deadline(deadline_text, self.plan_year),
            basis=_basis(row, mapping), sources=sources,
        ))
