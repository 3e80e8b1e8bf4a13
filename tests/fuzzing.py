"""Fuzzing `kehoach batch`: damaged and hostile inputs made from the corpus, and the checks.

`make_inputs(folder, count, seed)` writes `count` files, each a corpus document (text export,
DOCX or PDF) changed by one seeded mutation:

    bytes      flipped bytes, or a random cut (truncation)
    docx-xml   a part's XML changed: hostile numbers in attributes (gridSpan, w:start, ilvl,
               outlineLvl …), elements deleted or repeated, odd characters in text, styles or
               numbering dropped, docProps claiming 10^20 pages
    docx-zip   the ZIP container changed: size, offset, method or version fields, a cut
               central directory
    pdf        a PDF's numbers, /Length values, xref or stream bytes changed
    text       odd text: control characters, DEL, noncharacters, invalid UTF-8, runaway markup,
               long lines, other byte-order marks
    hostile    one of the named hostile inputs of tests/hostile.py (small sizes)

and a few odd names (non-UTF-8 bytes, a dot-file, a long name). The same seed always gives
the same bytes. `run_batch_cli(...)` runs the real `kehoach batch` on them and `check_run`
asserts what issue #7 asks: exit 0, one manifest line per input, no internal_error, no
traceback, peak worker RSS under a bound; `compare_runs` that a rerun is byte-identical.

Used by tests/test_fuzz.py (a small run in `make test`) and bench/fuzz.py (thousands).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import random
import re
import struct
import subprocess
import sys
import time
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import hostile

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
PEAK_RSS_BOUND_MB = 1024          # per worker process, the stated bound of the fuzz runs

HOSTILE_NUMBERS = ("999999", "2147483648", "1e20", "²", "1.5", "-1", "9" * 5000, "", "0x10", "٣", "+7")
ODD_TEXT = ("\x00", "\x07", "\x1b", "\x7f" * 50, "\ufffe", "\uffff", "\u202e", "\u200b" * 20, "\ud7ff",
            "<b>" * 300, "*" * 500, "100% " * 400, "phối hợp với " + "\x7f" * 300, "Quý II/2026 " * 200,
            "\t" * 200, "|" * 300, "[" * 2000, "\r\r\n", "🙂" * 100)
NUMBERED_ATTRIBUTE = re.compile(rb'(w:(?:val|ilvl|numId|abstractNumId|w|h|gridSpan)=")([^"]*)(")')


@dataclass
class Inputs:
    folder: Path
    kinds: Counter = field(default_factory=Counter)
    count: int = 0


def _corpus(kind: str) -> list[bytes]:
    return [path.read_bytes() for path in sorted(CORPUS.glob(f"*.{kind}"))]


# ------------------------------------------------------------------ mutations

def flip_bytes(rng: random.Random, data: bytes) -> bytes:
    out = bytearray(data)
    for _ in range(rng.choice((1, 2, 5, 20, 100))):
        out[rng.randrange(len(out))] ^= 1 << rng.randrange(8)
    return bytes(out)


def truncate(rng: random.Random, data: bytes) -> bytes:
    return data[:rng.randrange(1, len(data))]


def _rezip(members: list[tuple[zipfile.ZipInfo, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for info, content in members:
            clone = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            clone.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(clone, content)
    return buffer.getvalue()


def mutate_docx_xml(rng: random.Random, data: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = [(info, archive.read(info)) for info in archive.infolist()]
    action = rng.choice(("numbers", "numbers", "delete", "repeat", "text", "drop", "pages", "numbering"))
    if action == "drop":
        name = rng.choice(("word/styles.xml", "word/numbering.xml", "word/_rels/document.xml.rels",
                           "[Content_Types].xml", "_rels/.rels"))
        return _rezip([(info, content) for info, content in members if info.filename != name])
    if action == "pages":
        app = ('<?xml version="1.0"?><Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
               f'extended-properties"><Pages>{rng.choice(HOSTILE_NUMBERS + ("1" + "0" * 20,))}</Pages>'
               '<Words>9</Words></Properties>').encode()
        members = [(info, content) for info, content in members if info.filename != "docProps/app.xml"]
        return _rezip(members + [(zipfile.ZipInfo("docProps/app.xml"), app)])
    if action == "numbering":
        extra = hostile.numbered(rng.choice(HOSTILE_NUMBERS + ("32768", "4000", "99999999999")),
                                 rng.choice(("upperRoman", "lowerRoman", "upperLetter", "lowerLetter", "decimal")))
        with zipfile.ZipFile(io.BytesIO(extra)) as archive:
            numbering = archive.read("word/numbering.xml")
        members = [(info, content) for info, content in members if info.filename != "word/numbering.xml"]
        return _rezip(members + [(zipfile.ZipInfo("word/numbering.xml"), numbering)])
    xml_members = [index for index, (info, _) in enumerate(members) if info.filename.endswith(".xml")]
    index = rng.choice([i for i in xml_members if members[i][0].filename == "word/document.xml"] * 3 + xml_members)
    info, content = members[index]
    if action == "numbers":
        matches = list(NUMBERED_ATTRIBUTE.finditer(content))
        chosen = {id(m) for m in rng.sample(matches, min(len(matches), rng.choice((1, 5, 50))))} if matches else set()

        def replace(match: re.Match) -> bytes:
            if id(match) not in chosen:
                return match.group(0)
            return match.group(1) + rng.choice(HOSTILE_NUMBERS).encode() + match.group(3)
        content = NUMBERED_ATTRIBUTE.sub(replace, content)
        content = content.replace(b'<w:tcPr>', b'<w:tcPr><w:gridSpan w:val="%s"/>'
                                  % rng.choice(HOSTILE_NUMBERS).encode(), rng.choice((0, 1, 3)))
    elif action in ("delete", "repeat"):
        tags = [m.span() for m in re.finditer(rb"<w:(p|tr|tc|r|tbl)\b[^>]*>.*?</w:\1>", content[:200_000], re.S)]
        if tags:
            start, end = rng.choice(tags)
            piece = content[start:end]
            content = content[:start] + (b"" if action == "delete" else piece * rng.choice((2, 50, 500))) + content[end:]
    else:
        texts = [m.span(1) for m in re.finditer(rb"<w:t(?: [^>]*)?>([^<]*)</w:t>", content)]
        if texts:
            start, end = rng.choice(texts)
            odd = rng.choice(ODD_TEXT).encode("utf-8", "surrogatepass")
            odd = odd.replace(b"<", b"&lt;").replace(b"&", b"&amp;") if b"<" in odd else odd
            content = content[:start] + odd + content[end:]
    members[index] = (info, content)
    return _rezip(members)


def mutate_docx_zip(rng: random.Random, data: bytes) -> bytes:
    out = bytearray(data)
    action = rng.choice(("central", "local", "end", "cut-directory"))
    if action == "cut-directory":
        start = data.rfind(b"PK\x01\x02")
        return data[:rng.randrange(max(1, start), len(data))]
    if action == "end":
        end = data.rfind(b"PK\x05\x06")
        if end >= 0:
            offset = end + rng.choice((8, 10, 12, 16, 20))
            struct.pack_into("<H" if offset - end in (8, 10, 20) else "<I", out, offset,
                             rng.choice((0, 1, 0xFFFF)) if offset - end in (8, 10, 20) else rng.choice((0, 0xFFFFFFF0, len(data) * 2)))
        return bytes(out)
    signature = b"PK\x01\x02" if action == "central" else b"PK\x03\x04"
    positions = [m.start() for m in re.finditer(re.escape(signature), data)]
    if not positions:
        return flip_bytes(rng, data)
    position = rng.choice(positions)
    # (offset, format) of the fields: version, flags, method, sizes, CRC, header offset
    fields = ((6, "<H"), (8, "<H"), (10, "<H"), (16, "<I"), (20, "<I"), (24, "<I"), (42, "<I")) if action == "central" \
        else ((4, "<H"), (6, "<H"), (8, "<H"), (14, "<I"), (18, "<I"), (22, "<I"), (26, "<H"))
    offset, fmt = rng.choice(fields)
    if position + offset + struct.calcsize(fmt) <= len(out):
        current = struct.unpack_from(fmt, out, position + offset)[0]
        limit = 0xFFFF if fmt == "<H" else 0xFFFFFFFF
        value = rng.choice((0, limit, current ^ (1 << rng.randrange(16 if fmt == "<H" else 32)), 99, current * 1000 % limit))
        struct.pack_into(fmt, out, position + offset, value)
    return bytes(out)


def mutate_pdf(rng: random.Random, data: bytes) -> bytes:
    action = rng.choice(("numbers", "length", "xref", "stream", "stream"))
    if action == "xref":
        start = data.rfind(b"xref")
        return data[:start] + data[start:].replace(b"xref", b"xrff", 1) if start >= 0 else flip_bytes(rng, data)
    if action == "length":
        return re.sub(rb"/Length \d+", lambda m: b"/Length %d" % rng.choice((0, 1, 10 ** 9, 2 ** 31)), data,
                      count=rng.choice((1, 3, 0)))
    if action == "numbers":
        numbers = [m.span() for m in re.finditer(rb"(?<=[ \[/])\d+(?= )", data[:200_000])]
        out = bytearray(data)
        for start, end in sorted(rng.sample(numbers, min(len(numbers), rng.choice((1, 5, 20)))), reverse=True):
            out[start:end] = rng.choice((b"0", b"-1", b"99999999999999999999", b"1e308", b"2147483648"))
        return bytes(out)
    streams = [m.end() for m in re.finditer(rb"stream\r?\n", data)]
    if not streams:
        return flip_bytes(rng, data)
    start = rng.choice(streams)
    out = bytearray(data)
    for _ in range(rng.choice((1, 4, 16))):
        position = min(len(out) - 1, start + rng.randrange(64))
        out[position] ^= 1 << rng.randrange(8)
    return bytes(out)


def mutate_text(rng: random.Random, data: bytes) -> bytes:
    action = rng.choice(("insert", "insert", "bytes", "encoding", "line"))
    text = data.decode("utf-8")
    if action == "bytes":
        out = bytearray(data)
        for _ in range(rng.choice((1, 3, 10))):
            out.insert(rng.randrange(len(out)), rng.choice((0xFF, 0xC3, 0x80, 0x00, 0x1B, 0xED)))
        return bytes(out)
    if action == "encoding":
        return rng.choice((b"\xff\xfe" + text.encode("utf-16-le"), b"\xfe\xff" + text.encode("utf-16-be"),
                           b"\xef\xbb\xbf" + data, text.encode("utf-16-le"), data.replace(b"\n", b"\r")))
    if action == "line":
        words = text.split()
        line = " ".join(rng.choice(words) for _ in range(rng.choice((2_000, 20_000))))
        cut = rng.randrange(len(text))
        return (text[:cut] + "\n" + line + "\n" + text[cut:]).encode("utf-8")
    for _ in range(rng.choice((1, 3, 10))):
        cut = rng.randrange(len(text))
        text = text[:cut] + rng.choice(ODD_TEXT) + text[cut:]
    return text.encode("utf-8", "surrogatepass")


HOSTILE_BUILDERS = (
    lambda rng: hostile.table_with_span(rng.choice(HOSTILE_NUMBERS)),
    lambda rng: hostile.numbered(rng.choice(HOSTILE_NUMBERS), rng.choice(("upperRoman", "lowerLetter"))),
    lambda rng: hostile.attribute_values(rng.choice(HOSTILE_NUMBERS)),
    lambda rng: hostile.app_pages("1" + "0" * 20),
    lambda rng: hostile.docx(),
    lambda rng: rng.choice((hostile.zip_unsupported_compression, hostile.zip_unsupported_version,
                            hostile.zip_negative_seek, hostile.zip_flipped_size, hostile.zip_shrunk_size))(),
    lambda rng: hostile.text_repeated_tags(rng.choice((4_000, 40_000))),
    lambda rng: hostile.text_percentages(rng.choice((4_000, 40_000))),
    lambda rng: hostile.text_del_after_partner(16_384),
    lambda rng: hostile.text_noncharacters(),
    lambda rng: hostile.pdf_flate_bomb(rng.choice((8 << 20, 300 << 20))),
    lambda rng: hostile.pdf_tounicode(rng.choice((64 << 10, 5 << 20))),
)
HOSTILE_SUFFIXES = ("docx", "docx", "docx", "docx", "docx", "docx", "txt", "txt", "txt", "txt", "pdf", "pdf")


def make_inputs(folder: Path, count: int, seed: int) -> Inputs:
    """Write `count` mutated inputs into `folder` (created); the same seed, the same bytes."""
    rng = random.Random(seed)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    sources = {kind: _corpus(kind) for kind in ("txt", "docx", "pdf")}
    result = Inputs(folder)
    for number in range(count):
        roll = rng.random()
        if roll < 0.06:
            which = rng.randrange(len(HOSTILE_BUILDERS))
            kind, suffix, data = "hostile", HOSTILE_SUFFIXES[which], HOSTILE_BUILDERS[which](rng)
        else:
            suffix = rng.choice(("txt", "docx", "docx", "pdf"))
            original = rng.choice(sources[suffix])
            choices = {"txt": ("text", "text", "bytes"), "docx": ("docx-xml", "docx-xml", "docx-zip", "bytes"),
                       "pdf": ("pdf", "pdf", "bytes")}[suffix]
            kind = rng.choice(choices)
            mutate = {"text": mutate_text, "docx-xml": mutate_docx_xml, "docx-zip": mutate_docx_zip,
                      "pdf": mutate_pdf, "bytes": rng.choice((flip_bytes, truncate))}[kind]
            data = mutate(rng, original)
        name = f"{number:05d}-{kind}.{suffix}".encode()
        odd = rng.random()
        if odd < 0.01:
            name = b"." + name                                  # a dot-file: listed as skipped
        elif odd < 0.02:
            name = name.replace(b"-", b"-k\xe9-\xff", 1)        # not UTF-8
        elif odd < 0.025:
            name = name.replace(b"-", b"-" + "kế hoạch ".encode() * 16, 1)  # a long name (~230 bytes)
        with open(os.path.join(os.fsencode(folder), name), "wb") as handle:
            handle.write(data)
        result.kinds[kind] += 1
        result.count += 1
    return result


# ------------------------------------------------------------------ running and checking

@dataclass
class RunResult:
    out: Path
    returncode: int
    stdout: str
    stderr: str
    seconds: float
    manifest: list[dict]
    stats: dict


def kehoach_command() -> list[str]:
    script = Path(sys.executable).with_name("kehoach")
    return [str(script)] if script.exists() else [sys.executable, "-c", "from extract.cli import app; app()"]


def run_batch_cli(src: Path, out: Path, workers: int = 2, timeout: float = 30, extra: tuple[str, ...] = (),
                  wall_limit: float = 3600) -> RunResult:
    """`kehoach batch SRC -o OUT` as an operator runs it (a separate process, the real pipeline)."""
    stats = Path(str(out) + ".stats.json")
    command = [*kehoach_command(), "batch", str(src), "-o", str(out), "--workers", str(workers),
               "--timeout", str(timeout), "--quiet", "--stats", str(stats), *extra]
    started = time.monotonic()
    completed = subprocess.run(command, capture_output=True, text=True, timeout=wall_limit, cwd=ROOT,
                               errors="replace")
    seconds = time.monotonic() - started
    manifest = []
    manifest_path = Path(out) / "manifest.jsonl"
    if manifest_path.is_file():
        manifest = [json.loads(line) for line in manifest_path.read_text(encoding="utf-8").splitlines()]
    data = json.loads(stats.read_text()) if stats.is_file() else {}
    return RunResult(Path(out), completed.returncode, completed.stdout, completed.stderr, seconds, manifest, data)


def check_run(run: RunResult, inputs: int, rss_bound_mb: int = PEAK_RSS_BOUND_MB) -> list[str]:
    """What is wrong with a fuzz run (empty: nothing)."""
    problems = []
    if run.returncode != 0:
        problems.append(f"exit code {run.returncode}: {run.stderr[-2000:]}")
    if "Traceback" in run.stderr or "Traceback" in run.stdout:
        problems.append(f"a traceback was printed: {run.stderr[-2000:]}")
    if len(run.manifest) != inputs:
        problems.append(f"{len(run.manifest)} manifest lines for {inputs} inputs")
    internal = [entry for entry in run.manifest if entry["reason"] in ("internal_error", "worker_crashed")]
    if internal:
        problems.append(f"{len(internal)} internal errors, first: {internal[:3]}")
    internals = re.compile(r"Error\b|Exception\b|Traceback|object at 0x")
    leaky = [entry for entry in run.manifest if entry["message"] and internals.search(entry["message"])]
    if leaky:
        problems.append(f"{len(leaky)} messages name internals, first: {leaky[0]['message']}")
    peak = peak_rss_mb(run)
    if peak > rss_bound_mb:
        problems.append(f"peak worker RSS {peak:.0f} MB is above {rss_bound_mb} MB")
    return problems


def peak_rss_mb(run: RunResult) -> float:
    return max(run.stats.get("peak_rss_kb", {"-": 0}).values(), default=0) / 1024


def output_digests(out: Path) -> dict[str, str]:
    """sha256 of every file a rerun must reproduce (JSON, CSV, Parquet, XLSX) and of the
    manifest without its `seconds` (the only run-dependent field)."""
    out = Path(out)
    digests = {}
    for path in sorted(out.rglob("*")):
        relative = path.relative_to(out).as_posix()
        if path.is_file() and path.suffix in (".json", ".csv", ".parquet", ".xlsx"):
            digests[relative] = hashlib.sha256(path.read_bytes()).hexdigest()
    lines = [{**entry, "seconds": None} for entry in json.loads("[" + ",".join(
        (out / "manifest.jsonl").read_text(encoding="utf-8").splitlines()) + "]")]
    digests["manifest.jsonl"] = hashlib.sha256(json.dumps(lines, ensure_ascii=False).encode()).hexdigest()
    return digests


def compare_runs(first: Path, second: Path) -> list[str]:
    one, two = output_digests(first), output_digests(second)
    return [name for name in sorted(set(one) | set(two)) if one.get(name) != two.get(name)]


def summarize(runs: list[RunResult], inputs: int, seconds: float) -> dict:
    """Figures of a fuzz campaign: inputs, outcome by status and reason, slowest input, peak RSS."""
    entries = [entry for run in runs for entry in run.manifest]
    slowest = max((entry for entry in entries if entry["seconds"] is not None),
                  key=lambda entry: entry["seconds"], default=None)
    return {
        "inputs": inputs,
        "manifest_lines": len(entries),
        "status": dict(Counter(entry["status"] for entry in entries)),
        "failed_by_reason": dict(Counter(entry["reason"] for entry in entries if entry["status"] == "failed").most_common()),
        "skipped_by_reason": dict(Counter(entry["reason"] for entry in entries if entry["status"] == "skipped").most_common()),
        "slowest": None if slowest is None else {"file": slowest["file"], "seconds": slowest["seconds"],
                                                 "status": slowest["status"], "reason": slowest["reason"]},
        "peak_worker_rss_mb": round(max((peak_rss_mb(run) for run in runs), default=0), 1),
        "seconds": round(seconds, 1),
    }
