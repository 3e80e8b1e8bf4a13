"""Agencies: canonical names and the splitting of agency cells into agencies.

A canonical name (contract: Agency) is the gazetteer's name where the text names a known
agency (rules/agencies.yaml; lookup ignores case, tone-mark placement, punctuation and
diacritics, with a guarded fuzzy match for typos), else the text cleaned up: tone marks
normalised, abbreviations expanded, " - " inside names, annotations in parentheses removed,
a capital first letter. A trailing level word (xã, phường, tỉnh, đặc khu) is dropped where
it only repeats where a department sits ("Phòng Văn hóa - Xã hội xã") and kept, or added from
the issuer's level, where it is part of the agency's identity ("Công an xã", "Ủy ban nhân
dân tỉnh"): entries with keep_level.

Decisions where the contract is silent:
- "VP HĐND-UBND" is the commune office "Văn phòng Hội đồng nhân dân và Ủy ban nhân dân": the
  hyphen there joins the two bodies the office serves, it is not a name separator.
- Annotations in parentheses ("(B/c)", "(chủ trì)", "(qua …)") leave the name, stay in text.
- Collective agencies ("các cơ quan, đơn vị có hồ sơ TTHC") keep their words; only agency
  abbreviations (UBND, HĐND …) are expanded and the first letter capitalised.
- A level word followed by a place name ("UBND tỉnh Thái Nguyên") is kept with the place.
- The level added to keep_level names comes from a list head ("Các sở, ngành: …" -> tỉnh),
  else from a level word closing the list ("Ủy ban MTTQ, các đoàn thể xã"), else from the
  issuer's level; for a city the word written is "tỉnh" (the code does not say "thành phố").
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache

from rapidfuzz import fuzz, process

from extract.matching import fold_accents, undoubled
from extract.patterns import bullet_class, letter_class, list_joiner, list_joiners
from extract.rules import alternation, word_alternation
from extract.models import Agency
from extract.normalize import fix_known_typos, fix_tone_marks, normalize_text
from extract.rules import load_rules

_FUZZY_CUTOFF = 90      # rapidfuzz ratio (0-100) on diacritic-free keys
_FUZZY_MARGIN = 3       # the best entry must beat any other entry by this much


def _key(text: str) -> str:
    """Lookup key: NFC, tone marks fixed, case-folded, '&' as 'và', words only."""
    folded = fix_tone_marks(unicodedata.normalize("NFC", text)).casefold().replace("&", f" {list_joiners()[0]} ")
    return " ".join(re.findall(r"\w+", folded))


@dataclass(frozen=True)
class _Entry:
    name: str
    tier: str               # province | commune | any
    keep_level: bool


@dataclass(frozen=True)
class _Level:
    word: str
    code: str
    tier: str


@dataclass(frozen=True)
class _Gazetteer:
    by_key: dict[str, _Entry]
    by_ascii: dict[str, _Entry | None]      # None: two entries share the key
    fuzzy_keys: list[str]
    fuzzy_entries: list[_Entry]
    levels: dict[str, _Level]               # key of the level word -> level
    level_words: dict[str, str]             # level code -> word to write
    level_tiers: dict[str, str]             # level code -> tier
    agency_abbreviations: tuple[re.Pattern[str], dict[str, str]]
    subject_abbreviations: tuple[re.Pattern[str], dict[str, str]]
    leading_abbreviations: tuple[re.Pattern[str], dict[str, str]]
    contextual_abbreviations: list[tuple[re.Pattern[str], str]]
    fixed_case: tuple[re.Pattern[str], dict[str, str]]
    head: re.Pattern[str]
    collective: re.Pattern[str]
    lead_in: re.Pattern[str]
    department_heads: list[tuple[str, str]]  # (key of the head, tier), longest first
    list_head: re.Pattern[str]
    list_heads: dict[str, dict]
    abbreviations: dict[str, str]           # every abbreviation, casefolded -> as written
    glued_abbreviation: re.Pattern[str]     # "UBNDxã": an abbreviation run into the next word


def _replacement_pattern(mapping: dict[str, str], where: str = "word") -> tuple[re.Pattern[str], dict[str, str]]:
    """A regex for the keys of `mapping` as whole words (where="word") or at the start of the
    text (where="start"); case-sensitive."""
    shorts = sorted(mapping, key=len, reverse=True)
    parts = []
    for short in shorts:
        body = re.escape(short)
        if short[-1].isalnum():
            body += r"(?!\w)"
        parts.append(body)
    alternatives = "|".join(parts)
    if where == "start":
        return re.compile(rf"^(?:{alternatives})\s*"), mapping
    return re.compile(rf"(?<![\w&])(?:{alternatives})"), mapping


def _expand(text: str, table: tuple[re.Pattern[str], dict[str, str]], trailing_space: bool = False) -> str:
    pattern, mapping = table
    if trailing_space:
        return pattern.sub(lambda m: mapping[m.group(0).strip()] + " ", text)
    return pattern.sub(lambda m: mapping[m.group(0)], text)


@cache
def _gazetteer() -> _Gazetteer:
    rules = load_rules("agencies")
    levels = [_Level(str(lv["word"]), str(lv["code"]), str(lv["tier"])) for lv in rules["levels"]]
    level_words: dict[str, str] = {}
    for level in levels:
        level_words.setdefault(level.code, level.word)
    agency_abbr = _replacement_pattern(rules["agency_abbreviations"])
    subject_abbr = _replacement_pattern(rules["subject_abbreviations"])
    leading_abbr = _replacement_pattern(rules["leading_abbreviations"], where="start")
    contextual = [(re.compile(rf"(?<={re.escape(c['after'])} ){re.escape(c['short'])}(?!\w)"), c["long"])
                  for c in rules["contextual_abbreviations"]]

    def expanded(text: str) -> str:
        text = _expand(text, leading_abbr, trailing_space=True)
        text = _expand(_expand(text, agency_abbr), subject_abbr)
        for pattern, long in contextual:
            text = pattern.sub(long, text)
        return text

    by_key: dict[str, _Entry] = {}
    by_ascii: dict[str, _Entry | None] = {}
    for item in rules["agencies"]:
        entry = _Entry(str(item["name"]), str(item.get("tier", "any")), bool(item.get("keep_level", False)))
        for spelling in [entry.name, *item.get("aliases", [])]:
            for form in (spelling, expanded(spelling)):
                key = _key(form)
                by_key.setdefault(key, entry)
                folded = fold_accents(key)
                if by_ascii.get(folded, entry) != entry:
                    by_ascii[folded] = None
                else:
                    by_ascii[folded] = entry
    fuzzy = [(k, e) for k, e in by_ascii.items() if e is not None]
    fixed = {_key(p): p for p in rules["fixed_case"]}
    fixed_pattern = re.compile(word_alternation(rules["fixed_case"]), re.IGNORECASE)
    list_heads = {_key(k): v for k, v in rules["list_heads"].items()}
    collective = word_alternation(rules["collective"])
    return _Gazetteer(
        by_key=by_key, by_ascii=by_ascii,
        fuzzy_keys=[k for k, _ in fuzzy], fuzzy_entries=[e for _, e in fuzzy],
        levels={_key(lv.word): lv for lv in levels},
        level_words=level_words,
        level_tiers={lv.code: lv.tier for lv in levels},
        agency_abbreviations=agency_abbr, subject_abbreviations=subject_abbr,
        leading_abbreviations=leading_abbr, contextual_abbreviations=contextual,
        fixed_case=(fixed_pattern, fixed),
        head=re.compile(rf"(?P<head>{word_alternation(rules['heads'])})(?:\s+(?P<next>\S+))?", re.IGNORECASE),
        collective=re.compile(collective, re.IGNORECASE),
        lead_in=re.compile(rf"^{word_alternation(rules['lead_ins'])}\s*:?\s*", re.IGNORECASE),
        department_heads=sorted(((_key(h), t) for h, t in rules["department_heads"].items()),
                                key=lambda ht: len(ht[0]), reverse=True),
        list_head=re.compile(
            rf"^\s*(?:{collective}\s+)?(?P<head>{alternation(rules['list_heads'])})\s*(?:[^:]{{0,40}}?)?:\s*(?P<items>.+)$",
            re.IGNORECASE | re.DOTALL),
        list_heads=list_heads,
        abbreviations={str(k).casefold(): str(k) for key in ("agency_abbreviations", "leading_abbreviations",
                                                             "subject_abbreviations") for k in rules[key]},
        glued_abbreviation=re.compile(rf"(?<!\w)({alternation(str(k) for k in rules['agency_abbreviations'] if len(str(k)) >= 3)})"
                                      r"(?=[a-zđà-ỹ])"),
    )


# ------------------------------------------------------------------------- clean-up

_PARENTHESES = re.compile(r"\s*\([^()]*\)")
_OPEN_PARENTHESIS = re.compile(r"\s*\([^()]*$")
_LIST_PUNCTUATION_END = re.compile(r"[\s;,.:/]+$|\s+[-–_]+$")     # "… xã -": a dash after a name is a speck
_DASH = re.compile(r"\s*[-–—]\s*")
_COMMA = re.compile(r"\s*,\s*")
_AMPERSAND = re.compile(r"\s*&\s*")
_CAPITALS_WORD = re.compile(r"(?<!\w)[A-ZĐ]{3,}(?!\w)")
SUBSTITUTED_FROM = 4    # an abbreviation this long read with one letter wrong is still known


@dataclass(frozen=True)
class _ListPatterns:
    item_marker: re.Pattern[str]    # "- ", "•", "1.", "a)" before an item
    line_marker: re.Pattern[str]    # "- ", "1." opening a line of a cell (a new agency)
    separator: re.Pattern[str]      # "," or " và " (any case) between agencies
    joiner: re.Pattern[str]         # " và " (as written) inside one item


@cache
def _list_patterns() -> _ListPatterns:
    """List markers (rules/markup.yaml) and joiners (rules/document.yaml) as agencies use them."""
    bullets, joiner = bullet_class(), list_joiner()
    return _ListPatterns(
        item_marker=re.compile(rf"^(?:{bullets}+|\d{{1,2}}[.)]|{letter_class()}\))\s*"),
        line_marker=re.compile(rf"^(?:{bullets}|\d{{1,2}}[.)])\s*"),
        # a colon between two agencies is a scan's misread semicolon ("Đoàn Thanh niên: Tổ …")
        separator=re.compile(rf"\s*[,:]\s*|\s+{joiner}\s+", re.IGNORECASE),
        joiner=re.compile(rf"\s+{joiner}\s+"))


def _joined(item: str) -> list[str]:
    """The parts of an item that " và " joins ("Tư pháp và Nội vụ" -> ["Tư pháp", "Nội vụ"])."""
    return _list_patterns().joiner.split(item)


def _strip_list_punctuation(text: str) -> str:
    text = " ".join(text.split())
    previous = None
    while previous != text:
        previous = text
        text = _list_patterns().item_marker.sub("", text)
        text = _LIST_PUNCTUATION_END.sub("", text)
    return text


def _dashes(text: str) -> str:
    """' - ' for a dash inside a name; a dash between two digits ("2026-2030") stays."""
    def repl(m: re.Match[str]) -> str:
        before = m.string[m.start() - 1] if m.start() else ""
        after = m.string[m.end()] if m.end() < len(m.string) else ""
        if before.isdigit() and after.isdigit():
            return m.group(0).strip()
        return " - "
    return _DASH.sub(repl, text)


def _is_all_caps(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return len(text.split()) > 1 and bool(letters) and all(c.isupper() for c in letters)


@lru_cache(maxsize=65536)
def _clean(text: str, collective: bool) -> str:
    """The cleaned display form of one agency's text (before level handling)."""
    g = _gazetteer()
    text = normalize_text(text)
    while _PARENTHESES.search(text):
        text = _PARENTHESES.sub("", text)
    text = _OPEN_PARENTHESIS.sub("", text)
    text = fix_known_typos(_strip_list_punctuation(text))
    text = g.lead_in.sub("", text)
    # a scan's "UBMTTTQ", "MITQ", "UBNDxã"
    text = _CAPITALS_WORD.sub(lambda m: undoubled(m.group(0), g.abbreviations, SUBSTITUTED_FROM), text)
    text = g.glued_abbreviation.sub(r"\1 ", text)
    caps = _is_all_caps(text)
    text = _expand(text, g.leading_abbreviations, trailing_space=True)
    text = _expand(text, g.agency_abbreviations)
    if not collective:
        text = _expand(text, g.subject_abbreviations)
    for pattern, long in g.contextual_abbreviations:
        text = pattern.sub(long, text)
    if caps:
        text = _lowered(text)
    text = _COMMA.sub(", ", _dashes(text))
    if not collective:
        text = _AMPERSAND.sub(f" {list_joiners()[0]} ", text)
    text = " ".join(text.split()).strip(" ,;:")
    return _capitalised(text)


