"""Countries and the EU as they are written in news: names, aliases, capitals and demonyms.

pycountry gives every ISO name; news writes "the U.S.", "Britain", "New Delhi" (for India's government)
and "Indian regulators". A demonym counts only before a word of state or market ("Indian government",
"Chinese users"), because "Chinese apps" says where apps come from, not which market acts.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import pycountry

from newsintel.places import DEMONYMS as _DEMONYMS  # the rules of this package use the name too
from newsintel.places import EU, REGION_OF, REGIONS, market_name  # noqa: F401 (re-exported for the rules)

_EXTRA_NAMES: dict[str, list[str]] = {
    "US": ["U.S.", "US", "U.S.A.", "USA", "United States", "United States of America", "America", "the States"],
    "GB": ["U.K.", "UK", "Britain", "Great Britain", "United Kingdom", "England", "Scotland", "Wales"],
    "RU": ["Russia"], "KR": ["South Korea", "Korea"], "KP": ["North Korea"], "TW": ["Taiwan"], "IR": ["Iran"],
    "VN": ["Vietnam"], "SY": ["Syria"], "LA": ["Laos"], "CZ": ["Czech Republic", "Czechia"],
    "TR": ["Turkey", "Türkiye"],
    "CN": ["China", "mainland China", "PRC", "People's Republic of China"], "HK": ["Hong Kong"],
    "AE": ["UAE", "U.A.E.", "United Arab Emirates"], "NL": ["the Netherlands", "Holland"], "CD": ["DR Congo"],
    "CI": ["Ivory Coast"], "MM": ["Myanmar", "Burma"], "VE": ["Venezuela"], "BO": ["Bolivia"], "TZ": ["Tanzania"],
    "MD": ["Moldova"], "PS": ["Palestine", "West Bank", "Gaza"], "VA": ["Vatican"], "BN": ["Brunei"],
    "SA": ["Saudi Arabia"],
}
_EU_NAMES = ["European Union", "EU", "E.U.", "the European Commission", "European Commission", "Brussels"]
# A capital stands for its government in news ("Beijing retaliated"); "Washington Post" is a newspaper.
_CAPITALS = {
    "Beijing": "CN", "New Delhi": "IN", "Delhi": "IN", "Washington": "US", "Moscow": "RU", "London": "GB",
    "Tokyo": "JP", "Islamabad": "PK", "Abuja": "NG", "Seoul": "KR", "Taipei": "TW", "Canberra": "AU",
    "Ottawa": "CA", "Berlin": "DE", "Paris": "FR", "Tehran": "IR", "Ankara": "TR", "Jakarta": "ID",
    "Dhaka": "BD", "Hanoi": "VN", "Kabul": "AF", "Pyongyang": "KP", "Riyadh": "SA", "Nairobi": "KE",
}
# Wire datelines ("NEW DELHI (Reuters) -", "SAN FRANCISCO, Aug 2 -") name where a story is reported from.
_DATELINE_CITIES = {**{c.upper(): code for c, code in _CAPITALS.items()},
                    "MUMBAI": "IN", "BENGALURU": "IN", "BANGALORE": "IN", "SHANGHAI": "CN", "SHENZHEN": "CN",
                    "HONG KONG": "HK", "NEW YORK": "US", "SAN FRANCISCO": "US", "SEATTLE": "US", "LAGOS": "NG",
                    "KARACHI": "PK", "LAHORE": "PK", "SINGAPORE": "SG", "DUBAI": "AE", "BRUSSELS": "EU"}
_DATELINE = re.compile(r"(?m)^\s*(" + "|".join(sorted(map(re.escape, _DATELINE_CITIES), key=len, reverse=True)) +
                       r")\b(?=\s*(?:\(|,|-|—|–))")
_NOT_AFTER_CAPITAL = re.compile(r"^\s*(?:Post|Times|Journal|state|State|Street|Square|Heights)\b")
# A country's name that is part of another name: a currency ("US$15 billion", "23 billion US dollars"), a
# place of its own ("the Niger Delta", "the South China Sea"), or an organisation's or outlet's name
# ("China National Offshore Oil Corporation", "Pakistan Point News"). None of them says what a story is about.
_NOT_A_PLACE_AFTER = re.compile(
    r"(?:\$|\s+dollars?\b|\s+(?:Delta|River|Basin|Valley|Sea|Strait|Gulf|Peninsula|Desert|Plateau|Highlands)\b|"
    r"(?:\s+[A-Z][\w&-]*){0,4}\s+(?:Corporation|Corp|Company|Co|Ltd|Limited|Inc|plc|PLC|News|Times|Post|Herald|"
    r"Daily|Tribune|Gazette)\b)")
_STATE_NOUNS = (r"government|governments|authorities|authority|officials|official|regulators?|ministry|ministries|"
                r"ministers?|courts?|judges?|market|markets|users|lawmakers|parliament|administration|state|"
                r"legislators|agencies|agency|watchdogs?|police|law|laws|rules|consumers|subscribers|customers|"
                r"telecom regulator|IT ministry|commerce ministry|president|prime minister|cabinet|army|military")
_DEMONYM_RE = re.compile(r"\b(" + "|".join(sorted(map(re.escape, _DEMONYMS), key=len, reverse=True)) +
                         r")\s+(?:" + _STATE_NOUNS + r")\b")



@dataclass(frozen=True)
class MarketHit:
    market_id: str
    surface: str
    start: int
    end: int
    dateline: bool = False   # where the story was filed from, not a place the story is about




@functools.lru_cache(maxsize=1)
def _name_index() -> tuple[re.Pattern[str], dict[str, str]]:
    names: dict[str, str] = {}
    for c in pycountry.countries:
        for n in (c.name, getattr(c, "common_name", None)):
            if n and "," not in n:
                names.setdefault(n, c.alpha_2)
    for code, extra in _EXTRA_NAMES.items():
        for n in extra:
            names[n] = code
    for n in _EU_NAMES:
        names[n] = EU
    for n, code in _CAPITALS.items():
        names[n] = code
    # "Georgia", "Jordan", "Chad" and friends are also US states or first names: keep them, but only as
    # whole words; "US"/"UK" only in capitals (never the pronoun "us").
    alts = sorted(names, key=len, reverse=True)
    pattern = re.compile(r"(?<![\w.])(" + "|".join(re.escape(a) for a in alts) + r")(?![\w])")
    return pattern, names


def find_markets(text: str) -> list[MarketHit]:
    pattern, names = _name_index()
    hits = []
    for m in pattern.finditer(text):
        surface = m.group(1)
        code = names[surface]
        if surface in _CAPITALS and _NOT_AFTER_CAPITAL.match(text[m.end():]):
            continue
        if _NOT_A_PLACE_AFTER.match(text, m.end()):
            continue
        hits.append(MarketHit(code, surface, m.start(), m.end()))
    for m in _DEMONYM_RE.finditer(text):
        hits.append(MarketHit(_DEMONYMS[m.group(1)], m.group(1), m.start(1), m.end(1)))
    for m in _DATELINE.finditer(text):
        hits.append(MarketHit(_DATELINE_CITIES[m.group(1)], m.group(1), m.start(1), m.end(1), dateline=True))
    hits.sort(key=lambda h: h.start)
    return hits
