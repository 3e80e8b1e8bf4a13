"""Fuzz `kehoach batch` with thousands of damaged and hostile inputs (issue #7).

    python bench/fuzz.py --n 10000 [--seed 7] [--chunk 500] [--workers 2] [--rerun first|all|none]

Inputs are made from corpus/ by tests/fuzzing.py (seeded), run through the real `kehoach
batch` `--chunk` at a time like an operator importing folders, and each run is checked: exit 0,
one manifest line per input, no internal_error or crash, no traceback, peak worker RSS under
the bound; rerun chunks must give byte-identical outputs. Prints the figures as JSON (inputs,
failures by reason, slowest input, peak RSS) and exits 1 when a check fails.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from fuzzing import PEAK_RSS_BOUND_MB, check_run, compare_runs, make_inputs, run_batch_cli, summarize  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000, help="inputs in all")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--chunk", type=int, default=500, help="inputs per batch run")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=30)
    parser.add_argument("--rerun", choices=("first", "all", "none"), default="first",
                        help="which chunks are run twice and compared byte for byte")
    parser.add_argument("--rss-bound", type=int, default=PEAK_RSS_BOUND_MB, help="MB per worker")
    parser.add_argument("--keep", type=Path, help="keep inputs and outputs in this folder")
    args = parser.parse_args()

    work = args.keep or Path(tempfile.mkdtemp(prefix="kehoach-fuzz-"))
    started = time.monotonic()
    runs, failures = [], []
    done = 0
    for number, first in enumerate(range(0, args.n, args.chunk)):
        count = min(args.chunk, args.n - first)
        folder = work / f"chunk-{number:03d}"
        inputs = make_inputs(folder / "in", count, args.seed * 1_000_003 + number)
        run = run_batch_cli(folder / "in", folder / "out", args.workers, args.timeout)
        problems = check_run(run, inputs.count, args.rss_bound)
        if args.rerun == "all" or (args.rerun == "first" and number == 0):
            again = run_batch_cli(folder / "in", folder / "out-rerun", args.workers, args.timeout)
            problems += [f"rerun: {problem}" for problem in check_run(again, inputs.count, args.rss_bound)]
            differing = compare_runs(folder / "out", folder / "out-rerun")
            if differing:
                problems.append(f"rerun differs in {len(differing)} files, first: {differing[:5]}")
        runs.append(run)
        failures += [f"chunk {number}: {problem}" for problem in problems]
        done += count
        print(f"chunk {number}: {count} inputs in {run.seconds:.0f} s, {len(problems)} problem(s); "
              f"{done}/{args.n} done", file=sys.stderr, flush=True)
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)
    figures = summarize(runs, done, time.monotonic() - started)
    figures["chunks"] = len(runs)
    figures["rss_bound_mb"] = args.rss_bound
    figures["problems"] = failures
    print(json.dumps(figures, ensure_ascii=False, indent=1))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
