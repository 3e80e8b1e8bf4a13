"""References: documents cited by number (and laws by name), once per number, with a role.

Role: `basis` for the head citation of a "Căn cứ" clause in the preamble, `implements`
for the head citation of a "Thực hiện / Triển khai" clause (preamble or title),
`replaces` after "thay thế", `mentioned` otherwise. Where one number is cited several
times the strongest role wins (replaces > implements > basis > mentioned).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from rapidfuzz.distance import Levenshtein

from extract.items.provenance import Provenance
from extract.matching import undoubled
from extract.models import Reference
from extract.patterns import bullet_class, date_words, list_joiner, list_joiners, written_date
from extract.rules import alternation, load_rules
from extract.segment import Segmented
from extract.structures import Line

_ROLE_STRENGTH = {"mentioned": 0, "basis": 1, "implements": 2, "replaces": 3}


@dataclass(frozen=True)
class _Patterns:
    typed: re.Pattern[str]
    bare: re.Pattern[str]
    law: re.Pattern[str]
    numbered_law: re.Pattern[str]  # "Luật <name> số 72/2025/QH15", "Luật số 72/2025/QH15"
    next_citation: re.Pattern[str]  # " và Nghị định", ", Quyết định": another citation starts
    date: re.Pattern[str]
    issuer_stop: re.Pattern[str]
    type_of: dict[str, str]
    code_types: dict[str, str]
    replaces: re.Pattern[str]
    committee_topic: re.Pattern[str]
    issuer_before: re.Pattern[str]
    issuer_cue: re.Pattern[str]
    committee: re.Pattern[str]
    may_cite: re.Pattern[str]
    glued_symbol: re.Pattern[str]
    known_codes: dict[str, str]    # type and issuer codes of a symbol, casefolded -> as written
    basis_heading: re.Pattern[str]
    opener: re.Pattern[str]
    list_joint: re.Pattern[str]    # what ends the text between two items of one clause
    topic_token: str               # " về ": the stop that opens a committee's topic
    joiner_tokens: frozenset[str]  # " và ": stops that join two names


_NUMBER = r"\d{1,5}[a-zA-Z]?(?:\s*/\s*\d{4})?\s*[/-]\s*[A-ZĐ][A-Za-zĐđ0-9&]*(?:\s*[/-]\s*[A-ZĐ][A-Za-zĐđ0-9&]*)*"


@cache
def patterns() -> _Patterns:
    """The compiled reference patterns (document types, symbol codes, issuer stops) of
    rules/references.yaml, built once."""
    rules = load_rules("references")
    types = {k: v for k, v in rules["types"].items() if v != "luat"}
    law_words = alternation(k for k, v in rules["types"].items() if v == "luat")
    type_words = "|".join(re.escape(t) for t in sorted(types, key=len, reverse=True))
    codes = "|".join(re.escape(c) for c in sorted(rules["symbol_codes"], key=len, reverse=True))
    stops = "|".join(re.escape(s) for s in rules["issuer_stops"])
    number_word = alternation([rules["number_word"]])
    day, _month, year = date_words()
    of = alternation([rules["issuer_cue"]])
    # "ngày 22/12/2024" or "ngày 22 tháng 12 năm 2024", after the number (or "ban hành")
    date = (rf"(?:,\s*|\s+)(?:{alternation(rules['issued_words'])}\s+)?"
            rf"(?:{day}\s+(?P<nd>\d{{1,2}})\s*[/.-]\s*(?P<nm>\d{{1,2}})\s*[/.-]\s*(?P<ny>\d{{4}})|{written_date()})")
    return _Patterns(
        typed=re.compile(rf"(?<!\w)(?P<type>{type_words})(?:\s+{number_word})?\s+(?P<number>{_NUMBER})", re.IGNORECASE),
        bare=re.compile(rf"(?<![\w/-])(?P<number>\d{{1,5}}(?:\s*/\s*\d{{4}})?\s*[/-]\s*(?:{codes})(?:\s*[/-]\s*[A-ZĐ][A-Za-zĐđ0-9&]*)+)"),
        # a law's name can end with its year ("Luật Khoa học, công nghệ và đổi mới sáng tạo năm 2025")
        # ("số" ends the name only before a number: "Luật Chuyển đổi số ngày 14/6/2025")
        law=re.compile(rf"(?<!\w){law_words}\s+(?P<name>[A-ZĐ][^;:()]*?(?:\s+{year}\s+\d{{4}})?)"
                       rf"(?=\s+{number_word}\s+\d|\s+{day}|\s+{of}|[;:()]|\.(?:\s|$)|$)"),
        numbered_law=re.compile(rf"(?<!\w){law_words}(?:\s+(?P<name>[A-ZĐ][^;:()]*?))?\s+{number_word}\s+(?P<number>{_NUMBER})"),
        next_citation=re.compile(rf"\s*(?:,|\s{list_joiner()})?\s+(?:{type_words}|{law_words})(?!\w)"),
        date=re.compile(date),
        # case-insensitive: a verb typed with a capital ends the issuer too ("Tỉnh ủy Bắc Ninh Triển khai …")
        issuer_stop=re.compile(rf"{stops}|[;()“”\"]|\.(?:\s|$)|,\s|$", re.IGNORECASE),
        type_of={k.lower(): v for k, v in types.items()},
        code_types={k.lower(): v for k, v in rules["symbol_codes"].items()},
        replaces=re.compile("(?:" + "|".join(re.escape(c) for c in rules["replaces_cues"]) + r")\s*(?:cho\s+)?$", re.IGNORECASE),
        committee_topic=re.compile(alternation(rules["committee_topics"])),
        issuer_before=re.compile(rules["issuer_before"]),
        issuer_cue=re.compile(rf"\s*(?:,\s*)?{re.escape(rules['issuer_cue'])}\s+"),
        committee=re.compile(rf"(?:[^\s,;]+\s+){{0,4}}?{alternation(rules['committee_heads'])}(?=\s)"),
        # every citation has a number followed by its symbol ("57-NQ", "11/QĐ") or is a law by name
        may_cite=re.compile(rf"\d\s*[/-]\s*[A-ZĐ]|{law_words}"),
        glued_symbol=re.compile(rf"(?<=[/-])({codes})({'|'.join(re.escape(c) for c in sorted(rules['issuer_codes'], key=len, reverse=True))})$"),
        known_codes={str(c).casefold(): str(c) for c in [*rules["symbol_codes"], *rules["issuer_codes"]]},
        basis_heading=re.compile(rf"^(?:{alternation(rules['basis_headings'])})$", re.IGNORECASE),
        # a clause opener at the start of a line or after ";" ("…; căn cứ Luật …")
        opener=re.compile(rf"(?:^|;)\s*(?:{bullet_class()}\s*)?(?P<opener>{alternation(load_rules('document')['preamble_openers'])})(?!\w)",
                          re.IGNORECASE),
        list_joint=re.compile(rf"(?:[;,]|(?<!\w){list_joiner()})\s*$"),
        topic_token=f" {rules['topic_word']} ",
        joiner_tokens=frozenset(f" {word} " for word in list_joiners()),
    )


def _clean_number(number: str) -> str:
    """The number without spaces; a symbol typed without the hyphen between its type and issuer
    codes ("71/NQCP") gets it back ("71/NQ-CP") - only where both codes are known; a code with
    one letter doubled that is known without it ("QĐĐ", "TTTg": a scan's blurred stroke read
    twice, or a typo) is that code."""
    number = re.sub(r"\s+", "", number)
    number = re.sub(r"(?<=[/-])[^/-]+", lambda m: undoubled(m.group(0), patterns().known_codes), number)
    return patterns().glued_symbol.sub(r"\1-\2", number)


def _number_key(number: str) -> str:
    return _clean_number(number).casefold()


def _iso(day: str, month: str, year: str) -> str | None:
    d, m, y = int(day), int(month), int(year)
    if 1 <= m <= 12 and 1 <= d <= 31:
        return f"{y:04d}-{m:02d}-{d:02d}"
    return None


def _read_issuer(text: str, start: int) -> tuple[str | None, int]:
    """The issuer after "của" at `start` (index just after the date or number)."""
    match = patterns().issuer_cue.match(text[start:])
    if not match:
        return None, start
    begin = start + match.end()
    rest = text[begin:]
    # a committee at the head of the issuer ("Ban Chỉ đạo …", "Cơ quan Thường trực Ban Chỉ đạo …")
    committee = patterns().committee.match(rest)
    stops = patterns().issuer_stop
    position = 0
    through_topic = False
    while True:
        stop = stops.search(rest, position)
        if stop is None:
            break
        token = stop.group(0)
        # a committee's name runs on through commas and "và", and through a "về" right after
        # its head ("Ban Chỉ đạo về phát triển …"), up to the next "về" or ";"
        if committee and token == patterns().topic_token and not through_topic \
                and patterns().committee_topic.match(rest, stop.end()):
            through_topic = True
            position = stop.end()
            continue
        if committee and (token.startswith(",") or token in patterns().joiner_tokens):
            position = stop.end()
            continue
        if token in patterns().joiner_tokens and not patterns().typed.match(rest, stop.end()) \
                and not patterns().next_citation.match(rest, stop.start()):
            position = stop.end()  # "Sở Khoa học và Công nghệ": "và" ends it only before a citation
            continue               # ("… của Bộ Chính trị và Đề án 06": a type word, numbered or not)
        break
    end = stop.start() if stop else len(rest)
    issuer = rest[:end].strip(" ,./")
    if not issuer or len(issuer.split()) > 40:
        return None, start
    return issuer, begin + end


@dataclass
class _Mention:
    start: int
    end: int
    type: str
    number: str | None
    date: str | None
    issuer: str | None
    name: str | None = None      # a law's name ("Luật Chuyển đổi số"): its key


def find_mentions(text: str) -> list[_Mention]:
    """Every citation in `text`, with the offsets of its quote."""
    p = patterns()
    mentions: list[_Mention] = []
    taken: list[tuple[int, int]] = []
    for match in p.typed.finditer(text):
        kind = p.type_of.get(match.group("type").lower(), "other")
        if kind == "other":  # "Bộ chỉ số 766/QĐ-TTg" is a Quyết định by its symbol
            kind = _type_from_symbol(_clean_number(match.group("number")))
        mentions.append(_complete(text, match.start(), match.end("number"), kind, match.group("number")))
        taken.append((match.start(), match.end()))
    for match in p.numbered_law.finditer(text):
        # a law cited with its number is keyed by it, like any numbered document; not a number
        # another type word before it owns ("Luật … năm 2025 và Nghị định số 13/2023/NĐ-CP")
        if any(a <= match.start("number") < b for a, b in taken) or len((match.group("name") or "").split()) > 14:
            continue
        law = _complete(text, match.start(), match.end("number"), "luat", match.group("number"))
        law.issuer = None  # a law's "của" names whose law it is not
        mentions.append(law)
        taken.append((match.start(), match.end()))
    for match in p.bare.finditer(text):
        if any(a <= match.start() < b for a, b in taken):
            continue
        number = match.group("number")
        kind = _type_from_symbol(_clean_number(number))
        mentions.append(_complete(text, match.start(), match.end("number"), kind, number))
    for match in p.law.finditer(text):
        if any(a <= match.start() < b for a, b in taken):
            continue
        end = match.end("name")
        following = p.next_citation.search(text, match.start("name"), end)
        if following:       # "Luật Chuyển đổi số năm 2025 và Nghị định số …": the law ends before it
            end = following.start()
        name = text[match.start("name"):end].strip()
        if len(name.split()) > 14:
            continue
        law = _complete(text, match.start(), end, "luat", None)
        law.issuer = None  # a law's "của" names whose law it is not
        law.name = text[match.start():end]
        mentions.append(law)
    mentions.sort(key=lambda m: m.start)
    return mentions


def _type_from_symbol(number: str) -> str:
    codes = patterns().code_types
    for part in re.split(r"[/-]", number)[1:]:
        kind = codes.get(part.casefold())
        if kind:
            return kind
    return "other"


def _complete(text: str, start: int, number_end: int, kind: str, number: str) -> _Mention:
    end = number_end
    date = None
    date_match = patterns().date.match(text, end)
    if date_match:
        date = (_iso(date_match["nd"], date_match["nm"], date_match["ny"]) if date_match["nd"]
                else _iso(date_match["day"], date_match["month"], date_match["year"]))
        end = date_match.end()
    issuer, issuer_end = _read_issuer(text, end)
    if issuer:
        end = issuer_end
    else:
        before = patterns().issuer_before.search(text, 0, start)
        issuer = before.group("issuer") if before else None
    return _Mention(start, end, kind, _clean_number(number) if number else None, date, issuer)


def _clause_roles(line: Line, opener_roles: dict[str, str], default: str | None = None) -> dict[int, str]:
    """Role of each head citation in a line, by the offset of its mention in the line.

    A clause opens with a preamble opener ("Căn cứ", "Thực hiện" …) at the start of the line
    or after ";" in any case ("…; căn cứ Luật …"); lines listed under a basis heading have the
    role `default` until an opener says otherwise. Heads: the first citation of a clause and
    each one after ";" / "và" / "," (the items the clause lists)."""
    text = line.text
    by_word = {k.casefold(): v for k, v in opener_roles.items()}
    # mid-line, only an opener that gives a role of its own ("; căn cứ …", "; thực hiện …")
    openers = [(m.end(), by_word[m.group("opener").casefold()]) for m in patterns().opener.finditer(text)
               if m.start() == 0 or by_word[m.group("opener").casefold()] != "mentioned"]
    if not openers and default is None:
        return {}
    roles: dict[int, str] = {}
    previous_end = 0
    for mention in find_mentions(text):
        opened = [(end, role) for end, role in openers if end <= mention.start]
        clause_start, role = opened[-1] if opened else (0, default)
        if role is not None:
            first_in_clause = previous_end <= clause_start
            before = text[max(previous_end, clause_start):mention.start]
            if first_in_clause or patterns().list_joint.search(before):
                roles[mention.start] = role
        previous_end = mention.end
    return roles


def _basis_lines(seg: Segmented) -> list[Line]:
    """Lines of the parts headed as the plan's basis ("CĂN CỨ PHÁP LÝ"), labelled items included."""
    heading = patterns().basis_heading
    lines: list[Line] = []
    for node in seg.sections:
        path = node.path()
        anchor = next((n for n in path if heading.match(n.heading.strip(" :."))), None)
        if anchor is None:
            continue
        if node is not anchor:
            lines.append(node.line)
        lines.extend(line for line in node.lines if not line.is_row)
    return lines


