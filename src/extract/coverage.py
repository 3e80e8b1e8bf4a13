"""Coverage across levels: does a lower-level plan (a commune's) carry out the plan it
implements (its province's)?

Works on contract JSON only (plain dicts as `kehoach extract` writes them), never on the
pipeline's internal types, so it runs on any set of extracted documents.

1. `link_plan(lower, candidates)`: the plan a lower-level plan implements — by the number of
   its `implements` reference when both are numbered; otherwise by issuer, date, a shared
   source document and title words, with a confidence 0..1 and the evidence used.
2. `compare_plans(lower, higher)`: each higher indicator meant for the level below (a target
   scoped "Cấp xã", or an agency such as "UBND các xã, phường", rules/coverage.yaml) paired
   with the lower plan's indicator by meaning (extract.matching; units and target values add
   to the score) and given a status: same / stronger / weaker / unit_differs / no_target /
   missing; lower indicators without a counterpart are `extra`. Tasks assigned to the level
   below likewise: adopted / late (deadline later than the higher plan's) / missing.
3. Output: a readable report (`kehoach compare`), rows for the coverage tables (CSV, Parquet,
   XLSX, DuckDB) and a self-contained HTML heat map (`kehoach batch --compare-to`).
4. `evaluate_coverage(golden/coverage, extract)`: link accuracy and pair P/R/F1 against
   hand-made coverage goldens (`kehoach eval`).
"""

from __future__ import annotations

import html
import json
import re
import sys
from dataclasses import asdict, dataclass, field
from functools import cache, lru_cache
from pathlib import Path
from typing import Annotated, Any, Callable, Iterable

import typer
from rapidfuzz import fuzz

from extract.matching import blended_similarity, comparable_name, pair_matrix
from extract.rules import load_rules, word_alternation

Plan = dict[str, Any]

COVERAGE_DIR = "coverage"
UP_COMPARATORS = (">=", ">", "=")


# ------------------------------------------------------------------------ vocabulary

@dataclass(frozen=True)
class _Vocabulary:
    rules: dict
    lower_scope: re.Pattern
    higher_scope: re.Pattern
    lower_agency: re.Pattern
    noise: tuple[str, ...]
    expansions: dict[str, str]


@cache
def vocabulary() -> _Vocabulary:
    """rules/coverage.yaml compiled once (with the subject abbreviations of rules/agencies.yaml)."""
    rules = load_rules("coverage")
    expansions = dict(load_rules("agencies").get("subject_abbreviations") or {})
    expansions.update(rules["name_abbreviations"])

    def compiled(words: Iterable[str]) -> re.Pattern:
        return re.compile(word_alternation(words), re.IGNORECASE)

    return _Vocabulary(rules=rules, lower_scope=compiled(rules["lower_level_scopes"]),
                       higher_scope=compiled(rules["higher_level_scopes"]),
                       lower_agency=compiled(rules["lower_level_agencies"]),
                       noise=tuple(sorted((w.casefold() for w in rules["name_noise"]), key=len, reverse=True)),
                       expansions=expansions)


@lru_cache(maxsize=65536)
def name_key(name: str | None) -> str:
    """A name as compared across levels: abbreviations expanded, place and share words dropped."""
    v = vocabulary()
    return comparable_name(name or "", v.expansions, v.noise)


def status_label(status: str) -> str:
    """The Vietnamese label of a pairing status (rules/coverage.yaml statuses). Raises KeyError for
    an unknown status."""
    return vocabulary().rules["statuses"][status]["label"]


# ----------------------------------------------------------------------------- plans

def load_plan(path: Path, extract: Callable[[Path], Any] | None = None) -> Plan:
    """Contract JSON of a plan: read from a .json file, or extracted from a document.

    `extract(path) -> Document` defaults to the pipeline with NLP; raises LoadError for a
    document that cannot be read and ValueError for JSON that is not a plan.
    """
    path = Path(path)
    if path.suffix.lower() == ".json":
        plan = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(plan, dict) or "document" not in plan:
            raise ValueError(f"{path}: not a contract JSON document (no 'document')")
        return plan
    if extract is None:
        from extract.pipeline import extract_path
        extract = extract_path
    return extract(path).model_dump(mode="json")


def _meta(plan: Plan) -> dict:
    return plan.get("document") or {}


def _issuer(plan: Plan) -> dict:
    return _meta(plan).get("issuer") or {}


def level_rank(plan: Plan) -> int:
    """0 for an unknown level; higher numbers for higher levels (rules/coverage.yaml)."""
    return vocabulary().rules["level_rank"].get(_issuer(plan).get("level") or "", 0)


def is_lower_level(plan: Plan) -> bool:
    """Whether the plan's issuer is of a lower level (rules/coverage.yaml lower_levels: commune,
    ward …)."""
    return _issuer(plan).get("level") in vocabulary().rules["lower_levels"]


def short_list(names: Iterable[str], most: int = 5) -> str:
    """Distinct names in first-seen order, at most `most` of them, then '(+N)' for the rest: a
    summary line stays one readable line whatever the batch holds (each plan in three formats)."""
    unique = list(dict.fromkeys(names))
    shown = ", ".join(unique[:most])
    return shown + (f" (+{len(unique) - most})" if len(unique) > most else "")


def plan_label(plan: Plan) -> str:
    """A short human name: the issuer's name, else the file."""
    return _issuer(plan).get("name") or (plan.get("source") or {}).get("file") or "?"


@lru_cache(maxsize=65536)
def _number_key(number: str | None) -> str | None:
    return re.sub(r"\s+", "", number).casefold() if number else None


# --------------------------------------------------------------------------- linking

@dataclass
class Link:
    """How a lower plan was linked to a higher one. `higher` indexes the candidates (None:
    not linked); `method` is number | issuer_date_title | none; `evidence` lists what agreed."""
    higher: int | None
    method: str
    confidence: float
    evidence: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        """The link as a JSON-ready dict (its dataclass fields)."""
        return asdict(self)


