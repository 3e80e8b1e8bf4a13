"""Document metadata: number, issuer, place and date, title, signer, recipients."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import cache

from extract.matching import fold_accents
from extract.models import DateValue, DocumentMeta, Issuer, Signer
from extract.normalize import fix_known_typos
from extract.patterns import bullet_class, written_date
from extract.rules import alternation, load_rules
from extract.segment import Segmented, vocabulary
from extract.structures import Line



@dataclass(frozen=True)
class _Vocab:
    doc_types: dict[str, str]
    symbol_doc_types: dict[str, str]
    issuer_line: re.Pattern[str]        # matched on the line with its diacritics dropped
    issuer_kinds: dict[str, str]        # the heads so folded -> kind
    symbol_issuer_kinds: dict[str, str]
    issuer_names: dict[str, str]
    levels: dict[str, str]
    level_alternation: str
    level_words: re.Pattern[str]
    province: re.Pattern[str]
    committee: re.Pattern[str]
    title_words: list[tuple[re.Pattern[str], str]]
    excluded_recipients: tuple[str, ...]
    placeholder: re.Pattern[str]
    own_level: re.Pattern[str]
    annotations: re.Pattern[str]
    locality_end: re.Pattern[str]
    year_in_title: re.Pattern[str]      # "năm 2026" / "NĂM 2026" in the title: the plan's year
    number_line: re.Pattern[str]        # "Số: 05-KH/BCĐ": serial, separator, symbol
    date_line: re.Pattern[str]          # "Bắc Ninh, ngày 19 tháng 6 năm 2025": place and date
    committee_issues: re.Pattern[str]   # "… ban hành": a preamble line that issues this plan
    bullet: re.Pattern[str]


@cache
def _vocab() -> _Vocab:
    rules = load_rules("document")
    kinds: dict[str, str] = rules["issuer_kinds"]
    # level word -> the issuer's contract level ("thị trấn" -> "xa"), in rules/agencies.yaml
    levels = {str(lv["word"]): str(lv.get("contract", lv["code"])) for lv in load_rules("agencies")["levels"]}
    level_alt = "|".join(re.escape(k) for k in sorted(levels, key=len, reverse=True))
    province_alt = "|".join(re.escape(w) for w in rules["province_words"])
    committee_alt = "|".join(re.escape(w) for w in rules["committee_heads"])
    topic_word = load_rules("references")["topic_word"]
    header_date = written_date(r"\s*", blanks=True)     # "ngày  tháng 4 năm 2026": blanks to fill in
    words = [(re.compile(rf"(?<!\w){re.escape(w)}(?!\w)", re.IGNORECASE), w)
             for w in rules["title_case_words"] + rules["abbreviations"]]
    return _Vocab(
        doc_types=rules["doc_types"], symbol_doc_types=rules["symbol_doc_types"],
        issuer_line=re.compile(rf"^(?:{_folded_alternation(kinds)})\b"),
        issuer_kinds={fold_accents(head): kind for head, kind in reversed(kinds.items())},
        symbol_issuer_kinds=rules["symbol_issuer_kinds"], issuer_names=rules["issuer_names"],
        levels=levels, level_alternation=level_alt, level_words=re.compile(rf"(?<!\w)({level_alt})(?!\w)", re.IGNORECASE),
        province=re.compile(rf"(?<!\w)(?:{province_alt})\s+((?:[A-ZĐÂĂÊÔƠƯÁÀẢÃẠ][\wđ]*)(?:\s+[A-ZĐÂĂÊÔƠƯÁÀẢÃẠ][\wđ]*){{0,3}})"),
        committee=re.compile(rf"(?:{committee_alt})\s+(?:{alternation([topic_word])}\s+)?[^;.()]*?(?<!\w)({level_alt})(?!\w)"),
        title_words=words,
        excluded_recipients=tuple(rules["recipient_excluded_prefixes"]),
        placeholder=re.compile(rf"^[(\[]?\s*{alternation(rules['signature_placeholders'])}\s*[)\]]?$", re.IGNORECASE),
        own_level=re.compile(rf"{alternation(rules['own_level_cues'])}\s+({level_alt})(?!\w)"),
        annotations=re.compile(r"\s*(?:" + "|".join(rules["recipient_annotations"]) + r")", re.IGNORECASE),
        locality_end=re.compile(rf"\s+{alternation(rules['locality_ends'])}(?!\w)|[,;.(]|\s+\d", re.IGNORECASE),
        year_in_title=re.compile(rf"(?<!\w){alternation(rules['year_words'])}\s+(20\d\d)\b", re.IGNORECASE),
        number_line=re.compile(
            rf"^{re.escape(rules['number_label'])}\s*[:.]?\s*(?P<serial>\d+[a-zA-Z]?)?\s*(?P<sep>[/-])?\s*"
            rf"(?P<symbol>[A-ZĐ][A-Za-zĐđ0-9&.]*(?:\s*[/-]\s*[A-Za-zĐđ0-9&.]+)*)"),
        date_line=re.compile(rf"^(?P<place>[^,]{{2,60}}?)\s*,\s*(?P<text>{header_date})", re.IGNORECASE),
        committee_issues=re.compile(alternation(rules["committee_issue_verbs"])),
        bullet=re.compile(rf"^{bullet_class()}\s*"),
    )


def sentence_case(text: str) -> str:
    """'PHÓ CHỦ TỊCH UBND PHƯỜNG' -> 'Phó Chủ tịch UBND phường'."""
    lowered = text.lower()
    for pattern, word in _vocab().title_words:
        lowered = pattern.sub(word, lowered)
    return lowered[:1].upper() + lowered[1:]


def title_case(text: str) -> str:
    """A place name in capitals -> 'Minh Xuân'."""
    return " ".join(w[:1].upper() + w[1:].lower() for w in text.split())


def _first_match(lines: list[Line], pattern: re.Pattern[str]) -> tuple[Line, re.Match[str]] | None:
    for line in lines:
        match = pattern.match(line.text)
        if match:
            return line, match
    return None


def _is_upper(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return bool(letters) and all(c.isupper() for c in letters)


def _number_parts(seg: Segmented) -> tuple[str | None, str | None, str | None]:
    found = _first_match(seg.header + seg.text.lines[:30], _vocab().number_line)
    if not found:
        return None, None, None
    match = found[1]
    serial = match.group("serial")
    symbol = re.sub(r"\s+", "", match.group("symbol"))
    number = f"{serial}{match.group('sep') or '/'}{symbol}" if serial else None
    return number, serial, symbol


def _date(seg: Segmented) -> tuple[str | None, DateValue | None]:
    motto = vocabulary().motto
    match = None
    for line in seg.header + seg.text.lines[:30]:
        # a PDF can run the motto and the place line together ("Độc lập - Tự do - Hạnh phúc Bắc Ninh, ngày …")
        text = motto.sub("", line.text, count=1).strip() if motto.match(line.text) else line.text
        match = _vocab().date_line.match(text)
        if match:
            break
    if not match:
        return None, None
    day = int(match.group("day")) if match.group("day") else None
    month = int(match.group("month")) if match.group("month") else None
    year = int(match.group("year"))
    iso = f"{year:04d}-{month:02d}-{day:02d}" if day and month else None
    text = re.sub(r"\s+", " ", match.group("text"))
    return match.group("place").strip(), DateValue(text=text, iso=iso, year=year, month=month, day=day)


def _folded_alternation(words) -> str:
    """A regex alternation of `words` with their diacritics dropped, longest first."""
    return "|".join(re.escape(fold_accents(w)) for w in sorted(words, key=len, reverse=True))


def _issuer_kind(text: str) -> str | None:
    """The issuer kind of a header line opening with an issuing body's head ("ỦY BAN NHÂN DÂN"
    -> "ubnd"), compared without diacritics: a scan's "ỦY BAN NHÂN DẦN" still heads it."""
    match = _vocab().issuer_line.match(fold_accents(text))
    return _vocab().issuer_kinds[match.group(0)] if match else None