@cache
def _acronyms() -> frozenset[str]:
    """Capitalised words that stay capitalised when a name in capitals is lowered."""
    rules = load_rules("agencies")
    words = set()
    for mapping in ("agency_abbreviations", "subject_abbreviations"):
        words.update(w for w in rules[mapping] if w.isupper())
    words.update(h for h in rules["heads"] if h.isupper())
    return frozenset(words)


def _lowered(text: str) -> str:
    """A name printed in capitals ("UBND XÃ VŨ DƯƠNG", after expansion) in small letters,
    acronyms kept, and the place after the last level word with capitals ("… xã Vũ Dương")."""
    words = [w if not w.isupper() or w in _acronyms() else w.lower() for w in text.split()]
    levels = _gazetteer().levels
    for end in range(len(words), 0, -1):
        for size in (2, 1):
            if end - size >= 1 and _key(" ".join(words[end - size:end])) in levels:
                words[end:] = [w[:1].upper() + w[1:] for w in words[end:]]
                return " ".join(words)
    return " ".join(words)


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text


def _fixed_case(text: str) -> str:
    pattern, fixed = _gazetteer().fixed_case
    return pattern.sub(lambda m: fixed.get(_key(m.group(0)), m.group(0)), text)


# --------------------------------------------------------------------------- lookup

