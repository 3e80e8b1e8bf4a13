"""Deadlines (Thời hạn) as the contract's Deadline: date, month, quarter, half, year, range,
from, recurring, ongoing, unspecified.

A deadline phrase is a *period* (a date, a month, a quarter, a half year, a year) alone or
combined: "từ P đến P" / "P - P" (range), "từ P" / "P trở đi" (from), "trước P" (a date: the
day itself for a date, the day before the period starts otherwise: "trước Quý III" is by
30 June), "đến hết P" (a date: the end of P); or a recurrence ("trước 16h00 ngày 25 hàng
tháng", "Định kỳ hằng quý", "định kỳ 6 tháng"); or a word for continuous work ("Thường
xuyên"). The words come from rules/deadlines.yaml; the regex skeleton is here, compiled once.

`find_deadlines` returns every phrase in a sentence; `parse_deadline` reads one cell: one
deadline (however many times it is said) gives that deadline with the whole cell as text,
two different ones ("6 tháng đầu năm và cuối năm", "Quý II và Quý IV") or none give
`unspecified`; "Thường xuyên" beside a recurrence gives the recurrence. A year left out takes the plan year (in a range, the other end's year
first: "Tháng 3 - tháng 6/2026"); without a plan year the bounds stay null.

Text is expected in NFC (as normalize produces); offsets index the text as given.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache, lru_cache

from extract.rules import alternation, word_alternation
from extract.models import Deadline, Recurrence
from extract.patterns import bullet_class
from extract.rules import load_rules

_DAY = r"(?:0?[1-9]|[12]\d|3[01])"
_MONTH = r"(?:0?[1-9]|1[0-2])"
_YEAR = r"(?:19|20|21)\d\d"


@dataclass(frozen=True)
class _Period:
    kind: str                 # date | month | quarter | half | year
    start: date | None
    end: date | None
    year: int | None          # the year written (None where it was left out)


@dataclass(frozen=True)
class _Patterns:
    plain: re.Pattern[str]
    range: re.Pattern[str]
    quarter_range: re.Pattern[str]
    start_from: re.Pattern[str]
    onwards: re.Pattern[str]
    before: re.Pattern[str]
    until: re.Pattern[str]
    recurring_day: re.Pattern[str]
    recurring_every: re.Pattern[str]
    recurring_months: re.Pattern[str]
    recurring_weekday: re.Pattern[str]
    ongoing: re.Pattern[str]
    ongoing_cue: re.Pattern[str]      # a verb the ongoing phrase times ("thực hiện thường xuyên"), at $
    find_cue: re.Pattern[str]
    reference_after: re.Pattern[str]  # ", của …" after a date: a cited document's date
    clause_start: re.Pattern[str]     # punctuation or a list bullet just before (anchored at $)
    quarter_numbers: dict[str, int]
    frequencies: dict[str, str]
    months_to_freq: dict[int, str]
    number_words: dict[str, int]
    weekdays: dict[str, int]
    day_of_period: dict[str, str]     # group name -> freq


def _key(text: str) -> str:
    return " ".join(text.split()).casefold()


def _period_pattern(v: dict, s: str) -> str:
    """The regex of one period, its groups named with the suffix `s` (several periods can
    share a pattern). See _period() for the meaning of the groups."""
    year_sep = rf"(?:\s*/\s*|\s*[-–—]\s*|,?\s+{v['year']}\s+)"
    digit_start = r"(?<![\w/.,])"
    half = rf"{v['half_prefixes']}\s+(?:{v['half_first']}|{v['half_second']})"
    return "(?:" + "|".join([
        # 30/6/2026, ngày 30-6-2026, 30.6.2026 (one separator throughout)
        rf"(?:{v['day']}\s+)?{digit_start}(?P<dd{s}>{_DAY})\s*(?P<ds{s}>[/.\-])\s*(?P<dm{s}>{_MONTH})"
        rf"\s*(?P=ds{s})\s*(?P<dy{s}>{_YEAR})(?![\d/])",
        # ngày 15 tháng 7 năm 2026, ngày 15 tháng 7
        rf"{v['day']}\s+(?P<wd{s}>{_DAY})\s+{v['month']}\s+(?P<wm{s}>{_MONTH})"
        rf"(?:{year_sep}(?P<wy{s}>{_YEAR}))?(?![\d/])",
        # ngày 31/3, 31/3 (the year left out)
        rf"(?:{v['day']}\s+)?{digit_start}(?P<sd{s}>{_DAY})\s*/\s*(?P<sm{s}>{_MONTH})(?![\d/])(?!\s*/\s*\d)",
        # tháng 9/2026, tháng 9 năm 2026, tháng 9
        rf"{v['month']}\s+(?P<mo{s}>{_MONTH})(?:{year_sep}(?P<moy{s}>{_YEAR}))?(?![\d/])",
        # 9/2026
        rf"{digit_start}(?P<bm{s}>{_MONTH})\s*/\s*(?P<bmy{s}>{_YEAR})(?![\d/])",
        # Quý II/2026, Quý I năm 2026, quý 3/2026, Quý IV
        # ("Quý III, IV/2026" names two periods)
        rf"{v['quarter']}\s+(?P<q{s}>{v['quarter_number']})(?!\w)"
        rf"(?P<qx{s}>(?:\s*{v['conjunction']}\s*(?:{v['quarter']}\s+)?{v['quarter_number']}(?!\w))+)?"
        rf"(?:{year_sep}(?P<qy{s}>{_YEAR}))?(?![\d/])",
        # 6 tháng đầu năm 2026, 6 tháng cuối năm; "... đầu năm và cuối năm" names two periods
        rf"(?P<h{s}>{v['half_prefixes']})\s+(?:(?P<hf{s}>{v['half_first']})|{v['half_second']})(?:\s+{v['year']})?"
        rf"(?:\s*/?\s*(?P<hy{s}>{_YEAR}))?(?!\d)"
        rf"(?P<hx{s}>\s*{v['conjunction']}\s*(?:{half}|{v['half_first']}|{v['half_second']})\s+{v['year']})?",
        # năm 2026
        rf"{v['year']}\s+(?P<yy{s}>{_YEAR})(?![\d/])",
        # 2026
        rf"{digit_start}(?P<by{s}>{_YEAR})(?![\d/])",
        # cuối năm (2026): 31 December
        rf"(?P<ye{s}>{v['year_end']})(?:\s+(?P<yey{s}>{_YEAR}))?(?![\d/])",
        # Trong năm: the plan year, only where the phrase ends there
        rf"(?P<cy{s}>{v['current_year']})(?=\s*(?:$|[,.;:)\n]))",
    ]) + ")"


def _time_pattern(v: dict, s: str) -> str:
    """16h00, 16 giờ, 16 giờ 30 phút, 16:00."""
    return (rf"(?P<hh{s}>[01]?\d|2[0-3])\s*(?:{v['hour']}|:)\s*(?P<mm{s}>[0-5]\d)?"
            rf"(?:\s*{v['minute']})?(?!\w)")


@cache
def _patterns() -> _Patterns:
    rules = load_rules("deadlines")
    words = {name: word_alternation(rules[name]) for name in (
        "day", "month", "quarter", "year", "week", "half_first", "half_second", "year_end",
        "current_year", "from", "range_to", "until", "before", "onwards", "within", "every",
        "periodic", "ongoing", "minute", "of", "period_label")}
    words["hour"] = alternation(rules["hour"])       # "16h00": no word boundary after "h"
    words["half_prefixes"] = word_alternation(rules["half_prefixes"])
    words["conjunction"] = word_alternation(rules["conjunctions"])
    words["quarter_number"] = alternation(map(str, rules["quarter_numbers"]))
    frequencies = {_key(k): v for k, v in rules["frequencies"].items()}
    words["frequency"] = word_alternation(rules["frequencies"])
    number_words = {_key(k): int(n) for k, n in rules["number_words"].items()}
    weekdays = {_key(k): int(n) for k, n in rules["weekdays"].items()}
    v = words
    flags = re.IGNORECASE
    dash = r"[-–—]"

    def period(s: str) -> str:
        return _period_pattern(v, s)

    day_of_period = {f"dop_{freq}": freq for freq in rules["day_of_period"]}
    day_of_period_alt = "|".join(
        rf"(?P<dop_{freq}>{word_alternation(phrases)})" for freq, phrases in rules["day_of_period"].items())
    recurring_day = (
        rf"(?<!\w)(?:{v['periodic']}\s+)?(?:{v['before']}\s+)?(?:{_time_pattern(v, 'r')}\s+)?"
        rf"(?:{v['day']}\s+(?P<rd>{_DAY})(?:\s*/\s*(?P<rm>{_MONTH})|\s+{v['month']}\s+(?P<rmw>{_MONTH}))?"
        rf"|(?<![\w/.,])(?P<rds>{_DAY})\s*/\s*(?P<rms>{_MONTH}))"
        rf"(?![\d/])(?!\s*/\s*\d)\s*,?\s*(?:{v['of']}\s+)?"
        rf"(?:{v['every']}\s+(?P<rf>{v['frequency']})|{day_of_period_alt})"
    )
    more_frequencies = rf"(?:\s*{v['conjunction']}\s*(?:{v['every']}\s+)?{v['frequency']}(?!\s*\d))"
    all_days_of_period = alternation(p for ps in rules["day_of_period"].values() for p in ps)
    # "Hằng tháng, trước ngày 20"; "định kỳ hằng quý (trước ngày 18 của tháng cuối quý)"
    recurring_every = (
        rf"(?:{v['periodic']}\s+)?{v['every']}\s+(?P<ef>{v['frequency']})"
        rf"(?:\s*(?:(?P<ep>\()|[,:])?\s*(?:{v['before']}\s+)?(?:{_time_pattern(v, 'e')}\s+)?"
        rf"{v['day']}\s+(?P<ed>{_DAY})(?:\s*/\s*(?P<em>{_MONTH}))?(?![\d/])(?!\s*/\s*\d)"
        rf"(?:\s*,?\s*(?:{v['of']}\s+)?{all_days_of_period}(?!\w))?(?(ep)\s*\)?))?"
        rf"(?P<ex>{more_frequencies})?"
    )
    count = rf"(?:(?<![\w/.,])\d{{1,2}}(?!\d)|{word_alternation(rules['number_words'])})"
    recurring_months = (
        rf"(?:{v['periodic']}\s+(?P<pn>{count})\s+{v['month']}(?!\s+(?:{v['half_first']}|{v['half_second']}))"
        rf"(?:\s*{alternation(rules['times_per'])})?"
        rf"|(?P<tn>{count})\s+{v['month']}\s*{alternation(rules['times_per'])})"
        rf"(?P<px>{more_frequencies})?"
    )
    recurring_weekday = (
        rf"(?:{v['before']}\s+)?(?:{_time_pattern(v, 'w')}\s+)?(?:{v['day']}\s+)?"
        rf"(?P<wd>{word_alternation(rules['weekdays'])})\s+{v['every']}\s+{v['week']}"
    )
    cue_group = rf"(?:(?P<cue>{v['within']})\s+)?"
    return _Patterns(
        plain=re.compile(cue_group + period("x"), flags),
        range=re.compile(
            rf"(?:(?P<rcue>{v['from']}|{v['within']})\s+)?(?:{v['period_label']}\s+)?{period('a')}"
            rf"\s*(?:{dash}|{v['range_to']})\s*{period('b')}", flags),
        quarter_range=re.compile(
            rf"(?:(?P<qcue>{v['from']}|{v['within']})\s+)?{v['quarter']}\s+(?P<qa>{v['quarter_number']})(?!\w)"
            rf"\s*(?:{dash}|{v['range_to']})\s*(?:{v['quarter']}\s+)?(?P<qb>{v['quarter_number']})(?!\w)"
            rf"(?:(?:\s*/\s*|\s*{dash}\s*|,?\s+{v['year']}\s+)(?P<qry>{_YEAR}))?(?![\d/])", flags),
        start_from=re.compile(rf"{v['from']}\s+{period('f')}(?:\s+{v['onwards']})?", flags),
        onwards=re.compile(rf"{cue_group}{period('o')}\s+{v['onwards']}", flags),
        before=re.compile(rf"{v['before']}\s+(?:{_time_pattern(v, 'b')}\s+)?{period('p')}", flags),
        until=re.compile(rf"{v['until']}\s+{period('u')}", flags),
        recurring_day=re.compile(recurring_day, flags),
        recurring_every=re.compile(recurring_every, flags),
        recurring_months=re.compile(recurring_months, flags),
        recurring_weekday=re.compile(recurring_weekday, flags),
        ongoing=re.compile(v["ongoing"], flags),
        ongoing_cue=re.compile(rf"{word_alternation(rules['ongoing_cues'])}\s*$", flags),
        find_cue=re.compile(rf"{word_alternation(rules['find_cues'])}\s*:?\s*$", flags),
        reference_after=re.compile(rf"\s*,?\s*{alternation(rules['of'])}(?!\w)", flags),
        clause_start=re.compile(rf"(?:^|[.;:(\n]|{bullet_class()})\s*$"),
        quarter_numbers={_key(str(k)): int(n) for k, n in rules["quarter_numbers"].items()},
        frequencies=frequencies,
        months_to_freq={int(k): f for k, f in rules["months_to_freq"].items()},
        number_words=number_words,
        weekdays=weekdays,
        day_of_period=day_of_period,
    )


# ----------------------------------------------------------------------------- periods

def _safe_date(year: int | None, month: int, day: int) -> date | None:
    if year is None:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def month_bounds(year: int, month: int) -> tuple[date, date]:
    """First and last day of a month."""
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def quarter_bounds(year: int, quarter: int) -> tuple[date, date]:
    """First and last day of a quarter (1-4)."""
    first = 3 * quarter - 2
    return date(year, first, 1), month_bounds(year, first + 2)[1]


def _int(match: re.Match[str], name: str) -> int | None:
    value = match.group(name)
    return int(value) if value else None


class _Invalid(Exception):
    """A phrase that looks like a period but is not a real one (31/2/2026)."""


def _period(m: re.Match[str], s: str, default_year: int | None) -> _Period | None:
    """The period matched by _period_pattern(…, s); None where none of its groups did."""
    g = lambda name: m.group(name + s)  # noqa: E731 - short accessor for suffixed groups
    if g("dd"):
        year = int(g("dy"))
        day = _safe_date(year, int(g("dm")), int(g("dd")))
        if day is None:
            raise _Invalid
        return _Period("date", day, day, year)
    for day_group, month_group, year_group in (("wd", "wm", "wy"), ("sd", "sm", None)):
        if g(day_group):
            written = int(g(year_group)) if year_group and g(year_group) else None
            year = written or default_year
            day = _safe_date(year, int(g(month_group)), int(g(day_group)))
            if day is None and year is not None:
                raise _Invalid
            return _Period("date", day, day, written)
    for month_group, year_group in (("mo", "moy"), ("bm", "bmy")):
        if g(month_group):
            written = int(g(year_group)) if g(year_group) else None
            year = written or default_year
            bounds = month_bounds(year, int(g(month_group))) if year else (None, None)
            return _Period("month", *bounds, written)
    if g("qx"):
        return _Period("multiple", None, None, None)
    if g("q"):
        written = int(g("qy")) if g("qy") else None
        year = written or default_year
        quarter = _patterns().quarter_numbers[_key(g("q"))]
        bounds = quarter_bounds(year, quarter) if year else (None, None)
        return _Period("quarter", *bounds, written)
    if g("hx"):
        return _Period("multiple", None, None, None)
    if g("h"):
        written = int(g("hy")) if g("hy") else None
        year = written or default_year
        if year is None:
            bounds: tuple[date | None, date | None] = (None, None)
        elif g("hf"):
            bounds = (date(year, 1, 1), date(year, 6, 30))
        else:
            bounds = (date(year, 7, 1), date(year, 12, 31))
        return _Period("half", *bounds, written)
    for year_group in ("yy", "by"):
        if g(year_group):
            year = int(g(year_group))
            return _Period("year", date(year, 1, 1), date(year, 12, 31), year)
    if g("ye"):
        written = int(g("yey")) if g("yey") else None
        year = written or default_year
        end = date(year, 12, 31) if year else None
        return _Period("date", end, end, written)
    if g("cy"):
        year = default_year
        return _Period("year", date(year, 1, 1) if year else None, date(year, 12, 31) if year else None, None)
    return None


# ---------------------------------------------------------------------------- scanning

@dataclass(frozen=True)
class _Found:
    start: int
    end: int
    rank: int                  # among equally long phrases at one place, the lower wins
    kind: str
    start_date: date | None = None
    end_date: date | None = None
    recurrence: Recurrence | None = None
    needs_cue: bool = False    # in running text, only after a cue word ("trước", "trong" …)

    def deadline(self, text: str) -> Deadline:
        return Deadline(
            text=text, kind=self.kind,  # type: ignore[arg-type]
            start=self.start_date.isoformat() if self.start_date else None,
            end=self.end_date.isoformat() if self.end_date else None,
            recurrence=self.recurrence,
        )

    @property
    def identity(self) -> tuple:
        recurrence = tuple(self.recurrence.model_dump().values()) if self.recurrence else None
        return (self.kind, self.start_date, self.end_date, recurrence)


_REFERENCE_BEFORE = re.compile(r"\d[\w\-.]*/[\w\-./]*\s*,?\s*$")
# Patterns anchored at `$` are searched only this far back from where they must end: a
# search from 0 on every phrase is quadratic on a 200,000-word line.
_CUE_REACH = 64


def _ends_at(pattern: re.Pattern[str], text: str, end: int) -> re.Match[str] | None:
    """`pattern` (anchored with `$`) ending exactly at `end`, looked for in a bounded window."""
    return pattern.search(text, max(0, end - _CUE_REACH), end)


def _plain(m: re.Match[str], plan_year: int | None, text: str) -> _Found | None:
    period = _period(m, "x", plan_year)
    if period is None:
        return None
    if period.kind == "multiple":
        return _Found(m.start(), m.end(), 3, "unspecified")
    if period.kind == "date" and m.group("ddx") and (
            _REFERENCE_BEFORE.search(text, max(0, m.start() - 40), m.start())
            or _patterns().reference_after.match(text, m.end())):
        return None  # the date of a cited document ("số 57-NQ/TW ngày 22/12/2024 của …")
    start = None if period.kind == "date" else period.start
    needs_cue = period.kind in ("date", "month", "year") and not m.group("cue")
    return _Found(m.start(), m.end(), 3, period.kind, start, period.end, needs_cue=needs_cue)


def _range(m: re.Match[str], plan_year: int | None, text: str) -> _Found | None:
    second = _period(m, "b", plan_year)
    if second is None or second.kind == "multiple":
        return None
    first = _period(m, "a", second.year or plan_year)
    if first is None or first.kind == "multiple":
        return None
    bare_year = bool(m.group("bya") or m.group("byb"))
    if bare_year and not (first.kind == second.kind == "year"):
        return None  # "Quý II - 2026" is a quarter, not a range
    if first.start and second.end and first.start > second.end:
        return None
    return _Found(m.start(), m.end(), 1, "range", first.start, second.end,
                  needs_cue=not m.group("rcue"))


def _quarter_range(m: re.Match[str], plan_year: int | None, text: str) -> _Found | None:
    numbers = _patterns().quarter_numbers
    first, last = numbers[_key(m.group("qa"))], numbers[_key(m.group("qb"))]
    year = _int(m, "qry") or plan_year
    if first > last:
        return None
    start = quarter_bounds(year, first)[0] if year else None
    end = quarter_bounds(year, last)[1] if year else None
    return _Found(m.start(), m.end(), 1, "range", start, end)


def _start_from(suffix: str):
    def build(m: re.Match[str], plan_year: int | None, text: str) -> _Found | None:
        period = _period(m, suffix, plan_year)
        if period is None or period.kind == "multiple":
            return None
        return _Found(m.start(), m.end(), 2, "from", period.start)
    return build


def _before(m: re.Match[str], plan_year: int | None, text: str) -> _Found | None:
    period = _period(m, "p", plan_year)
    if period is None or period.kind == "multiple":
        return None
    if period.kind == "date":
        end = period.end
    else:  # "trước Quý III/2026": done before the period starts
        end = period.start - timedelta(days=1) if period.start else None
    return _Found(m.start(), m.end(), 2, "date", None, end)


def _until(m: re.Match[str], plan_year: int | None, text: str) -> _Found | None:
    period = _period(m, "u", plan_year)
    if period is None or period.kind == "multiple":
        return None
    return _Found(m.start(), m.end(), 2, "date", None, period.end)


def _clock(m: re.Match[str], s: str) -> str | None:
    hours = m.group("hh" + s)
    if hours is None:
        return None
    return f"{int(hours):02d}:{int(m.group('mm' + s) or 0):02d}"


def _recurring_day(m: re.Match[str], plan_year: int | None, text: str) -> _Found | None:
    p = _patterns()
    if m.group("rf"):
        freq = p.frequencies[_key(m.group("rf"))]
    else:
        freq = next(f for name, f in p.day_of_period.items() if m.group(name))
    day = _int(m, "rd") or _int(m, "rds")
    month = _int(m, "rm") or _int(m, "rmw") or _int(m, "rms")
    if freq == "yearly" and month and _safe_date(2000, month, day) is None:
        return None
    recurrence = Recurrence(freq=freq, day=day, month=month if freq == "yearly" else None,
                            time=_clock(m, "r"))
    return _Found(m.start(), m.end(), 0, "recurring", recurrence=recurrence)


def _recurring_every(m: re.Match[str], plan_year: int | None, text: str) -> _Found | None:
    if m.group("ex"):
        return _Found(m.start(), m.end(), 0, "unspecified")
    freq = _patterns().frequencies[_key(m.group("ef"))]
    month = _int(m, "em")
    recurrence = Recurrence(freq=freq, day=_int(m, "ed"), month=month if freq == "yearly" else None,
                            time=_clock(m, "e"))
    return _Found(m.start(), m.end(), 0, "recurring", recurrence=recurrence)


def _recurring_months(m: re.Match[str], plan_year: int | None, text: str) -> _Found | None:
    p = _patterns()
    if m.group("px"):
        return _Found(m.start(), m.end(), 0, "unspecified")
    count = m.group("pn") or m.group("tn")
    months = int(count) if count.isdigit() else p.number_words[_key(count)]
    freq = p.months_to_freq.get(months)
    if freq is None:
        return None
    return _Found(m.start(), m.end(), 0, "recurring", recurrence=Recurrence(freq=freq))


def _recurring_weekday(m: re.Match[str], plan_year: int | None, text: str) -> _Found | None:
    # weekly: `day` is the ISO weekday (Monday = 1) where one is named
    day = _patterns().weekdays[_key(m.group("wd"))]
    recurrence = Recurrence(freq="weekly", day=day, time=_clock(m, "w"))
    return _Found(m.start(), m.end(), 0, "recurring", recurrence=recurrence)


def _ongoing(m: re.Match[str], plan_year: int | None, text: str) -> _Found | None:
    # in running text, "liên tục" inside a sentence is an adverb; at a clause start, or after the
    # verb of the duty itself ("… chủ trì thực hiện thường xuyên"), it times the duty
    patterns = _patterns()
    needs_cue = not (_ends_at(patterns.clause_start, text, m.start()) or _ends_at(patterns.ongoing_cue, text, m.start()))
    return _Found(m.start(), m.end(), 4, "ongoing", needs_cue=needs_cue)


@cache
@cache
def _readers() -> tuple:
    """(pattern, reader, needs): `needs` is a cheap test on the lower-cased text for a word the
    pattern cannot match without (None: no such word), so most patterns are skipped."""
    p = _patterns()
    rules = load_rules("deadlines")

    def needs(*keys: str, extra: tuple[str, ...] = ()) -> re.Pattern[str]:
        words = [w.lower() for key in keys for w in rules[key]] + list(extra)
        return re.compile("|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True)))

    return (
        (p.recurring_day, _recurring_day, None), (p.recurring_every, _recurring_every, needs("every")),
        (p.recurring_months, _recurring_months, needs("month")),
        (p.recurring_weekday, _recurring_weekday, needs("week")),
        (p.range, _range, needs("range_to", extra=("-", "\u2013", "\u2014"))),
        (p.quarter_range, _quarter_range, needs("quarter")),
        (p.start_from, _start_from("f"), needs("from")), (p.onwards, _start_from("o"), needs("onwards")),
        (p.before, _before, needs("before")), (p.until, _until, needs("until")), (p.plain, _plain, None),
        (p.ongoing, _ongoing, needs("ongoing")),
    )


@cache
def _trigger() -> re.Pattern[str]:
    """What every deadline phrase contains: a year, a day/month date, or a period word
    ("ngày", "tháng", "Quý IV", "hằng", "thường xuyên", "trong năm", "cuối năm" …). A number
    alone ("100%") is not enough."""
    rules = load_rules("deadlines")
    words = [w for key in ("day", "month", "quarter", "week", "every", "periodic", "ongoing", "current_year",
                           "year_end", "half_prefixes", "period_label") for w in rules[key]]
    # matched on the lower-cased text, without word boundaries: a cheap superset is enough
    plain = "|".join(re.escape(w.lower()) for w in sorted(set(words), key=len, reverse=True))
    return re.compile(rf"(?:19|20|21)\d\d|\d\s*[/.\-]\s*\d|{plain}")


# A deadline phrase reaches this far before and after its period word or number
# ("Hoàn thành trong Quý III năm 2026", "trước 16h00 ngày 25 hàng tháng").
_REACH_BEFORE, _REACH_AFTER = 64, 48


def _windows(text: str) -> list[tuple[int, int]]:
    """The stretches of `text` around its trigger words, merged: only they can hold a deadline.
    Patterns run with pos/endpos there, so look-behinds still see the text before."""
    windows: list[tuple[int, int]] = []
    for match in _trigger().finditer(text.lower()):  # lower() keeps Vietnamese lengths: offsets hold
        start, end = max(0, match.start() - _REACH_BEFORE), min(len(text), match.end() + _REACH_AFTER)
        if windows and start <= windows[-1][1]:
            windows[-1] = (windows[-1][0], end)
        else:
            windows.append((start, end))
    return windows


@lru_cache(maxsize=16384)
def _scan(text: str, plan_year: int | None, in_sentence: bool) -> tuple[_Found, ...]:
    """Every deadline phrase in `text`, left to right, without overlaps (at one place the
    longest phrase wins). Cached: the text reader asks about the same clause several times."""
    windows = _windows(text)
    if not windows:
        return ()  # most sentences name no period at all: skip the twelve patterns
    p = _patterns()
    lowered = text.lower()
    found: list[_Found] = []
    for pattern, read, needed in _readers():
        spans = [(a, b) for a, b in windows if needed is None or needed.search(lowered, a, b)]
        for match in (m for start, end in spans for m in pattern.finditer(text, start, end)):
            try:
                item = read(match, plan_year, text)
            except _Invalid:
                continue
            if item is None:
                continue
            if in_sentence and item.needs_cue and not _ends_at(p.find_cue, text, item.start):
                continue
            found.append(item)
    found.sort(key=lambda f: (f.start, -(f.end - f.start), f.rank))
    chosen: list[_Found] = []
    for item in found:
        if not chosen or item.start >= chosen[-1].end:
            chosen.append(item)
    return tuple(chosen)


@lru_cache(maxsize=8192)
def _parse_cached(text: str, plan_year: int | None) -> Deadline:
    found = _scan(text, plan_year, in_sentence=False)
    distinct = {f.identity: f for f in found}
    if len(distinct) > 1 and any(f.kind == "recurring" for f in distinct.values()):
        # "Thường xuyên, báo cáo kết quả trước ngày 25 hằng quý": continuous work, reported
        # on a recurring date; the recurrence is the deadline
        distinct = {k: f for k, f in distinct.items() if f.kind != "ongoing"}
    if len(distinct) == 1:
        return next(iter(distinct.values())).deadline(text)
    return Deadline(text=text, kind="unspecified")


def parse_deadline(text: str, plan_year: int | None) -> Deadline:
    """One deadline cell or phrase as a Deadline (kinds and bounds per the contract's table);
    `unspecified` where it names no period, or more than one. `text` is the input stripped."""
    return _parse_cached(text.strip(), plan_year).model_copy(deep=True)


def find_deadlines(text: str, plan_year: int | None) -> list[tuple[int, int, Deadline]]:
    """Every deadline phrase inside running text, as (start, end, Deadline) with
    text[start:end] == Deadline.text. Dates, months and years count only after a cue word
    ("trước", "trong", "hoàn thành" …) so that cited documents and titles are not deadlines."""
    return [(f.start, f.end, f.deadline(text[f.start:f.end]))
            for f in _scan(text, plan_year, in_sentence=True)]
