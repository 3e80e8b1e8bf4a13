"""Field-level precision, recall and F1 of the extraction against golden files.

Each document (golden or extracted) is turned into a set of facts per category, e.g.
("target", <indicator>, 70, ">=", "%", "cấp tỉnh"). Items are first paired with golden
items by name similarity, so that one misread word in a name costs that name, not every
field of the item. Precision = shared facts / extracted facts; recall = shared / golden.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from rapidfuzz import fuzz

from extract.matching import pair_one_to_one

from extract.models import Document

CATEGORIES = ("metadata", "references", "sections", "indicators", "targets", "tasks",
              "agencies", "deadlines", "assignments")
_MATCH_THRESHOLD = 80


def norm(value) -> str | None:
    """A value compared by the evaluator: white space collapsed, edge punctuation stripped, case
    folded; None for None or empty."""
    if value is None:
        return None
    text = re.sub(r"\s+", " ", str(value)).strip().strip(".;:,").casefold()
    return text or None


@dataclass
class Score:
    """True positives, false positives and false negatives of one category."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, other: "Score") -> None:
        """Add another score's counts to this one (in place)."""
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn

    @property
    def precision(self) -> float:
        """tp / (tp + fp); 1.0 when nothing was predicted."""
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        """tp / (tp + fn); 1.0 when nothing was expected."""
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        """The harmonic mean of precision and recall; 0.0 when both are 0."""
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_dict(self) -> dict:
        """Precision, recall and F1 (rounded to 4 places) and the counts, as a dict."""
        return {"precision": round(self.precision, 4), "recall": round(self.recall, 4),
                "f1": round(self.f1, 4), "tp": self.tp, "fp": self.fp, "fn": self.fn}


def _pair_items(gold: list[dict], pred: list[dict]) -> dict[int, int]:
    """Greedy one-to-one pairing of predicted to golden items by name similarity
    (extract.matching: best score first, then the earlier golden, then the earlier predicted)."""
    found = pair_one_to_one(gold, pred, lambda g, p: fuzz.token_sort_ratio(norm(g["name"]) or "", norm(p["name"]) or ""),
                            _MATCH_THRESHOLD)
    return {gi: pi for gi, (pi, _score) in found.items()}


def _deadline_fact(deadline: dict | None):
    if not deadline:
        return None
    rec = deadline.get("recurrence")
    rec_key = tuple(sorted(rec.items())) if rec else None
    return (deadline["kind"], deadline.get("start"), deadline.get("end"), rec_key)


def _item_facts(kind: str, items: list[dict], keys: list[str]) -> dict[str, set]:
    facts: dict[str, set] = defaultdict(set)
    for item, key in zip(items, keys):
        category = "indicators" if kind == "indicator" else "tasks"
        facts[category].add((kind, key))
        for name in ("group", "basis", "output"):
            if name in item and norm(item.get(name)):
                facts[category].add((f"{kind}.{name}", key, norm(item[name])))
        for target in item.get("targets", []):
            facts["targets"].add((key, target["value"], target["comparator"], norm(target.get("unit")),
                                  norm(target.get("scope"))))
        for role in ("lead", "partners"):
            for agency in item.get(role, []):
                facts["agencies"].add((role, key, norm(agency["name"])))
        deadline = _deadline_fact(item.get("deadline"))
        if deadline:
            facts["deadlines"].add((key, deadline))
    return facts


def document_facts(doc: dict, keys_from: dict | None = None) -> dict[str, set]:
    """Facts of one document. `keys_from` = golden doc: pair items to it and key by its names."""
    facts: dict[str, set] = defaultdict(set)
    meta = doc["document"]
    flat = {
        "doc_type": meta.get("doc_type"), "number": meta.get("number"), "serial": meta.get("serial"),
        "symbol": meta.get("symbol"), "place": meta.get("place"), "title": meta.get("title"),
        "plan_year": meta.get("plan_year"),
    }
    for k, v in (meta.get("issuer") or {}).items():
        flat[f"issuer.{k}"] = v
    for k, v in (meta.get("signer") or {}).items():
        flat[f"signer.{k}"] = v
    date = meta.get("date") or {}
    flat["date"] = (date.get("year"), date.get("month"), date.get("day")) if date else None
    for k, v in flat.items():
        if v is not None:
            facts["metadata"].add((k, norm(v) if isinstance(v, str) else v))
    for recipient in meta.get("recipients", []):
        facts["metadata"].add(("recipient", norm(recipient)))
    for ref in meta.get("references", []):
        key = norm(ref.get("number")) or norm(ref["text"])
        facts["references"].add(("ref", key))
        for name in ("type", "date", "issuer", "role"):
            if ref.get(name) is not None:
                facts["references"].add((name, key, norm(ref[name])))
    for section in doc.get("sections", []):
        facts["sections"].add((section["level"], norm(section.get("number")), norm(section["heading"]),
                               section["kind"]))
    for kind, name in (("indicator", "indicators"), ("task", "tasks")):
        items = doc.get(name, [])
        if keys_from is None:
            keys = [norm(i["name"]) for i in items]
        else:
            gold_items = keys_from.get(name, [])
            pairs = {p: g for g, p in _pair_items(gold_items, items).items()}
            keys = [norm(gold_items[pairs[i]]["name"]) if i in pairs else f"unpaired:{norm(item['name'])}"
                    for i, item in enumerate(items)]
        for category, found in _item_facts(kind, items, keys).items():
            facts[category] |= found
    for assignment in doc.get("assignments", []):
        agency = norm(assignment["agency"]["name"])
        facts["assignments"].add(("assignment", agency))
        for duty in assignment.get("duties", []):
            facts["assignments"].add(("duty", agency, (norm(duty) or "")[:80]))
        for deadline in assignment.get("deadlines", []):
            facts["deadlines"].add(("assignment", agency, _deadline_fact(deadline)))
    declared = doc.get("declared") or {}
    for name in ("indicators", "tasks"):
        if declared.get(name) is not None:
            facts["metadata"].add((f"declared.{name}", declared[name]))
    return facts