def _issuer_lines(seg: Segmented) -> list[str]:
    """Capitalised issuer lines of the header: parent body first, issuing body last."""
    vocab = vocabulary()
    texts = [line.text.strip() for line in seg.header]
    motto_parts = _wrapped_motto_lines(texts)
    lines = []
    for index, text in enumerate(texts):
        if (not _is_upper(text) or vocab.motto.match(text) or index in motto_parts or _vocab().number_line.match(text)
                or _vocab().date_line.match(text) or re.fullmatch(r"[-_=. ]+", text)):
            continue
        lines.append(text)
    return lines


@cache
def _folded_mottos() -> tuple[str, ...]:
    """The motto lines (rules/document.yaml `motto_prefixes`), folded (`_folded_words`)."""
    return tuple(_folded_words(motto) for motto in load_rules("document")["motto_prefixes"])


def _folded_words(text: str) -> str:
    """Lower case words without diacritics or signs, one space apart."""
    return " ".join(re.findall(r"\w+", fold_accents(text).casefold()))


def _wrapped_motto_lines(texts: list[str]) -> set[int]:
    """Indexes of header lines that are a motto line wrapped in two ("CỘNG HÒA XÃ HỘI CHỦ
    NGHĨA" ⏎ "VIỆT NAM": a narrow column, or OCR reading it so), compared without diacritics:
    read as issuer lines, they made the issuer "… xã Hội Chủ Nghĩa Việt Nam"."""
    found: set[int] = set()
    for index in range(len(texts) - 1):
        first, second = _folded_words(texts[index]), _folded_words(texts[index + 1])
        if first and second and any(motto == f"{first} {second}" for motto in _folded_mottos()):
            found.update((index, index + 1))
    return found


