"""What decides the pipeline's behaviour for one run, passed explicitly to the stages.

The command line (and `kehoach serve`, the batch runner) build one `Options`; the pipeline
hands it down, and a stage receives the part it needs (the loaders their `Limits`, the item
extractors the NLP switch). Stages never read the environment: the environment variables a
user may set (KEHOACH_MAX_BYTES, KEHOACH_PDF_MAX_INFLATED) are read once, when an `Options`
is built without explicit limits (`extract.load.limits.from_environment`).

Not here, on purpose: the vocabulary folder (KEHOACH_RULES, extract.rules) is read once per
process because every stage compiles its patterns from it once; and the NLP models are a
process-wide cache (extract.nlp), which `nlp` only decides whether to use.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from extract.load.limits import Limits, from_environment


@dataclass(frozen=True, slots=True)
class Options:
    """Settings of one extraction run (immutable, picklable: batch workers receive a copy)."""

    nlp: bool = True   # False: rules only (the ablation of `kehoach eval --no-nlp`)
    # the loaders' size limits; default: what the environment sets when the Options is built
    limits: Limits = field(default_factory=from_environment)
