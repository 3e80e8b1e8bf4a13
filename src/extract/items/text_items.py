"""Items stated in the body text rather than in tables.

- indicators: measurable targets in sentences ("100% cán bộ … có chữ ký số", "đạt tối thiểu
  80%", "ít nhất 01 sáng kiến", "70% tại cấp tỉnh, 70% tại cấp xã");
- inline responsibility blocks ("+ Đơn vị chủ trì: …", "+ Thời gian thực hiện: …") that attach
  to the items they close: one item, or every item since the previous block;
- tasks that name a lead agency ("Sở Tư pháp chủ trì, phối hợp với …") or a dated deadline;
- assignments: each agency heading of the implementation section with its duties and the
  deadlines inside them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING

from extract.canonical import canonical_agency_name, find_deadlines, parse_deadline, split_agencies
from extract.canonical.targets import find_targets
from extract.items.provenance import Provenance
from extract.matching import fold_accents
from extract.numbering import near_text
from extract.items.references import find_mentions, patterns as reference_patterns
from extract.models import Agency, Assignment, Deadline, Indicator, Result, Source, Target, Task
from extract.patterns import bullet_class, date_words, letter_class, list_joiners
from extract.rules import alternation, load_rules
from extract.segment import Segmented, SectionNode
from extract.structures import Line

if TYPE_CHECKING:
    from extract.nlp import AgencyTagger


# A statement longer than this (about 3,000 words; real paragraphs stay under 2,000
# characters) is not read for items: hostile input must not cost minutes (a 200,000-word line).
MAX_STATEMENT_CHARS = 20_000


@dataclass(frozen=True)
class _Rules:
    inline_field: re.Pattern[str]
    field_of: dict[str, str]
    agency_end: re.Pattern[str]
    lead_cue: re.Pattern[str]
    partner_cue: re.Pattern[str]
    bare_partner_cue: re.Pattern[str]
    bracket_lead_cue: re.Pattern[str]
    implementation: re.Pattern[str]
    implementation_squeezed: tuple[str, ...]  # the same without diacritics, spaces or case, for OCR'd headings
    skipped: re.Pattern[str]
    assignment_prefix: re.Pattern[str]
    aim_opener: re.Pattern[str]
    share_prefix: str
    count_prefix: str
    dangling: re.Pattern[str]
    scope_after: re.Pattern[str]
    task_deadline_kinds: frozenset[str]
    not_target_units: frozenset[str]
    containers: frozenset[str]
    task_part: re.Pattern[str]
    agency_head: re.Pattern[str]
    bullets: re.Pattern[str]
    year_suffix: re.Pattern[str]        # " năm 2026" closing a heading
    clause_comma: re.Pattern[str]       # ", " before a small letter: a new clause
    target_separators: tuple[str, ...]  # ", ", " và ": where two targets' clauses part
    assigning_verb: re.Pattern[str]
    completion_words: str
    empty_action: re.Pattern[str]
    general_opener: re.Pattern[str]
    results_heading: re.Pattern[str]
    result_opener: re.Pattern[str]
    basis_heading: re.Pattern[str]



@cache
def _rules() -> _Rules:
    rules = load_rules("text_items")
    agencies = load_rules("agencies")
    field_of = {label.casefold(): name for name, labels in rules["inline_fields"].items() for label in labels}
    labels = alternation(label for labels in rules["inline_fields"].values() for label in labels)
    return _Rules(
        inline_field=re.compile(rf"^(?P<label>{labels})\s*:\s*(?P<value>.*)$", re.IGNORECASE),
        field_of=field_of,
        agency_end=re.compile(alternation(rules["agency_clause_ends"])),
        lead_cue=re.compile(rf"(?<!\w){re.escape(rules['lead_cue'])}(?!\w)"),
        partner_cue=re.compile(rf"(?<!\w){re.escape(rules['partner_cue'])}\s+", re.IGNORECASE),
        bare_partner_cue=re.compile(rf"(?<!\w){re.escape(rules['bare_partner_cue'])}(?!\w)\s*", re.IGNORECASE),
        bracket_lead_cue=re.compile(rf"(?<!\w)(?:{alternation([rules['lead_cue'], *rules['bracket_lead_cues']])})(?!\w)"),
        implementation=re.compile(rf"^(?:{alternation(rules['implementation_headings'])})$", re.IGNORECASE),
        implementation_squeezed=tuple(_squeezed(str(h)) for h in rules["implementation_headings"]),
        skipped=re.compile(rf"^(?:{alternation(rules['skipped_headings'])})$", re.IGNORECASE),
        assignment_prefix=re.compile(rf"^(?:{alternation(rules['assignment_heading_prefixes'])})\s+(?=\S)"),
        aim_opener=re.compile(rf"(?:{'|'.join(rules['aim_openers'])})\s*,?\s*", re.IGNORECASE),
        share_prefix=rules["share_prefix"],
        count_prefix=rules["count_prefix"],
        dangling=re.compile(rf"\s*(?:{alternation(rules['dangling_words'])})\s*$", re.IGNORECASE),
        scope_after=re.compile(rules["scope_after"], re.IGNORECASE),
        task_deadline_kinds=frozenset(rules["task_deadline_kinds"]),
        not_target_units=frozenset(rules["not_target_units"]),
        containers=frozenset(h.casefold() for h in load_rules("document")["container_headings"]),
        assigning_verb=re.compile(rf"^(?:{alternation(rules['assigning_verbs'])})\s+", re.IGNORECASE),
        completion_words=alternation(rules["completion_words"]),
        empty_action=re.compile(rf"^{alternation(rules['empty_action_verbs'])}\s+(?=\S+\s+\S)", re.IGNORECASE),
        general_opener=re.compile(rf"^{alternation(rules['general_openers'])}", re.IGNORECASE),
        agency_head=re.compile(rf"^(?:{alternation([*agencies['heads'], *agencies['lead_heads']])})(?!\w)"),
        # bullets and item labels that open a statement ("- ", "+ ", "a) ", "(1) ", "2. ")
        bullets=re.compile(rf"^(?:(?:{bullet_class()}\s*)+|(?:\(?{letter_class()}\)|\(\d{{1,2}}\)|\d{{1,2}}[.)])\s+)"),
        year_suffix=re.compile(rf"\s+{date_words()[2]} \d{{4}}$"),
        clause_comma=re.compile(rf",\s+(?={letter_class()})"),
        target_separators=(", ", *(f" {word} " for word in list_joiners())),
        task_part=re.compile(rf"^(?:{alternation(rules['task_part_headings'])})\b", re.IGNORECASE),
        results_heading=re.compile(rf"^(?:{'|'.join(rules['results_headings'])})", re.IGNORECASE),
        result_opener=re.compile(rf"^(?:{'|'.join(rules['result_openers'])})"),
        basis_heading=reference_patterns().basis_heading,
    )


@dataclass
class TextItems:
    """What the body text gives: indicators, tasks, assignments and results."""

    indicators: list[Indicator] = field(default_factory=list)
    tasks: list[Task] = field(default_factory=list)
    assignments: list[Assignment] = field(default_factory=list)
    results: list[Result] = field(default_factory=list)


@dataclass
class _Clause:
    text: str
    start: int       # offset in the document text
    line: Line
    tail: "_Clause | None" = None   # a following clause that only states this one's deadline

    @property
    def end(self) -> int:
        last = self.tail or self
        return last.start + len(last.text)

    @property
    def full_text(self) -> str:
        return f"{self.text} {self.tail.text}" if self.tail else self.text


@dataclass
class _Block:
    lead: list[Agency] = field(default_factory=list)
    partners: list[Agency] = field(default_factory=list)
    deadline: Deadline | None = None
    output: str | None = None
    sources: list[Source] = field(default_factory=list)


def group_path(node: SectionNode | None) -> str | None:
    """The headings an item sits under, below the Roman-numeral part, without containers."""
    if node is None:
        return None
    containers = _rules().containers
    names = [n.heading for n in node.path()[1:]
             if _rules().year_suffix.sub("", n.heading.casefold().rstrip(":")) not in containers]
    return " > ".join(names) or None


def _heading_is_statement(node: SectionNode, has_children: bool) -> bool:
    """An enumerated item that says something ("a) Phủ sóng 4G đến 100% thôn, bản; …"), as
    opposed to a heading that names what follows ("(2) Kinh tế số"). A "1." item counts only
    when nothing follows it (no lines, no subsections): a list of targets or duties numbered
    "1. 100% hồ sơ …", "2. …" under "II. CHỈ TIÊU" is a list, not a tree of empty sections."""
    if node.label_kind == "arabic":
        if has_children or node.lines:
            return False
    elif node.label_kind not in ("letter", "paren", "arabic_paren"):
        return False
    heading = node.heading
    return heading.endswith((".", ";")) or len(heading.split()) >= 12 or bool(find_targets(heading))


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def _in_section(node: SectionNode, pattern: re.Pattern[str]) -> bool:
    return any(pattern.match(n.heading.strip()) for n in node.path())


def _in_results(node: SectionNode) -> bool:
    """Under a part that reports results already achieved ("ĐÁNH GIÁ KẾT QUẢ THỰC HIỆN NĂM 2025")."""
    return _in_section(node, _rules().results_heading)


def _strip_bullets(text: str, start: int) -> tuple[str, int]:
    match = _rules().bullets.match(text)
    if match:
        return text[match.end():], start + match.end()
    return text, start


def _clauses(text: str, start: int, line: Line) -> list[_Clause]:
    """Split a statement into clauses at ';' and sentence ends."""
    out: list[_Clause] = []
    position = 0
    for match in re.finditer(r";\s+|\.\s+(?=[A-ZĐÀ-Ỹ0-9])", text):
        if text.count("(", 0, match.start()) > text.count(")", 0, match.start()):
            continue  # inside brackets: "(Sở X chủ trì; trình UBND tỉnh trước ngày …)"
        piece = text[position:match.start()]
        if piece.strip():
            out.append(_Clause(piece, start + position, line))
        position = match.end()
    piece = text[position:]
    if piece.strip():
        out.append(_Clause(piece, start + position, line))
    return out


# ------------------------------------------------------------------ indicators

def _indicator_name(text: str, spans: list[tuple[int, int]], share: bool) -> str:
    """The clause without its targets and comparator words; a leading share names 'Tỷ lệ …',
    a leading count 'Số …'."""
    rules = _rules()
    first_start = spans[0][0]
    lead_in = _lead_in(text)
    if first_start <= lead_in or not text[lead_in:first_start].strip():
        rest = text[spans[-1][1]:].strip(" ,:;.")
        if rest:
            prefix = rules.share_prefix if share else rules.count_prefix
            return f"{prefix} {rest[0].lower() + rest[1:] if not rest[:2].isupper() else rest}"
    pieces, position = [], 0
    for start, end in spans:
        pieces.append(text[position:start])
        position = end
    pieces.append(text[position:])
    name = " ".join(p.strip() for p in pieces if p.strip())
    name = rules.dangling.sub("", name)
    name = re.sub(r"\s+([,;.])", r"\1", name).strip(" ,:;.")
    return re.sub(r"\s{2,}", " ", name)


def _lead_in(text: str) -> int:
    """Where the statement proper starts, after aim verbs and a leading "Từ tháng 01/2026,"."""
    position = 0
    while True:
        opener = _rules().aim_opener.match(text, position)
        if opener and opener.end() > position:
            position = opener.end()
            continue
        dated = next((d for d in find_deadlines(text[position:], None) if d[0] == 0), None)
        if dated and text[position + dated[1]:position + dated[1] + 1] == ",":
            position += dated[1] + 1
            position += len(text[position:]) - len(text[position:].lstrip())
            continue
        return position


def _names_unit(name: str, unit: str | None) -> bool:
    """The name before a target already says what it counts ("Số tổ … đạt 10 tổ")."""
    return bool(unit) and re.search(rf"(?<!\w){re.escape(unit)}(?!\w)", name, re.IGNORECASE) is not None


def _targets_in(clause: _Clause) -> list[tuple[int, int, Target]]:
    rules = _rules()
    found = []
    for start, number_end, end, target in find_targets(clause.text):
        if target.unit in rules.not_target_units:
            continue
        scope = rules.scope_after.match(clause.text, end)
        if scope:
            target.scope = scope.group(1)[0].upper() + scope.group(1)[1:]
            end = scope.end()
            # "đạt 70% tại cấp tỉnh, 70% tại cấp xã": the series shares its comparator
            if found and found[-1][2].scope and target.comparator == "=":
                target.comparator = found[-1][2].comparator
        elif target.unit != "%" and not _names_unit(clause.text[:start], target.unit):
            end = number_end  # the counted noun stays in the name
        found.append((start, end, target))
    return found


def _split_by_target(clause: _Clause, targets) -> list[tuple[_Clause, list]]:
    """Two targets in one sentence are two indicators, unless they are scopes of one."""
    if len(targets) < 2 or all(t.scope for _, _, t in targets):
        return [(clause, targets)]
    groups: list[tuple[_Clause, list]] = []
    piece_start = 0
    current: list = []
    for start, end, target in targets:
        if current:
            between = clause.text[current[-1][1]:start]
            cut, separator = max((between.rfind(sep), sep) for sep in _rules().target_separators)
            if cut >= 0:
                cut_at = current[-1][1] + cut
                sub = _Clause(clause.text[piece_start:cut_at], clause.start + piece_start, clause.line)
                groups.append((sub, [(s - piece_start, e - piece_start, t) for s, e, t in current]))
                piece_start = cut_at + len(separator)
                current = []
        current.append((start, end, target))
    sub = _Clause(clause.text[piece_start:], clause.start + piece_start, clause.line)
    groups.append((sub, [(s - piece_start, e - piece_start, t) for s, e, t in current]))
    return groups


def _join_deadline_clauses(clauses: list[_Clause], plan_year: int | None) -> list[_Clause]:
    """"… bảo đảm an toàn. Hoàn thành trong Quý III năm 2026." is one task, not two."""
    out: list[_Clause] = []
    for clause in clauses:
        # "Thời gian: Quý II/2026" is a field of its own, not the tail of the one before
        if out and out[-1].tail is None and len(clause.text.split()) <= 10 \
                and not _rules().inline_field.match(clause.text.strip()):
            found = find_deadlines(clause.text, plan_year)
            covered = sum(e - s for s, e, _ in found)
            if found and covered >= len(clause.text.strip(" .")) * 0.5:
                out[-1].tail = clause
                continue
        out.append(clause)
    return out


# ------------------------------------------------------------------ agencies in free text

def agency_phrase_end(text: str, nlp: "AgencyTagger | None" = None) -> int:
    """Where the agency names that open `text` end and the rest of the sentence begins.

    Rules first: a verb from rules/text_items.yaml ("tham mưu", "phối hợp" …). Where none is
    listed, the NLP tagger (when enabled) finds the first verb by part of speech.
    """
    cut = _rules().agency_end.search(text)
    if cut and cut.start() > 0:
        return cut.start()
    if nlp is not None:
        end = nlp.agency_prefix_end(text)
        if end:
            return end
    return len(text)


def _agencies_from_field(value: str, level: str | None, nlp: "AgencyTagger | None" = None) -> list[Agency]:
    """An inline field's agencies: the text up to where a verb starts the rest of the sentence."""
    value = value.strip().rstrip(".")
    value = value[:agency_phrase_end(value, nlp)]
    return split_agencies(value, level) if value else []