@dataclass(frozen=True)
class _Parts:
    base: str
    level: _Level | None = None
    locality: str | None = None


def _split_level(text: str) -> _Parts:
    """'Ủy ban nhân dân xã Bình Thành' -> base 'Ủy ban nhân dân', level xã, locality 'Bình Thành'."""
    g = _gazetteer()
    words = text.split(" ")
    end = len(words)
    while end > 1:
        for size in (2, 1):
            if end - size < 1:
                continue
            level = g.levels.get(_key(" ".join(words[end - size:end])))
            if level is not None:
                locality = " ".join(words[end:]) or None
                return _Parts(" ".join(words[:end - size]), level, locality)
        # the locality is a run of capitalised words (or a number: "phường 1")
        word = words[end - 1]
        if not (word[:1].isupper() or word.isdigit()):
            break
        end -= 1
    return _Parts(text)


def _same_numbers(a: str, b: str) -> bool:
    return re.findall(r"\d+", a) == re.findall(r"\d+", b)


def _known(text: str) -> _Entry | None:
    """The gazetteer entry that `text` (a cleaned name without level) spells, exactly or
    without diacritics."""
    g = _gazetteer()
    key = _key(text)
    entry = g.by_key.get(key)
    if entry is None:
        entry = g.by_ascii.get(fold_accents(key))
    return entry


