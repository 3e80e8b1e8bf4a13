#!/usr/bin/env python3
"""Compare two `kehoach batch` output folders document by document, byte for byte.

A refactor that keeps behaviour identical leaves every document JSON unchanged; the manifest
may differ only in its run-dependent field (`seconds`). Use:

    kehoach batch corpus -o /tmp/before          # on the commit you start from
    kehoach batch corpus -o /tmp/after           # after the change
    python tools/compare_outputs.py /tmp/before /tmp/after

Exit code 0 when every document JSON (OUT/docs/**/*.json) is byte-identical and the manifest
lines agree once `seconds` is dropped; 1 otherwise, with one line per difference on stdout;
2 when a folder is not a batch output. The tables (OUT/tables) are compared too when both
folders have them: CSV, Parquet and the workbook carry no clock and are compared by bytes; a
DuckDB database file differs from run to run in its storage blocks, so it is compared by the
rows of each of its tables.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

MANIFEST_NAME = "manifest.jsonl"
DOCS_DIR = "docs"
TABLES_DIR = "tables"
RUN_DEPENDENT_FIELDS = frozenset({"seconds"})   # manifest fields a re-run may change


def relative_files(folder: Path) -> dict[str, Path]:
    """Every file under `folder`, keyed by its POSIX path relative to `folder` ({} if absent)."""
    if not folder.is_dir():
        return {}
    return {path.relative_to(folder).as_posix(): path for path in sorted(folder.rglob("*")) if path.is_file()}


def database_rows(path: Path) -> dict[str, list[tuple]]:
    """Table name -> its rows in a stable order, of a DuckDB database file (opened read-only)."""
    import duckdb

    with duckdb.connect(str(path), read_only=True) as connection:
        names = [row[0] for row in connection.execute("SELECT table_name FROM information_schema.tables "
                                                      "ORDER BY table_name").fetchall()]
        return {name: sorted(connection.execute(f'SELECT * FROM "{name}"').fetchall(), key=repr) for name in names}


def same_content(first: Path, second: Path) -> bool:
    """Whether two output files hold the same content: bytes, or rows for a DuckDB database."""
    if first.suffix == ".duckdb":
        return database_rows(first) == database_rows(second)
    return first.read_bytes() == second.read_bytes()


def compare_trees(before: Path, after: Path, label: str) -> list[str]:
    """Differences between two folders of files (`same_content`): one line per missing, extra
    or changed file, each prefixed with `label` (e.g. "docs")."""
    old, new = relative_files(before), relative_files(after)
    lines = [f"{label}/{name}: only in before" for name in sorted(old.keys() - new.keys())]
    lines += [f"{label}/{name}: only in after" for name in sorted(new.keys() - old.keys())]
    lines += [f"{label}/{name}: content differs" for name in sorted(old.keys() & new.keys())
              if not same_content(old[name], new[name])]
    return lines


def manifest_entries(out: Path) -> list[dict]:
    """The manifest lines of a batch output without their run-dependent fields.
    Raises FileNotFoundError when `out` holds no manifest (not a batch output)."""
    lines = (out / MANIFEST_NAME).read_text(encoding="utf-8").splitlines()
    return [{key: value for key, value in json.loads(line).items() if key not in RUN_DEPENDENT_FIELDS}
            for line in lines if line.strip()]


def compare_manifests(before: Path, after: Path) -> list[str]:
    """Differences between two manifests, line by line, ignoring `seconds`."""
    old, new = manifest_entries(before), manifest_entries(after)
    lines = [f"{MANIFEST_NAME}: {len(old)} lines before, {len(new)} after"] if len(old) != len(new) else []
    for number, (first, second) in enumerate(zip(old, new), start=1):
        if first != second:
            keys = sorted(key for key in first.keys() | second.keys() if first.get(key) != second.get(key))
            lines.append(f"{MANIFEST_NAME}:{number} ({first.get('file') or second.get('file')}): "
                         f"{', '.join(keys)} differ")
    return lines


def compare_outputs(before: Path, after: Path, tables: bool = True) -> list[str]:
    """Every difference between two batch outputs (empty: identical except timings).
    Raises FileNotFoundError when either folder has no manifest."""
    differences = compare_trees(before / DOCS_DIR, after / DOCS_DIR, DOCS_DIR)
    differences += compare_manifests(before, after)
    if tables and (before / TABLES_DIR).is_dir() and (after / TABLES_DIR).is_dir():
        differences += compare_trees(before / TABLES_DIR, after / TABLES_DIR, TABLES_DIR)
    return differences


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path, help="batch output folder of the reference run")
    parser.add_argument("after", type=Path, help="batch output folder of the run to check")
    parser.add_argument("--no-tables", action="store_true", help="do not compare OUT/tables")
    args = parser.parse_args(argv)
    try:
        differences = compare_outputs(args.before, args.after, tables=not args.no_tables)
    except FileNotFoundError as error:
        print(f"not a batch output: {error}", file=sys.stderr)
        return 2
    for line in differences:
        print(line)
    documents = len(relative_files(args.before / DOCS_DIR))
    print(f"{documents} documents compared: " + ("identical" if not differences else f"{len(differences)} differences"),
          file=sys.stderr)
    return 1 if differences else 0


if __name__ == "__main__":
    sys.exit(main())