def _cited_plans(plan: Plan) -> list[dict]:
    """The plans a plan says it carries out: its `implements` references, then its `basis`
    ones ("Căn cứ Kế hoạch số …"), of the document types of rules/coverage.yaml."""
    types = vocabulary().rules["linking"]["reference_types"]
    refs = _meta(plan).get("references") or []
    return [r for role in ("implements", "basis") for r in refs if r.get("role") == role and r.get("type") in types]


def _issuer_agrees(ref: dict, lower: Plan, higher: Plan) -> bool:
    """The citation's issuer is the higher plan's: it names the higher plan's locality, or it
    is the same body by name, or it names only the level ("UBND tỉnh") and the lower plan
    belongs to the higher plan's province."""
    written = ref.get("issuer") or ""
    issuer = _issuer(higher)
    locality = (issuer.get("locality") or "").casefold()
    if not written:
        return False
    if locality and locality in written.casefold():
        return True
    if fuzz.token_set_ratio(_agency_key(written), _agency_key(issuer.get("name") or "")) >= \
            vocabulary().rules["linking"]["issuer_score"]:
        return True
    province = (_issuer(lower).get("province") or "").casefold()
    return bool(locality) and province == locality and _names_level(written, issuer.get("level"))


@lru_cache(maxsize=4096)
def _agency_key(name: str) -> str:
    """An issuer's name for comparison: agency abbreviations (UBND …) expanded, case folded."""
    return comparable_name(name, load_rules("agencies")["agency_abbreviations"])


@lru_cache(maxsize=None)
def _level_pattern(level: str | None, at_end: bool) -> re.Pattern[str] | None:
    """The level words of `level` (rules/agencies.yaml) as one pattern, compiled once."""
    words = [w["word"] for w in load_rules("agencies").get("levels", []) if w["code"] == level]
    end = r"\W*$" if at_end else r"(?!\w)"
    return re.compile("|".join(rf"(?<!\w){re.escape(word)}{end}" for word in words), re.IGNORECASE) if words else None


def _names_level(text: str, level: str | None, at_end: bool = False) -> bool:
    """`text` contains (or, with `at_end`, ends with) the level word of `level` ("tỉnh" for
    tinh, rules/agencies.yaml)."""
    pattern = _level_pattern(level, at_end)
    return bool(pattern and pattern.search(text))


def _not_another_issuer(ref: dict, lower: Plan, higher: Plan) -> bool:
    """A serial such as 131/KH-UBND is unique only per issuer: a citation with the candidate's
    number is the candidate unless its issuer, its date or the lower plan's province says
    otherwise (every province's committee has a plan numbered 131/KH-UBND)."""
    issuer = ref.get("issuer")
    generic = issuer and _names_level(issuer, _issuer(higher).get("level"), at_end=True)   # "của UBND tỉnh"
    if issuer and not generic and not _issuer_agrees(ref, lower, higher):
        return False   # "của UBND tỉnh Quảng Trị" for a Thái Nguyên plan
    if ref.get("date") and (_meta(higher).get("date") or {}).get("year") and not _date_agrees(ref["date"], higher):
        return False
    province, locality = _issuer(lower).get("province"), _issuer(higher).get("locality")
    return not (province and locality and province.casefold() != locality.casefold()
                and _issuer(higher).get("level") == "tinh")


def _date_agrees(ref_date: str | None, higher: Plan) -> bool:
    date = _meta(higher).get("date") or {}
    if not ref_date:
        return False
    if date.get("iso"):
        return ref_date == date["iso"]
    year, month = date.get("year"), date.get("month")
    return bool(year) and ref_date.startswith(f"{year:04d}-{month:02d}" if month else f"{year:04d}")


def _evidence(lower: Plan, higher: Plan) -> tuple[float, list[str]]:
    """Weighted evidence 0..1 that `lower` implements `higher` when no number decides."""
    rules = vocabulary().rules["linking"]
    weights = rules["weights"]
    found: set[str] = set()
    higher_number = _number_key(_meta(higher).get("number"))
    for ref in _cited_plans(lower):
        if higher_number and _number_key(ref.get("number")) not in (None, higher_number):
            continue  # a numbered citation of another plan says nothing about this one
        if _issuer_agrees(ref, lower, higher):
            found.add("issuer")
            if _date_agrees(ref.get("date"), higher):
                found.add("date")
    if not found and (_issuer(lower).get("province") or "").casefold() == \
            (_issuer(higher).get("locality") or "#").casefold():
        found.add("province")  # no citation of it, but the same province
    lower_sources = {_number_key(r.get("number")) for r in _meta(lower).get("references") or [] if r.get("number")}
    higher_sources = {_number_key(r.get("number")) for r in _meta(higher).get("references") or []
                      if r.get("number") and r.get("role") == "implements"}
    if lower_sources & higher_sources:
        found.add("shared_source")
    titles = [_meta(lower).get("title") or ""] + [r.get("text") or "" for r in _cited_plans(lower)]
    higher_title = name_key(_meta(higher).get("title"))
    if any(fuzz.token_set_ratio(name_key(t), higher_title) >= rules["title_score"] for t in titles if t):
        found.add("title")
    year, higher_year = _meta(lower).get("plan_year"), _meta(higher).get("plan_year")
    if year and higher_year and year != higher_year:
        return 0.0, []
    ordered = [name for name in weights if name in found]
    return round(sum(weights[name] for name in ordered), 3), ordered


