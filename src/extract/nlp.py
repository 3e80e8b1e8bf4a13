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
pay for it, and a field value made only of known names and places never loads it. Vocabulary:
rules/agencies.yaml, rules/text_items.yaml and rules/nlp.yaml.

No spaCy: there is no Vietnamese spaCy model, so spaCy would only hold underthesea's tokens.
An EntityRuler over them (phrase patterns of the gazetteer's spellings, attr LOWER) found 86%
of the gazetteer mentions the character-level matcher here finds (segmentation drift:
"UBND xã" as one token) and nothing more, for 0.2-0.8 s of import (bench/nlp_cost.py).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache

from extract.canonical import canonical_agency_name
from extract.patterns import list_joiner, list_joiners
from extract.rules import load_rules, word_alternation

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
    level_words: re.Pattern[str]    # the same in text
    clause_ends: frozenset[str]     # verbs that end an agency phrase or assign to one (text_items.yaml)
    name_words: frozenset[str]      # verb-looking words that occur inside agency names
    connectors: frozenset[str]      # words joining two parts of one name or two names
    joiners: frozenset[str]         # words joining a list's last name ("và")
    document_words: frozenset[str]  # document types ("Kế hoạch"): never part of an agency name
    nominal_tags: frozenset[str]
    verb_tags: frozenset[str]
    max_name_tokens: int
    sentence_break: re.Pattern[str]


def _abbreviated(form: str, pairs: list[tuple[str, str, bool]]) -> set[str]:
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
        if word.casefold() in (*list_joiners(), "&"):
            joiner = rf"(?:\s+{list_joiner()}\s+|\s*&\s*)"
            continue
        if parts:
            parts.append(joiner)
        parts.append(re.escape(word))
        joiner = r"\s+"
    body = "".join(parts)
    first = re.escape(form[0])
    return rf"(?<!\w){first}(?i:{body[len(first):]})(?!\w)"


@cache
def gazetteer_forms() -> tuple[str, ...]:
    """Every spelling of the gazetteer's agencies: names, aliases and their abbreviated forms,
    longest first."""
    agencies = load_rules("agencies")
    pairs = [(short, long, False) for mapping in ("agency_abbreviations", "subject_abbreviations")
             for short, long in agencies[mapping].items()]
    pairs += [(short, long, True) for short, long in agencies["leading_abbreviations"].items()]
    forms: set[str] = set()
    for entry in agencies["agencies"]:
        for spelling in [entry["name"], *entry.get("aliases", [])]:
            forms |= _abbreviated(str(spelling), pairs)
    return tuple(sorted(forms, key=lambda f: (-len(f), f)))


@cache
def _vocabulary() -> _Vocabulary:
    agencies = load_rules("agencies")
    nlp = load_rules("nlp")
    ordered = gazetteer_forms()
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
        level_words=re.compile(word_alternation(str(lv["word"]) for lv in agencies["levels"])),
        clause_ends=frozenset(e for e in ends if e),
        name_words=frozenset(name_words),
        connectors=frozenset({",", "-", "–", "&", *list_joiners()}),
        joiners=frozenset(list_joiners()),
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
    word_tokenize, predictor = _import_underthesea()
    return word_tokenize, predictor.Instance()


def _import_underthesea():
    """(word_tokenize, CRFPOSTagPredictor) of underthesea, without running its package __init__
    until something else asks for it.

    `import underthesea` imports every pipeline it has (chunking, NER, classification,
    sentiment, language detection, translation, an agent, addresses …): for a document that
    needs the tagger, about half the model-load time and ~40 MB, for nothing used here. So the
    package is registered as a bare package object whose __init__ runs on the first attribute
    asked of it (PEP 562 module __getattr__: `from underthesea import pos_tag` elsewhere still
    works), and only the modules needed are imported, in the order its __init__ uses
    (text_normalize before word_tokenize: they import each other). Where this fails (another
    underthesea layout), the ordinary import.
    """
    import importlib
    import importlib.util
    import sys
    import types

    def ordinary():
        from underthesea import word_tokenize
        from underthesea.pipeline.pos_tag.model_crf import CRFPOSTagPredictor
        return word_tokenize, CRFPOSTagPredictor

    spec = None if "underthesea" in sys.modules else importlib.util.find_spec("underthesea")
    if spec is None or not spec.submodule_search_locations or spec.loader is None:
        return ordinary()
    package = types.ModuleType("underthesea")
    package.__path__, package.__spec__, package.__file__ = list(spec.submodule_search_locations), spec, spec.origin
    package.__package__, package.__loader__ = "underthesea", spec.loader

    def complete(name: str):
        """Run the package's __init__ in place, then answer the attribute asked for."""
        del package.__getattr__
        exec(spec.loader.get_code("underthesea"), package.__dict__)
        try:
            return package.__dict__[name]
        except KeyError:
            raise AttributeError(f"module 'underthesea' has no attribute {name!r}") from None

    package.__getattr__ = complete
    sys.modules["underthesea"] = package
    try:
        importlib.import_module("underthesea.pipeline.text_normalize")
        word_tokenize = importlib.import_module("underthesea.pipeline.word_tokenize").word_tokenize
        predictor = importlib.import_module("underthesea.pipeline.pos_tag.model_crf").CRFPOSTagPredictor
    except Exception:
        for name in [name for name in sys.modules if name == "underthesea" or name.startswith("underthesea.")]:
            del sys.modules[name]
        return ordinary()
    return word_tokenize, predictor


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


def _cuts(text: str, start: int, end: int, known: list[tuple[int, int]]) -> list[int]:
    """Where underthesea's token text[start:end] must be cut: at the edges of a gazetteer name
    inside it ("Dân vận Đảng ủy" -> "Dân vận | Đảng ủy"), before a capitalised word that a
    lower-case one precedes ("giao Hợp tác xã" -> "giao | Hợp tác xã"), and between a place
    name and a lower-case word of two syllables or more ("Tân Hà lắp đặt" -> "Tân Hà | lắp
    đặt"; not "Ban Tuyên giáo", a capitalised word)."""
    cuts = {edge for span in known for edge in span if start < edge < end}
    if any(s <= start and end <= e for s, e in known):
        return sorted(cuts)
    words = list(re.finditer(r"\S+", text[start:end]))
    upper = [w.group()[:1].isupper() for w in words]
    for i in range(1, len(words)):
        if upper[i] and not upper[i - 1]:
            cuts.add(start + words[i].start())
        elif i >= 2 and upper[i - 1] and upper[i - 2] and not any(upper[i:i + 2]) and i + 1 < len(words):
            cuts.add(start + words[i].start())
    return sorted(cuts)


def _tagged(text: str, offset: int = 0) -> "_Sentence | None":
    """One sentence tokenised and tagged, offsets + `offset`; None when the text is not NFC or
    underthesea's tokens cannot be placed in it."""
    if not text.strip() or unicodedata.normalize("NFC", text) != text:
        return None
    vocab = _vocabulary()
    word_tokenize, tagger = _underthesea()
    spans = _offsets(text, word_tokenize(text, use_token_normalize=False, fixed_words=vocab.fixed_words))
    if spans is None:
        return None
    known = [(m.start(), m.end()) for m in vocab.gazetteer.finditer(text)]
    pieces = []
    for start, end in spans:
        bounds = [start, *_cuts(text, start, end, known), end]
        pieces += [(a, len(text[:b].rstrip())) for a, b in zip(bounds, bounds[1:])]
    words = [text[a:b] for a, b in pieces]
    tags = [tag for _, tag in tagger.predict(words)]
    tokens = [_Token(w, a + offset, b + offset, tag) for w, (a, b), tag in zip(words, pieces, tags)]
    return _Sentence(tokens, [(s + offset, e + offset) for s, e in known])


# ------------------------------------------------------------------ reading the tags

class _Sentence:
    """Tagged tokens of one sentence with the gazetteer names found in it."""

    def __init__(self, tokens: list[_Token], known: list[tuple[int, int]]):
        self.tokens = tokens
        self.known = known
        self.known_starts = {i for i, t in enumerate(tokens) for s, _ in self.known if t.start <= s < t.end}

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
        Y tế", "Công an xã"), or alone before a rule verb ("Tỉnh đoàn chủ trì"); not "Trung tâm
        dữ liệu", "mỗi Tổ hướng dẫn …"."""
        text = self.tokens[index].text
        if " " in text and text.split(" ")[-1][:1].isupper() or self.is_level(index + 1):
            return True
        if self._capitalised_word(index + 1):
            return not self._stops_name(index + 1)
        # a name of its own ("Tỉnh đoàn") before a verb of the rule list ("chủ trì")
        return text in _vocabulary().heads and " " in text and index + 1 < len(self.tokens) \
            and self._stops_name(index + 1) and not self.tokens[index + 1].capitalised

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
        return self._lower(connector) in _vocabulary().joiners and self._closes_with_level(following)

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


def _may_hold_a_verb(text: str) -> bool:
    """Whether `text` has a lower-case word outside gazetteer names and level words, other
    than "và" (in the middle of a sentence a verb is written in lower case)."""
    vocab = _vocabulary()
    rest = vocab.level_words.sub(" ", vocab.gazetteer.sub(" ", text))
    return any(word[:1].islower() and word not in vocab.joiners for word in re.findall(r"\w+", rest))


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
        if not _may_hold_a_verb(text):
            return None         # names and places only: no need to load the tagger
        sentence = _tagged(text)
        if sentence is None:
            return None
        tokens = sentence.tokens
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
            sentence = _tagged(piece, offset)
            if sentence is None:
                continue
            spans = list(sentence.known)
            for index, token in enumerate(sentence.tokens):
                if index in sentence.known_starts or sentence.is_head(index) and sentence.names_after_head(index):
                    spans.append((token.start, sentence.tokens[sentence.name_end(index) - 1].end))
            found.extend(_longest(spans))
        return [(s, e, canonical_agency_name(text[s:e], level)) for s, e in found]


    def agencies_ending_at(self, text: str, end: int) -> int | None:
        """Where the agency names (joined by ',' / 'và') that end at `end` in `text` start
        ("giao Hợp tác xã Chè Tân Hà, Hội Nông dân xã| chủ trì"); None where none ends there."""
        start = None
        for span_start, span_end, _ in reversed(self.find_agencies(text)):
            if span_end > end:
                continue
            if text[span_end:end if start is None else start].strip(" ,") not in ("", *_vocabulary().joiners):
                break
            start = span_start
        return start


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
