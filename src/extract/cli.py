"""The `kehoach` command line."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from extract.batch import FolderError, batch_command, prepare_output_folder
from extract.load import LoadError
from extract.models import json_schema
from extract.pipeline import Options, document_text, extract_path
from extract.write import document_json, write_document

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Turn Vietnamese plan documents (KẾ HOẠCH) into contract JSON.")


def output_name(path: Path) -> str:
    """binh-lu.docx -> binh-lu.docx.json: formats of one plan do not overwrite each other."""
    return f"{path.name}.json"


@app.command()
def extract(
    files: Annotated[list[Path], typer.Argument(help="documents: DOCX, PDF, DOC, text exports")],
    out: Annotated[Optional[Path], typer.Option("-o", "--out", help="folder: one JSON file per document")] = None,
    no_nlp: Annotated[bool, typer.Option("--no-nlp", help="rules only")] = False,
) -> None:
    """JSON of one document to stdout, or one file per document into OUT."""
    if out is not None:
        try:
            prepare_output_folder(out)      # before any work: a file, read-only … exits 2 at once
        except FolderError as error:
            typer.echo(f"error: {error}", err=True)
            raise typer.Exit(2)
    failed = 0
    options = Options(nlp=not no_nlp)
    for path in files:
        try:
            document = extract_path(path, options)
        except LoadError as error:
            failed += 1
            typer.echo(f"{path}: {error.code}: {error.message}", err=True)
            continue
        if out is None:
            sys.stdout.write(document_json(document))
        else:
            write_document(document, out / output_name(path))
    raise typer.Exit(1 if failed else 0)


@app.command()
def text(file: Annotated[Path, typer.Argument(help="a document")]) -> None:
    """The document text that provenance offsets index (text[start:end] == quote)."""
    try:
        sys.stdout.write(document_text(file))
    except LoadError as error:
        typer.echo(f"{file}: {error.code}: {error.message}", err=True)
        raise typer.Exit(1)


app.command(name="batch")(batch_command)


@app.command()
def schema() -> None:
    """The JSON Schema of the output contract."""
    sys.stdout.write(json.dumps(json_schema(), ensure_ascii=False, indent=2) + "\n")


@app.command(name="eval")
def evaluate_command(
    golden_dir: Annotated[Path, typer.Argument(help="folder of golden JSON files")] = Path("golden"),
    no_nlp: Annotated[bool, typer.Option("--no-nlp", help="rules only (the NLP ablation)")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="figures as JSON")] = False,
) -> None:
    """Field-level precision, recall and F1 per category and format against golden files."""
    from extract.evaluate import evaluate, format_report

    options = Options(nlp=not no_nlp)
    report = evaluate(golden_dir, lambda path: extract_path(path, options))
    if as_json:
        sys.stdout.write(json.dumps(report.as_dict(), indent=2) + "\n")
    else:
        typer.echo(format_report(report))
