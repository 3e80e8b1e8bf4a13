"""What a wheel ships and declares (the full check, a wheel installed in a fresh virtualenv
extracting the corpus, is tools/wheel_check.sh, run by CI after the tests)."""

from __future__ import annotations

import fnmatch
import tomllib

from typer.testing import CliRunner

from conftest import ROOT
from extract.cli import app
from extract.rules import rules_dir

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_vocabulary_is_package_data_and_rules_links_to_it():
    package = ROOT / "src" / "extract"
    vocabulary = rules_dir()
    assert vocabulary.resolve() == (package / "vocabulary").resolve()
    assert (ROOT / "rules").resolve() == vocabulary.resolve()
    globs = PYPROJECT["tool"]["setuptools"]["package-data"]["extract"]
    files = [path.relative_to(package).as_posix() for path in vocabulary.iterdir() if path.is_file()]
    assert files and all(any(fnmatch.fnmatch(name, glob) for glob in globs) for name in files), files


def test_license_is_declared_and_shipped():
    assert PYPROJECT["project"]["license"] == "GPL-3.0-or-later"
    assert PYPROJECT["project"]["license-files"] == ["LICENSE"]
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert "GNU GENERAL PUBLIC LICENSE" in text and "Version 3" in text


def test_ci_runs_the_tests_then_the_wheel_check():
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert script.index("make test") < script.index("make wheel-check")
    assert "wheel-check:" in (ROOT / "Makefile").read_text(encoding="utf-8")


def test_help_lists_every_command_lazy_ones_too():
    result = CliRunner().invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("extract", "text", "batch", "eval", "schema"):
        assert command in result.stdout