def _fuzzy(text: str) -> _Entry | None:
    """A near miss of a gazetteer spelling: high score, same head word, same numbers, and
    clearly better than any other entry."""
    g = _gazetteer()
    query = fold_accents(_key(text))
    if not query:
        return None
    head = query.split(" ")[0]
    best: dict[_Entry, float] = {}
    for choice, score, index in process.extract(
            query, g.fuzzy_keys, scorer=fuzz.ratio, limit=8, score_cutoff=_FUZZY_CUTOFF - _FUZZY_MARGIN):
        entry = g.fuzzy_entries[index]
        if choice.split(" ")[0] != head or not _same_numbers(choice, query):
            continue
        best[entry] = max(best.get(entry, 0), score)
    if not best:
        return None
    ranked = sorted(best.items(), key=lambda es: es[1], reverse=True)
    entry, score = ranked[0]
    if score < _FUZZY_CUTOFF or (len(ranked) > 1 and score - ranked[1][1] < _FUZZY_MARGIN):
        return None
    return entry


def _department_tier(base: str) -> str | None:
    key = _key(base)
    for head, tier in _gazetteer().department_heads:
        if key == head or key.startswith(head + " "):
            return tier
    return None


def _redundant(tier: str | None, level: _Level, issuer_level: str | None) -> bool:
    """Whether a trailing level word only repeats where an agency of this tier sits."""
    if tier in ("province", "commune"):
        return level.tier == tier
    if tier == "any" and issuer_level:
        return _gazetteer().level_tiers.get(issuer_level) == level.tier
    return False