def link_plan(lower: Plan, candidates: list[Plan]) -> Link:
    """The candidate that `lower` implements: a higher-level plan whose number an
    `implements` (else `basis`) reference of `lower` cites (confidence 1); else the best by
    issuer, date, shared source and title evidence at or above the threshold of
    rules/coverage.yaml; else Link(None, "none", 0)."""
    rank = level_rank(lower)
    best = Link(None, "none", 0.0)
    for index, higher in enumerate(candidates):
        if higher is lower or level_rank(higher) <= rank:
            continue
        number = _number_key(_meta(higher).get("number"))
        if number and any(_number_key(r.get("number")) == number and _not_another_issuer(r, lower, higher)
                          for r in _cited_plans(lower)):
            return Link(index, "number", 1.0, ["number"])
        score, evidence = _evidence(lower, higher)
        if score > best.confidence:
            best = Link(index, "issuer_date_title", score, evidence)
    if best.confidence < vocabulary().rules["linking"]["threshold"]:
        return Link(None, "none", best.confidence, best.evidence)
    return best


# ------------------------------------------------------------------------- coverage

@dataclass
class Pair:
    """One row of coverage: a higher item and the lower item paired with it (or None)."""
    status: str
    higher: dict | None
    lower: dict | None
    assigned: bool
    score: float | None = None
    higher_target: dict | None = None
    lower_target: dict | None = None

    def as_dict(self) -> dict:
        """The pair as a JSON-ready dict: status, both items' id and name, score (1 decimal),
        targets and deadlines as text."""
        def brief(item):
            return None if item is None else {"id": item.get("id"), "name": item.get("name")}
        return {"status": self.status, "assigned": self.assigned,
                "higher": brief(self.higher), "lower": brief(self.lower),
                "score": None if self.score is None else round(self.score, 1),
                "higher_target": _target_text(self.higher_target), "lower_target": _target_text(self.lower_target),
                "higher_deadline": _deadline_text(self.higher), "lower_deadline": _deadline_text(self.lower)}


@dataclass
class Coverage:
    """How one lower plan carries out one higher plan."""
    lower: Plan
    higher: Plan
    link: Link
    indicators: list[Pair]
    tasks: list[Pair]

    def as_dict(self) -> dict:
        """The comparison as a JSON-ready dict: both plans in brief, the link, every pair and the
        counts."""
        return {"lower": _plan_brief(self.lower), "higher": _plan_brief(self.higher),
                "link": self.link.as_dict(),
                "indicators": [p.as_dict() for p in self.indicators],
                "tasks": [p.as_dict() for p in self.tasks],
                "counts": self.counts()}

    def counts(self) -> dict[str, dict[str, int]]:
        """Pairs per status, for indicators and for tasks ({'indicators': {status: n}, 'tasks': …});
        pairs not assigned to the lower plan count only when 'extra'."""
        out: dict[str, dict[str, int]] = {"indicators": {}, "tasks": {}}
        for kind, pairs in (("indicators", self.indicators), ("tasks", self.tasks)):
            for pair in pairs:
                if pair.assigned or pair.status == "extra":
                    out[kind][pair.status] = out[kind].get(pair.status, 0) + 1
        return out


def _plan_brief(plan: Plan) -> dict:
    meta = _meta(plan)
    return {"file": (plan.get("source") or {}).get("file"), "issuer": _issuer(plan).get("name"),
            "number": meta.get("number"), "date": (meta.get("date") or {}).get("iso"), "title": meta.get("title")}


def _target_text(target: dict | None) -> str | None:
    if not target:
        return None
    value = target["value"]
    value = int(value) if float(value).is_integer() else value
    comparator = {None: "", "=": "", ">=": "≥", "<=": "≤"}.get(target.get("comparator"), target.get("comparator"))
    unit = target.get("unit") or ""
    return f"{comparator}{value}{'' if unit == '%' else ' '}{unit}".strip()


def _deadline_text(item: dict | None) -> str | None:
    deadline = (item or {}).get("deadline")
    return deadline.get("text") if deadline else None


def _names_lower_level(agencies: list[dict]) -> bool:
    pattern = vocabulary().lower_agency
    return any(pattern.search(a.get("name") or "") or pattern.search(a.get("text") or "") for a in agencies)


def target_for_lower_level(indicator: dict) -> tuple[dict | None, bool]:
    """(the target meant for the level below, whether the indicator is assigned to it).

    Assigned: a target scoped to the level below ("Cấp xã"), an agency naming it (lead or
    partner), or a name or group heading that does ("… cán bộ cấp xã …", "Đối với UBND các
    xã, phường"); a plan that marks no indicator at all
    addresses all of them to the level below (see _HigherSide). The target: the lower-level
    scope's, else an unscoped one, else None (targets
    scoped only to the higher level are not the lower level's)."""
    v = vocabulary()
    targets = indicator.get("targets") or []
    scoped = [t for t in targets if t.get("scope") and v.lower_scope.search(t["scope"])
              and not v.higher_scope.search(t["scope"])]
    unscoped = [t for t in targets if not t.get("scope")]
    assigned = (bool(scoped) or _names_lower_level((indicator.get("lead") or []) + (indicator.get("partners") or []))
                or any(v.lower_agency.search(indicator.get(text) or "") for text in ("name", "group")))
    chosen = scoped[0] if scoped else unscoped[0] if unscoped else None
    return chosen, assigned


def _lower_target(indicator: dict) -> dict | None:
    targets = indicator.get("targets") or []
    v = vocabulary()
    return next((t for t in targets if not t.get("scope") or v.lower_scope.search(t["scope"])),
                targets[0] if targets else None)


@lru_cache(maxsize=4096)
def _unit_key(unit: str | None) -> str | None:
    return re.sub(r"\s+", " ", unit).strip().casefold() if unit else None


def target_status(higher: dict | None, lower: dict | None) -> str:
    """same / stronger / weaker / unit_differs / no_target for two targets (contract Target
    dicts). "≤"/"<" targets are limits: a lower value is the stronger commitment."""
    if not higher or not lower:
        return "no_target"
    hu, lu = _unit_key(higher.get("unit")), _unit_key(lower.get("unit"))
    if hu and lu and hu != lu:
        return "unit_differs"
    hv, lv = float(higher["value"]), float(lower["value"])
    if hv == lv:
        return "same"
    upward = (higher.get("comparator") or "=") in UP_COMPARATORS
    return "stronger" if (lv > hv) == upward else "weaker"


