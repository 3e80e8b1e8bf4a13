"""Bootstrap golden files: the pipeline's output without provenance, for a person to check.

    python tools/make_golden.py corpus/plan.txt          # draft golden/plan.txt.json
    python tools/make_golden.py --derive corpus/plan.txt # copy the checked plan.txt golden to
                                                         # plan.docx.json and plan.pdf.json,
                                                         # with their own `source`

A draft is never a golden until someone has read it against the document and corrected it;
`--derive` exists because the three formats of one plan must give the same items.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from extract.pipeline import extract_path
from extract.write import document_json, strip_sources

GOLDEN = Path("golden")


def golden_path(document: Path) -> Path:
    return GOLDEN / f"{document.name}.json"


def draft(document: Path) -> None:
    data = strip_sources(json.loads(document_json(extract_path(document))))
    golden_path(document).write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def derive(text_export: Path) -> None:
    checked = json.loads(golden_path(text_export).read_text(encoding="utf-8"))
    for suffix in (".docx", ".pdf"):
        document = text_export.with_suffix(suffix)
        if not document.exists():
            continue
        data = dict(checked)
        data["source"] = json.loads(document_json(extract_path(document)))["source"]
        golden_path(document).write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("documents", nargs="+", type=Path)
    parser.add_argument("--derive", action="store_true", help="copy a checked text golden to the DOCX and PDF")
    args = parser.parse_args()
    GOLDEN.mkdir(exist_ok=True)
    for document in args.documents:
        derive(document) if args.derive else draft(document)


if __name__ == "__main__":
    main()