def _level_to_add(entry: _Entry, context_level: str | None) -> str | None:
    """The level word for a keep_level name written without one."""
    g = _gazetteer()
    if context_level and (entry.tier == "any" or g.level_tiers.get(context_level) == entry.tier):
        return g.level_words.get(context_level)
    if entry.tier == "province":
        return g.level_words.get("tinh")
    return None


def _title_place(locality: str) -> str:
    return " ".join(w[:1].upper() + w[1:] for w in locality.split())


@cache
def _collective_place_words() -> re.Pattern[str]:
    """Words after which a collective's level word says where, not whose level."""
    return re.compile(word_alternation(load_rules("agencies")["collective_place_words"]), re.IGNORECASE)


@lru_cache(maxsize=65536)
def _canonical(text: str, issuer_level: str | None, context_level: str | None) -> str:
    g = _gazetteer()
    collective = bool(g.collective.match(_strip_list_punctuation(normalize_text(text))))
    cleaned = _clean(text, collective)
    if not cleaned:
        return cleaned
    if collective:
        # "Các sở, ban, ngành tỉnh" in a province's plan: the level word only repeats the
        # issuer's; "… trên địa bàn xã", "… thuộc UBND xã" say where, and stay
        parts = _split_level(cleaned)
        if (parts.level is not None and not parts.locality and issuer_level
                and _gazetteer().level_tiers.get(issuer_level) == parts.level.tier
                and not _collective_place_words().search(parts.base)):
            cleaned = parts.base
        return _fixed_case(cleaned)
    entry = _known(cleaned)
    parts = _Parts(cleaned)
    if entry is None:
        parts = _split_level(cleaned)
        entry = _known(parts.base) if parts.level else None
        if entry is None:
            entry = _fuzzy(parts.base)
    locality = _title_place(parts.locality) if parts.locality else None
    if entry is not None:
        name, tier, keep = entry.name, entry.tier, entry.keep_level
    else:
        name, tier, keep = parts.base, _department_tier(parts.base), False
        if tier is None and parts.level is not None:
            keep = True     # not a department: the level word stays as written
    if parts.level is not None:
        if keep or locality or not _redundant(tier, parts.level, issuer_level):
            name = " ".join(filter(None, [name, parts.level.word, locality]))
    elif entry is not None and keep:
        name = " ".join(filter(None, [name, _level_to_add(entry, context_level or issuer_level)]))
    return _fixed_case(_capitalised(name))