def _target_keys(targets: list[dict | None]) -> tuple[list, list]:
    """(unit keys, values) of targets, None where a target is missing."""
    return ([_unit_key(t.get("unit")) if t else None for t in targets],
            [float(t["value"]) if t else None for t in targets])


def _bonus_matrix(higher: tuple[list, list], lower: tuple[list, list]):
    """Score adjustments [higher][lower]: + when units agree, - when they differ, + when the
    target values are equal (rules/coverage.yaml `pairing`)."""
    import numpy as np

    rules = vocabulary().rules["pairing"]
    hu, hv = (np.array(x, dtype=object) for x in higher)
    lu, lv = (np.array(x, dtype=object) for x in lower)
    both_units = (hu != None)[:, None] & (lu != None)[None, :]  # noqa: E711 (element-wise)
    same_unit = both_units & (hu[:, None] == lu[None, :])
    both_values = (hv != None)[:, None] & (lv != None)[None, :]  # noqa: E711
    same_value = both_values & (hv[:, None] == lv[None, :])
    return (rules["same_unit_bonus"] * same_unit - rules["different_unit_penalty"] * (both_units & ~same_unit)
            + rules["same_value_bonus"] * same_value).astype(float)


class _HigherSide:
    """What is computed once per higher plan and reused for every lower plan: its items, their
    name keys and targets, and the similarity of its names to every lower name seen so far
    (one column per distinct lower name, so a batch of communes costs one cdist per name)."""

    def __init__(self, higher: Plan) -> None:
        self.indicators: list[dict] = higher.get("indicators") or []
        self.tasks: list[dict] = higher.get("tasks") or []
        self.targets = [target_for_lower_level(i) for i in self.indicators]
        if self.indicators and not any(assigned for _, assigned in self.targets):
            # a plan that names no level for any indicator addresses them all to the level below
            self.targets = [(target, True) for target, _ in self.targets]
        self.target_keys = _target_keys([t for t, _ in self.targets])
        self.task_assigned = [_names_lower_level((t.get("lead") or []) + (t.get("partners") or []))
                              for t in self.tasks]
        self._keys = {"indicators": [name_key(i.get("name")) for i in self.indicators],
                      "tasks": [name_key(t.get("name")) for t in self.tasks]}
        self._columns: dict[str, dict[str, Any]] = {"indicators": {}, "tasks": {}}

    def warm(self, kind: str, lower_keys: Iterable[str]) -> None:
        """Compute, in one rapidfuzz cdist call, the similarity columns of the new lower names."""
        import numpy as np

        columns = self._columns[kind]
        new = list(dict.fromkeys(k for k in lower_keys if k not in columns))
        if not new:
            return
        rules = vocabulary().rules["pairing"]
        matrix = blended_similarity(self._keys[kind], new, rules["set_weight"], rules["sort_weight"])
        matrix = np.asarray(matrix).reshape(len(self._keys[kind]), len(new))
        for index, key in enumerate(new):
            columns[key] = matrix[:, index]

    def similarity(self, kind: str, lower_keys: list[str]):
        """numpy matrix [higher item][lower item] of name similarity 0..100."""
        import numpy as np

        self.warm(kind, lower_keys)
        columns = self._columns[kind]
        if not lower_keys:
            return np.zeros((len(self._keys[kind]), 0))
        return np.column_stack([columns[k] for k in lower_keys])


def prepare_higher(higher: Plan) -> _HigherSide:
    """The higher plan's side of the comparison, to reuse over many lower plans."""
    return _HigherSide(higher)


def _deadline_end(item: dict | None) -> str | None:
    deadline = (item or {}).get("deadline") or {}
    return deadline.get("end")


def compare_plans(lower: Plan, higher: Plan, link: Link | None = None,
                  prepared: _HigherSide | None = None) -> Coverage:
    """Coverage of `higher` by `lower` (contract JSON dicts). `prepared` (from
    `prepare_higher(higher)`) saves recomputing the higher side for many lower plans."""
    side = prepared or prepare_higher(higher)
    rules = vocabulary().rules["pairing"]
    lower_indicators = lower.get("indicators") or []
    lower_keys = [name_key(i.get("name")) for i in lower_indicators]
    lower_targets = [_lower_target(i) for i in lower_indicators]
    matrix = side.similarity("indicators", lower_keys)
    if matrix.size:
        matrix = matrix + _bonus_matrix(side.target_keys, _target_keys(lower_targets))
    found = pair_matrix(matrix, rules["indicator_threshold"])
    indicator_rows = []
    for hi, item in enumerate(side.indicators):
        target, assigned = side.targets[hi]
        if hi in found:
            li, score = found[hi]
            lower_target = lower_targets[li]
            indicator_rows.append(Pair(target_status(target, lower_target), item, lower_indicators[li], assigned,
                                       score, target, lower_target))
        elif assigned:
            indicator_rows.append(Pair("missing", item, None, True, None, target, None))
    paired = {li for li, _ in found.values()}
    indicator_rows += [Pair("extra", None, item, False, None, None, _lower_target(item))
                       for li, item in enumerate(lower_indicators) if li not in paired]

    lower_tasks = lower.get("tasks") or []
    found = pair_matrix(side.similarity("tasks", [name_key(t.get("name")) for t in lower_tasks]),
                        rules["task_threshold"])
    task_rows = []
    for hi, item in enumerate(side.tasks):
        assigned = side.task_assigned[hi]
        if hi in found:
            li, score = found[hi]
            late = (_deadline_end(item) and _deadline_end(lower_tasks[li])
                    and _deadline_end(lower_tasks[li]) > _deadline_end(item))
            task_rows.append(Pair("late" if late else "adopted", item, lower_tasks[li], assigned, score))
        elif assigned:
            task_rows.append(Pair("missing", item, None, True))
    paired = {li for li, _ in found.values()}
    task_rows += [Pair("extra", None, item, False) for li, item in enumerate(lower_tasks) if li not in paired]
    return Coverage(lower, higher, link or Link(0, "given", 1.0, []), indicator_rows, task_rows)


