"""The fuzz harness of issue #7 in `make test`: a few hundred mutated inputs through the real
`kehoach batch`, run twice.

KEHOACH_FUZZ_N (default 200) and KEHOACH_FUZZ_SEED (default 7) change the campaign;
`python bench/fuzz.py --n 10000` runs thousands, in batches, and prints the figures.
"""

from __future__ import annotations

import os

import pytest

from fuzzing import PEAK_RSS_BOUND_MB, check_run, compare_runs, make_inputs, run_batch_cli, summarize

FUZZ_N = int(os.environ.get("KEHOACH_FUZZ_N", "200"))
FUZZ_SEED = int(os.environ.get("KEHOACH_FUZZ_SEED", "7"))


@pytest.mark.skipif(FUZZ_N <= 0, reason="KEHOACH_FUZZ_N=0 turns the fuzz run off")
def test_fuzzed_batch_never_dies_and_reruns_byte_identical(tmp_path):
    inputs = make_inputs(tmp_path / "in", FUZZ_N, FUZZ_SEED)
    first = run_batch_cli(tmp_path / "in", tmp_path / "out-1")
    problems = check_run(first, inputs.count, PEAK_RSS_BOUND_MB)
    assert not problems, problems
    figures = summarize([first], inputs.count, first.seconds)
    assert figures["status"].get("ok", 0) > 0 and figures["failed_by_reason"], figures   # both kinds occur
    second = run_batch_cli(tmp_path / "in", tmp_path / "out-2")
    assert not check_run(second, inputs.count, PEAK_RSS_BOUND_MB)
    assert compare_runs(tmp_path / "out-1", tmp_path / "out-2") == []


def test_same_seed_same_inputs(tmp_path):
    one = make_inputs(tmp_path / "one", 40, 11)
    two = make_inputs(tmp_path / "two", 40, 11)
    read = lambda folder: {path.name: path.read_bytes() for path in folder.iterdir()}
    assert read(tmp_path / "one") == read(tmp_path / "two") and one.kinds == two.kinds
