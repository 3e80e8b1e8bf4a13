"""Score scanned plans quickly while working on OCR: overall and per-category F1 of each
plan's digital PDF and scans against their goldens, and the table targets a scan got wrong
without flagging them (`ocr_low_confidence`).

    python tools/score_scans.py [--cache DIR] [--variants pdf,scan,phone] [--dump DIR] PLAN...

`--cache DIR` keeps Tesseract's answer per image (keyed by the image's bytes) so that a rerun
after a change to the reading around the engine costs no OCR; it is a development aid only
(the product never caches). `--dump DIR` writes each extracted document as JSON, for diffs.
Goldens are looked for in golden/ and golden/scans-extra/ (`make corpus` makes the latter).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from extract.evaluate import Score

ROOT = Path(__file__).resolve().parents[1]


def install_cache(folder: Path) -> None:
    """Wrap the OCR engine's `tsv` with a disk cache keyed by the image and the mode."""
    from extract.load import ocr

    folder.mkdir(parents=True, exist_ok=True)
    original = ocr._Engine.tsv

    def cached(self, image, mode: str = "page") -> str:
        key = hashlib.sha256(image.tobytes() + repr((image.size, image.mode, mode != "page")
                                                    if mode in ("page", "block") else mode).encode()).hexdigest()
        path = folder / f"{key}.tsv"
        if path.exists():
            return path.read_text(encoding="utf-8")
        text = original(self, image, mode)
        path.write_text(text, encoding="utf-8")
        return text

    ocr._Engine.tsv = cached


def golden_path(plan: str, variant: str) -> Path | None:
    name = f"{plan}.pdf.json" if variant == "pdf" else f"{plan}.{variant}.pdf.json"
    for folder in (ROOT / "golden", ROOT / "golden" / "scans-extra"):
        if (folder / name).exists():
            return folder / name
    return None


def scan_parser(description: str, variants: str) -> argparse.ArgumentParser:
    """The options the scan tools share: PLAN…, `--cache DIR`, `--variants` (default `variants`)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("plans", nargs="+")
    parser.add_argument("--cache", type=Path)
    parser.add_argument("--variants", default=variants)
    return parser


def scored(gold: dict, path: Path, dump: Path | None = None) -> tuple[dict, dict, Score]:
    """(output JSON, scores per category, overall score) of extracting `path` against `gold`;
    with `dump`, the output is also written there as `<file name>.json`."""
    from extract.evaluate import CATEGORIES, Score, score_document
    from extract.pipeline import extract_path

    predicted = extract_path(path).model_dump(mode="json")
    if dump:
        dump.mkdir(parents=True, exist_ok=True)
        (dump / f"{path.name}.json").write_text(json.dumps(predicted, ensure_ascii=False, indent=1), encoding="utf-8")
    scores = score_document(gold, predicted)
    overall = Score()
    for category in CATEGORIES:
        overall.add(scores[category])
    return predicted, scores, overall


def main() -> int:
    parser = scan_parser(__doc__.splitlines()[0], "pdf,scan,phone")
    parser.add_argument("--dump", type=Path)
    args = parser.parse_args()
    if args.cache:
        install_cache(args.cache)
    from extract.evaluate import CATEGORIES, Score, load_golden, silently_wrong_targets

    totals: dict[str, Score] = {}
    for plan in args.plans:
        row = [plan]
        for variant in args.variants.split(","):
            gold_path = golden_path(plan, variant)
            if gold_path is None:
                row.append(f"{variant}=?")
                continue
            gold = load_golden(gold_path)
            pred, scores, overall = scored(gold, ROOT / gold["source"]["file"], args.dump)
            totals.setdefault(variant, Score()).add(overall)
            wrong = len(silently_wrong_targets(gold, pred)) if variant != "pdf" else 0
            cats = " ".join(f"{c[:4]}={scores[c].f1:.2f}" for c in CATEGORIES)
            row.append(f"{variant}={overall.f1:.3f} silent={wrong} [{cats}]")
        print(" | ".join(row), flush=True)
    print("micro:", " ".join(f"{v}={s.f1:.3f}" for v, s in totals.items()))
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "src"))
    sys.exit(main())
