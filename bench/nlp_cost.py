#!/usr/bin/env python3
"""What the NLP stage (extract/nlp.py) costs, and what spaCy would add to it.

    .venv/bin/python bench/nlp_cost.py [FILES…]     # default: corpus/*.txt

1. `kehoach extract FILES -o …` end to end, with and without `--no-nlp` (fresh processes:
   start-up and model loading included), best of 3: documents/s.
2. In one process after a warm-up: documents/s of extract_path with and without NLP, how
   often the rules leave a decision to NLP, and whether any output differs.
3. First-call cost in a fresh process: underthesea import and model load (agency_prefix_end),
   the gazetteer regex, the first find_agencies.
4. The spaCy variant the issue proposed (a Doc from underthesea's tokens, an EntityRuler with
   the gazetteer's spellings as phrase patterns, attr LOWER): its import cost, and how many of
   the gazetteer mentions that the character-level matcher finds in the corpus it finds too.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
KEHOACH = ROOT / ".venv" / "bin" / "kehoach"
PYTHON = sys.executable


def end_to_end(files: list[Path], nlp: bool, rounds: int = 3) -> float:
    best = float("inf")
    for _ in range(rounds):
        with tempfile.TemporaryDirectory() as out:
            command = [str(KEHOACH), "extract", *map(str, files), "-o", out] + ([] if nlp else ["--no-nlp"])
            start = time.perf_counter()
            subprocess.run(command, check=True, capture_output=True)
            best = min(best, time.perf_counter() - start)
    return best


def in_process(files: list[Path], rounds: int = 5) -> dict:
    import extract.nlp as nlp_module
    from extract.pipeline import Options, extract_path
    from extract.write import document_json

    calls = {"prefix": 0, "find": 0, "tagged": 0}      # tagged: sentences given to underthesea
    tagger = nlp_module.agency_tagger()
    prefix, find = tagger.agency_prefix_end, tagger.find_agencies

    def counted_prefix(text):
        calls["prefix"] += 1
        return prefix(text)

    def counted_find(text, level=None):
        calls["find"] += 1
        return find(text, level)

    tagged = nlp_module._tagged

    def counted_tagged(text, offset=0):
        calls["tagged"] += 1
        return tagged(text, offset)

    tagger.agency_prefix_end, tagger.find_agencies = counted_prefix, counted_find
    nlp_module._tagged = counted_tagged
    outputs = {}
    for nlp in (True, False):       # warm-up, and the outputs to compare
        outputs[nlp] = [document_json(extract_path(f, Options(nlp=nlp))) for f in files]
    per_document = {k: v / len(files) for k, v in calls.items()}
    timing = {}
    for nlp in (False, True):
        start = time.perf_counter()
        for _ in range(rounds):
            for f in files:
                extract_path(f, Options(nlp=nlp))
        timing[nlp] = rounds * len(files) / (time.perf_counter() - start)
    differing = sum(a != b for a, b in zip(outputs[True], outputs[False]))
    return {"docs_per_s_nlp": timing[True], "docs_per_s_rules": timing[False],
            "nlp_calls_per_doc": per_document, "outputs_differing": differing}


FIRST_CALL = r"""
import time
t0 = time.perf_counter()
import extract.nlp as n
t1 = time.perf_counter()
tagger = n.agency_tagger()
tagger.agency_prefix_end("Trung tâm Y tế khu vực Mường Khương cấp mã định danh y tế")
t2 = time.perf_counter()
tagger.find_agencies("Định kỳ gửi báo cáo về Chi cục Thống kê khu vực XII để tổng hợp.")
t3 = time.perf_counter()
tagger.agency_prefix_end("Điện lực Mường Khương duy trì cấp điện ổn định")
t4 = time.perf_counter()
print(f"{t1-t0:.3f} {t2-t1:.3f} {t3-t2:.3f} {t4-t3:.4f}")
"""


def first_call() -> dict:
    runs = [subprocess.run([PYTHON, "-c", FIRST_CALL], check=True, capture_output=True, text=True, cwd=ROOT)
            .stdout.split() for _ in range(3)]
    best = [min(float(r[i]) for r in runs) for i in range(4)]
    return {"import_extract_nlp_s": best[0], "first_prefix_call_s": best[1],
            "first_find_call_s": best[2], "next_prefix_call_s": best[3]}


def spacy_variant(files: list[Path]) -> dict:
    """The EntityRuler over underthesea tokens against the character-level gazetteer matcher."""
    start = time.perf_counter()
    import spacy
    from spacy.tokens import Doc
    imported = time.perf_counter() - start

    import extract.nlp as n
    from extract.pipeline import document_text

    vocab = n._vocabulary()
    forms = n.gazetteer_forms()
    pipeline = spacy.blank("xx")
    word_tokenize, _ = n._underthesea()

    def make_doc(text: str) -> Doc:
        words = word_tokenize(text, use_token_normalize=False, fixed_words=vocab.fixed_words)
        tokens, spaces, position = [], [], 0
        for start, end in n._offsets(text, words) or []:
            if start > position:        # white space other than one blank is a token of its own
                gap = text[position:start]
                if gap == " " and tokens and not spaces[-1]:
                    spaces[-1] = True
                else:
                    tokens.append(gap)
                    spaces.append(False)
            tokens.append(text[start:end])
            spaces.append(False)
            position = end
        if position < len(text):
            tokens.append(text[position:])
            spaces.append(False)
        doc = Doc(pipeline.vocab, words=tokens, spaces=spaces)
        assert doc.text == text
        return doc

    pipeline.tokenizer = make_doc       # patterns are segmented like the text
    ruler = pipeline.add_pipe("entity_ruler", config={"phrase_matcher_attr": "LOWER"})
    ruler.add_patterns([{"label": "ORG", "pattern": f} for f in forms])
    char_found = ruler_found = both = 0
    ruler_seconds = 0.0
    for f in files:
        text = document_text(f)
        for offset, sentence in n._sentences(text):
            char = {(m.start(), m.end()) for m in vocab.gazetteer.finditer(sentence)}
            begin = time.perf_counter()
            doc = pipeline(sentence)
            ruler_seconds += time.perf_counter() - begin
            spans = {(e.start_char, e.end_char) for e in doc.ents}
            char_found += len(char)
            ruler_found += len(spans)
            both += len(char & spans)
    return {"spacy_import_s": imported, "gazetteer_mentions_char_level": char_found,
            "entity_ruler_mentions": ruler_found, "found_by_both": both,
            "entity_ruler_seconds_per_doc": ruler_seconds / len(files)}


def main() -> None:
    files = [Path(a) for a in sys.argv[1:]] or sorted((ROOT / "corpus").glob("*.txt"))
    print(f"{len(files)} documents")
    with_nlp, rules = end_to_end(files, True), end_to_end(files, False)
    print(f"end to end (kehoach extract, best of 3): NLP {len(files) / with_nlp:.2f} docs/s ({with_nlp:.2f} s), "
          f"rules only {len(files) / rules:.2f} docs/s ({rules:.2f} s)")
    print("in process (warm):", in_process(files))
    print("first call (fresh process, best of 3):", first_call())
    print("spaCy EntityRuler variant:", spacy_variant(files))


if __name__ == "__main__":
    main()