def score_document(gold: dict, pred: dict) -> dict[str, Score]:
    """One document's scores per category (CATEGORIES): its facts compared as sets with the golden
    file's (both contract JSON as dicts)."""
    gold_facts = document_facts(gold)
    pred_facts = document_facts(pred, keys_from=gold)
    scores = {}
    for category in CATEGORIES:
        g, p = gold_facts.get(category, set()), pred_facts.get(category, set())
        scores[category] = Score(tp=len(g & p), fp=len(p - g), fn=len(g - p))
    return scores


def _target_fact(target: dict) -> tuple:
    return (target["value"], target["comparator"], norm(target.get("unit")), norm(target.get("scope")))


def silently_wrong_targets(gold: dict, pred: dict) -> list[tuple[str, dict]]:
    """Targets read wrong without a warning: (golden item name, extracted target) for each target
    of an extracted indicator or task, paired with a golden item, that the golden item does not
    have, when no `ocr_low_confidence` problem points at one of the item's sources.

    For scans, whose targets must be "right or flagged": a missing target is a recall loss
    scored elsewhere; an item too garbled to pair with a golden one is not counted (its name
    already scores as wrong)."""
    flagged = {(source["start"], source["end"]) for problem in pred.get("problems", [])
               if problem["code"] == "ocr_low_confidence" for source in problem.get("sources", [])}
    wrong = []
    for name in ("indicators", "tasks"):
        gold_items, items = gold.get(name, []), pred.get(name, [])
        for gi, pi in _pair_items(gold_items, items).items():
            item = items[pi]
            if any((source["start"], source["end"]) in flagged for source in item.get("sources", [])):
                continue
            expected = {_target_fact(target) for target in gold_items[gi].get("targets", [])}
            wrong.extend((gold_items[gi]["name"], target) for target in item.get("targets", [])
                         if _target_fact(target) not in expected)
    return wrong


# Golden files whose name starts with this were written by someone who saw neither the code
# nor its output (README: Quality); every other golden file belongs to the dev set.
HELDOUT_PREFIX = "heldout-"
SETS = ("dev", "heldout")
SET_TITLES = {"dev": "dev", "heldout": "held-out", "all": "all golden files"}


def golden_set(name: str) -> str:
    """'dev' or 'heldout' for a golden file name."""
    return "heldout" if name.startswith(HELDOUT_PREFIX) else "dev"


def _by_format() -> dict[str, dict[str, Score]]:
    return defaultdict(lambda: defaultdict(Score))


class NoGoldenFiles(ValueError):
    """The golden folder is missing or holds no golden file."""


@dataclass
class Report:
    """Scores summed per format, per golden set (dev / held-out) and kept per document; the files
    that failed."""

    by_format: dict[str, dict[str, Score]] = field(default_factory=_by_format)
    by_set: dict[str, dict[str, dict[str, Score]]] = field(default_factory=lambda: defaultdict(_by_format))
    by_document: dict[str, dict[str, Score]] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)
    # per scan format: targets read wrong without an ocr_low_confidence flag (silently_wrong_targets)
    silent_targets: dict[str, int] = field(default_factory=dict)

    def add(self, name: str, fmt: str, scores: dict[str, Score]) -> None:
        """Add one document's scores under its format and set; digital formats also count in 'all'."""
        self.by_document[name] = scores
        for table in (self.by_format, self.by_set[golden_set(name)]):
            for category, score in scores.items():
                table[fmt][category].add(score)
                if not fmt.startswith("scan"):      # "all": the digital formats, comparable over time
                    table["all"][category].add(score)

    def overall(self, fmt: str = "all", golden: str | None = None) -> Score:
        """All categories together, for one format (or all) of one set (or all golden files)."""
        total = Score()
        for score in self._table(golden)[fmt].values():
            total.add(score)
        return total

    def _table(self, golden: str | None) -> dict[str, dict[str, Score]]:
        return self.by_format if golden is None else self.by_set[golden]

    def figures(self, golden: str | None = None) -> dict:
        """{format: {category: P/R/F1/tp/fp/fn}} for one set, or all golden files (None)."""
        table = self._table(golden)
        out = {}
        for fmt in sorted(table, key=lambda f: (f == "all", f)):
            out[fmt] = {c: table[fmt][c].as_dict() for c in CATEGORIES}
            out[fmt]["overall"] = self.overall(fmt, golden).as_dict()
        return out

    def as_dict(self) -> dict:
        """Figures per format over all golden files (the shape of golden/baseline.json), the
        same per set under "sets" ({"dev": …, "heldout": …}), and for scans "silent_targets"
        ({format: targets read wrong without a flag})."""
        out = self.figures()
        out["sets"] = {name: self.figures(name) for name in SETS if name in self.by_set}
        if self.silent_targets:
            out["silent_targets"] = dict(sorted(self.silent_targets.items()))
        return out


