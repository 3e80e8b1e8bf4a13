"""Start-up time and peak memory of single-file `kehoach extract`, per format.

Runs `kehoach extract FILE > /dev/null` REPEAT times per file under /usr/bin/time and prints
the median wall time (s) and the median peak RSS (MB), with NLP and with --no-nlp:

    python bench/startup.py [KEHOACH] [--repeat N]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FILES = ["corpus/binh-lu-xa-2026.txt", "corpus/binh-lu-xa-2026.docx", "corpus/binh-lu-xa-2026.pdf"]
# A few lines whose agencies the gazetteer knows: this document does not need the NLP model.
SMALL_PLAN = "tests/fixtures/small-plan.txt"


def measure(command: list[str], repeat: int) -> tuple[float, float]:
    """(median seconds, median peak RSS in MB) of `command`, output discarded."""
    seconds, peaks = [], []
    for _ in range(repeat):
        result = subprocess.run(["/usr/bin/time", "-f", "%e %M", *command], cwd=ROOT,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=True)
        wall, peak_kb = result.stderr.strip().splitlines()[-1].split()
        seconds.append(float(wall))
        peaks.append(int(peak_kb) / 1024)
    return statistics.median(seconds), statistics.median(peaks)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("kehoach", nargs="?", default=str(ROOT / ".venv" / "bin" / "kehoach"))
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print(f"{'file':<34} {'NLP s':>7} {'NLP MB':>7} {'no-NLP s':>9} {'no-NLP MB':>10}")
    for file in [SMALL_PLAN, *FILES]:
        with_nlp = measure([args.kehoach, "extract", file], args.repeat)
        without = measure([args.kehoach, "extract", "--no-nlp", file], args.repeat)
        print(f"{Path(file).name:<34} {with_nlp[0]:>7.2f} {with_nlp[1]:>7.0f} {without[0]:>9.2f} {without[1]:>10.0f}",
              flush=True)


if __name__ == "__main__":
    main()