@lru_cache(maxsize=65536)
def canonical_agency_name(text: str, issuer_level: str | None = None) -> str:
    """The canonical name of one agency as written (contract: Agency.name). `issuer_level`
    is the document issuer's level code (tinh | xa | phuong | dac_khu | trung_uong).

    A text naming a group ("Ủy ban MTTQ, các đoàn thể xã", an assignment heading) gives the
    canonical names of its members joined as written ("Ủy ban Mặt trận Tổ quốc Việt Nam xã,
    các đoàn thể xã"); split_agencies gives them one by one."""
    chunk = _strip_list_punctuation(text)
    spans = _piece_spans(chunk)
    if len(spans) < 2:
        return _canonical(text, issuer_level, None)
    context = _closing_level(chunk)
    joined: list[str] = []
    for index, (start, end) in enumerate(spans):
        name = _canonical(chunk[start:end], issuer_level, context)
        if index:
            separator = chunk[spans[index - 1][1]:start].strip()
            joined.append(", " if separator == "," else f" {separator} ")
            if _gazetteer().collective.match(name):
                name = name[:1].lower() + name[1:]
        joined.append(name)
    return "".join(joined)


# ------------------------------------------------------------------------- splitting

def _opens_agency(text: str) -> bool:
    """Whether a piece of a list starts a new agency: a collective word, or a head word
    that is capitalised, an acronym, or followed by a capitalised word."""
    g = _gazetteer()
    if g.collective.match(text):
        return True
    match = g.head.match(text)
    if not match:
        return False
    head, following = match.group("head"), match.group("next") or ""
    return head[:1].isupper() or following[:1].isupper()




def _logical_lines(text: str) -> list[str]:
    """Lines of a cell, joining a line that only continues a wrapped name."""
    lines: list[str] = []
    for raw in text.split("\n"):
        line = raw.strip()
        if not line:
            continue
        if lines and not (_list_patterns().line_marker.match(line) or _opens_agency(line) or lines[-1].endswith((";", "."))):
            lines[-1] = f"{lines[-1]} {line}"
        else:
            lines.append(line)
    return lines


@lru_cache(maxsize=65536)
def _is_known_name(text: str) -> bool:
    cleaned = _clean(text, collective=False)
    if _known(cleaned):
        return True
    parts = _split_level(cleaned)
    return parts.level is not None and _known(parts.base) is not None


def _outside_parentheses(text: str, position: int) -> bool:
    depth = 0
    for char in text[:position]:
        depth += (char == "(") - (char == ")" and depth > 0)
    return depth == 0


def _split_outside_parentheses(text: str, separator: str) -> list[str]:
    """text.split(separator), except inside parentheses ("(qua Phòng …; …)")."""
    parts, start = [], 0
    for index, char in enumerate(text):
        if char == separator and _outside_parentheses(text, index):
            parts.append(text[start:index])
            start = index + 1
    parts.append(text[start:])
    return parts


def _piece_spans(chunk: str) -> list[tuple[int, int]]:
    """Spans of the agencies in one chunk: cut at ',' / ' và ' where an agency starts
    (outside parentheses), never inside a known name."""
    cuts = [m for m in _list_patterns().separator.finditer(chunk)
            if _opens_agency(chunk[m.end():]) and _outside_parentheses(chunk, m.start())]
    bounds = [0]
    for cut in cuts:
        bounds.extend([cut.start(), cut.end()])
    bounds.append(len(chunk))
    segments = [(bounds[i], bounds[i + 1]) for i in range(0, len(bounds), 2)]
    spans: list[tuple[int, int]] = []
    i = 0
    while i < len(segments):
        taken = i
        for j in range(len(segments) - 1, i, -1):      # the longest known name from here
            if _is_known_name(chunk[segments[i][0]:segments[j][1]]):
                taken = j
                break
        spans.append((segments[i][0], segments[taken][1]))
        i = taken + 1
    return spans