@dataclass
class _LeadClause:
    """'[giao] <Agency> chủ trì[, phối hợp với <agencies>] <action>' found in a clause."""

    lead: list[Agency]
    partners: list[Agency]
    head_start: int       # where the lead agency's name starts
    action_start: int     # where the action (what the agencies do) starts
    bracketed: tuple[int, int] | None  # "(Sở X chủ trì; …)": the brackets around it
    deadline: Deadline | None = None   # a deadline part of a closing bracket ("thực hiện thường xuyên")


def _lead_in_sentence(text: str, level: str | None, nlp: "AgencyTagger | None" = None) -> _LeadClause | None:
    rules = _rules()
    cue = rules.lead_cue.search(text)
    if not cue:
        return None
    before = text[:cue.start()].rstrip(" ,(")
    separators = ("(", ";", ":", ". ", *_clause_commas(before))
    head_start = max((i + len(sep) for sep in separators if (i := before.rfind(sep)) >= 0), default=0)
    head = before[head_start:].strip()
    verb = rules.assigning_verb.match(head)
    if verb:
        head_start += verb.end()
        head = head[verb.end():]
    head_start += len(before[head_start:]) - len(before[head_start:].lstrip())
    named = bool(head) and rules.agency_head.match(head) is not None
    if head and not named and nlp is not None:
        # an agency the head list lacks ("Hợp tác xã Chè Tân Hà chủ trì …")
        end = len(before.rstrip())
        start = nlp.agencies_ending_at(text[head_start:cue.end()], end - head_start)
        if start is not None:
            head_start += start
            head, named = text[head_start:end], True
    if not named or len(head.split()) > 12:
        return None
    lead = split_agencies(head, level)
    partners: list[Agency] = []
    action_start = cue.end()
    partner = rules.partner_cue.search(text, cue.end()) or _bare_partner_cue(text, cue.end())
    if partner and partner.start() - cue.end() < 4:
        rest = text[partner.end():]
        names_end = agency_phrase_end(rest, nlp)
        names = re.split(r"[;.)]", rest[:names_end])[0]
        partners = split_agencies(names, level) if names.strip() else []
        action_start = partner.end() + len(names)
    open_bracket = text.rfind("(", 0, cue.start())
    bracketed = None
    if open_bracket >= 0 and text.find(")", open_bracket) > cue.start():
        bracketed = (open_bracket, text.find(")", open_bracket) + 1)
    return _LeadClause(lead, partners, head_start, action_start, bracketed)


