"""The `kehoach` command line.

Start-up matters for single-file use (`kehoach extract FILE` from scripts): this module
imports only typer; each command imports what it needs when it runs, and `batch` (worker
pools, multiprocessing) is loaded only when it is asked for (or for `--help`). The NLP model
is loaded by the pipeline only when a document needs it (extract.nlp).

Output of `extract` to stdout: one document is one indented JSON document; several
documents (or `--jsonl`) are JSON Lines, one compact JSON document per line in argument
order, so that a stream of them can be read line by line. Files that cannot be read are
reported on stderr and give exit code 1; the others are still written.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from typer.core import TyperGroup

STDIN = "-"

# Commands whose modules are imported only when the command is used: name -> (module, function).
LAZY_COMMANDS = {
    "batch": ("extract.batch.command", "batch_command"),
    "compare": ("extract.coverage", "compare_command"),
    "serve": ("extract.serve.command", "serve_command"),   # FastAPI is imported only when it starts
}

# Long runs whose every document would fail on a broken vocabulary file: checked before they start.
CHECK_VOCABULARY_FIRST = {"batch", "serve"}


class _LazyGroup(TyperGroup):
    """A command group that imports the modules of LAZY_COMMANDS on first use, and reports a
    broken vocabulary file (extract.rules_schema.RulesError) as a message, exit code 2."""

    def resolve_command(self, ctx, args):
        name, command, rest = super().resolve_command(ctx, args)
        if name in CHECK_VOCABULARY_FIRST and not ctx.resilient_parsing:
            from extract.rules import check_all_rules

            check_all_rules()
        return name, command, rest

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except ValueError as error:
            from extract.rules_schema import RulesError     # pydantic only when there is an error

            if not isinstance(error, RulesError):
                raise
            typer.echo(f"kehoach: the vocabulary cannot be used:\n{error}", err=True)
            raise typer.Exit(2) from None

    def list_commands(self, ctx):
        return sorted({*super().list_commands(ctx), *LAZY_COMMANDS})

    def get_command(self, ctx, name):
        if name not in LAZY_COMMANDS:
            return super().get_command(ctx, name)
        module, function = LAZY_COMMANDS[name]
        single = typer.Typer(add_completion=False)
        single.command(name=name)(getattr(importlib.import_module(module), function))
        command = typer.main.get_command(single)
        command.name = name
        return command


app = typer.Typer(cls=_LazyGroup, add_completion=False, no_args_is_help=True,
                  help="Turn Vietnamese plan documents (KẾ HOẠCH) into contract JSON.")


def _print_version(value: bool) -> None:
    if value:
        from extract import EXTRACTOR
        typer.echo(EXTRACTOR)
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[bool, typer.Option("--version", callback=_print_version, is_eager=True,
                                          help="Print the program's name and version and exit.")] = False,
) -> None:
    """Turn Vietnamese plan documents (KẾ HOẠCH) into contract JSON."""


def output_name(path: Path) -> str:
    """binh-lu.docx -> binh-lu.docx.json: formats of one plan do not overwrite each other;
    standard input ('-') -> stdin.json."""
    return "stdin.json" if str(path) == STDIN else f"{path.name}.json"


def output_names(files: list[Path]) -> dict[str, str]:
    """`output_name` of each input; inputs that share a file name (a/plan.docx, b/plan.docx)
    each get a short hash of their path as well ('plan.docx~1a2b3c4d.json'), so that none
    overwrites another."""
    import hashlib
    from collections import Counter

    names = {str(path): output_name(path) for path in files}
    shared = Counter(names.values())
    for path, name in names.items():
        if shared[name] > 1:
            digest = hashlib.sha1(os.fsencode(os.path.abspath(path))).hexdigest()[:8]
            names[path] = f"{name[:-len('.json')]}~{digest}.json"
    return names


def check_workbook_path(xlsx: Path, files: list[Path]) -> str | None:
    """Why `--xlsx` cannot be written where asked (None when it can): checked before any work."""
    if xlsx.is_dir():
        return f"{xlsx} is a folder; give a file name such as {xlsx / 'kehoach.xlsx'}"
    parent = xlsx.parent
    for folder in (parent, *parent.parents):
        if folder.exists() and not folder.is_dir():
            return f"{folder} is a file, so {xlsx} cannot be created; choose another path for --xlsx"
        if folder.exists():
            break
    if xlsx.exists() and any(str(path) != STDIN and path.exists() and os.path.samefile(path, xlsx) for path in files):
        return f"{xlsx} is one of the input documents; choose another path for --xlsx"
    return None


def run_options(no_nlp: bool = False):
    """The one Options of a command's run: the command's flags, and the environment's limits
    (KEHOACH_MAX_BYTES, KEHOACH_PDF_MAX_INFLATED; read here, once, not by the stages)."""
    from extract.load.limits import from_environment
    from extract.options import Options
    return Options(nlp=not no_nlp, limits=from_environment())


def read_stdin(max_bytes: int) -> bytes:
    """Standard input's bytes, at most one byte past the loader's size limit `max_bytes` (the
    loader refuses it then, with the limit in its message)."""
    return sys.stdin.buffer.read(max_bytes + 1)


@app.command()
def extract(
    files: Annotated[list[Path], typer.Argument(help="documents: DOCX, PDF, DOC, text exports; '-' reads "
                                                     "standard input (format sniffed from its content)")],
    out: Annotated[Optional[Path], typer.Option("-o", "--out", help="folder: one JSON file per document; "
                                                                   "prints each path written")] = None,
    jsonl: Annotated[bool, typer.Option("--jsonl", help="JSON Lines to stdout even for one document")] = False,
    xlsx: Annotated[Optional[Path], typer.Option("--xlsx", help="also write a workbook of these documents "
                                                                "(the sheets of `batch`)")] = None,
    no_nlp: Annotated[bool, typer.Option("--no-nlp", help="rules only")] = False,
) -> None:
    """JSON of one document to stdout (several: JSON Lines), or one file per document into OUT."""
    from extract.load import LoadError
    from extract.pipeline import extract_bytes, extract_path
    from extract.write import document_json, write_document

    if sum(str(path) == STDIN for path in files) > 1:
        raise typer.BadParameter("standard input ('-') can be read only once")
    if out is not None:
        from extract.batch import FolderError, prepare_output_folder   # only with -o

        try:
            prepare_output_folder(out)      # before any work: a file, read-only … exits 2 at once
        except FolderError as error:
            typer.echo(f"error: {error}", err=True)
            raise typer.Exit(2)
    if xlsx is not None and (problem := check_workbook_path(xlsx, files)):
        typer.echo(f"error: {problem}", err=True)
        raise typer.Exit(2)
    targets = output_names(files)
    options = run_options(no_nlp)
    lines = jsonl or len(files) > 1
    extracted, failed = [], []
    for path in files:
        try:
            if str(path) == STDIN:
                document = extract_bytes(read_stdin(options.limits.max_bytes), STDIN, options)
            else:
                document = extract_path(path, options)
        except LoadError as error:
            failed.append((str(path), error.code, error.message))
            typer.echo(f"{path}: {error.code}: {error.message}", err=True)
            continue
        if out is not None:
            target = out / targets[str(path)]
            write_document(document, target)
            typer.echo(str(target))
        elif lines:
            sys.stdout.write(document.model_dump_json() + "\n")
        else:
            sys.stdout.write(document_json(document))
        if xlsx is not None:
            extracted.append((str(path), document))
    if xlsx is not None:
        from extract.dataset import write_documents_workbook
        try:
            write_documents_workbook(xlsx, extracted, failed)
        except OSError as error:
            typer.echo(f"error: cannot write the workbook {xlsx} ({error.strerror or 'error'})", err=True)
            raise typer.Exit(2)
        typer.echo(f"workbook: {xlsx}", err=out is None)
    raise typer.Exit(1 if failed else 0)


@app.command()
def text(file: Annotated[Path, typer.Argument(help="a document; '-' reads standard input")]) -> None:
    """The document text that provenance offsets index (a source's quote = text from start to end)."""
    from extract.load import LoadError
    from extract.pipeline import bytes_text, document_text

    options = run_options()
    try:
        sys.stdout.write(bytes_text(read_stdin(options.limits.max_bytes), options=options) if str(file) == STDIN
                         else document_text(file, options))
    except LoadError as error:
        typer.echo(f"{file}: {error.code}: {error.message}", err=True)
        raise typer.Exit(1)


@app.command()
def schema() -> None:
    """The JSON Schema of the output contract (docs/contract.md), every field described."""
    from extract.models import json_schema
    sys.stdout.write(json.dumps(json_schema(), ensure_ascii=False, indent=2) + "\n")


@app.command(name="eval")
def evaluate_command(
    golden_dir: Annotated[Path, typer.Argument(help="folder of golden JSON files")] = Path("golden"),
    no_nlp: Annotated[bool, typer.Option("--no-nlp", help="rules only (the NLP ablation)")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="figures as JSON")] = False,
) -> None:
    """Field-level precision, recall and F1 per category and format, dev and held-out apart."""
    from extract.evaluate import evaluate, format_report
    from extract.pipeline import extract_path

    options = run_options(no_nlp)
    try:
        report = evaluate(golden_dir, lambda path: extract_path(path, options))
    except ValueError as error:     # no golden folder or file, or a golden file that is not JSON
        typer.echo(f"kehoach eval: {error}", err=True)
        raise typer.Exit(2)
    if as_json:
        sys.stdout.write(json.dumps(report.as_dict(), indent=2) + "\n")
    else:
        typer.echo(format_report(report))
        from extract.coverage import coverage_eval_report
        coverage = coverage_eval_report(golden_dir, lambda path: extract_path(path, options))
        if coverage:
            typer.echo(coverage)


if __name__ == "__main__":   # python -m extract.cli
    app()
