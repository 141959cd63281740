"""Event dates as news writes them, resolved against the article's publication date.

"late June" in an article of 13 August 2020 is June 2020 at month precision; "on Monday" is the Monday
before publication at day precision; "last month" is the month before. A date without a year takes the
latest year that does not put it after publication.
"""
from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

_MONTHS = {m.lower(): i for i, m in enumerate(calendar.month_name) if m}
_MONTHS.update({m.lower(): i for i, m in enumerate(calendar.month_abbr) if m})
_MONTHS["sept"] = 9
_MONTH = (r"(January|February|March|April|May|June|July|August|September|October|November|December"
          r"|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\.?")
_WEEKDAYS = {d.lower(): i for i, d in enumerate(calendar.day_name)}

_PATTERNS = [
    ("mdy", re.compile(rf"\b{_MONTH}\s+(\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s+(\d{{4}}))?\b")),
    ("dmy", re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}(?:,?\s+(\d{{4}}))?\b")),
    ("iso", re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")),
    ("part_month", re.compile(rf"\b(early|mid|mid-|late|end of|beginning of|the end of|the start of)\s*-?\s*{_MONTH}"
                              rf"(?:,?\s+(\d{{4}}))?\b", re.I)),
    ("month_year", re.compile(rf"\b(?:in|since|from|during|of)\s+{_MONTH}(?:,?\s+(\d{{4}}))?\b")),
    ("weekday", re.compile(r"\b(?:[Oo]n|[Ll]ast|[Tt]his|[Ee]arlier on)\s+"
                           r"(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b")),
    ("relative_day", re.compile(r"\b(yesterday|today|earlier today|this week|last week)\b", re.I)),
    ("relative_month", re.compile(r"\b(?:(early|mid|late)\s+)?(last|this|next) month\b", re.I)),
    ("relative_year", re.compile(r"\b(last|this|next) year\b", re.I)),
    ("year", re.compile(r"\b(?:in|since|during|of|early|late)\s+((?:19|20)\d{2})\b")),
]


_DEADLINE = re.compile(r"\b(?:by|before|until|till|no later than|deadline of|due)\s+(?:the\s+)?$", re.I)


@dataclass(frozen=True)
class EventDate:
    value: date
    precision: str   # day | month | year
    surface: str


def _month_num(token: str) -> int:
    return _MONTHS[token.lower().rstrip(".")]


def _year_for(month: int, day: int, published: date) -> int:
    """The year of a date written without one: this year, unless that puts it more than four months after
    publication ("in December" in a February article is last December; "from mid-September" in an August
    one is next month)."""
    year = published.year
    try:
        if date(year, month, day) > published + timedelta(days=120):
            year -= 1
    except ValueError:
        pass
    return year


def find_date(sentence: str, published: date | None) -> EventDate | None:
    """The first resolvable date in a sentence; None when it names none or cannot be anchored."""
    found = []
    for kind, pat in _PATTERNS:
        for m in pat.finditer(sentence):
            if _DEADLINE.search(sentence[max(0, m.start() - 20):m.start()]):
                continue  # "talks to finish by September 15": a deadline, not when anything happened
            d = _resolve(kind, m, published)
            if d:
                found.append((m.start(), d))
    return min(found, key=lambda x: x[0])[1] if found else None


def _resolve(kind: str, m: re.Match, published: date | None) -> EventDate | None:
    surface = m.group(0)
    try:
        if kind in ("iso", "mdy", "dmy", "part_month", "month_year"):
            return _resolve_calendar(kind, m, published, surface)
        if published is None:
            if kind == "year":
                return EventDate(date(int(m.group(1)), 1, 1), "year", surface)
            return None
        return _resolve_relative(kind, m, published, surface)
    except (ValueError, KeyError):
        return None


def _resolve_calendar(kind: str, m: re.Match, published: date | None, surface: str) -> EventDate | None:
    """A date written with its month (ISO, "March 5", "5 March", "early March", "in March 2024"): the
    publication date only supplies a missing year. Split from `_resolve`, which catches what this raises."""
    if kind == "iso":
        return EventDate(date(int(m.group(1)), int(m.group(2)), int(m.group(3))), "day", surface)
    if kind in ("mdy", "dmy"):
        month_tok, day = (m.group(1), int(m.group(2))) if kind == "mdy" else (m.group(2), int(m.group(1)))
        month = _month_num(month_tok)
        if m.group(3):
            year = int(m.group(3))
        elif published:
            year = _year_for(month, day, published)
        else:
            return None
        return EventDate(date(year, month, day), "day", surface)
    month_tok, year_tok = (m.group(2), m.group(3)) if kind == "part_month" else (m.group(1), m.group(2))
    month = _month_num(month_tok)
    if year_tok:
        year = int(year_tok)
    elif published:
        year = _year_for(month, 1, published)
    else:
        return None
    return EventDate(date(year, month, 1), "month", surface)


def _resolve_relative(kind: str, m: re.Match, published: date, surface: str) -> EventDate | None:
    """A date counted from the publication date ("on Monday", "yesterday", "last month", "next year"), or
    a bare year. Split from `_resolve`, which catches what this raises."""
    if kind == "weekday":
        target = _WEEKDAYS[m.group(1).lower()]
        delta = (published.weekday() - target) % 7
        return EventDate(published - timedelta(days=delta), "day", surface)
    if kind == "relative_day":
        word = m.group(1).lower()
        if word == "yesterday":
            return EventDate(published - timedelta(days=1), "day", surface)
        if word in ("today", "earlier today", "this week"):
            return EventDate(published, "day", surface)
        return EventDate(published - timedelta(days=7), "day", surface)
    if kind == "relative_month":
        shift = {"last": -1, "this": 0, "next": 1}[m.group(2).lower()]
        month_index = published.year * 12 + published.month - 1 + shift
        return EventDate(date(month_index // 12, month_index % 12 + 1, 1), "month", surface)
    if kind == "relative_year":
        shift = {"last": -1, "this": 0, "next": 1}[m.group(1).lower()]
        return EventDate(date(published.year + shift, 1, 1), "year", surface)
    if kind == "year":
        return EventDate(date(int(m.group(1)), 1, 1), "year", surface)
    return None