def _bare_partner_cue(text: str, at: int) -> re.Match[str] | None:
    """"phối hợp" without "với" after `at`, where an agency's name follows it."""
    cue = _rules().bare_partner_cue.search(text, at)
    return cue if cue and _rules().agency_head.match(text[cue.end():]) else None


_CLOSING_BRACKET = re.compile(r"\(([^()]{4,400})\)[\s.;,]*$")


def _closing_responsibility(text: str, level: str | None, plan_year: int | None,
                            nlp: "AgencyTagger | None" = None) -> _LeadClause | None:
    """The responsibility block in brackets that closes a statement (rules/text_items.yaml
    `bracket_lead_cues`): "(Phòng Kinh tế chủ trì, phối hợp Viettel Hà Tĩnh; chậm nhất ngày
    31/7/2026)", "(Công an xã chủ trì; các thôn phối hợp; thực hiện thường xuyên)", "(Văn phòng
    HĐND và UBND xã tham mưu; hoàn thành trong quý II/2026)". None where no part names a lead."""
    bracket = _CLOSING_BRACKET.search(text)
    if bracket is None:
        return None
    rules = _rules()
    lead: list[Agency] = []
    partners: list[Agency] = []
    deadline = None
    for part in bracket.group(1).split(";"):
        part = part.strip(" ,.")
        cue = rules.bracket_lead_cue.search(part)
        head = part[:cue.start()].strip(" ,") if cue else ""
        if not lead and head and rules.agency_head.match(head) and len(head.split()) <= 12:
            lead = split_agencies(head, level)
            after = part[cue.end():]
            partner = rules.partner_cue.search(after) or _bare_partner_cue(after, 0)
            if partner:
                partners += split_agencies(after[partner.end():], level)
            continue
        partner = rules.partner_cue.match(part) or rules.bare_partner_cue.search(part)
        if partner and 0 < partner.start() and len(part[:partner.start()].split()) <= 10:
            partners += split_agencies(part[:partner.start()], level)      # "các thôn phối hợp"
        elif partner and partner.start() == 0:
            partners += split_agencies(part[partner.end():], level)         # "phối hợp (với) X"
        elif deadline is None:
            found = parse_deadline(part, plan_year)
            deadline = found if found.kind != "unspecified" else None
    if not lead:
        return None
    return _LeadClause(lead, partners, bracket.start(), bracket.start(), (bracket.start(), bracket.end()), deadline)