def load_golden(path: Path) -> dict:
    """A golden file's contract JSON as a dict. Raises OSError or json.JSONDecodeError."""
    return json.loads(path.read_text(encoding="utf-8"))


def golden_files(golden_dir: Path) -> list[Path]:
    """The golden JSON files of a folder (baseline.json and other non-golden JSON left out).
    Raises NoGoldenFiles when the folder is missing or has none."""
    golden_dir = Path(golden_dir)
    if not golden_dir.is_dir():
        raise NoGoldenFiles(f"no golden folder at {golden_dir}")
    found = [path for path in sorted(golden_dir.glob("*.json")) if "source" in load_golden(path)]
    if not found:
        raise NoGoldenFiles(f"{golden_dir} holds no golden file (JSON documents with a 'source')")
    return found


def evaluate(golden_dir: Path, extract, root: Path | None = None) -> Report:
    """Score `extract(path) -> Document` on every golden file in `golden_dir`.
    Raises NoGoldenFiles when there is none."""
    report = Report()
    root = root or Path.cwd()
    for golden_path in golden_files(golden_dir):
        gold = load_golden(golden_path)
        source = root / gold["source"]["file"]
        try:
            document: Document = extract(source)
        except Exception as error:  # a failure scores zero for that document, and is reported
            report.failures[golden_path.name] = f"{type(error).__name__}: {error}"
            document = None
        pred = document.model_dump(mode="json") if document is not None else {
            "document": {}, "sections": [], "indicators": [], "tasks": []}
        fmt = format_key(gold["source"])
        report.add(golden_path.name, fmt, score_document(gold, pred))
        if gold["source"].get("ocr"):
            report.silent_targets[fmt] = report.silent_targets.get(fmt, 0) + len(silently_wrong_targets(gold, pred))
    return report


def format_key(source: dict) -> str:
    """The format a golden is reported under: its file format, or for a scan (`ocr` true)
    'scan' (a clean office scan, `<plan>.scan.pdf`) or 'scan-<variant>' (`<plan>.phone.pdf`)."""
    if not source.get("ocr"):
        return source["format"]
    variant = Path(source["file"]).stem.rpartition(".")[2]
    return "scan" if variant in ("scan", "") else f"scan-{variant}"


def format_report(report: Report) -> str:
    """Per set (dev, held-out, then all golden files): P, R and F1 per category over every
    format, and F1 per format (the README's Quality table)."""
    lines = []
    sets = [name for name in SETS if name in report.by_set]
    for golden in [*sets, None] if len(sets) > 1 else sets:
        table = report._table(golden)
        formats = sorted(fmt for fmt in table if fmt != "all")
        documents = sum(1 for name in report.by_document if golden is None or golden_set(name) == golden)
        lines.append(f"== {SET_TITLES[golden or 'all']} ({documents} golden files)")
        lines.append(f"{'category':<12} {'P':>6} {'R':>6} {'F1':>6} {'tp':>5} {'fp':>5} {'fn':>5}  "
                     + " ".join(f"{fmt + ' F1':>8}" for fmt in formats))
        for category in [*CATEGORIES, "overall"]:
            s = report.overall("all", golden) if category == "overall" else table["all"][category]
            per_format = [report.overall(fmt, golden) if category == "overall" else table[fmt][category]
                          for fmt in formats]
            lines.append(f"{category:<12} {s.precision:>6.3f} {s.recall:>6.3f} {s.f1:>6.3f} "
                         f"{s.tp:>5} {s.fp:>5} {s.fn:>5}  " + " ".join(f"{f.f1:>8.3f}" for f in per_format))
        lines.append("")
    if report.silent_targets:
        lines.append("targets read wrong without an ocr_low_confidence flag: "
                     + ", ".join(f"{fmt} {count}" for fmt, count in sorted(report.silent_targets.items())))
    for name, error in report.failures.items():
        lines.append(f"FAILED {name}: {error}")
    return "\n".join(lines).rstrip("\n")
