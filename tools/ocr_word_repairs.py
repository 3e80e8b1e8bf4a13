"""Precision of the OCR word repair (extract.load.ocr_lexicon) on scanned plans: every word it
changed, checked against the plan's digital PDF (corpus/PLAN.pdf), which holds the true text.

    python tools/ocr_word_repairs.py [--cache DIR] [--variants scan,phone] [--show] PLAN...

The scan's words (letters only, lowercase) are aligned with the digital PDF's by their bare
letters (a repair keeps them); a changed word is right when it now equals the digital word,
wrong when the word as read did, other when neither did, unaligned when the two texts do not
line up there. `--cache DIR` reuses Tesseract's answers as tools/score_scans.py does.
"""

from __future__ import annotations

import difflib
import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_LETTERS = re.compile(r"[^\W\d_]+")


def digital_tokens(path: Path) -> list[str]:
    """The letter runs of a digital PDF, lowercase, NFC."""
    import unicodedata

    import pdfplumber

    tokens: list[str] = []
    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            for word in page.extract_words():
                tokens.extend(_LETTERS.findall(unicodedata.normalize("NFC", word["text"]).lower()))
    return tokens


def scan_words(path: Path) -> list[tuple[str, str | None]]:
    """(word as output, word as read before the word repair or None) for every OCR'd letter run
    of a scanned PDF, in reading order."""
    from extract.load import ocr, ocr_lexicon
    from extract.pipeline import extract_path

    original = ocr_lexicon.repair_words
    pages: list[list[dict]] = []

    def tagged(words, across=0):
        changes = original(words, across)
        for index, before, _ in changes:
            words[index].setdefault("_read", before)
        return changes

    original_read_page = ocr.read_page

    def read_page(*args, **kwargs):
        page = original_read_page(*args, **kwargs)
        pages.append([dict(word) for word in page.words])
        for word in page.words:
            word.pop("_read", None)
        return page

    ocr_lexicon.repair_words = ocr.repair_words = tagged
    ocr.read_page = read_page
    try:
        extract_path(path)
    finally:
        ocr_lexicon.repair_words = ocr.repair_words = original
        ocr.read_page = original_read_page
    result = []
    for words in pages:
        for word in words:
            now = _LETTERS.findall(word["text"].lower())
            read = _LETTERS.findall(word["_read"].lower()) if "_read" in word else None
            for position, token in enumerate(now):
                result.append((token, read[position] if read and len(read) == len(now) else None))
    return result


def judge(words: list[tuple[str, str | None]], truth: list[str]) -> list[tuple[str, str, str, str]]:
    """(verdict, read, repaired, true word) per repaired word."""
    from extract.matching import fold_accents

    matcher = difflib.SequenceMatcher(None, [fold_accents(token) for token, _ in words],
                                      [fold_accents(token) for token in truth], autojunk=False)
    aligned: dict[int, str] = {}
    for block in matcher.get_matching_blocks():
        for offset in range(block.size):
            aligned[block.a + offset] = truth[block.b + offset]
    verdicts = []
    for index, (token, read) in enumerate(words):
        if read is None or read == token:
            continue
        true = aligned.get(index)
        verdict = ("unaligned" if true is None else "right" if token == true
                   else "wrong" if read == true else "other")
        verdicts.append((verdict, read, token, true or ""))
    return verdicts


def main() -> int:
    sys.path.insert(0, str(ROOT / "tools"))
    from score_scans import install_cache, scan_parser

    parser = scan_parser(__doc__.splitlines()[0], "scan,phone")
    parser.add_argument("--show", action="store_true", help="list the repairs that are not right")
    args = parser.parse_args()
    if args.cache:
        install_cache(args.cache)
    totals: Counter = Counter()
    for plan in args.plans:
        truth = digital_tokens(ROOT / "corpus" / f"{plan}.pdf")
        for variant in args.variants.split(","):
            verdicts = judge(scan_words(ROOT / "corpus" / "scans" / f"{plan}.{variant}.pdf"), truth)
            counts = Counter(verdict for verdict, *_ in verdicts)
            totals += counts
            print(f"{plan}.{variant}: {len(verdicts)} repairs, " + ", ".join(f"{counts[k]} {k}" for k in
                                                                        ("right", "wrong", "other", "unaligned")))
            if args.show:
                for verdict, read, repaired, true in verdicts:
                    if verdict != "right":
                        print(f"    {verdict}: {read} -> {repaired} (digital: {true})")
    print(f"total: {sum(totals.values())} repairs, " + ", ".join(f"{totals[k]} {k}" for k in
                                                               ("right", "wrong", "other", "unaligned")))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
