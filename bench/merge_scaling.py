"""How the time of a plan grows with its length: the 10x and 100x plans of issue #7.

    python bench/merge_scaling.py [--plan corpus/quang-tri-tinh-2026.txt] [--scales 1,10,100]

A corpus plan is lengthened k times: each target sentence in its text and each row of its
appendix tables is repeated k times, every copy for another place ("… tại khu An Phú 12"),
so names stay distinct and text mentions still pair with their rows. For each k it prints
the indicators, the whole extraction time (rules only) and the part spent in
merge_indicators, then the growth from the 10x to the 100x plan (target: within 12x).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from pathlib import Path

from extract.items import merge
from extract.pipeline import Options, extract_path

ROOT = Path(__file__).resolve().parents[1]
SYLLABLES = ("An", "Bình", "Phú", "Tân", "Long", "Hòa", "Mỹ", "Đông", "Tây", "Thạnh", "Lộc", "Phước")
TARGET_SENTENCE = re.compile(r"\d+(?:[,.]\d+)?\s*%")


def place(index: int) -> str:
    first, second = SYLLABLES[index % len(SYLLABLES)], SYLLABLES[(index // len(SYLLABLES)) % len(SYLLABLES)]
    return f"khu {first} {second} {index}"


def lengthen(text: str, copies: int) -> str:
    """The plan with each target sentence and each numbered table row repeated `copies` times."""
    out = []
    for line in text.splitlines():
        cells = line.split("\t")
        if len(cells) > 2 and cells[0].strip().isdigit():
            for index in range(copies):
                out.append("\t".join([cells[0], f"{cells[1]} tại {place(index)}" if index else cells[1], *cells[2:]]))
            continue
        out.append(line)
        if "\t" not in line and TARGET_SENTENCE.search(line) and not line.startswith(("Căn cứ", "Phụ lục")):
            body = line.rstrip(".;")
            out += [f"- {body} tại {place(index)}." for index in range(1, copies)]
    return "\n".join(out) + "\n"


def measure(plan: Path, copies: int) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"x{copies}.txt"
        path.write_text(lengthen(plan.read_text(encoding="utf-8"), copies), encoding="utf-8")
        spent = [0.0]
        original = merge.merge_indicators

        def timed_merge(*args, **kwargs):
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                spent[0] += time.perf_counter() - started

        import extract.items as stage
        stage_merge = getattr(stage, "merge_indicators", None)
        if stage_merge is not None:
            stage.merge_indicators = timed_merge
        merge.merge_indicators = timed_merge
        try:
            started = time.perf_counter()
            document = extract_path(path, Options(nlp=False))
            seconds = time.perf_counter() - started
        finally:
            merge.merge_indicators = original
            if stage_merge is not None:
                stage.merge_indicators = stage_merge
    return {"copies": copies, "indicators": len(document.indicators), "seconds": round(seconds, 3),
            "merge_seconds": round(spent[0], 3)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plan", type=Path, default=ROOT / "corpus" / "quang-tri-tinh-2026.txt")
    parser.add_argument("--scales", default="1,10,100")
    args = parser.parse_args()
    extract_path(args.plan, Options(nlp=False))     # rules compiled before timing
    rows = [measure(args.plan, int(scale)) for scale in args.scales.split(",")]
    for row in rows:
        print(f"x{row['copies']:<4} {row['indicators']:6d} indicators  {row['seconds']:8.2f} s  "
              f"(merge {row['merge_seconds']:.2f} s)", file=sys.stderr)
    by_scale = {row["copies"]: row for row in rows}
    result = {"plan": args.plan.name, "rows": rows}
    if 10 in by_scale and 100 in by_scale:
        result["growth_10x_to_100x"] = round(by_scale[100]["seconds"] / by_scale[10]["seconds"], 2)
        result["merge_growth_10x_to_100x"] = round(
            by_scale[100]["merge_seconds"] / max(by_scale[10]["merge_seconds"], 1e-6), 2)
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