def _level_and_locality(text: str, place: str | None) -> tuple[str | None, str | None]:
    """'UBND PHƯỜNG MINH XUÂN' -> ('phuong', 'Minh Xuân')."""
    vocab = _vocab()
    match = vocab.level_words.search(text)
    if not match:
        return None, None
    level = vocab.levels[match.group(1).lower()]
    locality = text[match.end():].strip(" ,.")
    if not locality:
        return level, None
    if place and locality.casefold() == place.casefold():
        return level, place
    return level, title_case(locality) if _is_upper(locality) else locality


def _mixed_case_in_text(seg: Segmented, upper: str) -> str | None:
    """The same words as `upper` where the document writes them in mixed case."""
    pattern = re.compile(r"\s+".join(re.escape(w) for w in upper.split()), re.IGNORECASE)
    for match in pattern.finditer(seg.text.text):
        if not _is_upper(match.group(0)):
            return match.group(0)
    return None


def _issuer(seg: Segmented, symbol: str | None, place: str | None) -> Issuer:
    vocab = _vocab()
    lines = _issuer_lines(seg)
    heads = [i for i, text in enumerate(lines) if _issuer_kind(text)]
    kind = level = locality = name = None
    own = " ".join(lines)
    if heads:
        own = " ".join(lines[heads[-1]:])
        kind = _issuer_kind(own)
        level, locality = _level_and_locality(own, place)
        if level is None and heads[-1]:
            # the body right above the issuer ("ĐẢNG ỦY XÃ TÂN HÀ" above its committee)
            level, locality = _level_and_locality(lines[heads[-1] - 1], place)
        if level is None:
            # "ỦY BAN NHÂN DÂN" without its second line: the place line, the title, the
            # sentence that issues the plan ("Ủy ban nhân dân tỉnh ban hành …")
            level, locality = _level_without_header(seg, place)
        if kind in vocab.issuer_names:
            name = None  # built below from the template
        else:
            name = _mixed_case_in_text(seg, own) or sentence_case(own)
            if locality and not name.endswith(locality):
                level_word = _level_word(level, own)
                name = f"{name} {level_word} {locality}" if not name.endswith(level_word) else f"{name} {locality}"
    else:
        if symbol:
            for part in reversed(re.split(r"[/-]", symbol)):
                if part in vocab.symbol_issuer_kinds:
                    kind = vocab.symbol_issuer_kinds[part]
                    break
        level, locality = _level_from_text(seg, place)
    if seg.text.ocr and locality:
        locality = _commonest_spelling(seg.text.text, locality) or locality
    if kind == "ban_chi_dao" and name is None:
        name = _committee_name(seg, locality)
    if kind in vocab.issuer_names and level and locality:
        name = vocab.issuer_names[kind].format(level=_level_word(level, own), locality=locality)
    province = locality if level == "tinh" else _province(seg)
    return Issuer(name=name, kind=kind or ("other" if lines else None), level=level,
                  locality=locality, province=province)


