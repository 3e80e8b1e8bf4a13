"""`kehoach batch DIR -o OUT`: every document under a folder, on all cores.

Layout of OUT (extract.manifest):

    OUT/manifest.jsonl        one line per input file, in input order (sorted paths)
    OUT/docs/<path>.json      one contract JSON per extracted document
    OUT/tables/...            analyst tables (extract.dataset), unless --no-tables

The modules, in the order a batch uses them:

    inputs    which files under DIR, and the name of each one's JSON
    folders   OUT checked before any work; every write kept inside it
    run       run_batch: inputs settled into manifest lines, documents to the pool
    pool      worker processes with time limits, replaced when they hang or die
    dask_engine  the same documents on a Dask cluster (--engine dask, optional extra)
    worker    one document in a worker: extract, write JSON, manifest line
    summary   what the operator and the benchmark are told
    command   the typer command

Hardening: nothing outside DIR is read (a symbolic link out of DIR is skipped as
`outside_input`) and nothing outside OUT is written; each worker has a memory cap besides
the time limit; `--resume` re-reads and re-hashes every JSON it keeps; JSON in OUT/docs
that the manifest does not list is removed.
"""

from extract.batch.folders import FolderError, OutputPathError, prepare_output_folder, resolve_output
from extract.batch.inputs import InputFile, output_name, output_names, walk_inputs
from extract.batch.run import BatchResult, run_batch
from extract.batch.summary import format_summary

__all__ = [
    "BatchResult", "FolderError", "InputFile", "OutputPathError", "format_summary", "output_name",
    "output_names", "prepare_output_folder", "resolve_output", "run_batch", "walk_inputs",
]