def _clause_commas(text: str) -> list[str]:
    """', ' separators that start a new clause (a lower-case word follows), as split points."""
    return [m.group(0) for m in _rules().clause_comma.finditer(text)]


def _task_name(clause: "_Clause", found: _LeadClause, subject: "_Clause | None", plan_year: int | None) -> tuple[str, int]:
    """What the task is, without who leads it and by when: (name, start offset in the clause)."""
    text = clause.text
    if found.bracketed:
        a, b = found.bracketed
        return (text[:a] + text[b:]).strip(" ,;."), 0
    action = text[found.action_start:]
    offset = found.action_start + len(action) - len(action.lstrip(" ,"))
    action = action.strip(" ,;.")
    empty = _rules().empty_action.match(action)
    if empty:  # "thực hiện rà soát …" -> "rà soát …"
        action, offset = action[empty.end():], offset + empty.end()
    for start, _, _ in sorted(find_deadlines(action, plan_year), reverse=True):
        action = re.sub(rf"[\s,]*(?:{_rules().completion_words})?\s*$", "", action[:start]).strip(" ,;.")
    if found.head_start == 0 and subject is not None:
        # "Xây dựng bộ chỉ số …; Sở X chủ trì, phối hợp với Sở Y tham mưu …": the clause
        # before says what the task is, the lead clause how it is done
        return subject.text.strip(" ,;."), None
    if len(action.split()) >= 3:
        return action, offset
    return text.strip(" ,;."), 0