def extract_references(seg: Segmented, prov: Provenance, own_number: str | None = None) -> list[Reference]:
    """References of the document; its own number (cited again in "Kèm theo Kế hoạch số …")
    is not one."""
    rules = load_rules("document")
    opener_roles: dict[str, str] = rules["preamble_openers"]
    text = seg.text.text
    p = patterns()
    by_key: dict[str, Reference] = {}
    strength: dict[str, int] = {}

    preamble_like = seg.title_lines + seg.preamble
    role_at: dict[int, str] = {}
    for line in preamble_like:
        line_text = line.text
        if line in seg.title_lines:
            # the title names what the plan carries out: "(triển khai) thực hiện <ref>"
            lowered = line_text.lower()
            for opener, role in opener_roles.items():
                index = lowered.find(opener.lower())
                if index >= 0 and role == "implements":
                    first = next((m for m in find_mentions(line_text) if m.start >= index), None)
                    if first is not None:
                        role_at[line.start + first.start] = role
                    break
            continue
        for offset, role in _clause_roles(line, opener_roles).items():
            role_at[line.start + offset] = role
    for line in _basis_lines(seg):
        for offset, role in _clause_roles(line, opener_roles, default="basis").items():
            role_at.setdefault(line.start + offset, role)

    own_lines = {id(line) for line in seg.header}
    for line in seg.text.lines:
        if id(line) in own_lines:
            continue  # the document's own "Số: 01/KH-BCĐ"
        if not p.may_cite.search(line.text):
            continue  # no number with a symbol, no law: nothing to look for
        for mention in find_mentions(line.text):
            start, end = line.start + mention.start, line.start + mention.end
            role = role_at.get(start, "mentioned")
            if p.replaces.search(text[max(line.start, start - 20):start].rstrip()):
                role = "replaces"
            key = _number_key(mention.number) if mention.number else "luat:" + (mention.name or text[start:end]).casefold()
            if own_number and key == _number_key(own_number):
                continue
            source = prov.span(start, end)
            reference = by_key.get(key)
            if reference is None:
                by_key[key] = Reference(
                    text=source.quote, type=mention.type, number=mention.number, date=mention.date,
                    issuer=mention.issuer, role=role, sources=[source],
                )
                strength[key] = _ROLE_STRENGTH[role]
                continue
            reference.sources.append(source)
            if reference.date is None and mention.date:
                reference.date = mention.date
            if reference.issuer is None and mention.issuer:
                reference.issuer = mention.issuer
                reference.text = source.quote
            if _ROLE_STRENGTH[role] > strength[key]:
                reference.role = role
                strength[key] = _ROLE_STRENGTH[role]
    if seg.text.ocr:
        _merge_misread_numbers(by_key, strength)
    return list(by_key.values())