def _commonest_spelling(text: str, name: str) -> str | None:
    """OCR: the spelling the document writes `name` with most often in mixed case, compared
    without diacritics ("Quyết Thắng" ×9, "Quyết Tháng" ×1 in the place line, "Chiếng Mai" in
    the header's capitals): one misread mention does not decide. None if it is never written
    so, or on a tie."""
    folded = fold_accents(text).lower()
    if len(folded) != len(text):
        return None
    spellings = Counter(text[m.start():m.end()] for m in re.finditer(
        rf"(?<!\w){re.escape(fold_accents(name).lower())}(?!\w)", folded) if not _is_upper(text[m.start():m.end()]))
    ranked = spellings.most_common(2)
    if not ranked or (len(ranked) == 2 and ranked[0][1] == ranked[1][1]):
        return None
    return ranked[0][0]


def _level_word(level: str | None, written: str = "") -> str:
    """The level word of `level` as `written` has it ("thị trấn", also contract level "xa"),
    else the vocabulary's first word for it ("xã")."""
    for match in _vocab().level_words.finditer(written):
        if _vocab().levels[match.group(1).lower()] == level:
            return match.group(1).lower()
    for word, code in _vocab().levels.items():
        if code == level:
            return word
    return ""


def _level_from_text(seg: Segmented, place: str | None) -> tuple[str | None, str | None]:
    """Without issuer lines: the level word written before the place name, else the commonest."""
    vocab = _vocab()
    text = seg.text.text
    if place:
        counts = Counter(vocab.levels[m.group(1).lower()] for m in re.finditer(
            rf"(?<!\w)({vocab.level_alternation})\s+{re.escape(place)}(?!\w)", text, re.IGNORECASE))
        if counts:
            return counts.most_common(1)[0][0], place
    own = Counter(vocab.levels[m.group(1).lower()] for m in vocab.own_level.finditer(text))
    if own:
        return own.most_common(1)[0][0], place
    return None, place


def _level_without_header(seg: Segmented, place: str | None) -> tuple[str | None, str | None]:
    """Level and locality when the header does not say them: the level word before the place
    name anywhere, the own-level cue, else a level word and its place name in the title."""
    level, locality = _level_from_text(seg, place)
    if level is not None and locality is not None:
        return level, locality
    title = " ".join(line.text for line in seg.title_lines)
    match = _vocab().level_words.search(title)
    if match:
        name = _vocab().locality_end.split(title[match.end():].strip(), maxsplit=1)[0].strip(" ,.")
        if name:
            return level or _vocab().levels[match.group(1).lower()], title_case(name) if _is_upper(name) else name
    return level, locality


def _committee_name(seg: Segmented, locality: str | None) -> str | None:
    """A steering committee's full name as its own title, intro or closing sentence writes it."""
    pattern = _vocab().committee
    names = []
    for line in seg.title_lines + seg.closing_sentence + seg.preamble:
        for match in pattern.finditer(line.text):
            if line in seg.preamble and not _vocab().committee_issues.search(line.text[match.end():match.end() + 60]):
                continue
            names.append(match.group(0))
    if not names:
        return None
    name = max(names, key=len)  # the full name, where the document also shortens it
    if locality and not name.endswith(locality):
        name = f"{name} {locality}"
    return name


def _province(seg: Segmented) -> str | None:
    counts = Counter(m.group(1) for m in _vocab().province.finditer(seg.text.text))
    return counts.most_common(1)[0][0] if counts else None