# ------------------------------------------------------------------ reader

class _SectionReader:
    def __init__(self, seg: Segmented, prov: Provenance, plan_year: int | None, level: str | None,
                 nlp: "AgencyTagger | None" = None):
        self.nlp = nlp
        self.seg = seg
        self.prov = prov
        self.plan_year = plan_year
        self.level = level
        self.items = TextItems()
        self.parents: set[str] = set()     # ids of the sections that have subsections
        self.pending: list[Indicator | Task] = []
        self.pending_statements: list[_Clause] = []
        self.block: _Block | None = None

    # statements and blocks -------------------------------------------------

    def read_section(self, node: SectionNode) -> None:
        self._close_block(node)
        self.pending, self.pending_statements = [], []
        self.task_mode = bool(node.path()) and bool(_rules().task_part.match(node.path()[0].heading))
        statements: list[tuple[str, int, Line]] = []
        self.group = group_path(node)
        if node.inline_text and node.inline_start is not None:
            statements.append((node.inline_text, node.inline_start, node.line))
        elif _heading_is_statement(node, node.id in self.parents):
            # "a) Phủ sóng di động 4G đến 100% thôn, bản; …": the labelled item is the statement
            statements.append((node.heading, node.heading_start, node.line))
            self.group = group_path(node.parent)
        statements += [(line.text, line.start, line) for line in node.lines if not line.is_row]
        reporting = _in_results(node)
        for text, start, line in statements:
            text, start = _strip_bullets(text, start)
            if reporting or _rules().result_opener.match(text):
                self._result(text, start, line)
                continue
            inline = _rules().inline_field.match(text)
            if inline:
                self._add_field(inline, start, line)
                continue
            self._close_block(node)
            self._statement(text, start, line, node)
        self._close_block(node)

    def _result(self, text: str, start: int, line: Line) -> None:
        """A result the plan reports: kept with its figures, never an indicator or a task."""
        text = text.strip()
        if not text:
            return
        values = [target for *_, target in find_targets(text)]
        self.items.results.append(Result(text=text.rstrip(".;"), values=values, group=self.group,
                                         sources=[self.prov.span(start, start + len(text))]))

    def _add_field(self, match: re.Match[str], start: int, line: Line, end: int | None = None) -> None:
        block = self.block or _Block()
        self.block = block
        name = _rules().field_of[match.group("label").casefold()]
        value = match.group("value").strip()
        block.sources.append(self.prov.span(start, line.end if end is None else end))
        if name == "lead":
            block.lead.extend(_agencies_from_field(value, self.level, self.nlp))
        elif name == "partners":
            block.partners.extend(_agencies_from_field(value, self.level, self.nlp))
        elif name == "deadline" and value:
            block.deadline = parse_deadline(value.rstrip("."), self.plan_year)
        elif name == "output" and value:
            block.output = value.rstrip(".")

    def _close_block(self, node: SectionNode) -> None:
        block, self.block = self.block, None
        if block is None:
            return
        targets = self.pending or []
        if self.task_mode and self.pending_statements and any(isinstance(t, Indicator) for t in targets):
            # in the tasks part an item closed by a block is a task, numbers included
            dropped = {id(t) for t in targets if isinstance(t, Indicator)}
            self.items.indicators = [i for i in self.items.indicators if id(i) not in dropped]
            targets = [t for t in targets if not isinstance(t, Indicator)]
        if not targets and self.pending_statements:
            # statements with no number, closed by a responsibility block: one task each
            targets = []
            for statement in self.pending_statements:
                task = Task(id="", name=_capitalised(statement.text.strip().rstrip(".;")), group=self.group,
                            sources=[self.prov.span(statement.start, statement.start + len(statement.text))])
                self.items.tasks.append(task)
                targets.append(task)
        for item in targets:
            if block.lead and not item.lead:
                item.lead = list(block.lead)
            if block.partners and not item.partners:
                item.partners = list(block.partners)
            if block.deadline and item.deadline is None:
                item.deadline = block.deadline
            if isinstance(item, Task) and block.output and not item.output:
                item.output = block.output
            item.sources.extend(block.sources)
        self.pending, self.pending_statements = [], []

    def _statement(self, text: str, start: int, line: Line, node: SectionNode) -> None:
        if len(text) > MAX_STATEMENT_CHARS:
            return      # no plan writes such a paragraph: a pasted blob or damage, not items
        prose: list[_Clause] = []
        plain: _Clause | None = None  # the last clause that stated nothing measurable or assigned
        clauses = _clauses(text, start, line)
        if len(clauses) > 1 and not find_targets(text) \
                and _closing_responsibility(text, self.level, self.plan_year, self.nlp) is not None:
            clauses = [_Clause(text, start, line)]    # "Rà soát …; đề xuất … (Phòng X chủ trì; …)": one task
        for clause in _join_deadline_clauses(clauses, self.plan_year):
            field_match = _rules().inline_field.match(clause.text.strip())
            if field_match:
                offset = len(clause.text) - len(clause.text.lstrip())
                self._add_field(field_match, clause.start + offset, line, clause.start + len(clause.text))
                continue
            prose.append(clause)
            targets = _targets_in(clause)
            if targets:
                for sub, sub_targets in _split_by_target(clause, targets):
                    self._indicator(sub, sub_targets, node)
                plain = None
                continue
            plain = None if self._sentence_task(clause, node, plain) else clause
        if prose:
            # kept for a block that may close it: a statement with no number becomes a task
            first, last = prose[0], prose[-1]
            self.pending_statements.append(_Clause(text[first.start - start:last.start - start + len(last.text)],
                                                   first.start, line))

    def _indicator(self, clause: _Clause, targets, node: SectionNode) -> None:
        name = _indicator_name(clause.text, [(s, e) for s, e, _ in targets], targets[0][2].unit == "%")
        if not name:
            return
        found = _lead_in_sentence(clause.text, self.level, self.nlp)
        lead, partners = (found.lead, found.partners) if found else ([], [])
        deadline = self._dated_deadline(clause.text)
        indicator = Indicator(
            id="", name=_capitalised(name), targets=[t for _, _, t in targets], lead=lead, partners=partners,
            deadline=deadline, group=self.group,
            sources=[self.prov.span(clause.start, clause.end)],
        )
        self.items.indicators.append(indicator)
        self.pending.append(indicator)

    def _dated_deadline(self, text: str, outside_citations: bool = False) -> Deadline | None:
        """The first deadline of a kind that makes a task; with `outside_citations`, not one in
        the title of a document cited before it ("Quyết định số 749/QĐ-TTg … Chương trình Chuyển
        đổi số quốc gia đến năm 2025, định hướng đến năm 2030" is the cited document's horizon)."""
        kinds = _rules().task_deadline_kinds
        cited_from = None
        if outside_citations and reference_patterns().may_cite.search(text):
            cited_from = min((m.start for m in find_mentions(text)), default=None)
        for start, _, deadline in find_deadlines(text, self.plan_year):
            if deadline.kind in kinds and (cited_from is None or start < cited_from):
                return deadline
        return None

    def _sentence_task(self, clause: _Clause, node: SectionNode, subject: _Clause | None = None) -> bool:
        """A clause that names a lead agency or a dated deadline is a task. Its name is what the
        agencies are to do ("Sở Tư pháp chủ trì, phối hợp với … <action>, hoàn thành …"); where
        that is empty ("… chủ trì thực hiện"), the plain clause before it names the task."""
        found = (_closing_responsibility(clause.text, self.level, self.plan_year, self.nlp)
                 or _lead_in_sentence(clause.text, self.level, self.nlp))
        if found is None:
            deadline = self._dated_deadline(clause.full_text, outside_citations=True)
            if deadline is None:
                return False
            name, start = clause.text.strip(" ,;."), clause.start
            lead, partners = [], []
        else:
            # with a lead named, any deadline counts ("hoàn thành trong năm 2026")
            deadline = found.deadline or next((d for _, _, d in find_deadlines(clause.full_text, self.plan_year)), None)
            name, offset = _task_name(clause, found, subject, self.plan_year)
            start = subject.start if offset is None else clause.start
            lead, partners = found.lead, found.partners
        task = Task(id="", name=_capitalised(name), group=self.group, lead=lead,
                    partners=partners, deadline=deadline,
                    sources=[self.prov.span(start, clause.end)])
        self.items.tasks.append(task)
        self.pending.append(task)
        return True

    # assignments -----------------------------------------------------------

    def read_assignment(self, node: SectionNode) -> None:
        rules = _rules()
        heading = rules.assignment_prefix.sub("", node.heading).strip()
        agency = Agency(name=canonical_agency_name(heading, self.level), text=node.heading)
        duties: list[str] = []
        deadlines: list[Deadline] = []
        sources = [self.prov.span(node.heading_start, node.heading_end)]
        texts = []
        if node.inline_text and node.inline_start is not None:
            texts.append((node.inline_text, node.inline_start, node.line))
        texts += [(l.text, l.start, l) for l in node.lines if not l.is_row]
        for text, start, _line in texts:
            text, start = _strip_bullets(text, start)
            if rules.general_opener.match(text):
                break  # addressed to every agency, not this one
            duties.append(text)
            sources.append(self.prov.span(start, start + len(text)))
            deadlines.extend(d for _, _, d in find_deadlines(text, self.plan_year))
        self.items.assignments.append(Assignment(agency=agency, duties=duties, deadlines=deadlines,
                                                 sources=sources))


