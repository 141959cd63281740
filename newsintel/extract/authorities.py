"""Which market's government acts in a sentence: from named bodies, leaders, and place + body wording.

A ban is set by a government, a regulator or a court, and news names the actor in three general ways:
a named body ("Roskomnadzor", "the FCC"), a head of government ("Trump", "Modi"), or a place
followed by a word of state ("Indian regulators", "Italy's privacy regulator", "the Canadian government",
"Texas lawmakers"). The names are data (`newsintel/data/authorities.yaml`); this module only reads them.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

import pycountry
import yaml

from newsintel.extract.markets import MarketHit
from newsintel.places import DEMONYMS as _DEMONYMS

DATA = Path(__file__).resolve().parent.parent / "data" / "authorities.yaml"


@dataclass(frozen=True)
class Actor:
    market_id: str
    surface: str
    start: int
    end: int


@dataclass(frozen=True)
class _Table:
    named: re.Pattern[str]            # bodies and leaders by name
    market_of: dict[str, str]
    body_after: re.Pattern[str]       # "'s privacy regulator", " government"
    subdivision: re.Pattern[str]
    subdivision_of: dict[str, str]
    demonym: re.Pattern[str]


def _words(names) -> str:
    return "|".join(re.escape(n).replace(r"\ ", r"\s+") for n in sorted(set(names), key=len, reverse=True))


@functools.lru_cache(maxsize=1)
def _table() -> _Table:
    raw = yaml.safe_load(DATA.read_text(encoding="utf-8"))
    market_of = {}
    for market, entry in raw["markets"].items():
        for group in ("bodies", "leaders", "officials"):
            for name in entry.get(group) or ():
                market_of[name] = market
    named = re.compile(r"(?<![\w-])(" + _words(market_of) + r")(?![\w-])")
    body_after = re.compile(r"^(?:[’']s)?\s+(?:(?:state-run|state|federal|national|top|local|[a-z]+)\s+){0,2}?(?:"
                            + _words(raw["bodies"]) + r")\b", re.I)
    subdivision_of = {}
    for country in raw.get("subdivisions_of", []):
        for sub in pycountry.subdivisions.get(country_code=country) or ():
            if sub.type in ("State", "Province", "Territory", "Union territory") and len(sub.name) > 3:
                subdivision_of[sub.name] = country
    subdivision = re.compile(r"(?<![\w-])(" + _words(subdivision_of) + r")(?![\w-])")
    # markets.py reads a demonym as a market only before a few state nouns; any body word of the table makes
    # "Swedish telecom regulators" an actor here
    demonym = re.compile(r"(?<![\w-])(" + _words(_DEMONYMS) + r")(?![\w-])")
    return _Table(named, market_of, body_after, subdivision, subdivision_of, demonym)


def find_actors(text: str, markets: list[MarketHit]) -> list[Actor]:
    """Government actors in `text` with the market each acts for, in text order. `markets` are all the
    market hits of the sentence, possessives and demonyms included ("Italy's regulator")."""
    t = _table()
    out = []
    for m in t.named.finditer(text):
        name = re.sub(r"\s+", " ", m.group(1))
        out.append(Actor(t.market_of[name], m.group(1), m.start(), m.end()))
    for h in markets:
        body = t.body_after.match(text[h.end:h.end + 60])
        if body and not h.dateline:
            out.append(Actor(h.market_id, text[h.start:h.end + body.end()], h.start, h.end + body.end()))
    for m in t.demonym.finditer(text):
        body = t.body_after.match(text[m.end():m.end() + 60])
        if body and not any(a.start <= m.start() < a.end for a in out):
            out.append(Actor(_DEMONYMS[m.group(1)], text[m.start():m.end() + body.end()], m.start(),
                             m.end() + body.end()))
    for m in t.subdivision.finditer(text):
        body = t.body_after.match(text[m.end():m.end() + 60])
        if body or re.search(r"\bstate of\s+$", text[max(0, m.start() - 12):m.start()], re.I):
            out.append(Actor(t.subdivision_of[m.group(1)], m.group(1), m.start(), m.end()))
    out.sort(key=lambda a: a.start)
    return out