# --------------------------------------------------------------------------- report

def format_report(coverage: Coverage) -> str:
    """The coverage of one lower plan as text for people (labels from rules/coverage.yaml)."""
    rules = vocabulary().rules
    labels = rules["labels"]
    link = coverage.link
    method = rules["link_methods"].get(link.method, link.method)
    lines = [labels["report_title"],
             f"{labels['lower']}: {plan_label(coverage.lower)} — {_meta(coverage.lower).get('title') or ''}",
             f"{labels['higher']}: {plan_label(coverage.higher)} — {_meta(coverage.higher).get('title') or ''}",
             f"{labels['link']}: {method} ({labels['confidence']} {link.confidence:.2f}"
             + (f"; {', '.join(link.evidence)}" if link.evidence else "") + ")", ""]

    def section(title: str, pairs: list[Pair], show_targets: bool) -> None:
        if not pairs:
            return
        lines.append(f"== {title} ({len(pairs)})")
        for pair in pairs:
            short = rules["statuses"][pair.status]["short"]
            higher = (pair.higher or {}).get("name")
            lower = (pair.lower or {}).get("name")
            if show_targets:
                detail = f"[{_target_text(pair.higher_target) or '-'} → {_target_text(pair.lower_target) or '-'}]"
            else:
                detail = f"[{_deadline_text(pair.higher) or labels['no_deadline']} → " \
                         f"{_deadline_text(pair.lower) or labels['no_deadline']}]"
            name = higher or lower
            lines.append(f" {short} {status_label(pair.status)}: {name} {detail}")
            if higher and lower:
                lines.append(f"     ↳ {lower}")
        lines.append("")

    section(labels["indicators"], [p for p in coverage.indicators if p.assigned], True)
    section(labels["other_adopted"], [p for p in coverage.indicators if not p.assigned and p.status != "extra"], True)
    section(labels["extra_indicators"], [p for p in coverage.indicators if p.status == "extra"], True)
    section(labels["tasks"], [p for p in coverage.tasks if p.assigned], False)
    section(labels["extra_tasks"], [p for p in coverage.tasks if p.status == "extra"], False)
    for kind, counts in coverage.counts().items():
        summary = "; ".join(f"{status_label(s)}: {n}" for s, n in counts.items())
        lines.append(f"{labels['summary']} ({labels[kind].lower()}): {summary}")
    return "\n".join(lines)


# ---------------------------------------------------------------- tables and heat map

TABLE_COLUMNS: dict[str, tuple[tuple[str, str], ...]] = {
    "coverage_indicators": (
        ("lower_file", "str"), ("lower_issuer", "str"), ("lower_locality", "str"), ("higher_file", "str"),
        ("link_method", "str"), ("link_confidence", "float"), ("higher_id", "str"), ("higher_name", "str"),
        ("higher_target", "str"), ("assigned", "bool"), ("lower_id", "str"), ("lower_name", "str"),
        ("lower_target", "str"), ("status", "str"), ("status_label", "str"), ("score", "float")),
    "coverage_tasks": (
        ("lower_file", "str"), ("lower_issuer", "str"), ("lower_locality", "str"), ("higher_file", "str"),
        ("link_method", "str"), ("link_confidence", "float"), ("higher_id", "str"), ("higher_name", "str"),
        ("higher_deadline", "str"), ("assigned", "bool"), ("lower_id", "str"), ("lower_name", "str"),
        ("lower_deadline", "str"), ("status", "str"), ("status_label", "str"), ("score", "float")),
}


def coverage_rows(coverages: Iterable[Coverage]) -> dict[str, list[dict]]:
    """Rows of the coverage tables: one per (lower plan, higher item) and per extra lower item."""
    tables: dict[str, list[dict]] = {name: [] for name in TABLE_COLUMNS}
    for coverage in coverages:
        common = {"lower_file": (coverage.lower.get("source") or {}).get("file"),
                  "lower_issuer": _issuer(coverage.lower).get("name"),
                  "lower_locality": _issuer(coverage.lower).get("locality"),
                  "higher_file": (coverage.higher.get("source") or {}).get("file"),
                  "link_method": coverage.link.method, "link_confidence": coverage.link.confidence}
        for table, pairs in (("coverage_indicators", coverage.indicators), ("coverage_tasks", coverage.tasks)):
            for pair in pairs:
                higher, lower = pair.higher or {}, pair.lower or {}
                row = dict(common, higher_id=higher.get("id"), higher_name=higher.get("name"),
                           assigned=pair.assigned, lower_id=lower.get("id"), lower_name=lower.get("name"),
                           status=pair.status, status_label=status_label(pair.status),
                           score=None if pair.score is None else round(pair.score, 1))
                if table == "coverage_indicators":
                    row.update(higher_target=_target_text(pair.higher_target),
                               lower_target=_target_text(pair.lower_target))
                else:
                    row.update(higher_deadline=_deadline_text(pair.higher), lower_deadline=_deadline_text(pair.lower))
                tables[table].append(row)
    return tables


def status_matrix(coverages: list[Coverage], kind: str = "indicators") -> tuple[list[dict], list[list[str]]]:
    """(columns, statuses): the higher plan's items assigned to the level below (all lower
    plans compared with the same higher plan), and per lower plan one status per column."""
    higher = coverages[0].higher if coverages else {}
    if kind == "indicators":
        side = prepare_higher(higher)
        columns = [item for item, (_, assigned) in zip(side.indicators, side.targets) if assigned]
    else:
        columns = [item for item in higher.get("tasks") or []
                   if _names_lower_level((item.get("lead") or []) + (item.get("partners") or []))]
    statuses = []
    for coverage in coverages:
        by_id = {p.higher.get("id"): p.status for p in getattr(coverage, kind) if p.higher}
        statuses.append([by_id.get(item.get("id"), "missing") for item in columns])
    return columns, statuses


