"""The package's imports point one way: cli/serve/batch/analysis -> pipeline -> stages ->
models/vocabulary. The module import graph is built from the source with `ast` (every `import`
and `from … import` of an `extract` module, at module level, under `if TYPE_CHECKING:` and
inside functions alike) and must have no cycle.

The one exception: an import inside a function that is marked `# lazy:` on its line (the
command line loads a command's modules only when that command runs). Such an import is
deferred work at the top of the graph, not a dependency of the module's content.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = "extract"
SOURCE = Path(__file__).resolve().parents[1] / "src" / PACKAGE
LAZY_MARK = "# lazy:"


def module_name(path: Path, root: Path = SOURCE) -> str:
    """src/extract/items/merge.py -> 'extract.items.merge'; a package's __init__.py -> the package."""
    parts = [PACKAGE, *path.relative_to(root).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _resolve(module: str, level: int, importer: str, is_package: bool) -> str:
    """The absolute name of `from <level dots><module> import …` written in `importer`."""
    if level == 0:
        return module
    base = importer.split(".") if is_package else importer.split(".")[:-1]
    base = base[:len(base) - (level - 1)]
    return ".".join([*base, module] if module else base)


def _enclosing_functions(tree: ast.AST) -> set[int]:
    """ids of the import nodes that sit inside a function body."""
    inside: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            inside.update(id(child) for child in ast.walk(node) if isinstance(child, (ast.Import, ast.ImportFrom)))
    return inside


def imported_modules(path: Path, modules: set[str], root: Path = SOURCE) -> set[str]:
    """The package modules that the file at `path` imports (names from `modules`), except
    imports inside functions whose line carries the `# lazy:` mark. `from pkg import name`
    counts as an import of pkg.name when that is a module, else of pkg."""
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    tree = ast.parse(source, filename=str(path))
    importer = module_name(path, root)
    in_function = _enclosing_functions(tree)
    found: set[str] = set()
    for node in ast.walk(tree):
        if not isinstance(node, (ast.Import, ast.ImportFrom)):
            continue
        if id(node) in in_function and LAZY_MARK in lines[node.lineno - 1]:
            continue
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name in modules)
            continue
        target = _resolve(node.module or "", node.level, importer, path.name == "__init__.py")
        for alias in node.names:
            if f"{target}.{alias.name}" in modules:
                found.add(f"{target}.{alias.name}")
            elif target in modules:
                found.add(target)
    found.discard(importer)
    return found


def import_graph(root: Path = SOURCE) -> dict[str, set[str]]:
    """Module name -> the package modules it imports, for every .py file under `root`."""
    files = {module_name(path, root): path for path in sorted(root.rglob("*.py"))}
    modules = set(files)
    return {name: imported_modules(path, modules, root) for name, path in files.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of the graph as a list of modules [a, b, …, a], or None (depth-first search)."""
    done: set[str] = set()
    stack: list[str] = []
    on_stack: set[str] = set()

    def visit(node: str) -> list[str] | None:
        stack.append(node)
        on_stack.add(node)
        for successor in sorted(graph.get(node, ())):
            if successor in on_stack:
                return stack[stack.index(successor):] + [successor]
            if successor not in done and (cycle := visit(successor)):
                return cycle
        stack.pop()
        on_stack.discard(node)
        done.add(node)
        return None

    for start in sorted(graph):
        if start not in done and (cycle := visit(start)):
            return cycle
    return None


def test_the_package_has_no_import_cycle():
    graph = import_graph()
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_stages_do_not_import_the_pipeline_or_its_callers():
    graph = import_graph()
    callers = {"extract.pipeline", "extract.cli", "extract.batch", "extract.serve", "extract.coverage",
               "extract.evaluate", "extract.dataset"}
    stages = [name for name in graph if name.startswith(("extract.load", "extract.items", "extract.canonical"))
              or name in {"extract.normalize", "extract.segment", "extract.stitch", "extract.validate",
                          "extract.models", "extract.rules", "extract.structures", "extract.options"}]
    assert stages
    wrong = {stage: sorted(module for module in graph[stage] if module.startswith(tuple(callers)))
             for stage in stages}
    assert not {stage: modules for stage, modules in wrong.items() if modules}


# ---------------------------------------------------------------- the checker itself


def _write_package(root: Path, files: dict[str, str]) -> Path:
    package = root / PACKAGE
    for name, text in files.items():
        path = package / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return package


@pytest.mark.parametrize("files, cycle", [
    ({"__init__.py": "", "a.py": "from extract.b import x\n", "b.py": "import extract.a\n"},
     ["extract.a", "extract.b", "extract.a"]),
    # a relative import, and an import only for type checking, are imports all the same
    ({"__init__.py": "", "p/__init__.py": "from .q import y\n",
      "p/q.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from extract.p import z\n"},
     ["extract.p", "extract.p.q", "extract.p"]),
    # `from package import module` names the module
    ({"__init__.py": "", "a.py": "from extract import b\n", "b.py": "def f():\n    from extract import a\n"},
     ["extract.a", "extract.b", "extract.a"]),
])
def test_a_cycle_is_found(tmp_path, files, cycle):
    assert find_cycle(import_graph(_write_package(tmp_path, files))) == cycle


def test_a_lazy_import_inside_a_function_is_not_an_edge_but_one_at_module_level_is(tmp_path):
    lazy = {"__init__.py": "", "a.py": "from extract import b\n",
            "b.py": "def f():\n    from extract import a  # lazy: loaded when the command runs\n"}
    assert find_cycle(import_graph(_write_package(tmp_path / "lazy", lazy))) is None
    eager = {**lazy, "b.py": "from extract import a  # lazy: not in a function\n"}
    assert find_cycle(import_graph(_write_package(tmp_path / "eager", eager))) is not None
