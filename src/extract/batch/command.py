"""`kehoach batch DIR -o OUT`: the command line of a batch (options, exit codes, summary)."""

from __future__ import annotations

import enum
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Optional

import typer

from extract.batch.folders import FolderError
from extract.batch.run import EngineUnavailable, run_batch
from extract.batch.summary import format_summary, write_stats
from extract.batch.worker import DEFAULT_MAX_MEMORY_MB, MAX_MEMORY_ENV, clerk_message
from extract.manifest import Status


class Engine(str, enum.Enum):
    """Where a batch's documents run: local worker processes, or a Dask cluster."""

    processes = "processes"
    dask = "dask"


def batch_command(
    directory: Annotated[Path, typer.Argument(help="Folder of documents (walked recursively).",
                                              exists=True, file_okay=False, dir_okay=True)],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder: docs/, manifest.jsonl, tables/.")],
    workers: Annotated[Optional[int], typer.Option("--workers", "-j", min=1,
                                                   help="Worker processes (default: all cores; with --scheduler, the cluster's own).")] = None,
    timeout: Annotated[float, typer.Option("--timeout", min=0,
                                           help="Time limit per document in seconds (0: none).")] = 120.0,
    resume: Annotated[bool, typer.Option("--resume",
                                         help="Skip inputs whose JSON for the same sha256 is already in OUT.")] = False,
    no_nlp: Annotated[bool, typer.Option("--no-nlp", help="Rules only, without the NLP stage.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar; a one-line summary.")] = False,
    no_tables: Annotated[bool, typer.Option("--no-tables", help="Do not build OUT/tables.")] = False,
    max_bytes: Annotated[Optional[int], typer.Option("--max-bytes", min=1,
                                                     help="Refuse files larger than this many bytes (default: KEHOACH_MAX_BYTES or 50 MiB).")] = None,
    compare_to: Annotated[Optional[Path], typer.Option("--compare-to", exists=True, dir_okay=False,
                                                       help="Higher-level plan (JSON or document): write "
                                                            "OUT/coverage (default: plans of the batch).")] = None,
    strict: Annotated[bool, typer.Option("--strict", help="Exit 1 when any file failed (default: 0 when the "
                                                        "batch ran to its end).")] = False,
    stats: Annotated[Optional[Path], typer.Option("--stats", hidden=True,
                                                  help="Write timing and worker memory as JSON here.")] = None,
    max_memory: Annotated[Optional[int], typer.Option(
        "--max-memory", min=0, help="Memory in MB a worker may add for one document (0: no cap; "
                                    f"default {DEFAULT_MAX_MEMORY_MB}, or {MAX_MEMORY_ENV}).")] = None,
    engine: Annotated[Engine, typer.Option(
        "--engine", help="Where documents run: worker processes on this machine, or Dask workers "
                         "(a local cluster of --workers processes, or --scheduler's cluster).")] = Engine.processes,
    scheduler: Annotated[Optional[str], typer.Option(
        "--scheduler", help="Address of a Dask scheduler (tcp://HOST:PORT); implies --engine dask. "
                            "Its workers must see DIR and the working folder at the same paths.")] = None,
) -> None:
    """Extract every document under DIRECTORY into OUT, with a manifest and analyst tables."""
    from extract.load.limits import from_environment
    from extract.options import Options

    limits = from_environment()
    if max_bytes is not None:
        limits = replace(limits, max_bytes=max_bytes)
    if scheduler:
        engine = Engine.dask
    try:
        result = run_batch(directory, out, options=Options(nlp=not no_nlp, limits=limits), workers=workers,
                           timeout=timeout, resume=resume, progress=not quiet, memory_mb=max_memory,
                           engine=engine.value, scheduler=scheduler)
    except (FolderError, EngineUnavailable) as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2)
    except OSError as error:   # a Dask scheduler that cannot be reached
        if not scheduler:
            raise
        typer.echo(f"error: cannot reach the Dask scheduler at {scheduler}: {error}", err=True)
        raise typer.Exit(2)
    if not no_tables and not result.interrupted:
        from extract.dataset import TablesReport, build_tables, tables_summary
        try:
            result.tables = build_tables(out)
        except Exception as error:  # the documents and manifest are written: never lose the run
            result.tables = TablesReport()
            result.tables.failed["tables"] = clerk_message(f"could not be built ({error})")
    summary = format_summary(result)
    if result.tables is not None:
        summary += "\n" + tables_summary(out)
    if (compare_to or not no_tables) and not result.interrupted:
        from extract.coverage import write_batch_coverage
        try:
            coverage_summary = write_batch_coverage(out, compare_to)["summary"]
        except Exception as error:  # like the tables: a coverage failure never loses the run
            coverage_summary = clerk_message(f"Coverage tables could not be built ({error})")
        if coverage_summary:
            summary += "\n" + coverage_summary
    if stats is not None:
        write_stats(stats, result)
    typer.echo(summary.splitlines()[0] if quiet else summary)
    if result.interrupted:
        if quiet:
            typer.echo(summary.splitlines()[-1])
        raise typer.Exit(130)
    if strict and result.counts()[Status.failed]:
        raise typer.Exit(1)


def main() -> None:
    """`python -m extract.batch DIR -o OUT`."""
    typer.run(batch_command)