def _signer(seg: Segmented) -> Signer:
    vocab = vocabulary()
    lines = [l.text.strip() for l in seg.signature if not _vocab().placeholder.match(l.text.strip())]
    capacity_index = max((i for i, t in enumerate(lines) if vocab.capacity.match(t)), default=None)
    capacity = lines[capacity_index] if capacity_index is not None else None
    after = lines[capacity_index + 1:] if capacity_index is not None else lines
    titles = [t for t in after if _is_upper(t)]
    names = [t for t in after if not _is_upper(t) and 1 < len(t.split()) <= 6]
    capacity = _last_capacity(capacity) if capacity else None
    if capacity and not titles:
        # "KT. CHỦ TỊCH -PHÓ CHỦ TỊCH": the title line a scan read into the capacity's, after a dash
        parts = re.split(r"\s+[-–_]+\s*|\s*[-–_]+\s+", capacity, maxsplit=1)
        if len(parts) == 2 and _is_upper(parts[1]):
            capacity, titles = parts[0], [parts[1]]
    title = sentence_case(_without_trailing_specks(titles[-1])) if titles else None
    name = _without_trailing_specks(names[-1]) if names else None
    return Signer(name=name, title=title, capacity=capacity)


_TRAILING_SPECKS = re.compile(r"[\s.:;,_\-–]+$")


def _without_trailing_specks(text: str) -> str:
    """A signature line without signs after its last word ("Âu Văn Đước -", "Chủ tịch ." on a
    scan: a speck, a seal's edge); names and titles end with a letter."""
    return _TRAILING_SPECKS.sub("", text) or text


@cache
def _capacity_prefix() -> re.Pattern[str]:
    """A capacity prefix anywhere in a line, its point maybe read as a colon ("KT: CHỦ TỊCH")."""
    prefixes = load_rules("document")["capacity_prefixes"]
    forms = "|".join(re.escape(p[:-1]) + "[.:]" if p.endswith(".") else re.escape(p)
                     for p in sorted(prefixes, key=len, reverse=True))
    return re.compile(rf"(?<![\w/])(?:{forms})")


def _last_capacity(line: str) -> str:
    """The capacity that signs: the last of a line that holds two ("TM. ỦY BAN NHÂN DÂN KT. CHỦ
    TỊCH", two lines a scan read as one; the signer is the deputy, KT.), its prefix written as
    the vocabulary writes it and no speck after it."""
    starts = [m for m in _capacity_prefix().finditer(line)]
    if not starts:
        return _without_trailing_specks(line)
    last = starts[-1]
    prefix = last.group(0)
    if prefix.endswith(":"):
        prefix = prefix[:-1] + "."
    return _without_trailing_specks(prefix + line[last.end():])


def _recipients(seg: Segmented) -> list[str]:
    vocab = _vocab()
    label = vocabulary().recipients_label
    out = []
    for line in seg.recipients:
        text = label.sub("", line.text, count=1).strip()
        text = vocab.bullet.sub("", text)
        text = vocab.annotations.sub("", text).strip(" ;,.")
        if not text or text.startswith(vocab.excluded_recipients):
            continue
        if _capacity_prefix().match(text.lstrip("_-–'. ")):
            continue    # the signature's capacity beside the list, read into it on a scan
        out.append(fix_known_typos(text))
    return out


def extract_metadata(seg: Segmented) -> DocumentMeta:
    """The document's metadata from its header, title, closing and signature: number, symbol, date
    and place, type, issuer, title, plan year, signer and recipients (references are added by the
    caller)."""
    vocab = _vocab()
    number, serial, symbol = _number_parts(seg)
    place, date = _date(seg)
    doc_type = "other"
    if seg.doc_type_line is not None:
        doc_type = vocab.doc_types.get(seg.doc_type_line.text.strip().upper(), "other")
    elif symbol:
        doc_type = vocab.symbol_doc_types.get(re.split(r"[/-]", symbol)[0], "other")
    # a title opens with a word or a quote: a sign before it is a scan's speck ("- Thực hiện …")
    title = re.sub(r"^[^\w(\"“‘']+", "", " ".join(l.text.strip() for l in seg.title_lines)) or None
    plan_year = None
    if title and (m := vocab.year_in_title.search(title)):
        plan_year = int(m.group(1))
    elif date is not None:
        plan_year = date.year
    return DocumentMeta(
        doc_type=doc_type, number=number, serial=serial, symbol=symbol,
        issuer=_issuer(seg, symbol, place), place=place, date=date, title=title,
        plan_year=plan_year, signer=_signer(seg), recipients=_recipients(seg),
    )
