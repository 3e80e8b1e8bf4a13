"""The shape of each vocabulary file (rules/*.yaml), checked when the file is loaded.

One pydantic model per file says which keys it has and what each holds; a file that does not
fit raises `RulesError` naming the file and the key path, in words a person editing the YAML
understands ("rules/units.yaml: counted[3]: expected a list of strings"). Regular expressions
are compiled here too, so that a broken pattern is reported at its key, not as a traceback
from the stage that uses it.

Validation only checks: the stages keep reading the parsed YAML as it is (extract.rules), so
a valid file gives the same data as before. Unknown keys are errors (a misspelt key would
otherwise be ignored without a word), except in rules/ocr.yaml, whose keys the OCR work adds
to in parallel (every key there is optional for the reader, extract.load.ocr).
"""

from __future__ import annotations

import re
import types
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, RootModel, ValidationError


class RulesError(ValueError):
    """A vocabulary file that cannot be used: not YAML, or not of its schema. The message
    names the file and, where one is at fault, the key path ("units.yaml: counted[3]: …")."""


def _compiles(pattern: str) -> str:
    try:
        re.compile(pattern)
    except re.error as error:
        raise ValueError(f"not a valid regular expression ({error})") from None
    return pattern


Regex = Annotated[str, AfterValidator(_compiles)]


def _capturing(*names: str, positional: int = 0):
    """A regex that must capture: the named groups the code reads (`match.group("issuer")`),
    or at least `positional` groups (`match.group(1)`). Without this a pattern that lacks one
    passes the check and fails at run time on the first document that reaches it."""
    def check(pattern: str) -> str:
        compiled = re.compile(pattern)
        missing = [name for name in names if name not in compiled.groupindex]
        if missing:
            raise ValueError("the pattern needs the named group(s) "
                             + ", ".join(f"(?P<{name}>…)" for name in missing))
        if compiled.groups < positional:
            raise ValueError(f"the pattern needs {positional} capturing group(s) (…), it has {compiled.groups}")
        return pattern
    return Annotated[str, AfterValidator(_compiles), AfterValidator(check)]


_TaskGroupPattern = _capturing("name", "count")
_IssuerPattern = _capturing("issuer")

Words = list[str]
Names = dict[str, str]
Tier = Literal["province", "commune", "any"]
ContractLevel = Literal["tinh", "xa", "phuong", "dac_khu", "trung_uong"]
Comparator = Literal[">=", ">", "<=", "<", "="]


