"""Start-up time and peak memory of single-file `kehoach extract`, per format, NLP on and off.

Runs `kehoach extract [--no-nlp] FILE > /dev/null` REPEAT times per case under /usr/bin/time and
prints the medians of wall time (s), CPU time (user + system, s: steadier than wall time on a
busy machine) and peak RSS (MB). With `--before SRC` (the src/ folder of another checkout,
e.g. from `git archive <commit> | tar -x`), runs that code too, interleaved with this one
(PYTHONPATH), so that both see the same machine load:

    python bench/startup.py [--repeat N] [--before /tmp/base/src]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
KEHOACH = ROOT / ".venv" / "bin" / "kehoach"
# A few lines whose agencies the gazetteer knows (the NLP model is not needed), then one plan
# in each format.
FILES = ["tests/fixtures/small-plan.txt", "corpus/binh-lu-xa-2026.txt", "corpus/binh-lu-xa-2026.docx",
         "corpus/binh-lu-xa-2026.pdf"]


def run_once(command: list[str], pythonpath: str | None) -> tuple[float, float, float]:
    """(wall s, CPU s, peak RSS MB) of one run, output discarded."""
    env = dict(os.environ)
    if pythonpath:
        env["PYTHONPATH"] = pythonpath
    result = subprocess.run(["/usr/bin/time", "-f", "%e %U %S %M", *command], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=True)
    wall, user, system, peak_kb = result.stderr.strip().splitlines()[-1].split()
    return float(wall), float(user) + float(system), int(peak_kb) / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--before", help="src/ folder of the code to compare with")
    args = parser.parse_args()
    versions = {"before": args.before, "now": str(ROOT / "src")} if args.before else {"now": None}
    print(f"{'file':<24} {'NLP':<4} {'code':<7} {'wall s':>7} {'CPU s':>7} {'RSS MB':>7}")
    for file in FILES:
        for nlp in (True, False):
            runs: dict[str, list[tuple[float, float, float]]] = {name: [] for name in versions}
            for _ in range(args.repeat):
                for name, pythonpath in versions.items():
                    command = [str(KEHOACH), "extract", *([] if nlp else ["--no-nlp"]), file]
                    runs[name].append(run_once(command, pythonpath))
            for name, measured in runs.items():
                wall, cpu, rss = (statistics.median(values) for values in zip(*measured))
                print(f"{Path(file).name:<24} {'on' if nlp else 'off':<4} {name:<7} {wall:>7.2f} {cpu:>7.2f} {rss:>7.0f}",
                      flush=True)


if __name__ == "__main__":
    main()
