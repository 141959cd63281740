"""Lists of banned names: bulleted lists after a ':' and lists a ban's object noun introduces or ends.

"The following 26 platforms are banned: - A - B - C" and "blocked five dating apps, A, B, C and D" name each
target; the registry lacks many such small apps, so an item that reads as a name becomes a discovered app
(added to its sentence's companies, so it is a mention too).
"""
from __future__ import annotations

import re

from newsintel.extract.companies import CompanyHit, _plausible, slugify
from newsintel.extract.context import ArticleContext, SentenceView
from newsintel.extract.markets import find_markets
from newsintel.places import DEMONYMS as _DEMONYMS

_BULLET = re.compile(r"^\s*(?:[-–•*·]|\d{1,3}[.)])\s+(.+?)\s*[.;,]?\s*$")
_INLINE_BULLET = re.compile(r"\s[-–•·]\s+")
_NAME = re.compile(r"[A-Z0-9][\w&'’.+-]*(?:\s+[A-Z0-9][\w&'’.+-]*){0,3}(?:\s*\([^)]{1,30}\))?")
# Words that start the next sentence when a flattened list runs into it ("- Hamro Patro In total, 26 ...").
_STARTERS = {"The", "In", "It", "This", "These", "They", "A", "An", "All", "Some", "According", "As", "But", "And",
             "However", "Meanwhile", "Which", "What", "Why", "How", "Not", "Other", "Apart", "Besides"}


def _list_items(view: SentenceView, ctx: ArticleContext) -> list[tuple[SentenceView, str, int]]:
    """The items of a bulleted list after a sentence's ':' — on the lines that follow, or run into the same
    sentence when the page's line breaks were flattened (": - A - B - C In total, ...")."""
    text = view.text
    colon = text.rfind(":")
    tail = text[colon + 1:] if colon >= 0 else ""
    if colon >= 0 and _INLINE_BULLET.match(" " + tail.lstrip()):
        items, offset = [], colon + 1
        for part in _INLINE_BULLET.split(" " + tail)[1:]:
            at = text.find(part, offset)
            offset = at + len(part)
            items.append((view, part, at))
        return items
    if not text.rstrip().endswith(":"):
        return []
    items = []
    for v in (v for v in ctx.views if v.index > view.index):
        m = _BULLET.match(v.text)
        if not m:
            break
        items.append((v, m.group(1), m.start(1)))
    return items


def bulleted(ctx: ArticleContext, view: SentenceView) -> list[CompanyHit]:
    """Each item of a bulleted list that follows a ban sentence's ':' and names one company or app is a
    target. An item whose name the registry lacks is taken as a discovered app (the list says what it is)
    and added to that sentence's companies, so the name is a mention too."""
    out: list[CompanyHit] = []
    for v, item, at in _list_items(view, ctx):
        known = [p for p in v.parties() if at <= p.start < at + len(item)]
        if known:
            out.append(known[0])
            continue
        m = _NAME.match(item)
        if not m or ":" in item[:m.end() + 1]:
            break   # "- Still available: TikTok, Viber": another list, with its own heading
        words = m.group(0).split()
        cut = next((i for i, w in enumerate(words) if i and w in _STARTERS), len(words))
        name = re.sub(r"\s*\([^)]*\)$", "", " ".join(words[:cut]))
        if not name or (cut == len(words) and m.end() < len(item.rstrip(" .;,"))
                        and " " not in item[m.end():m.end() + 1]):
            break
        hit = CompanyHit(slugify(name), name, name, at, at + len(name), "app", "discovered")
        v.companies.append(hit)
        out.append(hit)
        if cut < len(words):
            break   # the list ran into the next sentence
    return out


# A list of names a ban's object noun introduces ("blocked five dating apps, Tinder, Tagged and SayHi") or ends
# ("blocked Facebook, Kora and 20 other platforms"): each named item is a target, known or not.
_ITEM = r"[A-Z][\w'’.+-]*(?:\s+[A-Z0-9][\w'’.+-]*){0,2}"
_LIST = rf"{_ITEM}(?:\s*,\s*{_ITEM})*(?:\s*,?\s+(?:and|or)\s+{_ITEM})?"
_OBJECT_NOUN = r"(?:apps?|applications|platforms|services|websites|sites|games|messengers|networks|brands)"
NAMED_LIST = re.compile(rf"\b{_OBJECT_NOUN}\s*(?:,|:|--|—|\bincluding|\bsuch as|\blike|\bnamely|\bamong them)"
                        rf"\s+({_LIST})"
                         rf"|({_LIST}),?\s+(?:and|as well as)\s+(?:\d+|dozens of|several|many|other)\s+"
                         rf"(?:[\w-]+\s+){{0,2}}?"
                         rf"{_OBJECT_NOUN}")


def listed_names(view: SentenceView, at: int) -> list[CompanyHit]:
    """The named items of the first list a ban's object noun introduces after `at`. An item the registry
    lacks becomes a discovered app, added to the sentence's companies so that it is a mention too."""
    text = view.text
    m = NAMED_LIST.search(text, at)
    if not m:
        return []
    group = 1 if m.group(1) else 2
    out, offset = [], m.start(group)
    known = view.parties()
    parts = re.split(r"\s*,\s*(?:and\s+|or\s+)?|\s+(?:and|or)\s+", m.group(group))
    if group == 1 and len(parts) < 2 and re.search(r"(?:,|--|—)\s*$", text[m.start():m.start(1)]):
        return []   # "blocked the services, Apple said": one name after a comma is no list
    for part in parts:
        start = text.find(part, offset)
        end = start + len(part)
        offset = end
        hit = _listed_app(view, part, start, end,
                          next((p for p in known if p.start < end and start < p.end), None))
        if hit is not None:
            out.append(hit)
    return out


def _listed_app(view: SentenceView, part: str, start: int, end: int, hit: CompanyHit | None) -> CompanyHit | None:
    """A listed name: the company already found there, else a discovered app when the name is plausible (no
    article or nationality first, no place), added to the sentence's companies."""
    if hit is None and part.split()[0] not in _NOT_NAME_WORDS and _plausible(part, suffixed=False, text=view.text) \
            and not find_markets(part):
        hit = CompanyHit(slugify(part), part, part, start, end, "app", "discovered")
        view.companies.append(hit)
        view.companies.sort(key=lambda h: h.start)
    return hit


_NOT_NAME_WORDS = {"The", "A", "An", "Its", "Their", "This", "These", "Those", "Some", "Other", "All", "Apps",
                   "Platforms", *_DEMONYMS}   # "Chinese apps": a nationality, not a name


_OBJECT_LIST = re.compile(rf"\s+(?:the\s+)?({_LIST})")


def coordinated_names(view: SentenceView, at: int) -> list[CompanyHit]:
    """ "blocked Steam, Epic Games and PayPal": the verb's object is a coordinated list of names; when the
    registry knows one of them, the others are companies too (discovered apps where the registry lacks them)."""
    text = view.text
    m = _OBJECT_LIST.match(text, at)
    if not m:
        return []
    parts = re.split(r"\s*,\s*(?:and\s+|or\s+)?|\s+(?:and|or)\s+", m.group(1))
    known = view.parties()
    spans, offset = [], m.start(1)
    for part in parts:
        start = text.find(part, offset)
        offset = start + len(part)
        spans.append((part, start, offset, next((p for p in known if p.start < offset and start < p.end), None)))
    if len(spans) < 2 or not any(hit for *_, hit in spans):
        return []
    out = []
    for part, start, end, hit in spans:
        hit = _listed_app(view, part, start, end, hit)
        if hit is not None:
            out.append(hit)
    return out