def _squeezed(text: str) -> str:
    """`text` without diacritics, spaces or case ("TỔ CHỨC" -> "tochuc")."""
    return "".join(fold_accents(text).split()).casefold()


def _is_implementation(heading: str, ocr: bool) -> bool:
    """The implementation part's heading ("TỔ CHỨC THỰC HIỆN"); on an OCR'd document also with
    a tone mark misread ("TÕ CHỨC THỰC HIỆN"), a syllable split or a letter doubled ("TỔ CHỨC
    THỰ ỤC HIỆN"): compared without diacritics, spaces or case, within one edit per ten letters
    (extract.numbering.near_text); or with its first word lost with its label ("CHỨC THỰC
    HIỆN", `_lost_first_word`)."""
    rules = _rules()
    if rules.implementation.match(heading):
        return True
    squeezed = _squeezed(heading) if ocr else None
    return ocr and any(near_text(squeezed, wanted) or _lost_first_word(heading, wanted)
                       for wanted in rules.implementation_squeezed)


_MIN_TAIL_LETTERS = 10        # letters a heading that lost its first word keeps, at least
_MAX_LOST_LETTERS = 4         # letters of the word lost, at most


def _lost_first_word(heading: str, wanted: str) -> bool:
    """OCR: `heading` is the squeezed heading `wanted` without its first word, a speck having
    hidden the label and the word after it ("CHỨC THỰC HIỆN" for "TỔ CHỨC THỰC HIỆN"): two
    words and `_MIN_TAIL_LETTERS` letters at least, so that a short tail is no match."""
    squeezed = _squeezed(heading)
    return (len(heading.split()) >= 2 and len(squeezed) >= _MIN_TAIL_LETTERS
            and wanted.endswith(squeezed) and len(wanted) - len(squeezed) <= _MAX_LOST_LETTERS)


def extract_text_items(seg: Segmented, prov: Provenance, plan_year: int | None,
                       level: str | None, nlp: "AgencyTagger | None" = None) -> TextItems:
    """Indicators, tasks, assignments and results from the body sections' text (the basis and
    skipped sections left out); `nlp` (or None: rules only) finds agency names the rules miss."""
    rules = _rules()
    reader = _SectionReader(seg, prov, plan_year, level, nlp)
    reader.parents = {node.parent.id for node in seg.sections if node.parent is not None}
    for node in seg.sections:
        if node.kind != "body" or _in_section(node, rules.skipped) \
                or any(rules.basis_heading.match(n.heading.strip(" :.")) for n in node.path()):
            continue    # funding parts, and the list of the plan's legal basis
        implementation = next((n for n in node.path() if _is_implementation(n.heading.strip(), seg.text.ocr)), None)
        if implementation is None:
            reader.read_section(node)
        elif node.parent is implementation:
            reader.read_assignment(node)
        elif node is implementation:
            continue
    return reader.items
