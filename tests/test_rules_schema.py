"""Each vocabulary file (rules/*.yaml) is checked against its schema when it is loaded: a
broken copy (KEHOACH_RULES pointing to another folder) gives a message naming the file and
the key path, before any stage runs."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

import extract.rules
import extract.rules_schema as rules_schema
from extract.rules import load_rules, rules_dir
from extract.rules_schema import SCHEMAS, RulesError


@pytest.fixture
def rules_copy(tmp_path, monkeypatch):
    """A copy of the shipped vocabulary that a test may break; load_rules reads it."""
    folder = tmp_path / "rules"
    shutil.copytree(rules_dir(), folder)
    monkeypatch.setenv("KEHOACH_RULES", str(folder))
    load_rules.cache_clear()
    yield folder
    monkeypatch.delenv("KEHOACH_RULES")
    load_rules.cache_clear()


def _edit(folder, name, change):
    path = folder / f"{name}.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_every_vocabulary_file_has_a_schema_and_fits_it():
    shipped = sorted(p.stem for p in rules_dir().glob("*.yaml"))
    assert shipped == sorted(SCHEMAS)
    for name in shipped:
        load_rules(name)        # raises RulesError if a shipped file does not fit


# (file, how the copy is broken, the key path and what the message says was expected)
BROKEN = [
    ("agencies", lambda d: d["agencies"][3].update(aliases="Sở Tư pháp"), "agencies[3].aliases: expected a list of strings"),
    ("batch", lambda d: d.update(not_documents=None), "not_documents: expected a list of strings"),
    ("comparators", lambda d: d["before"].update({"!=": ["khác"]}), "before: key '!=': input should be"),
    ("coverage", lambda d: d["pairing"].update(task_threshold="cao"), "pairing.task_threshold: expected a number"),
    ("deadlines", lambda d: d.update({"from": "từ"}), "from: expected a list of strings"),
    ("declared", lambda d: d["totals"]["tasks"].append("(\\d+ nhiệm vụ"), "totals.tasks[2]: not a valid regular expression"),
    ("document", lambda d: d.pop("list_joiners"), "list_joiners: missing (required)"),
    ("labels", lambda d: d["columns"]["code"].update(values=["Vấn đề"]), "columns.code.values: expected a mapping of strings to strings"),
    ("legacy_encodings", lambda d: d["vni"]["breve"].update(small="ê"), "vni.breve.small: expected a list of strings"),
    ("markup", lambda d: d["list_markers"]["bullets"].append("--"), "list_markers.bullets[7]: string should have at most 1 character"),
    ("nlp", lambda d: d.update(max_name_tokens="mười sáu"), "max_name_tokens: expected a whole number"),
    ("ocr", lambda d: d.update(kept_short="và"), "kept_short: expected a list of strings"),
    ("references", lambda d: d.update(type=d.pop("types")), "type: unknown key"),
    ("review", lambda d: d["low_confidence"].update(flags=3), "low_confidence.flags: expected a list of strings"),
    ("symbol_fonts", lambda d: d["Symbol"].update({"99": ["∑"]}), "Symbol: expected a mapping of strings or whole numbers to strings"),
    ("table_columns", lambda d: d["fields"].update(muc_tieu=["mục tiêu"]), "fields: key 'muc_tieu': input should be"),
    ("tables", lambda d: d["tables"]["tasks"].pop("sheet"), "tables.tasks.sheet: missing (required)"),
    ("text_items", lambda d: d.update(scope_after="(cấp"), "scope_after: not a valid regular expression"),
    ("typos", lambda d: d.update(BCD=["BCĐ"]), "BCD: expected a string"),
    ("units", lambda d: d["counted"].insert(3, 100), "counted: expected a list of strings"),
    ("warm_up", lambda d: d.pop("agency_phrase"), "agency_phrase: missing (required)"),
]


@pytest.mark.parametrize("name, change, expected", BROKEN, ids=[b[0] for b in BROKEN])
def test_a_broken_file_is_named_with_its_key_path(rules_copy, name, change, expected):
    path = _edit(rules_copy, name, change)
    with pytest.raises(RulesError) as raised:
        load_rules(name)
    message = str(raised.value)
    assert f"{path}: {expected}" in message, message


# A pattern the code reads a group from must have it: caught when the file is loaded, not on
# the first document that reaches the pattern.
MISSING_GROUPS = [
    ("references", lambda d: d.update(issuer_before="của\\s+([A-ZĐ][^;,()]{2,80}?)\\s+tại\\s*$"),
     "issuer_before: the pattern needs the named group(s) (?P<issuer>…)"),
    ("declared", lambda d: d.update(task_group="^(?P<name>.{3,200}?):\\s*\\d+\\s+nhiệm vụ"),
     "task_group: the pattern needs the named group(s) (?P<count>…)"),
    ("declared", lambda d: d["totals"]["indicators"].append("\\d+ chỉ tiêu"),
     "totals.indicators[2]: the pattern needs 1 capturing group(s) (…), it has 0"),
    ("text_items", lambda d: d.update(scope_after="\\s+tại\\s+cấp\\s+\\w+"),
     "scope_after: the pattern needs 1 capturing group(s) (…), it has 0"),
]


@pytest.mark.parametrize("name, change, expected", MISSING_GROUPS, ids=[m[2].split(":")[0] for m in MISSING_GROUPS])
def test_a_pattern_without_the_groups_the_code_reads_is_refused(rules_copy, name, change, expected):
    path = _edit(rules_copy, name, change)
    with pytest.raises(RulesError) as raised:
        load_rules(name)
    assert f"{path}: {expected}" in str(raised.value), str(raised.value)


def test_an_empty_word_list_matches_nothing():
    """An emptied list in a vocabulary file means "none of these", never the empty string
    that an empty alternation would match everywhere."""
    import re

    from extract.rules import alternation, word_alternation

    for build in (alternation, word_alternation):
        assert re.search(build([]), "Tỷ lệ 95%") is None
        assert re.search(build(["", "  "]), "Tỷ lệ 95%") is None
        assert re.search(build(["%"]), "Tỷ lệ 95%")


def test_all_broken_files_are_covered():
    assert sorted({b[0] for b in BROKEN}) == sorted(SCHEMAS)


def test_yaml_syntax_error_names_the_file_and_line(rules_copy):
    path = rules_copy / "units.yaml"
    path.write_text("percent: [\"%\"\ncounted: [xã\n", encoding="utf-8")
    with pytest.raises(RulesError, match=rf"^{path}: not valid YAML: line \d+, column \d+"):
        load_rules("units")


def test_a_file_that_is_not_a_mapping_says_so(rules_copy):
    (rules_copy / "typos.yaml").write_text("- BCD\n- BCĐ\n", encoding="utf-8")
    with pytest.raises(RulesError, match="typos.yaml: \\(the whole file\\): expected a mapping of strings to strings"):
        load_rules("typos")


def test_many_faults_are_listed_a_few_at_a_time(rules_copy):
    (rules_copy / "document.yaml").write_text("{}\n", encoding="utf-8")
    with pytest.raises(RulesError) as raised:
        load_rules("document")
    lines = str(raised.value).splitlines()
    assert lines[0].endswith("doc_types: missing (required)")
    assert lines[-1].endswith("more") and len(lines) == 9


def test_the_default_folder_is_named_rules(monkeypatch):
    data = yaml.safe_load((rules_dir() / "units.yaml").read_text(encoding="utf-8"))
    data["counted"] = "xã"
    with pytest.raises(RulesError, match="^rules/units.yaml: counted: expected a list of strings$"):
        rules_schema.validate_rules("units", data, "rules/units.yaml")


def test_rules_are_parsed_and_checked_once_per_process(rules_copy, monkeypatch):
    calls = []
    real = rules_schema.validate_rules
    monkeypatch.setattr(extract.rules, "validate_rules", lambda *a: calls.append(a[0]) or real(*a))
    first = load_rules("units")
    assert load_rules("units") is first
    assert calls == ["units"]


def test_the_command_line_says_what_is_broken_and_exits_2(rules_copy, tmp_path):
    from typer.testing import CliRunner

    from extract.cli import app

    _edit(rules_copy, "document", lambda d: d.update(number_label=["Số"]))
    plan = tmp_path / "in" / "plan.txt"
    plan.parent.mkdir()
    plan.write_text("KẾ HOẠCH\nChuyển đổi số\n- Phấn đấu 100% thôn có sóng 4G.\n", encoding="utf-8")
    # a fresh process, as a user runs it (in this one the stages hold their compiled rules)
    kehoach = str(Path(sys.executable).with_name("kehoach"))
    single = subprocess.run([kehoach, "extract", str(plan)], capture_output=True,
                            text=True, env={**os.environ, "KEHOACH_RULES": str(rules_copy)}, timeout=120)
    assert single.returncode == 2, single.stderr
    assert f"{rules_copy / 'document.yaml'}: number_label: expected a string" in single.stderr
    assert "Traceback" not in single.stderr
    # a batch stops before it starts: no document is tried, no output folder is made
    batch = CliRunner().invoke(app, ["batch", str(plan.parent), "-o", str(tmp_path / "out")])
    assert batch.exit_code == 2 and "document.yaml: number_label: expected a string" in batch.output
    assert not (tmp_path / "out").exists()


def test_a_missing_vocabulary_file_is_named_and_stops_the_run(tmp_path):
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    folder = tmp_path / "vocab"
    shutil.copytree(root / "src" / "extract" / "vocabulary", folder)
    (folder / "units.yaml").unlink()
    env = {**__import__("os").environ, "KEHOACH_RULES": str(folder)}
    for command in (["extract", str(root / "corpus" / "phu-lac-xa-2026.txt")],
                    ["batch", str(root / "corpus" / "scans"), "-o", str(tmp_path / "out"), "-q"]):
        result = subprocess.run([sys.executable, "-m", "extract.cli", *command], capture_output=True,
                                text=True, env=env, timeout=120)
        assert result.returncode == 2, (command, result.stdout, result.stderr)
        assert "units.yaml: missing" in result.stderr and "Traceback" not in result.stderr
