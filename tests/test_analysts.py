"""docs/analysts.md works as written: every SQL block in it runs on the tables of the corpus
and finds rows, and its shell instructions use only what the project installs."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, corpus_documents, extracted
from extract.dataset import DATABASE_NAME, build_tables
from extract.write import write_document

GUIDE = (ROOT / "docs" / "analysts.md").read_text(encoding="utf-8")
QUERIES = re.findall(r"```sql\n(.*?)```", GUIDE, flags=re.S)
SHELL = "\n".join(re.findall(r"```sh\n(.*?)```", GUIDE, flags=re.S))


@pytest.fixture(scope="module")
def corpus_out(tmp_path_factory) -> Path:
    """OUT of a batch over the corpus: its documents' JSON (as the pipeline extracts them) and
    the tables built from them."""
    out = tmp_path_factory.mktemp("analysts") / "out"
    for path in corpus_documents():
        write_document(extracted(path), out / "docs" / f"{path.name}.json")
    build_tables(out, xlsx=False)
    return out


def test_the_guide_has_its_queries():
    assert len(QUERIES) >= 5


@pytest.mark.parametrize("number", range(len(QUERIES)))
def test_every_query_in_the_guide_runs_and_finds_rows(corpus_out, number):
    import duckdb

    connection = duckdb.connect(str(corpus_out / "tables" / DATABASE_NAME), read_only=True)
    try:
        rows = connection.execute(QUERIES[number]).fetchall()
    finally:
        connection.close()
    assert rows, f"query {number + 1} of docs/analysts.md found nothing:\n{QUERIES[number]}"


def test_the_first_query_runs_on_the_parquet_files_too(corpus_out):
    import duckdb

    parquet = (corpus_out / "tables" / "agencies.parquet").as_posix()
    query = QUERIES[0].replace("FROM agencies", f"FROM read_parquet('{parquet}')")
    assert duckdb.sql(query).fetchall() == duckdb.connect(
        str(corpus_out / "tables" / DATABASE_NAME), read_only=True).execute(QUERIES[0]).fetchall()


def test_the_shell_instructions_use_what_the_project_installs(corpus_out, tmp_path):
    """No `duckdb` shell command (pip's duckdb has none); the python -c line runs as written."""
    commands = [line for line in SHELL.splitlines() if line.strip() and not line.startswith("#")]
    assert not [line for line in commands if line.split()[0] == "duckdb"]
    (line,) = [line for line in commands if line.startswith("python -c") and "query.sql" in line]
    arguments = shlex.split(line.split(" < ")[0])
    (tmp_path / "out").symlink_to(corpus_out, target_is_directory=True)
    result = subprocess.run([sys.executable, *arguments[1:]], input=QUERIES[0], capture_output=True, text=True,
                            cwd=tmp_path, check=True)
    assert "Phòng Văn hóa - Xã hội" in result.stdout or "Công an" in result.stdout, result.stdout