class _Schema(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


# ----------------------------------------------------------------------- agencies.yaml


class _Level(_Schema):
    word: str
    code: str
    tier: Literal["province", "commune"]
    contract: ContractLevel = Field(None, description="The issuer's contract level where it is not `code`.")


class _ContextualAbbreviation(_Schema):
    short: str
    long: str
    after: str


class _ListHead(_Schema):
    prefix: str
    level: str = None


class _AgencyEntry(_Schema):
    name: str
    tier: Tier = "any"
    keep_level: bool = False
    aliases: Words = []


class Agencies(_Schema):
    """The shape of rules/agencies.yaml."""
    levels: list[_Level]
    agency_abbreviations: Names
    leading_abbreviations: Names
    contextual_abbreviations: list[_ContextualAbbreviation]
    subject_abbreviations: Names
    fixed_case: Words
    heads: Words
    lead_heads: Words
    collective: Words
    lead_ins: Words
    department_heads: dict[str, Tier]
    list_heads: dict[str, _ListHead]
    agencies: list[_AgencyEntry]
    collective_place_words: Words


# -------------------------------------------------------------------- the other files


class Batch(_Schema):
    """The shape of rules/batch.yaml."""
    not_documents: Words
    lock_file_prefixes: Words


class Comparators(_Schema):
    """The shape of rules/comparators.yaml."""
    before: dict[Comparator, Words]
    after: dict[Comparator, Words]
    fillers: Words


class _Status(_Schema):
    label: str
    short: str
    colour: Annotated[str, Field(pattern=r"^#[0-9a-fA-F]{6}$")]


class _Pairing(_Schema):
    set_weight: float
    sort_weight: float
    same_unit_bonus: float
    different_unit_penalty: float
    same_value_bonus: float
    indicator_threshold: float
    task_threshold: float


class _Linking(_Schema):
    weights: dict[str, float]
    threshold: float
    title_score: float
    issuer_score: float
    reference_types: Words


class Coverage(_Schema):
    """The shape of rules/coverage.yaml."""
    level_rank: dict[str, int]
    lower_levels: Words
    lower_level_scopes: Words
    lower_level_agencies: Words
    higher_level_scopes: Words
    name_abbreviations: Names
    name_noise: Words
    pairing: _Pairing
    linking: _Linking
    statuses: dict[str, _Status]
    link_methods: Names
    labels: Names


class _DayOfPeriod(_Schema):
    monthly: Words
    quarterly: Words
    yearly: Words


class Deadlines(_Schema):
    """The shape of rules/deadlines.yaml."""
    day: Words
    month: Words
    quarter: Words
    year: Words
    week: Words
    quarter_numbers: dict[Union[str, int], int]
    half_prefixes: Words
    half_first: Words
    half_second: Words
    year_end: Words
    current_year: Words
    from_: Words = Field(alias="from")
    range_to: Words
    until: Words
    before: Words
    onwards: Words
    within: Words
    period_label: Words
    every: Words
    periodic: Words
    frequencies: dict[str, Literal["weekly", "monthly", "quarterly", "yearly"]]
    months_to_freq: dict[int, Literal["weekly", "monthly", "quarterly", "yearly"]]
    times_per: Words
    number_words: dict[str, int]
    of: Words
    ongoing: Words
    ongoing_cues: Words
    day_of_period: _DayOfPeriod
    weekdays: dict[str, Annotated[int, Field(ge=1, le=7)]]
    hour: Words
    minute: Words
    conjunctions: Words
    find_cues: Words


class _Totals(_Schema):
    indicators: list[_capturing(positional=1)]     # group 1: the declared count
    tasks: list[_capturing(positional=1)]


class Declared(_Schema):
    """The shape of rules/declared.yaml."""
    totals: _Totals
    total_cues: Words
    task_group: _TaskGroupPattern
    appendix_mention: _capturing(positional=1)     # group 1: the appendix's numeral
    appendix_word: str


class Document(_Schema):
    """The shape of rules/document.yaml."""
    doc_types: Names
    symbol_doc_types: Names
    motto_prefixes: Words
    preamble_openers: dict[str, Literal["basis", "implements", "replaces", "mentioned"]]
    closing_openers: Words
    recipients_label: str
    recipient_excluded_prefixes: Words
    recipient_annotations: list[Regex]
    capacity_prefixes: Words
    signature_titles: Words
    title_case_words: Words
    abbreviations: Words
    appendix_label: Regex
    attached_line_openers: Words
    committee_issue_verbs: Words
    list_joiners: Annotated[Words, Field(min_length=1)]
    container_headings: Words
    scope_patterns: list[Regex]
    issuer_kinds: Names
    symbol_issuer_kinds: Names
    issuer_names: Names
    committee_heads: Words
    province_words: Words
    part_words: Words
    signature_placeholders: Words
    own_level_cues: Words
    number_label: str
    locality_ends: Words
    year_words: Words


class _LabelColumn(_Schema):
    header: str
    values: Names


class Labels(_Schema):
    """The shape of rules/labels.yaml."""
    columns: dict[str, _LabelColumn]


class _Tcvn3(_Schema):
    small: dict[str, Annotated[Words, Field(min_length=6, max_length=6)]]
    d_stroke: str = Field(alias="đ")
    capital: Names


class _SmallCapital(_Schema):
    small: Words
    capital: Words


class _Vni(_Schema):
    tone_marks: _SmallCapital
    circumflex: _SmallCapital
    breve: _SmallCapital
    single: Names


class _Fonts(_Schema):
    tcvn3: list[Regex]
    tcvn3_capitals: list[Regex]
    vni: list[Regex]


class _Detection(_Schema):
    min_words: dict[str, int]
    ordinary_signs: Words
    quote_signs: Words


class LegacyEncodings(_Schema):
    """The shape of rules/legacy_encodings.yaml."""
    tcvn3: _Tcvn3
    vni: _Vni
    fonts: _Fonts
    detection: _Detection


class _ListMarkers(_Schema):
    bullets: Annotated[list[Annotated[str, Field(min_length=1, max_length=1)]], Field(min_length=1)]
    letters: Annotated[str, Field(min_length=1)]


class Markup(_Schema):
    """The shape of rules/markup.yaml."""
    page_words: Words
    list_markers: _ListMarkers
    column_openers: Words


class Nlp(_Schema):
    """The shape of rules/nlp.yaml."""
    nominal_tags: Words
    verb_tags: Words
    name_words: Words
    max_name_tokens: int
    sentence_break: Regex


class _BulletMisreads(_Schema):
    as_: str = Field(alias="as")
    read: Words


class _Syllable(_Schema):
    initials: Words
    vowels: str
    finals: Words
    glides: Words = []


class _SplitInsideWord(_Schema):
    ending: Regex
    tail: Regex


class Ocr(_Schema):
    """The shape of rules/ocr.yaml."""
    model_config = ConfigDict(extra="allow", populate_by_name=True)
    confusions: Names = {}
    heading_numerals: Names = {}
    quarter_numerals: Names = {}
    letter_misreads: Names = {}
    kept_short: Words = []
    frequent_words: Words = []
    heading_openers: Words = []
    glyph_confusions: Names = {}
    bullet_misreads: _BulletMisreads = None
    syllable: _Syllable = None
    split_inside_word: _SplitInsideWord = None
    numeral_strokes: Names = {}
    unit_specks: str = ""


class References(_Schema):
    """The shape of rules/references.yaml."""
    types: Names
    symbol_codes: Names
    issuer_stops: Words
    replaces_cues: Words
    committee_topics: Words
    issuer_before: _IssuerPattern
    committee_heads: Words
    issuer_cue: str
    basis_headings: Words
    issuer_codes: Words
    number_word: str
    issued_words: Words
    topic_word: str


class _LowConfidence(_Schema):
    threshold: float
    flags: Words
    problem_codes: Words


class Review(_Schema):
    """The shape of rules/review.yaml."""
    labels: dict[str, Union[str, Names]]
    fields: Names
    choices: dict[str, Names]
    low_confidence: _LowConfidence


class SymbolFonts(RootModel[dict[str, dict[Union[str, int], str]]]):
    """The shape of rules/symbol_fonts.yaml."""
    pass


_FieldName = Literal["index", "indicator", "task", "unit", "target", "lead", "partners", "output", "deadline",
                     "basis", "scope", "note"]


class _TableKind(_Schema):
    name: _FieldName
    ambiguous: dict[str, _FieldName]


class TableColumns(_Schema):
    """The shape of rules/table_columns.yaml."""
    fields: dict[_FieldName, list[Regex]]
    indicator_table: _TableKind
    task_table: _TableKind
    group_index: Regex
    note_basis_cues: Words
    merged_cell_applies_to_each_row: list[_FieldName]


class _Sheet(_Schema):
    sheet: str
    columns: Names = {}


class Tables(_Schema):
    """The shape of rules/tables.yaml."""
    tables: dict[str, _Sheet]
    files_sheet: _Sheet
    columns: Names


class _InlineFields(_Schema):
    lead: Words
    partners: Words
    deadline: Words
    output: Words


class TextItems(_Schema):
    """The shape of rules/text_items.yaml."""
    inline_fields: _InlineFields
    agency_clause_ends: Words
    lead_cue: str
    assigning_verbs: Words
    completion_words: Words
    empty_action_verbs: Words
    partner_cue: str
    bare_partner_cue: str
    bracket_lead_cues: Words
    implementation_headings: Words
    skipped_headings: Words
    assignment_heading_prefixes: Words
    aim_openers: list[Regex]
    share_prefix: str
    count_prefix: str
    dangling_words: Words
    scope_after: _capturing(positional=1)          # group 1: the scope ("cấp xã")
    task_deadline_kinds: list[Literal["date", "month", "quarter", "half", "year", "range", "from", "recurring",
                                      "ongoing", "unspecified"]]
    not_target_units: Words
    merge_name_score: Annotated[float, Field(ge=0, le=100)]
    merge_name_score_without_value: Annotated[float, Field(ge=0, le=100)]
    task_part_headings: Words
    general_openers: Words
    results_headings: list[Regex]
    result_openers: list[Regex]


class Typos(RootModel[Names]):
    """The shape of rules/typos.yaml."""
    pass


class WarmUp(_Schema):
    """The shape of rules/warm_up.yaml."""
    plan: Annotated[str, Field(min_length=1)]
    agency_phrase: str


class Units(_Schema):
    """The shape of rules/units.yaml."""
    percent: Words
    percent_after: Words
    counted: Words
    cell_units: Words = []


SCHEMAS: dict[str, type[BaseModel]] = {
    "agencies": Agencies, "batch": Batch, "comparators": Comparators, "coverage": Coverage,
    "deadlines": Deadlines, "declared": Declared, "document": Document, "labels": Labels,
    "legacy_encodings": LegacyEncodings, "markup": Markup, "nlp": Nlp, "ocr": Ocr,
    "references": References, "review": Review, "symbol_fonts": SymbolFonts,
    "table_columns": TableColumns, "tables": Tables, "text_items": TextItems, "typos": Typos,
    "units": Units, "warm_up": WarmUp,
}


# ----------------------------------------------------------------------------- messages


_MAX_FAULTS = 8      # faults listed in one message; a file in the wrong shape has one per key


def validate_rules(name: str, data: Any, shown_as: str) -> None:
    """Check the parsed content of rules/<name>.yaml against its schema.

    `shown_as` is the file as the message names it ("rules/units.yaml"). A file without a
    schema passes (a new file gets one here). Raises RulesError listing every fault, one per
    line: "<file>: <key path>: <what was expected>".
    """
    schema = SCHEMAS.get(name)
    if schema is None:
        return
    try:
        schema.model_validate(data)
    except ValidationError as error:
        faults = list(dict.fromkeys(_describe_error(schema, e) for e in error.errors()))
        shown = [f"{shown_as}: {fault}" for fault in faults[:_MAX_FAULTS]]
        if len(faults) > _MAX_FAULTS:
            shown.append(f"{shown_as}: … and {len(faults) - _MAX_FAULTS} more")
        raise RulesError("\n".join(shown)) from None


def _strip(annotation: Any) -> Any:
    while get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    return annotation


def _is_union(annotation: Any) -> bool:
    return get_origin(annotation) in (Union, types.UnionType)


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _child(annotation: Any, key: Any) -> Any:
    """The annotation of `annotation`[key]; None where `key` does not index it."""
    annotation = _strip(annotation)
    if _is_model(annotation):
        if issubclass(annotation, RootModel):
            return _child(annotation.model_fields["root"].annotation, key)
        for field_name, info in annotation.model_fields.items():
            if key in (field_name, info.alias):
                return info.annotation
        return None
    origin, args = get_origin(annotation), get_args(annotation)
    if origin is list and isinstance(key, int):
        return args[0]
    if origin is dict:
        return args[0] if key == "[key]" else args[1]
    return None


def _is_scalar(annotation: Any) -> bool:
    annotation = _strip(annotation)
    if _is_union(annotation):
        return all(_is_scalar(member) for member in get_args(annotation))
    return annotation in (str, int, float, bool) or get_origin(annotation) is Literal


def _walk(schema: type[BaseModel], loc: tuple) -> list[tuple[Any, Any, Any]]:
    """(key, container annotation, child annotation) for each step of `loc` that indexes the
    data (pydantic's union-member tags such as 'str' are passed over)."""
    steps = []
    current: Any = schema
    for key in loc:
        child = _child(current, key)
        if child is None and _is_union(_strip(current)):
            continue                    # a union member's tag, not a key of the data
        steps.append((key, current, child))
        current = child if child is not None else Any
    return steps


def _path(keys: list) -> str:
    out = ""
    for key in keys:
        if isinstance(key, int):
            out += f"[{key}]"
        elif key == "[key]":
            out += " (a key)"
        elif isinstance(key, str) and re.fullmatch(r"[^\W\d]\w*", key):
            out += f".{key}" if out else key
        else:
            out += f"[{key!r}]"
    return out or "(the whole file)"


def _plural(annotation: Any) -> str:
    words = {str: "strings", int: "whole numbers", float: "numbers", bool: "true/false values"}
    annotation = _strip(annotation)
    if annotation in words:
        return words[annotation]
    if _is_union(annotation):
        return " or ".join(_plural(member) for member in get_args(annotation))
    description = _describe(annotation)
    return description.removeprefix("a ").removeprefix("an ") + "s" if description.startswith(("a ", "an ")) \
        else description


def _describe(annotation: Any) -> str:
    """What a value of `annotation` is, in words ("a list of strings")."""
    annotation = _strip(annotation)
    if annotation is str:
        return "a string"
    if annotation is int:
        return "a whole number"
    if annotation is float:
        return "a number"
    if annotation is bool:
        return "true or false"
    if get_origin(annotation) is Literal:
        return "one of " + ", ".join(repr(v) for v in get_args(annotation))
    if _is_union(annotation):
        return " or ".join(_describe(member) for member in get_args(annotation))
    origin, args = get_origin(annotation), get_args(annotation)
    if origin is list:
        return f"a list of {_plural(args[0])}"
    if origin is dict:
        return f"a mapping of {_plural(args[0])} to {_plural(args[1])}"
    if _is_model(annotation):
        if issubclass(annotation, RootModel):
            return _describe(annotation.model_fields["root"].annotation)
        keys = [info.alias or name for name, info in annotation.model_fields.items()]
        return "a mapping with keys " + ", ".join(keys)
    return "a value"


def _sentence(message: str) -> str:
    return message[:1].lower() + message[1:]


def _describe_error(schema: type[BaseModel], error: dict) -> str:
    """One pydantic error as "<key path>: <what is wrong>", reported at the list or mapping
    that holds a wrong scalar (a list of strings with a number in it: "expected a list of
    strings")."""
    loc = tuple(error["loc"])
    if loc and loc[-1] == "[key]":       # a mapping's key: name the key itself
        steps = _walk(schema, loc[:-2])     # pydantic: (..., key, "[key]")
        return f"{_path([k for k, _, _ in steps])}: key {error['input']!r}: {_sentence(error['msg'])}"
    steps = _walk(schema, loc)
    kind = error["type"]
    if kind == "missing":
        return f"{_path([k for k, _, _ in steps])}: missing (required)"
    if kind == "extra_forbidden":
        container = steps[-1][1] if steps else schema
        known = [info.alias or name for name, info in _strip(container).model_fields.items()] \
            if _is_model(_strip(container)) else []
        return f"{_path([k for k, _, _ in steps])}: unknown key (known keys: {', '.join(known)})"
    if kind == "value_error":         # a regular expression that does not compile, or a value rule
        return f"{_path([k for k, _, _ in steps])}: {error['msg'].removeprefix('Value error, ')}"
    if kind in ("literal_error", "string_pattern_mismatch", "greater_than_equal", "less_than_equal",
                "too_short", "too_long", "string_too_short", "string_too_long"):
        return f"{_path([k for k, _, _ in steps])}: {_sentence(error['msg'])}"
    # a wrong type: report it at the container of scalars it sits in
    while steps and steps[-1][2] is not None and _is_scalar(steps[-1][2]) \
            and get_origin(_strip(steps[-1][1])) in (list, dict):
        steps.pop()
    annotation = steps[-1][2] if steps else schema
    return f"{_path([k for k, _, _ in steps])}: expected {_describe(annotation)}"
