"""Every public function, method and class under src/extract says what it does (shapes,
units, errors and source where they matter): checked here so that it stays so."""

from __future__ import annotations

import ast

from contract_codes import SOURCE



def public_without_docstring(source=SOURCE) -> list[str]:
    """'path:line name' of each public def or class (name without a leading '_', not nested in
    a function) that has no docstring."""
    missing = []
    for path in sorted(source.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        pending = [(tree, "")]
        while pending:
            node, prefix = pending.pop()
            for child in ast.iter_child_nodes(node):
                if not isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                    continue
                if child.name.startswith("_"):
                    continue
                if not ast.get_docstring(child):
                    missing.append(f"{path.relative_to(source)}:{child.lineno} {prefix}{child.name}")
                if isinstance(child, ast.ClassDef):
                    pending.append((child, f"{prefix}{child.name}."))
    return sorted(missing)


def test_public_functions_and_classes_have_docstrings():
    assert public_without_docstring() == []


def test_the_check_sees_a_missing_docstring(tmp_path):
    (tmp_path / "stage.py").write_text(
        'def documented():\n    """Yes."""\n\n\ndef bare():\n    pass\n\n\ndef _private():\n    pass\n\n\n'
        'class Thing:\n    """A thing."""\n\n    def method(self):\n        return 1\n', encoding="utf-8")
    assert public_without_docstring(tmp_path) == ["stage.py:16 Thing.method", "stage.py:5 bare"]
