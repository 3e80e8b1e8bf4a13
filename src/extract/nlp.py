"""NLP for agency names the rules do not decide (the `--no-nlp` ablation turns it off).

Two services, both off the hot path: text_items calls them only where a rule list found
nothing.
- `AgencyTagger.agency_prefix_end(text)`: where the agency names that open a field value or a
  partner list end and the rest of the sentence begins ("Trung tâm Y tế khu vực Mường
  Khương | cấp mã định danh …"): before the first verb that follows a noun, never inside a
  gazetteer name ("Trung tâm Phục vụ hành chính công").
- `AgencyTagger.find_agencies(text)`: agency mentions in running text, with character offsets
  and canonical names: the gazetteer's names and aliases (abbreviated forms too: "Văn phòng
  HĐND và UBND"), and noun phrases opened by an agency head word ("Chi cục Thống kê khu vực
  XII") for names the gazetteer lacks.

Tokens come from underthesea's word segmentation (`use_token_normalize=False`, so tokens
stay substrings of the text; the gazetteer's names as fixed words, so a known name stays one
token whatever the context) and its CRF part-of-speech tagger, mapped back to character
offsets. The tagger is noisy on this genre ("chủ trì" tagged N, "Quản lý" in "Ban Quản lý"
tagged V), so the tags are read with the name's shape: capitalised words and gazetteer names
belong to the name, a level word and its place name close it ("… xã Tân Hà"), and the
verbs of rules/text_items.yaml (agency_clause_ends) end it whatever their tag.

underthesea is imported on first use, never with `extract`: the rules-only path does not
pay for it. Vocabulary: rules/agencies.yaml, rules/text_items.yaml and rules/nlp.yaml.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache

from extract.canonical import canonical_agency_name
from extract.rules import load_rules, phrase, word_alternation

_MAX_VARIANTS = 64      # abbreviated spellings generated per gazetteer form


@dataclass(frozen=True)
class _Token:
    text: str
    start: int
    end: int
    tag: str

    @property
    def capitalised(self) -> bool:
        return self.text[:1].isupper()

    @property
    def is_word(self) -> bool:
        return any(c.isalnum() for c in self.text)


@dataclass(frozen=True)
class _Vocabulary:
    gazetteer: re.Pattern[str]      # known names, aliases and their abbreviated forms
    fixed_words: list[str]          # the multi-word ones, for underthesea (longest first)
    heads: tuple[str, ...]          # words that open an agency name, longest first
    levels: frozenset[str]          # level words, lower case ("xã", "thành phố")
    clause_ends: frozenset[str]     # verbs that end an agency phrase or assign to one (text_items.yaml)
    name_words: frozenset[str]      # verb-looking words that occur inside agency names
    connectors: frozenset[str]      # words joining two parts of one name or two names
    document_words: frozenset[str]  # document types ("Kế hoạch"): never part of an agency name
    nominal_tags: frozenset[str]
    verb_tags: frozenset[str]
    max_name_tokens: int
    sentence_break: re.Pattern[str]


def _abbreviated(form: str, pairs: list[tuple[str, str]]) -> set[str]:
    """A gazetteer form and its spellings with long words abbreviated ("Văn phòng Hội đồng
    nhân dân và Ủy ban nhân dân" -> "Văn phòng HĐND và UBND", "VP HĐND và UBND" …)."""
    variants, frontier = {form}, [form]
    while frontier and len(variants) < _MAX_VARIANTS:
        current = frontier.pop()
        for short, long, at_start in pairs:
            if (current.startswith(long + " ") if at_start else long in current):
                shorter = current.replace(long, short, 1)
                if shorter not in variants:
                    variants.add(shorter)
                    frontier.append(shorter)
    return variants


def _form_pattern(form: str) -> str:
    """One spelling as a regex: its first letter as written (a capital opens a name: "Thuế"
    is not "thuế"), the rest in any case, any spacing around dashes, "&" for "và"."""
    parts: list[str] = []
    joiner = r"\s+"
    for word in form.split():
        if word in ("-", "–"):
            joiner = r"\s*[-–]\s*"
            continue
        if word.casefold() in ("và", "&"):
            joiner = r"(?:\s+và\s+|\s*&\s*)"
            continue
        if parts:
            parts.append(joiner)
        parts.append(re.escape(word))
        joiner = r"\s+"
    body = "".join(parts)
    first = re.escape(form[0])
    return rf"(?<!\w){first}(?i:{body[len(first):]})(?!\w)"


@cache
def _vocabulary() -> _Vocabulary:
    agencies = load_rules("agencies")
    nlp = load_rules("nlp")
    pairs = [(short, long, False) for mapping in ("agency_abbreviations", "subject_abbreviations")
             for short, long in agencies[mapping].items()]
    pairs += [(short, long, True) for short, long in agencies["leading_abbreviations"].items()]
    forms: set[str] = set()
    for entry in agencies["agencies"]:
        for spelling in [entry["name"], *entry.get("aliases", [])]:
            forms |= _abbreviated(str(spelling), pairs)
    ordered = sorted(forms, key=len, reverse=True)
    gazetteer = re.compile("|".join(_form_pattern(f) for f in ordered))
    heads = sorted({str(h) for h in agencies["heads"]}, key=len, reverse=True)
    # underthesea compiles fixed words into its regex with only the spaces escaped
    fixed = [" ".join(re.escape(w) for w in f.split()) for f in [*ordered, *heads] if " " in f]
    name_words = {w.casefold() for w in nlp["name_words"]}
    for form in ordered:    # every run of words of a gazetteer name: the tagger may read it as a verb
        words = form.casefold().split()
        name_words |= {" ".join(words[i:i + n]) for n in (1, 2, 3) for i in range(len(words) - n + 1)}
    text_items = load_rules("text_items")
    ends = {e.strip(" (").casefold() for e in [*text_items["agency_clause_ends"], *text_items["assigning_verbs"]]}
    return _Vocabulary(
        gazetteer=gazetteer,
        fixed_words=sorted(set(fixed), key=len, reverse=True),
        heads=tuple(heads),
        levels=frozenset(str(lv["word"]).casefold() for lv in agencies["levels"]),
        clause_ends=frozenset(e for e in ends if e),
        name_words=frozenset(name_words),
        connectors=frozenset({",", "-", "–", "&", "và"}),
        document_words=frozenset(load_rules("references")["types"]),
        nominal_tags=frozenset(nlp["nominal_tags"]),
        verb_tags=frozenset(nlp["verb_tags"]),
        max_name_tokens=int(nlp["max_name_tokens"]),
        sentence_break=re.compile(nlp["sentence_break"]),
    )


# ------------------------------------------------------------------ underthesea, lazily

@cache
def _underthesea():
    """(word_tokenize, POS predictor), imported and loaded once, on first use."""
    from underthesea import word_tokenize
    from underthesea.pipeline.pos_tag.model_crf import CRFPOSTagPredictor

    return word_tokenize, CRFPOSTagPredictor.Instance()


def _offsets(text: str, words: list[str]) -> list[tuple[int, int]] | None:
    """Character spans of underthesea's tokens in `text`; None where they do not align."""
    spans, position = [], 0
    for word in words:
        start = None
        for piece in word.split():
            found = text.find(piece, position)
            if found < 0 or text[position:found].strip():
                return None
            start = found if start is None else start
            position = found + len(piece)
        if start is None:
            return None
        spans.append((start, position))
    return spans


def _tagged(text: str, offset: int = 0) -> list[_Token] | None:
    """Tokens of one sentence with their tags and offsets (+ `offset`); None when the text is
    not NFC or underthesea's tokens cannot be placed in it."""
    if not text.strip() or unicodedata.normalize("NFC", text) != text:
        return None
    word_tokenize, tagger = _underthesea()
    words = word_tokenize(text, use_token_normalize=False, fixed_words=_vocabulary().fixed_words)
    spans = _offsets(text, words)
    if spans is None:
        return None
    tags = [tag for _, tag in tagger.predict(words)]
    return [_Token(text[s:e], s + offset, e + offset, tag) for (s, e), tag in zip(spans, tags)]


# ------------------------------------------------------------------ reading the tags

class _Sentence:
    """Tagged tokens of one sentence with the gazetteer names found in it."""

    def __init__(self, text: str, tokens: list[_Token], offset: int):
        self.tokens = tokens
        self.known = [(m.start() + offset, m.end() + offset) for m in _vocabulary().gazetteer.finditer(text)]
        self.known_starts = {i for i, t in enumerate(tokens) for s, _ in self.known if t.start <= s < t.end}

    def __len__(self) -> int:
        return len(self.tokens)

    def known_end(self, index: int) -> int | None:
        """The index after the last token of the gazetteer name that token `index` is in."""
        token = self.tokens[index]
        for start, end in self.known:
            if start <= token.start < end:
                last = index
                while last + 1 < len(self.tokens) and self.tokens[last + 1].start < end:
                    last += 1
                return last + 1
        return None

    def _lower(self, index: int) -> str:
        return self.tokens[index].text.casefold() if index < len(self.tokens) else ""

    def _word(self, index: int) -> bool:
        return index < len(self.tokens) and self.tokens[index].is_word

    def _capitalised_word(self, index: int) -> bool:
        return self._word(index) and self.tokens[index].capitalised

    def is_level(self, index: int) -> bool:
        return self._lower(index) in _vocabulary().levels

    def is_head(self, index: int) -> bool:
        """A token that opens an agency name: a head word ("Sở", "Trung tâm"), alone or with
        capitalised words after it ("Ban Chỉ đạo" as one token), not a verb ("Tổ chức")."""
        if index >= len(self.tokens) or self.tokens[index].tag in _vocabulary().verb_tags:
            return False
        text = self.tokens[index].text
        return any(text == head or (text.startswith(head + " ") and text[len(head) + 1:][:1].isupper())
                   for head in _vocabulary().heads)

    def names_after_head(self, index: int) -> bool:
        """A head opens a name only with a capitalised word or a level word after it ("Trung tâm
        Y tế", "Công an xã"), not "Trung tâm dữ liệu", "mỗi Tổ hướng dẫn …"."""
        text = self.tokens[index].text
        return " " in text and text.split(" ")[-1][:1].isupper() or self._capitalised_word(index + 1) \
            and not self._stops_name(index + 1) or self.is_level(index + 1)

    def _stops_name(self, index: int) -> bool:
        """A verb of the rule list in lower case ("chủ trì", tagged N by underthesea), or a
        document word ("Kế hoạch", "Chương trình": "… của Ban Bí thư và Kế hoạch …")."""
        vocab = _vocabulary()
        token = self.tokens[index]
        return (not token.capitalised and token.text.casefold() in vocab.clause_ends) \
            or token.text in vocab.document_words

    def _name_word_verb(self, index: int) -> bool:
        """A verb-tagged word that is part of a name ("đầu tư xây dựng xã", "các doanh nghiệp
        viễn thông hoàn thành …"): a name word with a verb, a level word or nothing after it."""
        vocab = _vocabulary()
        if self._lower(index) not in vocab.name_words:
            return False
        following = index + 1
        return following >= len(self.tokens) or self.tokens[following].tag in vocab.verb_tags \
            or self.is_level(following)

    def is_predicate(self, index: int) -> bool:
        """A verb that starts the rest of the sentence: tagged V (or a rule verb), in lower
        case, not a name word, and with words after it."""
        token = self.tokens[index]
        if token.capitalised:
            return False
        if token.text.casefold() in _vocabulary().clause_ends:
            return True
        if token.tag not in _vocabulary().verb_tags or not any(t.is_word for t in self.tokens[index + 1:]):
            return False
        return not self._name_word_verb(index)

    def _place_end(self, index: int) -> int:
        """Past a place name ("Mường Khương", "Lào Cai", "7"): capitalised words or a number."""
        while (self._capitalised_word(index) or self._word(index) and self.tokens[index].text.isdigit()) \
                and not self.is_head(index) and index not in self.known_starts and not self._stops_name(index):
            index += 1
        return index

    def _level_end(self, index: int) -> int:
        """Past a level word and its place ("xã", "tỉnh Quảng Trị"), if one is at `index`."""
        return self._place_end(index + 1) if self.is_level(index) else index

    def _closes_with_level(self, index: int) -> bool:
        """Lower-case nouns from `index` up to a level word ("và công nghệ tỉnh")."""
        vocab = _vocabulary()
        for at in range(index, min(index + 6, len(self.tokens))):
            if self.is_level(at):
                return True
            token = self.tokens[at]
            if token.capitalised or not token.is_word or (
                    token.tag not in vocab.nominal_tags and not self._name_word_verb(at)):
                return False
        return False

    def _continues_name(self, connector: int) -> bool:
        """Whether the name goes on after ',' / 'và' / '-': a capitalised word that opens no
        agency or document ("Văn hóa, Thể thao và Du lịch"), or lower-case nouns up to a level
        word after 'và' ("Trung tâm Ứng dụng khoa học và công nghệ tỉnh")."""
        following = connector + 1
        if self._capitalised_word(following):
            return not (self.is_head(following) or following in self.known_starts or self._stops_name(following))
        return self._lower(connector) == "và" and self._closes_with_level(following)

    def name_end(self, index: int) -> int:
        """The index after the agency name that opens at token `index` (a head or a gazetteer
        name): over gazetteer names, capitalised words, nouns and name words, up to a level word
        and its place, a verb, a preposition or punctuation."""
        vocab = _vocabulary()
        limit = min(len(self.tokens), index + vocab.max_name_tokens)
        end = self.known_end(index) or index + 1
        lowered = False         # after a lower-case word, a capitalised one is a place
        while end < limit:
            token = self.tokens[end]
            if self.is_level(end):
                return self._level_end(end)
            if self._stops_name(end):
                return end
            if end in self.known_starts:
                end = self.known_end(end) or end + 1      # "Ủy ban Kiểm tra Đảng ủy", "Chi cục Thống kê"
                continue
            if token.text.casefold() in vocab.connectors:
                if not self._continues_name(end):
                    return end
                end += 1
                continue
            if token.capitalised and token.is_word:
                if lowered:
                    return self._place_end(end)
                end += 1
                continue
            if token.is_word and (token.tag in vocab.nominal_tags or
                                  token.tag in vocab.verb_tags and self._name_word_verb(end)):
                lowered, end = True, end + 1
                continue
            return end
        return end


def _sentences(text: str) -> list[tuple[int, str]]:
    """(offset, sentence) pieces of running text, so that tagging cost stays linear."""
    pieces, position = [], 0
    for match in _vocabulary().sentence_break.finditer(text):
        pieces.append((position, text[position:match.start()]))
        position = match.end()
    pieces.append((position, text[position:]))
    return [(o, s) for o, s in pieces if s.strip()]


# ------------------------------------------------------------------ the tagger

class AgencyTagger:
    """Agency phrases by part of speech; underthesea is loaded on the first call."""

    def agency_prefix_end(self, text: str) -> int | None:
        """Where the agency name(s) that open `text` end: before the first verb that follows
        a noun, outside gazetteer names; None when no such verb is found."""
        tokens = _tagged(text)
        if not tokens:
            return None
        sentence = _Sentence(text, tokens, 0)
        nominal = _vocabulary().nominal_tags
        seen_noun = False
        index = 0
        while index < len(tokens):
            known = sentence.known_end(index)
            if known:
                seen_noun, index = True, known
                continue
            if seen_noun and sentence.is_predicate(index):
                cut = len(text[:tokens[index].start].rstrip())
                return cut or None
            if tokens[index].tag in nominal or tokens[index].capitalised:
                seen_noun = True
            index += 1
        return None

    def find_agencies(self, text: str, level: str | None = None) -> list[tuple[int, int, str]]:
        """Agency mentions in running text: (start, end, canonical name), in order."""
        found: list[tuple[int, int]] = []
        for offset, piece in _sentences(text):
            tokens = _tagged(piece, offset)
            if not tokens:
                continue
            sentence = _Sentence(piece, tokens, offset)
            spans = list(sentence.known)
            for index in range(len(tokens)):
                if index in sentence.known_starts or sentence.is_head(index) and sentence.names_after_head(index):
                    end = sentence.name_end(index)
                    spans.append((tokens[index].start, tokens[end - 1].end))
            found.extend(_longest(spans))
        return [(s, e, canonical_agency_name(text[s:e], level)) for s, e in found]


def _longest(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Non-overlapping spans, longest first (spaCy's filter_spans rule), in text order."""
    chosen: list[tuple[int, int]] = []
    for start, end in sorted(set(spans), key=lambda se: (se[0] - se[1], se[0])):
        if all(end <= s or start >= e for s, e in chosen):
            chosen.append((start, end))
    return sorted(chosen)


@cache
def agency_tagger() -> AgencyTagger:
    """The process's tagger (cheap to build; its models load on the first call)."""
    return AgencyTagger()
