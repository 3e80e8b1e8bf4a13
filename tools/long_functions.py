#!/usr/bin/env python3
"""List the functions longer than a limit (default 80 lines, decorators and docstring included).

    python tools/long_functions.py [SRC] [--limit 80] [--exclude batch.py]

One line per function: lines, path:line, qualified name; the count last (stderr).
"""

from __future__ import annotations

import argparse
import ast
import sys
from pathlib import Path


def long_functions(source: Path, limit: int = 80, exclude: tuple[str, ...] = ()) -> list[tuple[int, str, str]]:
    """(lines, "path:line", qualified name) of every function or method under `source` with
    more than `limit` lines, longest first; files whose name is in `exclude` are skipped."""
    found = []
    for path in sorted(source.rglob("*.py")):
        if path.name in exclude:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node, qualified in _functions(tree, ""):
            first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            length = node.end_lineno - first + 1
            if length > limit:
                found.append((length, f"{path.relative_to(source.parent)}:{node.lineno}", qualified))
    return sorted(found, key=lambda item: (-item[0], item[1]))


def _functions(node: ast.AST, prefix: str):
    for child in ast.iter_child_nodes(node):
        if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield child, prefix + child.name
            yield from _functions(child, f"{prefix}{child.name}.")
        elif isinstance(child, ast.ClassDef):
            yield from _functions(child, f"{prefix}{child.name}.")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", nargs="?", type=Path, default=Path(__file__).resolve().parents[1] / "src" / "extract")
    parser.add_argument("--limit", type=int, default=80)
    parser.add_argument("--exclude", action="append", default=[], help="a file name to skip (repeatable)")
    args = parser.parse_args(argv)
    found = long_functions(args.source, args.limit, tuple(args.exclude))
    for length, place, name in found:
        print(f"{length:4d}  {place}  {name}")
    print(f"{len(found)} functions over {args.limit} lines", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
