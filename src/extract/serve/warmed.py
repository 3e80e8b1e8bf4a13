"""Imported once by the fork server of `kehoach serve` (see extract.serve.workers): loads and
compiles the pipeline (rules, NLP models when on) so that every worker forked from it is warm."""

import os

from extract.pipeline import Options, warm

warm(Options(nlp=os.environ.get("KEHOACH_SERVE_NLP", "1") != "0"))
