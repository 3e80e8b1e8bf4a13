"""The codes the source emits, read from the source itself (not from a list kept by hand).

`emitted_problem_codes()`: the code of every Problem / LoadProblem constructed anywhere under
src/extract (a string literal, or a forwarded `<problem>.code`; anything else is reported so
that a computed code cannot slip past the enum). `failure_reasons()`: every reason a file can
fail or be skipped for in a batch: LoadError codes, and the batch runner's own reasons.
"""

from __future__ import annotations

import ast
from pathlib import Path

SOURCE = Path(__file__).resolve().parents[1] / "src" / "extract"
PROBLEM_MAKERS = {"Problem", "LoadProblem"}
CODE_ENUMS = {"ProblemCode", "LoadFailure"}   # str enums whose members are codes


def _trees(source: Path = SOURCE):
    for path in sorted(source.rglob("*.py")):
        yield path.relative_to(source), ast.parse(path.read_text(encoding="utf-8"))


def _name(call: ast.Call) -> str | None:
    func = call.func
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None


def _code_argument(call: ast.Call) -> ast.expr | None:
    for keyword in call.keywords:
        if keyword.arg == "code":
            return keyword.value
    return call.args[0] if call.args else None


def _strings(node: ast.expr | None) -> set[str] | None:
    """The string values an expression can take: a literal, a member of a code enum
    (`ProblemCode.ocr_used`, `LoadFailure.too_large`), or `a if … else b` of those."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in CODE_ENUMS:
        return {node.attr}
    if isinstance(node, ast.IfExp):
        body, orelse = _strings(node.body), _strings(node.orelse)
        return body | orelse if body is not None and orelse is not None else None
    return None


def _forwarders(tree: ast.AST) -> dict[str, set[str]]:
    """Functions that pass one of their parameters on as a problem's code
    (`def _problem(self, code, …): … Problem(code=code, …)`): name -> those parameters."""
    found: dict[str, set[str]] = {}
    for function in ast.walk(tree):
        if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        parameters = {arg.arg for arg in function.args.args + function.args.kwonlyargs}
        for node in ast.walk(function):
            if isinstance(node, ast.Call) and _name(node) in PROBLEM_MAKERS:
                argument = _code_argument(node)
                if isinstance(argument, ast.Name) and argument.id in parameters:
                    found.setdefault(function.name, set()).add(argument.id)
    return found


def emitted_problem_codes(source: Path = SOURCE) -> tuple[set[str], list[str]]:
    """(codes found, places whose code is neither a literal, a forwarded `<problem>.code`, nor
    a forwarding function's parameter)."""
    trees = list(_trees(source))
    forwarders: dict[str, set[str]] = {}
    for _, tree in trees:
        forwarders.update(_forwarders(tree))
    codes, unknown = set(), []
    for path, tree in trees:
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or _name(node) not in PROBLEM_MAKERS | set(forwarders):
                continue
            argument = _code_argument(node)
            values = _strings(argument)
            if values is not None:
                codes |= values
            elif isinstance(argument, ast.Attribute) and argument.attr == "code":
                continue        # a problem passed on from an earlier stage
            elif isinstance(argument, ast.Name) and any(argument.id in names for names in forwarders.values()):
                continue        # inside a forwarding function: its callers are checked
            else:
                unknown.append(f"{path}:{node.lineno}")
    return codes, unknown


def failure_reasons() -> set[str]:
    """LoadError codes (literal, or `code = "a" if … else "b"` then LoadError(code, …)) and the
    batch runner's reasons: reason=…, fail=(…), failure = (…), skip=…, _fail_head(…, reason, …),
    _SKIP_MESSAGES keys and the returns of _skip_reason."""
    reasons: set[str] = set()
    for path, tree in _trees():
        assigned: dict[str, set[str]] = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                target = node.targets[0].id
                values = _strings(node.value)
                if values is not None:
                    assigned.setdefault(target, set()).update(values)
                if target == "failure" and isinstance(node.value, ast.Tuple):
                    reasons |= _strings(node.value.elts[0]) or set()
                if target == "_SKIP_MESSAGES" and isinstance(node.value, ast.Dict):
                    reasons |= {key.value for key in node.value.keys if isinstance(key, ast.Constant)}
            if isinstance(node, ast.FunctionDef) and node.name == "_skip_reason":
                reasons |= {ret.value.value for ret in ast.walk(node)
                            if isinstance(ret, ast.Return) and isinstance(ret.value, ast.Constant)
                            and isinstance(ret.value.value, str)}
            if not isinstance(node, ast.Call):
                continue
            name = _name(node)
            if name == "LoadError" and node.args:
                first = node.args[0]
                values = _strings(first)
                if values is None and isinstance(first, ast.Name):
                    values = assigned.get(first.id)
                reasons |= values or set()
            if name == "_fail_head" and len(node.args) >= 3:
                reasons |= _strings(node.args[2]) or set()
            for keyword in node.keywords:
                if keyword.arg in ("reason", "skip"):
                    reasons |= _strings(keyword.value) or set()
                if keyword.arg == "fail" and isinstance(keyword.value, ast.Tuple):
                    reasons |= _strings(keyword.value.elts[0]) or set()
    return reasons