MISREAD_EDITS = 1     # letters a scan may get wrong in one citation of a number cited again


def _merge_misread_numbers(by_key: dict[str, Reference], strength: dict[str, int]) -> None:
    """OCR: one document cited several times, once misread ("57-NQ/TW" twice, "57-NQ/TVW"
    once), is one reference: a number with the same serial as one cited more often, at most
    MISREAD_EDITS letters from it and neither the other's start ("01-KH/BCĐ" and "01-KH/BCĐTW"
    are two documents), joins it (in place). Equal counts decide nothing."""
    keys = [k for k in by_key if not k.startswith("luat:")]
    for key in sorted(keys, key=lambda k: len(by_key[k].sources)):
        serial = re.split(r"[/-]", key, maxsplit=1)[0]
        count = len(by_key[key].sources)
        better = [other for other in by_key if other != key
                  and re.split(r"[/-]", other, maxsplit=1)[0] == serial
                  and len(by_key[other].sources) > count
                  and not key.startswith(other) and not other.startswith(key)
                  and Levenshtein.distance(key, other, score_cutoff=MISREAD_EDITS) <= MISREAD_EDITS]
        if len(better) != 1:
            continue
        misread, reference = by_key.pop(key), by_key[better[0]]
        reference.sources = sorted(reference.sources + misread.sources, key=lambda source: source.start)
        reference.date = reference.date or misread.date
        reference.issuer = reference.issuer or misread.issuer
        if strength[key] > strength[better[0]]:
            reference.role, strength[better[0]] = misread.role, strength[key]
