"""The contract is one thing in three places: docs/contract.md, the models (`kehoach schema`)
and the code that emits problems. These tests keep them in step."""

from __future__ import annotations

import re

import ast
import typing

from contract_codes import SOURCE, emitted_problem_codes
from conftest import ROOT
from extract.load.errors import LoadError, LoadFailure
from extract.models import PROBLEM_CODES, SCHEMA_VERSION, Problem, ProblemCode, Severity, json_schema

CONTRACT = (ROOT / "docs" / "contract.md").read_text(encoding="utf-8")


def test_every_emitted_problem_code_is_in_the_enum():
    codes, computed = emitted_problem_codes()
    assert not computed, f"problem codes that are neither a literal nor forwarded: {computed}"
    assert codes, "the scan found no problem at all: it is broken"
    assert codes <= set(PROBLEM_CODES), sorted(codes - set(PROBLEM_CODES))


def test_the_scan_sees_new_and_computed_codes(tmp_path):
    (tmp_path / "stage.py").write_text(
        "def check(p, kind):\n"
        "    out = [Problem(code='made_up', severity='info', message='x')]\n"
        "    out.append(LoadProblem('other' if p else 'third', 'info', 'x'))\n"
        "    out.append(Problem(code=p.code, severity='info', message='x'))\n"
        "    out.append(Problem(code=kind + '_missing', severity='info', message='x'))\n"
        "    return out\n", encoding="utf-8")
    codes, computed = emitted_problem_codes(tmp_path)
    assert codes == {"made_up", "other", "third"} and computed == ["stage.py:5"]


def test_the_enum_is_what_the_schema_and_the_model_accept():
    schema = json_schema()
    assert schema["$defs"]["ProblemCode"]["enum"] == list(PROBLEM_CODES)
    assert [code.value for code in ProblemCode] == list(PROBLEM_CODES)
    for code, meaning in PROBLEM_CODES.items():
        assert meaning and f"- {code}: {meaning}" in schema["$defs"]["ProblemCode"]["description"]
    try:
        Problem(code="no_such_code", severity="info", message="x")
    except ValueError:
        pass
    else:
        raise AssertionError("an unknown problem code was accepted")


def test_severities_are_the_enum_and_the_contract_keeps_their_strings():
    assert typing.get_args(Problem.model_fields["severity"].annotation) == tuple(Severity)
    problem = Problem(code=ProblemCode.ocr_used, severity=Severity.info, message="x")
    assert problem.model_dump_json() == '{"code":"ocr_used","severity":"info","message":"x","sources":[]}'


def test_a_load_failure_is_a_typed_code_that_reads_as_its_string():
    error = LoadError(LoadFailure.too_large, "big")
    assert error.code is LoadFailure.too_large and error.code == "too_large" and f"{error.code}" == "too_large"
    assert LoadError("empty", "x").code is LoadFailure.empty
    try:
        LoadError("no_such_reason", "x")
    except ValueError:
        pass
    else:
        raise AssertionError("an unknown load failure was accepted")


def test_codes_and_severities_are_written_as_enum_members_not_strings():
    """Problem(code=…, severity=…), LoadProblem(code, severity, …) and LoadError(code, …) in
    the source name enum members, so that a typo fails where it is written."""
    literal = []
    for path in sorted(SOURCE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", None)
            positional = {"Problem": 0, "LoadProblem": 2, "LoadError": 1}.get(name)
            if positional is None:
                continue
            arguments = node.args[:positional] + [k.value for k in node.keywords if k.arg in ("code", "severity")]
            if any(isinstance(a, ast.Constant) and isinstance(a.value, str) for a in arguments):
                literal.append(f"{path.relative_to(SOURCE)}:{node.lineno}")
    assert not literal, f"string literals where an enum member belongs: {literal}"


def test_contract_page_lists_exactly_the_codes_with_their_meanings():
    rows = dict(re.findall(r"^\| `([a-z_]+)` \| (.+?) \|$", CONTRACT, flags=re.M))
    assert rows == PROBLEM_CODES


def _described(schema: dict) -> list[str]:
    missing = []
    for name, definition in schema["$defs"].items():
        if not definition.get("description"):
            missing.append(name)
        for field, spec in definition.get("properties", {}).items():
            if not spec.get("description"):
                missing.append(f"{name}.{field}")
    for field, spec in schema["properties"].items():
        if not spec.get("description"):
            missing.append(f"Document.{field}")
    return missing


def test_every_model_and_field_of_the_schema_is_described():
    schema = json_schema()
    assert schema.get("description")
    assert not _described(schema)


def test_descriptions_say_units_offsets_and_pages():
    definitions = json_schema()["$defs"]
    source = definitions["Source"]["properties"]
    assert "code points" in source["start"]["description"] and "kehoach text" in source["start"]["description"]
    assert "1-based" in source["page"]["description"] and "estimate" in source["page"]["description"]
    assert "%" in definitions["Target"]["properties"]["unit"]["description"]


def test_contract_page_names_every_field_of_the_models():
    definitions = json_schema()["$defs"]
    absent = [f"{name}.{field}" for name, definition in definitions.items()
              for field in definition.get("properties", {})
              if f'"{field}"' not in CONTRACT and f"`{field}`" not in CONTRACT]
    assert not absent, absent
    assert f'"schema_version": "{SCHEMA_VERSION}"' in CONTRACT


def test_readme_and_docs_point_to_the_contract_in_the_repository():
    for path in [ROOT / "docs" / "decisions.md", ROOT / "CHANGELOG.md", ROOT / "src" / "extract" / "models.py"]:
        assert "shared/spec/contract.md" not in path.read_text(encoding="utf-8"), path
