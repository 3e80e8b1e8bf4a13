"""Repair of OCR'd Vietnamese words from their neighbours, by the word list (a noisy channel).

Tesseract's Vietnamese model reads most letters right but misses a diacritic now and then:
"thục hiện" (thực hiện), "nên tảng" (nền tảng), "nhiẹm vụ" (nhiệm vụ), "tố dân phố" (tổ dân
phố). A run of 2–4 OCR'd syllables that is no word of `word_list()` is compared with the words
of as many syllables written with the same bare letters (`fold`: every tone and letter mark
dropped), and becomes the nearest of them — fewest marks changed (`_cost`) — when exactly one
is nearest and every syllable it changes is suspect:

- the syllable is part of no word with its neighbours as read, and
- it is no written syllable (`syllable_lexicon()`: "nhiẹm"), or was read with a confidence
  below SURE_CONFIDENCE, or is a misreading Tesseract is known to make (rules/ocr.yaml
  `tone_confusions`: the hook read as an acute, "tố chức"; `glyph_confusions`: "ã" for "ằ").

A run that a word as read runs out of, as long as the run, is left alone unless each of its
syllables is a known misreading: "xã hội số" is right though "hội số" is no word and "hội
sở" is one, while "chuyến đối số" is "chuyển đổi số" though "đối số" is a word. Where
repairs overlap, the cheapest per syllable wins. A syllable inside a line that makes no word
with its neighbours and is one known misreading away from a frequent word (rules/ocr.yaml
`frequent_words`: "đế" for "để") becomes it, and so does one that is no written syllable
and is one known misreading away from exactly one that is ("tuối" for "tuổi").
`repair_lines` looks at the words either side of each line break the same way. Digits are
never touched; the case is kept.

On the 30 scans of the corpus (2 per plan), against each plan's digital text
(tools/ocr_word_repairs.py): 1,413 words changed, 1,317 right, 12 wrong, 5 wrong either way,
79 where the texts do not line up.

The word list spells tone marks the old way ("hoà", "uỷ ban"), plans the new way ("hòa",
"ủy ban"): syllables are compared by their letters and their tone, wherever the mark sits
(`syllable_key`), and a repaired syllable takes the plans' spelling (`_place_tone`).

The index is built once (about 1 s of CPU, 25 MB on top of the word list's 22 MB) and kept in a
file named by what built it (`index_file`: the word list, this code, the Python version), which
the next process reads in about 0.2 s; the repair of a scanned plan's lines then takes about
30 ms, some 5 ms a page against OCR's 1.4 s.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from pathlib import Path

from extract.matching import fold_accents

SYLLABLE_MIN_WORDS = 2            # a syllable of the word list counts when this many words hold it
SURE_CONFIDENCE = 90.0            # a written syllable read at least this surely is not changed ...
CHANNEL_COST = 0.5                # ... unless it is a known misreading, which costs this a letter
WINDOW_SIZES = (4, 3, 2)          # syllables per window, longest first
LINE_CONTEXT = 3                  # words either side of a line break looked at together
CACHE_ENV = "KEHOACH_CACHE_DIR"     # folder of the word index kept between processes ("": none)
TONES = frozenset("\u0300\u0301\u0303\u0309\u0323")     # grave, acute, tilde, hook, dot below
_LETTERS = re.compile(r"[^\W\d_]+")
_LETTERS_THEN_STOPS = re.compile(r"([^\W\d_]+)([.,;:!?)]*)")


def word_list() -> frozenset[str]:
    """Vietnamese words, lowercase ("tổ chức", "thể chế"): the word list underthesea (a
    dependency) installs with its word segmenter (`pipeline/word_tokenize/models/*/dictionary.bin`,
    about 72,000 words). Read from the installed package, never downloaded; empty when it is
    not there (the repairs that need it are then not made)."""
    return _stored_index()[0]


def syllable_lexicon() -> frozenset[str]:
    """Written Vietnamese syllables, lowercase: those held by at least SYLLABLE_MIN_WORDS words
    of `word_list()` (about 6,600; a syllable of a single word is mostly a name or a typo)."""
    return _stored_index()[1]


def _lexicon() -> tuple[frozenset, dict, frozenset]:
    """The word list indexed: every word of up to 4 syllables as a tuple of (letters, tone)
    syllables; those of 2–4 syllables by their folded syllables; the written syllables as
    (letters, tone)."""
    return _stored_index()[2]


def _dictionary() -> Path | None:
    """The word list file underthesea installs, if it is installed."""
    from importlib.util import find_spec

    spec = find_spec("underthesea")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        for path in sorted(Path(folder).glob("pipeline/word_tokenize/models/*/dictionary.bin"))[-1:]:
            return path
    return None


@cache
def _stored_index() -> tuple[frozenset, frozenset, tuple]:
    """(`word_list()`, `syllable_lexicon()`, `_lexicon()`): read from the index file
    (`index_file`) when one was written for this word list and this code, else built from the
    word list (about 1 s of CPU and the word list's pickle) and written there for the next
    process. A batch worker or `kehoach extract` of a scan then starts in about 0.15 s."""
    import marshal

    dictionary = _dictionary()
    if dictionary is None:
        return frozenset(), frozenset(), (frozenset(), {}, frozenset())
    stored = index_file(dictionary)
    if stored is not None:
        try:
            found = marshal.loads(stored.read_bytes())
        except (OSError, EOFError, ValueError, TypeError):
            found = None
        if isinstance(found, tuple) and len(found) == 3:
            return found
    words = _read_word_list(dictionary)
    syllables = _written_syllables(words)
    built = (words, syllables, _index(words, syllables))
    if stored is not None:
        _write_atomically(stored, marshal.dumps(built))
        for stale in stored.parent.glob("ocr-word-index-*.marshal"):
            if stale != stored:     # an index of another word list or code: never read again
                stale.unlink(missing_ok=True)
    return built


def index_file(dictionary: Path) -> Path | None:
    """Where the word index built from `dictionary` is kept between processes: the folder
    named by KEHOACH_CACHE_DIR (empty: never kept), else $XDG_CACHE_HOME/kehoach-extract or
    ~/.cache/kehoach-extract; the name holds a digest of the word list, of the code that
    builds the index (this module, `fold_accents`) and of the Python version (marshal's
    format), so that a changed word list or code never reads an old index."""
    import hashlib
    import marshal
    import os
    import sys

    from extract import matching

    folder = os.environ.get(CACHE_ENV)
    if folder is None:
        folder = str(Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "kehoach-extract")
    if not folder:
        return None
    digest = hashlib.sha256()
    try:
        for source in (dictionary, Path(__file__), Path(matching.__file__)):
            digest.update(source.read_bytes())
    except OSError:
        return None
    digest.update(f"{sys.version_info[:2]} {marshal.version}".encode())
    return Path(folder) / f"ocr-word-index-{digest.hexdigest()[:32]}.marshal"


def _write_atomically(path: Path, data: bytes) -> None:
    """`data` written to `path` through a temporary file renamed over it (processes writing
    the same index at once each leave a whole file); nothing when the folder is not writable."""
    import os

    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary.write_bytes(data)
        os.replace(temporary, path)
    except OSError:
        temporary.unlink(missing_ok=True)


def _read_word_list(dictionary: Path) -> frozenset[str]:
    """The words of underthesea's word list file, NFC and lowercase."""
    import pickle

    with dictionary.open("rb") as handle:
        words = pickle.load(handle)         # a set of str, written by underthesea's joblib.dump
    return frozenset(unicodedata.normalize("NFC", str(entry)).lower() for entry in words)


def _written_syllables(words: frozenset[str]) -> frozenset[str]:
    """The syllables held by at least SYLLABLE_MIN_WORDS of `words`."""
    from collections import Counter

    counts: Counter = Counter()
    for entry in words:
        counts.update(set(entry.split()))
    return frozenset(syllable for syllable, count in counts.items() if count >= SYLLABLE_MIN_WORDS)


@cache
def syllable_key(syllable: str) -> tuple[str, str, int]:
    """A lowercase syllable as (its letters without the tone mark, the tone mark or '', the
    index of the letter carrying it): "hòa" -> ("hoa", U+0300, 1), "hoà" -> ("hoa", U+0300, 2).
    Two spellings are the same syllable when the first two agree."""
    letters: list[str] = []
    tone, position = "", -1
    for ch in unicodedata.normalize("NFD", syllable):
        if ch in TONES:
            tone, position = ch, len(letters) - 1
        elif unicodedata.combining(ch) and letters:
            letters[-1] += ch
        else:
            letters.append(ch)
    return "".join(unicodedata.normalize("NFC", letter) for letter in letters), tone, position


@cache
def fold(syllable: str) -> str:
    """The syllable's bare letters, lowercase: every tone and letter mark dropped ("nhiệm" -> "nhiem")."""
    return fold_accents(syllable).lower()


def _index(entries: frozenset[str], written_syllables: frozenset[str]) -> tuple[frozenset, dict, frozenset]:
    """`_lexicon()` built from the word list and its written syllables."""
    # Each distinct syllable is keyed and folded once (about 9,000 of them against 160,000
    # syllables in the words), and its key is one shared tuple: 0.95 -> 0.77 s, 33 -> 25 MB.
    distinct: set[str] = set()
    for entry in entries:
        distinct.update(entry.split())
    key_of = {syllable: syllable_key(syllable)[:2] for syllable in distinct if _LETTERS.fullmatch(syllable)}
    fold_of = {syllable: fold(syllable) for syllable in key_of}
    longest = max(WINDOW_SIZES)
    words = set()
    by_fold: dict[tuple[str, ...], list[tuple]] = {}
    for entry in entries:
        syllables = entry.split()
        if len(syllables) > longest or not all(map(key_of.__contains__, syllables)):
            continue
        keyed = tuple(map(key_of.__getitem__, syllables))
        words.add(keyed)
        if len(syllables) in WINDOW_SIZES:
            by_fold.setdefault(tuple(map(fold_of.__getitem__, syllables)), []).append(keyed)
    written = frozenset(syllable_key(syllable)[:2] for syllable in written_syllables)
    return frozenset(words), {key: tuple(set(found)) for key, found in by_fold.items()}, written


def bare_word(first: str, second: str) -> bool:
    """Whether two syllables, as bare letters (`fold`), are those of a two-syllable word of
    `word_list()` ("dừ liệu" and "tôn tại" are, as "dữ liệu" and "tồn tại")."""
    return (fold(first), fold(second)) in _lexicon()[1]


@cache
def _vowel_letters() -> tuple[frozenset[str], frozenset[str], tuple[str, ...]]:
    """From rules/ocr.yaml `syllable`: the vowel letters without their tone ("a", "ă", "ơ" …),
    those carrying a letter mark ("ă", "â", "ê", "ô", "ơ", "ư"), and the glide initials ("qu",
    "gi")."""
    from extract.rules import load_rules

    shape = load_rules("ocr").get("syllable") or {}
    vowels = frozenset(syllable_key(vowel)[0] for vowel in str(shape.get("vowels", "")))
    marked = frozenset(vowel for vowel in vowels if len(unicodedata.normalize("NFD", vowel)) > 1)
    return vowels, marked, tuple(str(glide) for glide in shape.get("glides") or ())


def _place_tone(letters: str, tone: str) -> str:
    """`letters` with `tone` on the vowel the plans' spelling puts it on: a vowel with a letter
    mark ("người", "nhiệm"), else the last vowel before a final consonant ("hoàn"), else the
    first of two final vowels and the middle of three ("hòa", "thủy", "ngoài"); the "u" of
    "qu" and the "i" of "gi" are no vowel there ("quý", "giữ")."""
    if not tone:
        return letters
    vowel_letters, marked_letters, glides = _vowel_letters()
    vowels = [index for index, ch in enumerate(letters) if ch in vowel_letters]
    if not vowels:
        return letters
    if len(vowels) > 1 and vowels[0] > 0 and letters[vowels[0] - 1:vowels[0] + 1] in glides:
        vowels = vowels[1:]
    marked = [index for index in vowels if letters[index] in marked_letters]
    if marked:
        where = marked[-1]
    elif vowels[-1] < len(letters) - 1 or len(vowels) == 1:
        where = vowels[-1]
    else:
        where = vowels[len(vowels) // 2] if len(vowels) >= 3 else vowels[0]
    return letters[:where] + unicodedata.normalize("NFC", letters[where] + tone) + letters[where + 1:]


def _cost(read: tuple[str, str], meant: tuple[str, str]) -> float:
    """How unlikely OCR read syllable `meant` as `read` (same bare letters): CHANNEL_COST per
    letter when the syllable is a known misreading of it (`_known_misreading`), else one per
    letter mark changed (o/ơ, e/ê, d/đ) and one for the tone (CHANNEL_COST for a tone
    Tesseract is known to read for another)."""
    known = _known_misreading(read, meant)
    if known:
        return CHANNEL_COST * known
    tone = 0.0 if read[1] == meant[1] else CHANNEL_COST if (read[1], meant[1]) in _channel() else 1.0
    return sum(a != b for a, b in zip(read[0], meant[0])) + tone


@cache
def _known_misreading(read: tuple[str, str], meant: tuple[str, str]) -> int:
    """How many letters differ when syllable `meant` reads as `read` by confusions Tesseract
    is known to make only: a tone read for another (rules/ocr.yaml `tone_confusions`), a letter
    with its marks read as another (`glyph_confusions`: "ã" for "ằ"); 0 when it takes more."""
    if read[0] == meant[0] and (read[1], meant[1]) in _channel():
        return 1
    seen, wanted = _place_tone(*read), _place_tone(*meant)
    pairs = [(a, b) for a, b in zip(seen, wanted) if a != b]
    return len(pairs) if len(seen) == len(wanted) and pairs and all(pair in _glyphs() for pair in pairs) else 0


def _same_case(replacement: str, found: str) -> str:
    """`replacement` in the case of `found`: all capitals, a capital first, or as written."""
    if found.isupper():
        return replacement.upper()
    if found[:1].isupper():
        return replacement[:1].upper() + replacement[1:]
    return replacement


@cache
def _channel() -> frozenset[tuple[str, str]]:
    """(tone read, tone meant) pairs Tesseract confuses (rules/ocr.yaml `tone_confusions`)."""
    from extract.rules import load_rules

    return frozenset((unicodedata.normalize("NFD", str(read)), unicodedata.normalize("NFD", str(meant)))
                     for read, meant in (load_rules("ocr").get("tone_confusions") or {}).items())


@cache
def _glyphs() -> frozenset[tuple[str, str]]:
    """(letter read, letter meant) pairs Tesseract confuses (rules/ocr.yaml `glyph_confusions`)."""
    from extract.rules import load_rules

    return frozenset((unicodedata.normalize("NFC", str(read)), unicodedata.normalize("NFC", str(meant)))
                     for read, meant in (load_rules("ocr").get("glyph_confusions") or {}).items())


@cache
def _written_by_fold() -> dict[str, tuple]:
    """The written syllables as (letters, tone), by their bare letters."""
    found: dict[str, list] = {}
    for key in _lexicon()[2]:
        found.setdefault(fold(key[0]), []).append(key)
    return {letters: tuple(keys) for letters, keys in found.items()}


@cache
def _frequent() -> frozenset[tuple[str, str]]:
    """rules/ocr.yaml `frequent_words` as (letters, tone) syllables."""
    from extract.rules import load_rules

    return frozenset(syllable_key(str(word).lower())[:2] for word in load_rules("ocr").get("frequent_words") or ())


def _runs(parts: list) -> list[list[int]]:
    """Index runs of letter words with no punctuation between them."""
    runs, current = [], []
    for index, part in enumerate(parts):
        if part is None:
            if current:
                runs.append(current)
            current = []
            continue
        current.append(index)
        if part["stops"]:
            runs.append(current)
            current = []
    if current:
        runs.append(current)
    return runs


def _word_spans(parts: list, keys: list, words_known: frozenset) -> list[tuple[int, int]]:
    """(start, end) of every run of 2 or more syllables, as read, that is a word."""
    spans = []
    for run in _runs(parts):
        for size in WINDOW_SIZES:
            for offset in range(len(run) - size + 1):
                start = run[offset]
                if tuple(keys[index] for index in range(start, start + size)) in words_known:
                    spans.append((start, start + size))
    return spans


def repair_words(words: list[dict], across: int = 0) -> list[tuple[int, str, str]]:
    """OCR'd words of one line (dicts with `text` and `conf`) repaired in place where a run of
    2–4 of them is no word but one nearest word of the word list is, changing suspect
    syllables only (see the module docstring). With `across`, only runs holding the words at
    `across - 1` and `across` are repaired (the end of a line and the start of the next).
    Returns (index, read, repaired) per change."""
    if not word_list():
        return []
    words_known, by_fold, written = _lexicon()
    parts = []
    for word in words:
        match = _LETTERS_THEN_STOPS.fullmatch(word["text"])
        parts.append({"core": match.group(1), "stops": match.group(2), "conf": word.get("conf", 100.0)}
                     if match else None)
    read = [syllable_key(part["core"].lower()) if part else None for part in parts]
    keys = [key[:2] if key else None for key in read]
    spans = _word_spans(parts, keys, words_known)
    covered = {index for start, end in spans for index in range(start, end)}

    def suspect(index: int, meant: tuple) -> bool:
        """Whether the syllable at `index` may have been misread as `meant`: it is part of no
        word as read, and is no written syllable, or was read unsurely, or is a misreading
        Tesseract is known to make (`_known_misreading`)."""
        return index not in covered and (keys[index] not in written or parts[index]["conf"] < SURE_CONFIDENCE
                                         or _known_misreading(keys[index], meant) > 0)

    proposals = []
    for run in _runs(parts):
        for size in WINDOW_SIZES:
            for offset in range(len(run) - size + 1):
                start, end = run[offset], run[offset] + size
                if (across and not start < across < end) or tuple(keys[start:end]) in words_known:
                    continue
                # a word as read that runs out of the window and is as long: the reading
                # already makes sense there ("xã hội | số", not "xã | hội sở") unless every
                # syllable of the window is a known misreading ("chuyến đối | số")
                overlapped = any(s < end and e > start and (s < start or e > end) and e - s >= size for s, e in spans)
                ranked = []
                for candidate in by_fold.get(tuple(fold(part["core"]) for part in parts[start:end]), ()):
                    changed = [start + i for i, meant in enumerate(candidate) if keys[start + i] != meant]
                    if overlapped:
                        if len(changed) == size and all(_known_misreading(keys[index], candidate[index - start])
                                                        for index in changed):
                            ranked.append((sum(_cost(keys[index], candidate[index - start]) for index in changed),
                                           candidate))
                        continue
                    if all(suspect(index, candidate[index - start]) for index in changed):
                        ranked.append((sum(_cost(keys[index], candidate[index - start]) for index in changed),
                                       candidate))
                ranked.sort(key=lambda pair: pair[0])
                if ranked and (len(ranked) == 1 or ranked[1][0] > ranked[0][0]):
                    proposals.append((ranked[0][0] / size, -size, start, ranked[0][1]))
    changes: list[tuple[int, str, str]] = []
    fixed: set[int] = set()
    for _, negative_size, start, candidate in sorted(proposals):
        end = start - negative_size
        if fixed.intersection(range(start, end)):
            continue
        fixed.update(range(start, end))
        for index in range(start, end):
            meant = candidate[index - start]
            if keys[index] == meant:
                continue
            part = parts[index]
            new = _same_case(_place_tone(meant[0], meant[1]), part["core"])
            changes.append((index, words[index]["text"], new + part["stops"]))
            words[index]["text"] = new + part["stops"]
    if not across:
        # a line's first and last words may make a word with the lines around it
        for index, part in enumerate(parts[1:-1], start=1):
            if part is None or index in fixed or index in covered or keys[index] in _frequent():
                continue
            pool = _frequent() if keys[index] in written else _written_by_fold().get(fold(part["core"]), ())
            likely = {meant for meant in pool if _known_misreading(keys[index], meant)}
            if len(likely) == 1:
                (letters, tone), = likely
                new = _same_case(_place_tone(letters, tone), part["core"])
                changes.append((index, words[index]["text"], new + part["stops"]))
                words[index]["text"] = new + part["stops"]
    return changes


def repair_lines(lines: list[list[dict]]) -> None:
    """`repair_words` over the break between each OCR line and the next line of its paragraph
    (just under it, overlapping it across), where a word runs on ("chuyến | đối số" ->
    "chuyển | đổi số"): the last and first LINE_CONTEXT words of the two."""
    for above, below in zip(lines, lines[1:]):
        if not above or not below:
            continue
        height = above[0]["bottom"] - above[0]["top"]
        gap = below[0]["top"] - above[0]["bottom"]
        if not (-0.2 * height <= gap <= height) or below[0]["x0"] > above[-1]["x1"] or below[-1]["x1"] < above[0]["x0"]:
            continue
        tail, head = above[-LINE_CONTEXT:], below[:LINE_CONTEXT]
        repair_words(tail + head, across=len(tail))