def write_coverage_tables(folder: Path, coverages: list[Coverage]) -> list[Path]:
    """OUT/coverage tables: the long tables (one row per lower plan × higher item, and per extra
    lower item) as CSV (UTF-8 with BOM), Parquet and DuckDB; and coverage.xlsx with, per higher
    plan, a matrix sheet of indicators and one of tasks (lower plans as rows, status labels in
    coloured cells) that people read in Excel."""
    import csv
    import io

    import duckdb
    import pyarrow as pa
    import pyarrow.parquet as pq

    from extract.dataset import csv_cell, write_bytes_atomically, typed

    folder.mkdir(parents=True, exist_ok=True)
    tables = coverage_rows(coverages)
    types = {"str": pa.string(), "float": pa.float64(), "bool": pa.bool_()}
    written = []
    database_path = folder / "coverage.duckdb"
    database_path.unlink(missing_ok=True)
    database = duckdb.connect(str(database_path))
    try:
        for table, columns in TABLE_COLUMNS.items():
            names = [name for name, _ in columns]
            rows = tables.get(table, [])
            buffer = io.StringIO(newline="")
            writer = csv.writer(buffer, lineterminator="\r\n")
            writer.writerow(names)
            writer.writerows([[csv_cell(row[n]) for n in names] for row in rows])
            write_bytes_atomically(folder / f"{table}.csv", buffer.getvalue().encode("utf-8-sig"))
            schema = pa.schema([pa.field(name, types[kind]) for name, kind in columns])
            data = pa.Table.from_pydict({n: [typed(row[n], k) for row in rows] for n, k in columns}, schema=schema)
            pq.write_table(data, folder / f"{table}.parquet", compression="zstd")
            database.execute(f'CREATE TABLE "{table}" AS SELECT * FROM read_parquet(?)',
                             [str(folder / f"{table}.parquet")])
            written += [folder / f"{table}.csv", folder / f"{table}.parquet"]
        database.execute("CHECKPOINT")
    finally:
        database.close()
    _write_matrix_workbook(folder / "coverage.xlsx", coverages)
    return written + [folder / "coverage.xlsx", database_path]


def _by_higher(coverages: list[Coverage]) -> list[list[Coverage]]:
    groups: dict[int, list[Coverage]] = {}
    for coverage in coverages:
        groups.setdefault(id(coverage.higher), []).append(coverage)
    return list(groups.values())


def _write_matrix_workbook(path: Path, coverages: list[Coverage]) -> None:
    import copy
    import io

    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    from extract.dataset import deterministic_zip, write_bytes_atomically

    rules = vocabulary().rules
    labels, statuses = rules["labels"], rules["statuses"]
    bold, wrap = Font(bold=True), Alignment(wrap_text=True, vertical="top")
    workbook = Workbook(write_only=True)
    styles = {}   # one styled cell per status; its style is copied (styling every cell is slow)
    for status, spec in statuses.items():
        template = WriteOnlyCell(workbook.create_sheet("_"))
        template.fill = PatternFill("solid", fgColor=spec["colour"].lstrip("#"))
        template.font = Font(color="FFFFFF")
        styles[status] = template._style
        workbook.remove(workbook.worksheets[-1])
    groups = _by_higher(coverages)
    for number, group in enumerate(groups, 1):
        suffix = f" ({number})" if len(groups) > 1 else ""
        for kind in ("indicators", "tasks"):
            columns, matrix = status_matrix(group, kind)
            sheet = workbook.create_sheet(f"{labels['sheet_' + kind]}{suffix}"[:31])
            # The file beside the commune: one commune's plan may come in several files (formats)
            sheet.freeze_panes = "C2"
            sheet.column_dimensions["A"].width = 36
            sheet.column_dimensions["B"].width = 30
            for index in range(len(columns)):
                sheet.column_dimensions[get_column_letter(index + 3)].width = 22
            sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns) + 2)}{len(group) + 1}"
            header = [WriteOnlyCell(sheet, value=labels["commune"]), WriteOnlyCell(sheet, value=labels["file"])]
            header += [WriteOnlyCell(sheet, value=f"{n}. {item.get('name')}") for n, item in enumerate(columns, 1)]
            for cell in header:
                cell.font, cell.alignment = bold, wrap
            sheet.append(header)
            for coverage, row in zip(group, matrix):
                cells = [plan_label(coverage.lower), (coverage.lower.get("source") or {}).get("file")]
                for status in row:
                    cell = WriteOnlyCell(sheet, value=status_label(status))
                    cell._style = copy.copy(styles[status])
                    cells.append(cell)
                sheet.append(cells)
    if not groups:
        workbook.create_sheet(labels["sheet_indicators"])
    workbook.properties.creator = "kehoach-extract"
    buffer = io.BytesIO()
    workbook.save(buffer)
    write_bytes_atomically(path, deterministic_zip(buffer.getvalue()))


