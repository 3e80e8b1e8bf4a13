#!/usr/bin/env bash
# The package as other systems get it: build the wheel, install it (with its dependencies) into
# a fresh virtualenv outside the clone, and extract the whole corpus with that `kehoach` from a
# folder outside the clone, so that nothing can come from the source tree. Fails when the wheel
# lacks a file (the vocabulary is package data), a dependency is undeclared, any corpus file
# fails, or the wheel's extraction scores below golden/baseline.json.
#   usage: tools/wheel_check.sh [PYTHON]     (PYTHON builds the wheel; default .venv/bin/python)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
python="${1:-$root/.venv/bin/python}"
work="$(mktemp -d "${TMPDIR:-/tmp}/kehoach-wheel.XXXXXX")"
trap 'rm -rf "$work"' EXIT
started=$(date +%s)
step() { echo "wheel check: $1 at $(( $(date +%s) - started )) s"; }

"$python" -m pip wheel -q --no-deps --disable-pip-version-check -w "$work/dist" "$root"
wheel=$(ls "$work"/dist/kehoach_extract-*.whl)
step "wheel built"
"$python" - "$wheel" <<'PY'
import sys, zipfile
names = zipfile.ZipFile(sys.argv[1]).namelist()
vocabulary = [n for n in names if n.startswith("extract/vocabulary/") and n.endswith(".yaml")]
licence = [n for n in names if n.endswith("/licenses/LICENSE")]
assert len(vocabulary) >= 10, f"the wheel ships no vocabulary: {vocabulary}"
assert licence, "the wheel ships no LICENSE"
print(f"wheel: {len(names)} files, {len(vocabulary)} vocabulary files, {licence[0]}")
PY

# A fresh virtualenv without its own pip (bootstrapping one costs ~25 s here): the building
# Python's pip installs into it (--python). --no-compile: modules compile as they are imported,
# instead of every module of every dependency now (2 min on this machine; 30 s without).
python3 -m venv --without-pip "$work/venv"
"$python" -m pip --python "$work/venv/bin/python" install -q --no-compile --disable-pip-version-check "$wheel"
step "installed"
cd "$work"      # outside the clone
"$work/venv/bin/kehoach" --version
"$work/venv/bin/python" -c "import extract.rules as r, sys; p = str(r.rules_dir()); \
assert p.startswith('$work/venv/'), p; print('vocabulary from', p)"
"$work/venv/bin/kehoach" extract --jsonl "$root/corpus/binh-lu-xa-2026.txt" > one.jsonl
"$work/venv/bin/kehoach" batch "$root/corpus" -o "$work/out" --strict --quiet
step "corpus extracted"
"$work/venv/bin/python" - "$root" "$work/out" <<'PY'
"""Score the wheel's outputs against the golden files: no category below the baseline."""
import json, sys
from pathlib import Path
from extract.evaluate import Report, format_key, golden_files, load_golden, score_document

root, out = Path(sys.argv[1]), Path(sys.argv[2])
report = Report()
for path in golden_files(root / "golden"):
    gold = load_golden(path)
    # the batch names each output by its path under corpus/ (scans are in corpus/scans/)
    relative = Path(gold["source"]["file"]).relative_to("corpus").as_posix()
    pred = json.loads((out / "docs" / (relative + ".json")).read_text(encoding="utf-8"))
    report.add(path.name, format_key(gold["source"]), score_document(gold, pred))
figures = report.as_dict()
baseline = json.loads((root / "golden" / "baseline.json").read_text(encoding="utf-8"))
drops = [f"{fmt}/{category}: {figures[fmt][category]['f1']:.3f} < {recorded['f1']:.3f}"
         for fmt, categories in baseline.items() if fmt in figures and isinstance(categories, dict)
         for category, recorded in categories.items()
         if isinstance(recorded, dict) and "f1" in recorded and figures[fmt][category]["f1"] < recorded["f1"] - 0.005]
assert not drops, drops
print(f"wheel: {len(report.by_document)} corpus documents extracted, overall F1 {figures['all']['overall']['f1']:.3f}")
PY
echo "wheel check passed in $(( $(date +%s) - started )) s"
