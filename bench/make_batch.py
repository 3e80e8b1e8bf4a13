#!/usr/bin/env python3
"""A synthetic batch for the benchmark: corpus plans varied into thousands of distinct documents.

Each document is one corpus plan (corpus/<name>.txt and its layout sidecar tools/corpus_layout/<name>.yaml)
with, drawn from a seeded RNG: another commune or ward and another province, another signer,
a new serial and date, shifted percentages and table targets, and its agencies permuted within
their groups (bench/variants.yaml). Text exports are written as they are; DOCX files are laid
out by tools/make_corpus.py; PDFs are those DOCX files converted by LibreOffice, many files per
soffice process.

The batch is cached under bench/work/batch-<key>/{txt,docx,pdf}/<province>/<place>-<n>.<ext>,
keyed by a hash of everything it is made from (corpus sources, this script, the vocabulary,
the DOCX renderer, the counts and the seed): reruns reuse it.

    python bench/make_batch.py                       # 1200 txt + 600 docx + 200 pdf
    python bench/make_batch.py --quick               # 100 + 60 + 40
    python bench/make_batch.py --counts 50,20,10     # txt,docx,pdf
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unicodedata
import multiprocessing
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ROOT / "corpus"                       # the text exports
LAYOUTS = ROOT / "tools" / "corpus_layout"      # their layout sidecars
WORK = ROOT / "bench" / "work"
VARIANTS = ROOT / "bench" / "variants.yaml"
RENDERER = ROOT / "tools" / "make_corpus.py"
FORMATS = ("txt", "docx", "pdf")
FULL_COUNTS = {"txt": 1200, "docx": 600, "pdf": 200}
QUICK_COUNTS = {"txt": 100, "docx": 60, "pdf": 40}
SEED = 20260410
HELD_OUT_PREFIX = "heldout-"   # plans kept out of development: not varied into the benchmark either
PDF_FILES_PER_SOFFICE = 100

DATE_LINE = re.compile(r"^(?P<place>[^\n,]{2,40}), ngày(?P<rest>[^\n]*năm \d{4})", re.MULTILINE)
DAY_MONTH = re.compile(r"ngày(\s+)(\d{1,2})(\s+)tháng(\s+)(\d{1,2})")
SERIAL = re.compile(r"^(\W*Số:\s*)(\d*)(\s*/)", re.MULTILINE)
PERCENT = re.compile(r"(?<![\d,.])(\d{1,3})(\s?%)")
TARGET_CELL = re.compile(r"^(≥\s?|≤\s?|>\s?|Tối thiểu\s|Đạt\s)?(\d{1,3})(%?)$")
CLOSING = re.compile(r"^\W*Nơi nhận", re.MULTILINE)
APPENDIX = re.compile(r"^\W*(Phụ lục|PHỤ LỤC)\b", re.MULTILINE)


@dataclass(frozen=True)
class Plan:
    name: str
    text: str
    side: dict


def load_plans() -> list[Plan]:
    plans = []
    for path in sorted(SOURCES.glob("*.txt")):
        if path.name.startswith(HELD_OUT_PREFIX):
            continue
        sidecar = LAYOUTS / f"{path.stem}.yaml"
        side = yaml.safe_load(sidecar.read_text(encoding="utf-8")) if sidecar.exists() else {}
        plans.append(Plan(path.stem, path.read_text(encoding="utf-8"), side or {}))
    if not plans:
        raise SystemExit(f"no corpus plans in {SOURCES}: build the corpus first (tools/make_corpus.py)")
    return plans


def vocabulary() -> dict:
    return yaml.safe_load(VARIANTS.read_text(encoding="utf-8"))


def slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    ascii_text = "".join(ch for ch in ascii_text if not unicodedata.combining(ch))
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "x"


def upper(text: str) -> str:
    return unicodedata.normalize("NFC", text.upper())


# ------------------------------------------------------------------ variation

class Variation:
    """The substitutions for one synthetic document."""

    def __init__(self, plan: Plan, vocab: dict, rng: random.Random):
        self.rng = rng
        self.plan = plan
        match = DATE_LINE.search(plan.text)
        self.old_place = match.group("place").strip(" *#") if match else None
        self.new_place = f"{rng.choice(vocab['place_first'])} {rng.choice(vocab['place_second'])}"
        present = [province for province in vocab["provinces"] if province in plan.text
                   or upper(province) in plan.text or any(upper(province) in line for line in plan.side.get("issuer", []))]
        self.provinces = {old: rng.choice([p for p in vocab["provinces"] if p != old]) for old in present}
        if self.old_place in self.provinces:   # a province's own plan: its place is the province
            self.new_place, self.old_place = self.provinces[self.old_place], None
        self.signer = " ".join([rng.choice(vocab["family_names"]), rng.choice(vocab["middle_names"]),
                                rng.choice(vocab["given_names"])])
        self.agencies: dict[str, str] = {}
        for group in vocab["agency_groups"]:
            shuffled = group[:]
            rng.shuffle(shuffled)
            self.agencies.update(zip(group, shuffled))
        names = sorted(self.agencies, key=len, reverse=True)
        self.agency_pattern = re.compile("|".join(map(re.escape, names)))

    def names(self, text: str) -> str:
        """Places, provinces and agencies (also in upper case, as headers write them)."""
        pairs = [(self.old_place, self.new_place)] if self.old_place else []
        pairs += list(self.provinces.items())
        for old, new in pairs:
            text = text.replace(old, new).replace(upper(old), upper(new))
        return self.agency_pattern.sub(lambda m: self.agencies[m.group(0)], text)

    def numbers(self, text: str) -> str:
        rng = self.rng

        def shift(value: int) -> int:
            return value if value > 100 else max(1, min(100, value + rng.randint(-15, 10)))

        text = PERCENT.sub(lambda m: f"{shift(int(m.group(1)))}{m.group(2)}", text)
        lines = []
        for line in text.split("\n"):
            if "\t" in line:
                cells = line.split("\t")
                for k, cell in enumerate(cells[1:], 1):
                    match = TARGET_CELL.match(cell.strip())
                    if match:
                        cells[k] = f"{match.group(1) or ''}{shift(int(match.group(2)))}{match.group(3)}"
                line = "\t".join(cells)
            lines.append(line)
        return "\n".join(lines)

    def header(self, text: str) -> str:
        rng = self.rng
        text = SERIAL.sub(lambda m: f"{m.group(1)}{rng.choice(['', str(rng.randint(1, 250)).zfill(2)])}{m.group(3)}",
                          text, count=1)
        match = DATE_LINE.search(text)
        if match:
            line = DAY_MONTH.sub(lambda m: f"ngày{m.group(1)}{rng.randint(1, 28):02d}{m.group(3)}tháng{m.group(4)}"
                                           f"{rng.randint(1, 12)}", match.group(0), count=1)
            text = text[:match.start()] + line + text[match.end():]
        return text

    def signer_line(self, text: str) -> str:
        """The signer's name: the last line of the closing that looks like a person's name."""
        closing = CLOSING.search(text)
        if not closing:
            return text
        appendix = APPENDIX.search(text, closing.end())
        end = appendix.start() if appendix else len(text)
        block = text[closing.end():end]
        candidates = [m for m in re.finditer(r"^[*\s]*([^\W\d_][^\n*]{3,40}?)[*\s]*$", block, re.MULTILINE)
                      if _looks_like_name(m.group(1))]
        if not candidates:
            return text
        last = candidates[-1]
        start = closing.end() + last.start(1)
        return text[:start] + self.signer + text[start + len(last.group(1)):]

    def text(self) -> str:
        return self.signer_line(self.header(self.numbers(self.names(self.plan.text))))

    def side(self) -> dict:
        side = dict(self.plan.side)
        side["issuer"] = [self.names(line) for line in side.get("issuer", [])]
        return side


def _looks_like_name(text: str) -> bool:
    words = text.split()
    return 2 <= len(words) <= 5 and all(w[0].isupper() and (len(w) == 1 or w[1:].islower()) and w.isalpha()
                                        for w in words)


# ------------------------------------------------------------------- building

def batch_key(counts: dict[str, int], seed: int) -> str:
    digest = hashlib.sha256()
    for path in sorted(SOURCES.glob("*.txt")) + sorted(LAYOUTS.glob("*.yaml")) + [Path(__file__), VARIANTS, RENDERER]:
        if path.is_file() and not path.name.startswith(HELD_OUT_PREFIX):
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
    digest.update(repr((sorted(counts.items()), seed)).encode())
    return digest.hexdigest()[:12]


def batch_dir(counts: dict[str, int], seed: int = SEED) -> Path:
    return WORK / f"batch-{batch_key(counts, seed)}"


def _renderer():
    sys.path.insert(0, str(RENDERER.parent))
    import make_corpus  # noqa: E402  (tools/ is not a package)
    return make_corpus


def build(counts: dict[str, int], seed: int = SEED, log=print) -> Path:
    """The batch folder for these counts, generated unless cached; returns it."""
    target = batch_dir(counts, seed)
    if (target / "COMPLETE").exists():
        log(f"batch cached: {target.relative_to(ROOT)}")
        return target
    shutil.rmtree(target, ignore_errors=True)
    started = time.monotonic()
    rng = random.Random(seed)
    jobs = []   # (number, format, seed): drawn in order, so the batch does not depend on the pool
    for fmt in FORMATS:
        for _ in range(counts.get(fmt, 0)):
            jobs.append((len(jobs) + 1, fmt, rng.getrandbits(64)))
    context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn")
    with ProcessPoolExecutor(os.cpu_count() or 1, mp_context=context,
                             initializer=_init_worker, initargs=(target,)) as pool:
        pdf_jobs = [job for job in pool.map(_make_one, jobs, chunksize=8) if job]
    log(f"{len(jobs) - len(pdf_jobs)} txt/docx documents in {time.monotonic() - started:.1f} s")
    if pdf_jobs:
        convert_pdfs(pdf_jobs, log)
        shutil.rmtree(target / "pdf-staging", ignore_errors=True)
    marker = {"counts": dict(counts), "seed": seed, "plans": [plan.name for plan in load_plans()]}
    (target / "COMPLETE").write_text(json.dumps(marker, ensure_ascii=False) + "\n", encoding="utf-8")
    log(f"batch ready in {time.monotonic() - started:.1f} s: {target.relative_to(ROOT)}")
    return target


_STATE: dict = {}


def _init_worker(target: Path) -> None:
    _STATE.update(target=target, plans=load_plans(), vocab=vocabulary(), renderer=_renderer())


def _make_one(job: tuple[int, str, int]) -> tuple[Path, Path] | None:
    """Write one synthetic document; for a PDF, its DOCX to convert and where the PDF goes."""
    number, fmt, seed = job
    target, plans = _STATE["target"], _STATE["plans"]
    plan = plans[(number - 1) % len(plans)]
    variation = Variation(plan, _STATE["vocab"], random.Random(seed))
    province = slug(next(iter(variation.provinces.values()), "khac"))
    relative = Path(province) / f"{slug(variation.new_place)}-{number:04d}"
    text = variation.text()
    if fmt == "txt":
        _write(target / "txt" / relative.with_suffix(".txt"), text.encode("utf-8"))
        return None
    renderer = _STATE["renderer"]
    data = renderer.build_docx(renderer.parse_plan(text, plan.name), variation.side())
    if fmt == "docx":
        _write(target / "docx" / relative.with_suffix(".docx"), data)
        return None
    staged = target / "pdf-staging" / f"{number:04d}.docx"
    _write(staged, data)
    return staged, target / "pdf" / relative.with_suffix(".pdf")


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def convert_pdfs(jobs: list[tuple[Path, Path]], log=print) -> None:
    """DOCX -> PDF with a few soffice processes, each converting many files (startup once)."""
    started = time.monotonic()
    chunks = [jobs[k:k + PDF_FILES_PER_SOFFICE] for k in range(0, len(jobs), PDF_FILES_PER_SOFFICE)]
    parallel = max(1, min(len(chunks), os.cpu_count() or 1))

    def convert(chunk: list[tuple[Path, Path]]) -> None:
        with tempfile.TemporaryDirectory(prefix="bench-soffice-") as work:
            profile, outdir = Path(work) / "profile", Path(work) / "out"
            command = ["soffice", f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
                       "--convert-to", "pdf", "--outdir", str(outdir), *(str(docx) for docx, _ in chunk)]
            subprocess.run(command, capture_output=True, timeout=60 + 20 * len(chunk),
                           env={**os.environ, "HOME": work})
            for docx, pdf in chunk:
                produced = outdir / (docx.stem + ".pdf")
                if not produced.exists():
                    raise RuntimeError(f"soffice did not convert {docx.name}")
                pdf.parent.mkdir(parents=True, exist_ok=True)
                shutil.move(str(produced), pdf)

    with ThreadPoolExecutor(parallel) as pool:
        list(pool.map(convert, chunks))
    log(f"{len(jobs)} PDFs converted in {time.monotonic() - started:.1f} s ({parallel} soffice at a time)")


def batch_plans(target: Path) -> list[str]:
    """The corpus plans a generated batch was varied from."""
    try:
        return json.loads((target / "COMPLETE").read_text(encoding="utf-8"))["plans"]
    except (OSError, ValueError, KeyError):
        return []


def parse_counts(text: str) -> dict[str, int]:
    values = [int(v) for v in text.split(",")]
    if len(values) != len(FORMATS):
        raise argparse.ArgumentTypeError("three counts: txt,docx,pdf")
    return dict(zip(FORMATS, values))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a 200-document batch")
    parser.add_argument("--counts", type=parse_counts, help="documents per format: txt,docx,pdf")
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    counts = args.counts or (QUICK_COUNTS if args.quick else FULL_COUNTS)
    print(build(counts, args.seed))
    return 0


if __name__ == "__main__":
    sys.exit(main())