def heatmap_html(coverages: list[Coverage]) -> str:
    """A self-contained HTML page: lower plans as rows, the higher plan's indicators assigned
    to the level below as columns, each cell coloured by status (no script, no external file)."""
    rules = vocabulary().rules
    labels, statuses = rules["labels"], rules["statuses"]
    higher = coverages[0].higher if coverages else {}
    items, matrix = status_matrix(coverages)
    columns = list(enumerate(items))
    esc = html.escape
    head = "".join(f'<th class="col" title="{esc(item.get("name") or "")}" scope="col">{n}</th>'
                   for n, (_, item) in enumerate(columns, 1))
    body = []
    for coverage, row in zip(coverages, matrix):
        pairs = {(p.higher or {}).get("id"): p for p in coverage.indicators if p.higher}
        cells = []
        for (_, item), status in zip(columns, row):
            pair = pairs.get(item.get("id"))
            tip = f"{item.get('name')}: {status_label(status)}"
            if pair and (pair.higher_target or pair.lower_target):
                tip += f" ({_target_text(pair.higher_target) or '-'} → {_target_text(pair.lower_target) or '-'})"
            cells.append(f'<td class="s-{status}" data-status="{status}" title="{esc(tip)}">'
                         f'{esc(statuses[status]["short"])}</td>')
        extra_count = sum(1 for p in coverage.indicators if p.status == "extra")
        body.append(f'<tr><th scope="row">{esc(plan_label(coverage.lower))}</th>{"".join(cells)}'
                    f'<td class="extra">{extra_count}</td></tr>')
    used = ["same", "stronger", "weaker", "unit_differs", "no_target", "missing", "extra"]
    style = "".join(f".s-{s}{{background:{statuses[s]['colour']};color:#fff}}" for s in statuses)
    legend = "".join(f'<li><span class="swatch s-{s}">{esc(statuses[s]["short"])}</span> '
                     f'{esc(statuses[s]["label"])}</li>' for s in used)
    key = "".join(f"<li><b>{n}</b>. {esc(item.get('name') or '')} — "
                  f"{esc(_target_text(target_for_lower_level(item)[0]) or '-')}</li>"
                  for n, (_, item) in enumerate(columns, 1))
    extra = statuses["extra"]
    title = f"{labels['heatmap_title']}: {plan_label(higher)}"
    return f"""<!DOCTYPE html>
<html lang="vi"><head><meta charset="utf-8"><title>{esc(title)}</title>
<style>
body{{font-family:"Noto Sans","DejaVu Sans",Arial,sans-serif;margin:16px;color:#212121}}
table{{border-collapse:collapse}} th,td{{border:1px solid #bdbdbd;padding:4px 8px;text-align:center;font-size:14px}}
th[scope=row]{{text-align:left;white-space:nowrap;background:#fafafa}} th.col{{background:#eeeeee;min-width:28px}}
td.extra{{background:{extra['colour']};color:#fff}}
ul{{list-style:none;padding:0}} li{{margin:3px 0}}
.swatch{{display:inline-block;width:28px;text-align:center;padding:2px 0}}
{style}
</style></head><body>
<h1>{esc(title)}</h1>
<p>{esc(_meta(higher).get('title') or '')}</p>
<table id="heatmap"><thead><tr><th scope="col">{esc(labels['commune'])}</th>{head}
<th scope="col" title="{esc(extra['label'])}">{esc(extra['short'])}</th></tr></thead>
<tbody>{''.join(body)}</tbody></table>
<h2>{esc(labels['legend'])}</h2><ul id="legend">{legend}</ul>
<h2>{esc(labels['columns'])}</h2><ol id="columns" style="list-style:none;padding:0">{key}</ol>
</body></html>
"""


def coverage_of_plans(lowers: list[Plan], highers: list[Plan]) -> tuple[list[Coverage], list[Plan]]:
    """Each lower plan linked to one of `highers` and compared with it; returns the coverages
    (in the order of `lowers`) and the lower plans that could not be linked."""
    prepared = [prepare_higher(h) for h in highers]
    links = [link_plan(lower, highers) for lower in lowers]
    for index, side in enumerate(prepared):   # one cdist per higher plan for all its lower plans
        mine = [lower for lower, link in zip(lowers, links) if link.higher == index]
        side.warm("indicators", (name_key(i.get("name")) for lower in mine for i in lower.get("indicators") or []))
        side.warm("tasks", (name_key(t.get("name")) for lower in mine for t in lower.get("tasks") or []))
    coverages, unlinked = [], []
    for lower, link in zip(lowers, links):
        if link.higher is None:
            unlinked.append(lower)
            continue
        coverages.append(compare_plans(lower, highers[link.higher], link, prepared[link.higher]))
    return coverages, unlinked


def write_batch_coverage(out: Path, compare_to: Path | None = None) -> dict[str, Any]:
    """After `kehoach batch`: link the lower-level plans in OUT/docs to `compare_to` (a plan's
    JSON or document) or, without it, to the higher-level plans of the batch, and write
    OUT/coverage/ (tables and one heat map per higher plan). Returns counts."""
    out = Path(out)
    plans = [json.loads(p.read_text(encoding="utf-8")) for p in sorted((out / "docs").rglob("*.json"))]
    plans = [p for p in plans if isinstance(p, dict) and "document" in p]
    highers = [load_plan(compare_to)] if compare_to else [p for p in plans if level_rank(p) > 1]
    lowers = [p for p in plans if is_lower_level(p)]
    coverages, unlinked = coverage_of_plans(lowers, highers) if highers else ([], lowers)
    folder = out / COVERAGE_DIR
    if coverages:
        write_coverage_tables(folder, coverages)
        for group in _by_higher(coverages):
            name = Path((group[0].higher.get("source") or {}).get("file") or "higher").name
            (folder / f"heatmap-{name}.html").write_text(heatmap_html(group), encoding="utf-8")
    summary = None
    if coverages or compare_to:
        labels = vocabulary().rules["labels"]
        summary = (f"{labels['coverage_written']}: {len(coverages)} → {folder}"
                   + (f"; {labels['unlinked']}: {short_list(plan_label(p) for p in unlinked)}" if unlinked else ""))
    return {"linked": len(coverages), "unlinked": [plan_label(p) for p in unlinked], "folder": str(folder),
            "summary": summary}


# ------------------------------------------------------------------------------ CLI