def _shared_head(piece: str) -> list[tuple[str, str]] | None:
    """'Sở Tư pháp, Nội vụ và Tài chính' -> (as written, full name) of each, where every one
    is a known name: [("Sở Tư pháp", "Sở Tư pháp"), ("Nội vụ", "Sở Nội vụ"), …]."""
    match = _gazetteer().head.match(piece)
    if not match or not _list_patterns().separator.search(piece):
        return None
    head = match.group("head")
    items = [s for s in re.split(r"\s*,\s*", piece) if s]
    named: list[tuple[str, str]] = []
    for index, item in enumerate(items):
        full = item if index == 0 else f"{head} {item}"
        if _is_known_name(full):
            named.append((item, full))
            continue
        parts = [p for p in _joined(item) if p]
        if index == 0 or len(parts) < 2 or not all(_is_known_name(f"{head} {p}") for p in parts):
            return None
        named.extend((p, f"{head} {p}") for p in parts)
    return named if len(named) > 1 else None


def _list_items(chunk: str, issuer_level: str | None) -> list[Agency] | None:
    """'Các sở, ngành: Tư pháp, Công an, Nội vụ' -> Sở Tư pháp, Công an tỉnh, Sở Nội vụ."""
    g = _gazetteer()
    match = g.list_head.match(chunk)
    if not match:
        return None
    head = g.list_heads.get(_key(match.group("head")))
    if head is None:
        return None
    prefix, level = head["prefix"], head.get("level") or issuer_level
    agencies: list[Agency] = []
    for item in re.split(r"\s*,\s*", match.group("items")):
        item = _strip_list_punctuation(item)
        if not item:
            continue
        parts = [item]
        if not _item_known(item, prefix):
            split = [p for p in _joined(item) if p]
            if len(split) > 1 and all(_item_known(p, prefix) for p in split):
                parts = split
        for part in parts:
            name = _item_name(part, prefix, level, issuer_level)
            if name:
                agencies.append(Agency(name=name, text=part))
    return agencies


def _item_known(item: str, prefix: str) -> bool:
    return _is_known_name(f"{prefix} {item}") or _is_known_name(item)


def _item_name(item: str, prefix: str, level: str | None, issuer_level: str | None) -> str:
    if _is_known_name(f"{prefix} {item}"):
        return _canonical(f"{prefix} {item}", issuer_level, level)
    if _is_known_name(item) or _gazetteer().head.match(item):
        return _canonical(item, issuer_level, level)
    return _canonical(f"{prefix} {item}", issuer_level, level)


def _closing_level(chunk: str) -> str | None:
    """The level word that closes a list ("Ủy ban MTTQ, các đoàn thể xã" -> xa)."""
    parts = _split_level(_clean(chunk, collective=True))
    return parts.level.code if parts.level and not parts.locality else None


def split_agencies(text: str, issuer_level: str | None = None) -> list[Agency]:
    """The agencies named in a cell or a list ("Trung tâm Phục vụ hành chính công; các cơ
    quan, đơn vị có hồ sơ TTHC"): split at ';' and lines, at ',' / ' và ' where the next piece
    opens an agency, shared heads expanded. One Agency per name, in order."""
    return [Agency(name=name, text=written) for name, written in _split_cached(text, issuer_level)]


@lru_cache(maxsize=16384)
def _split_cached(text: str, issuer_level: str | None) -> tuple[tuple[str, str], ...]:
    """(name, text) pairs: the same cells recur across rows and documents of a batch."""
    agencies: list[Agency] = []
    for line in _logical_lines(text):
        for chunk in _split_outside_parentheses(line, ";"):
            chunk = _strip_list_punctuation(chunk)
            if not any(c.isalpha() for c in chunk):
                continue
            listed = _list_items(chunk, issuer_level)
            if listed is not None:
                agencies.extend(listed)
                continue
            context = _closing_level(chunk)
            for start, end in _piece_spans(chunk):
                piece = _strip_list_punctuation(chunk[start:end])
                if not any(c.isalpha() for c in piece):
                    continue
                expanded = None if _is_known_name(piece) else _shared_head(piece)
                for written, full in expanded or [(piece, piece)]:
                    name = _canonical(full, issuer_level, context)
                    if name:    # an annotation alone ("(B/c)") names nothing
                        agencies.append(Agency(name=name, text=written))
    unique: dict[str, Agency] = {}
    for agency in agencies:
        unique.setdefault(agency.name, agency)
    return tuple((agency.name, agency.text) for agency in unique.values())
