"""What decides the pipeline's behaviour for one run, passed explicitly to the stages.

The command line (and `kehoach serve`, the batch runner) build one `Options`; the pipeline
hands it down. Stages never read the environment: what a user may set in the environment is
read when an `Options` is built (see the field defaults).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Options:
    """Settings of one extraction run (immutable, picklable: batch workers receive a copy)."""

    nlp: bool = True   # False: rules only (the ablation of `kehoach eval --no-nlp`)