def compare_command(
    lower: Annotated[Path, typer.Argument(help="the lower-level plan: contract JSON or a document", exists=True)],
    higher: Annotated[Path, typer.Argument(help="the higher-level plan: contract JSON or a document", exists=True)],
    as_json: Annotated[bool, typer.Option("--json", help="the coverage as JSON")] = False,
) -> None:
    """How a lower-level plan carries out a higher one: link, indicators, tasks."""
    from extract.load import LoadError

    try:
        lower_plan, higher_plan = load_plan(lower), load_plan(higher)
    except (LoadError, ValueError) as error:
        typer.echo(f"{getattr(error, 'message', error)}", err=True)
        raise typer.Exit(1)
    link = link_plan(lower_plan, [higher_plan])
    coverage = compare_plans(lower_plan, higher_plan, link)
    if as_json:
        sys.stdout.write(json.dumps(coverage.as_dict(), ensure_ascii=False, indent=2) + "\n")
    else:
        typer.echo(format_report(coverage))
    # The report is printed either way (a person may still want it), but a pair that is not
    # a lower plan and the plan it carries out is said plainly and fails the command.
    labels = vocabulary().rules["labels"]
    warnings = []
    if level_rank(lower_plan) and level_rank(higher_plan) and level_rank(lower_plan) >= level_rank(higher_plan):
        warnings.append(labels["levels_reversed_warning"])
    if link.higher is None:
        warnings.append(labels["not_linked_warning"])
    for warning in warnings:
        typer.echo(warning, err=True)
    if warnings:
        raise typer.Exit(1)


# ------------------------------------------------------------------------ evaluation

@dataclass
class CoverageScores:
    """Counts of one format's coverage evaluation: links right of links checked, and pair tp/fp/fn."""

    links_right: int = 0
    links_total: int = 0
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def as_dict(self) -> dict:
        """Link accuracy, pair precision, recall and F1 (rounded to 4 places; 1.0 when nothing was
        expected) and the raw counts."""
        p = self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0
        r = self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0
        return {"link_accuracy": round(self.links_right / self.links_total, 4) if self.links_total else 1.0,
                "links": self.links_total, "precision": round(p, 4), "recall": round(r, 4),
                "f1": round(2 * p * r / (p + r), 4) if p + r else 0.0, "tp": self.tp, "fp": self.fp, "fn": self.fn}


def _norm(text: str | None) -> str | None:
    return re.sub(r"\s+", " ", text).strip().casefold() if text else None


def coverage_facts(rows: dict[str, list[dict]]) -> set[tuple]:
    """Scored facts of a coverage: (kind, higher name, lower name, status) per row."""
    return {(kind, _norm(row.get("higher")), _norm(row.get("lower")), row["status"])
            for kind in ("indicators", "tasks") for row in rows.get(kind, [])}


def _coverage_rows(coverage: Coverage) -> dict[str, list[dict]]:
    return {kind: [{"higher": (p.higher or {}).get("name"), "lower": (p.lower or {}).get("name"), "status": p.status}
                   for p in pairs if p.assigned or p.higher is None or p.lower is not None]
            for kind, pairs in (("indicators", coverage.indicators), ("tasks", coverage.tasks))}


def evaluate_coverage(golden_dir: Path, extract: Callable[[Path], Any], root: Path | None = None,
                      formats: Iterable[str] = ("txt", "docx", "pdf")) -> dict[str, CoverageScores]:
    """Link accuracy and pair P/R/F1 per format against golden_dir/*.json (coverage goldens:
    {"lower", "candidates", "higher", "indicators", "tasks"}; paths without extension)."""
    root = root or Path.cwd()
    cache: dict[Path, Plan] = {}

    def plan(stem: str, fmt: str) -> Plan:
        path = root / f"{stem}.{fmt}"
        if path not in cache:
            cache[path] = load_plan(path, extract)
        return cache[path]

    scores: dict[str, CoverageScores] = {}
    for golden_path in sorted(Path(golden_dir).glob("*.json")):
        gold = json.loads(golden_path.read_text(encoding="utf-8"))
        for fmt in formats:
            if not (root / f"{gold['lower']}.{fmt}").exists():
                continue
            score = scores.setdefault(fmt, CoverageScores())
            lower = plan(gold["lower"], fmt)
            candidates = [plan(stem, fmt) for stem in gold["candidates"]]
            link = link_plan(lower, candidates)
            chosen = gold["candidates"][link.higher] if link.higher is not None else None
            score.links_total += 1
            score.links_right += chosen == gold.get("higher")
            expected = coverage_facts(gold) if gold.get("higher") else set()
            found = set()
            if link.higher is not None:
                found = coverage_facts(_coverage_rows(compare_plans(lower, candidates[link.higher], link)))
            score.tp += len(expected & found)
            score.fp += len(found - expected)
            score.fn += len(expected - found)
    return scores


def format_coverage_scores(scores: dict[str, CoverageScores]) -> str:
    """The coverage figures per format as a plain-text table (one line per format, under a header)."""
    lines = ["== coverage (link accuracy, pair precision / recall / F1)",
             f"{'format':<8} {'links':>6} {'acc':>6} {'P':>6} {'R':>6} {'F1':>6} {'tp':>5} {'fp':>5} {'fn':>5}"]
    for fmt, score in scores.items():
        s = score.as_dict()
        lines.append(f"{fmt:<8} {s['links']:>6} {s['link_accuracy']:>6.3f} {s['precision']:>6.3f} {s['recall']:>6.3f} "
                     f"{s['f1']:>6.3f} {s['tp']:>5} {s['fp']:>5} {s['fn']:>5}")
    return "\n".join(lines)


def coverage_eval_report(golden_dir: Path, extract: Callable[[Path], Any]) -> str | None:
    """The coverage part of `kehoach eval GOLDEN`: scores against GOLDEN/coverage/, if any."""
    folder = Path(golden_dir) / COVERAGE_DIR
    if not folder.is_dir():
        return None
    return format_coverage_scores(evaluate_coverage(folder, extract))
