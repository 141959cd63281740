"""Organisations in text: registry names and aliases first, then discovery of ones the registry lacks.

Registry matching is exact and case-sensitive on purpose: "Apple" the company and "apple" the fruit,
"Jio" and "jio". Aliases the registry marks risky ("X", "Line") count only when the same text also names
the company another way. Discovery takes what a news writer marks as an organisation: a capitalised name
with a corporate suffix ("Zhongan Technologies Ltd") or behind a descriptor ("e-commerce firm Club
Factory"). A discovered name that equals or nearly equals a registry name resolves to the registry id.
"""
from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from typing import Mapping

from rapidfuzz import fuzz, process

from newsintel.registry import RegistryCompany, load_registry

CORPORATE_SUFFIXES = (
    "Inc", "Inc.", "Incorporated", "Corp", "Corp.", "Corporation", "Ltd", "Ltd.", "Limited", "LLC", "L.L.C.",
    "plc", "PLC", "GmbH", "AG", "SE", "S.A.", "SA", "N.V.", "NV", "Co.", "Co", "Company", "Pvt", "Pvt.",
    "Private Limited", "Holdings", "Holding", "Group", "Technologies", "Technology", "Labs", "Systems", "Networks",
    "Software", "Semiconductor", "Semiconductors", "Electronics", "Telecom", "Telecommunications",
    "Communications", "Ventures", "Capital", "Partners", "Motors", "Games", "Studios", "Bank", "Pharmaceuticals",
    "Industries", "Enterprises", "Platforms", "Digital", "Entertainment", "Interactive", "Robotics", "Airlines",
)
_LEGAL_SUFFIXES = {"Inc", "Inc.", "Incorporated", "Corp", "Corp.", "Corporation", "Ltd", "Ltd.", "Limited", "LLC",
                   "L.L.C.", "plc", "PLC", "GmbH", "AG", "SE", "S.A.", "SA", "N.V.", "NV", "Co.", "Co", "Pvt",
                   "Pvt.", "Private Limited", "Company"}
_NOT_ORG_WORDS = {
    "Ministry", "Department", "Commission", "Court", "Government", "Parliament", "Congress", "Senate", "House",
    "Authority", "Agency", "Council", "Committee", "Bureau", "Office", "Administration", "University", "Party",
    "Police", "Army", "Navy", "Federal", "Supreme", "High", "District", "State", "National", "Republic",
    "President", "Minister", "Secretary", "Judge", "Justice", "Chairman", "Chief", "CEO", "Director", "Mr", "Ms",
    "The", "A", "An", "This", "That", "These", "Those", "Its", "Their", "His", "Her", "Our", "In", "On", "At",
    "For", "With", "After", "Before", "But", "And", "Or", "Since", "While", "When", "As", "If", "It", "They",
    "He", "She", "We", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday",
    "January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
    "November", "December", "Reuters", "Street", "Wall", "Reserve", "Regulatory", "Exchange Commission",
    "Founder", "Co-founder", "Cofounder", "Analyst", "Investor", "Professor", "Dr", "Sir", "Lord",
}
_CAP_WORD = r"(?:[A-Z][A-Za-z0-9&'’.-]*[A-Za-z0-9]|[A-Z])"
_NAME = rf"{_CAP_WORD}(?:\s+(?:{_CAP_WORD}|&|and|of|de))*?"
_SUFFIX_ALT = "|".join(re.escape(s) for s in sorted(CORPORATE_SUFFIXES, key=len, reverse=True))
_SUFFIXED = re.compile(rf"(?<![\w])({_NAME}\s+(?:{_SUFFIX_ALT}))(?![\w])")
_DESCRIPTOR = re.compile(
    r"\b(?:start-?up|company|firm|maker|chipmaker|carmaker|giant|rival|app|platform|provider|operator|retailer|"
    r"developer|publisher|unicorn|conglomerate|carrier|lender|investment firm|fund|brand|marketplace|"
    r"service|outfit|group|parent)\s+(" + rf"{_CAP_WORD}(?:\s+{_CAP_WORD}){{0,2}}" + r")(?![\w])")
# Words that make a short or common-word alias ("Arm", "X") a company in its sentence.
_COMPANY_CONTEXT = re.compile(
    r"\b(acqui\w+|deal|merger|takeover|shares|stock|stake|invest\w*|company|firm|chip ?designer|chipmaker|"
    r"start-?up|owner|owned|CEO|chief executive|subsidiary|unit|platform|app|social media|Inc|Ltd|plc|"
    r"valuation|revenue|profit|IPO|listed|sold|buy|bought|sell)\b", re.I)
# "Ministry of Electronics and Information Technology": a name inside a government body's name.
_OFFICIAL_BEFORE = re.compile(r"\b(Ministry|Department|Minister|Secretary|Commission|Committee|Office|Bureau|"
                              r"Authority|Agency|Court|Council|Institute|University|School|Act)\s+(?:of\s+)?"
                              r"(?:(?:the|and|for|[A-Z][\w-]*)\s+){0,4}$")
_OFFICIAL_AFTER = re.compile(r"\s+(?:[A-Z][\w-]*\s+){0,3}(?:Agency|Authority|Commission|Ministry|Department|Council|"
                             r"Board|Bureau|Office|Institute|Act|Committee|Court|Regulator)\b")
# "CloudSimple, a startup that ...": the descriptor after the name
_DESCRIBED_AFTER = re.compile(
    r"(?<![\w.])(" + rf"{_CAP_WORD}(?:\s+{_CAP_WORD}){{0,2}}" + r"),\s+(?:a|an)\s+(?:[\w-]+\s+){0,3}?"
    r"(start-?up|company|firm|maker|developer|provider|platform|app|unicorn|retailer|operator|lender|"
    r"marketplace|chipmaker|carmaker|conglomerate|publisher|studio)\b")
# "dating apps such as Tinder, Tagged, Skout and SayHi": each listed name is an app
_LISTED_NAME = rf"{_CAP_WORD}(?:\s+{_CAP_WORD}){{0,2}}"
_APP_LIST = re.compile(r"\b(?:apps?|applications|platforms|services|sites|websites)\s+(?:such as|including|like|"
                       rf"namely|among them)\s+((?:{_LISTED_NAME})(?:,\s+{_LISTED_NAME})*(?:,?\s+and\s+{_LISTED_NAME})?)")
_FIRST_WORD = re.compile(r"\w+")
_WORD_START = re.compile(r"(?<![\w@#])\w+")   # "@Twitter" and "#TikTok" are handles and tags, not names
_LEGAL_TAIL = re.compile(r",?\s+(?:" + "|".join(re.escape(s) for s in sorted(_LEGAL_SUFFIXES, key=len, reverse=True))
                         + r")(?![\w])")
_APP_DESCRIPTOR = re.compile(r"\b(?:app|platform|service|marketplace|game)\s+$")


@dataclass(frozen=True)
class CompanyHit:
    company_id: str
    name: str
    surface: str
    start: int
    end: int
    kind: str
    origin: str            # registry | discovered
    parent_id: str | None = None
    country: str | None = None
    ancestors: tuple[str, ...] = ()    # parent, grandparent, ...: UC Browser → UCWeb → Alibaba

    @property
    def seller_id(self) -> str:
        """Who a deal for this is struck with: an app is bought from its owner (TikTok → ByteDance)."""
        return self.parent_id if self.kind == "app" and self.parent_id else self.company_id


def _is_word_char(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


def slugify(name: str) -> str:
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii").lower()
    text = text.replace("&", " and ").replace("'", "").replace("’", "")
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def strip_corporate_suffix(name: str) -> str:
    words = name.replace(",", " ").split()
    while len(words) > 1 and (words[-1] in _LEGAL_SUFFIXES or " ".join(words[-2:]) in _LEGAL_SUFFIXES):
        words = words[:-2] if " ".join(words[-2:]) in _LEGAL_SUFFIXES else words[:-1]
    return " ".join(words)


class CompanyMatcher:
    """Finds organisations in a text and resolves each to a stable company id."""

    def __init__(self, registry: Mapping[str, RegistryCompany]):
        self.registry = dict(registry)
        self._surface: dict[str, str] = {}
        self._risky: dict[str, str] = {}
        self._folded: dict[str, str] = {}
        for c in self.registry.values():
            for s in (c.name, *c.aliases):
                self._surface.setdefault(s, c.id)
                self._folded.setdefault(strip_corporate_suffix(s).casefold(), c.id)
            for s in c.risky_aliases:
                self._risky.setdefault(s, c.id)
        # Names by their first word, longest first: a dict lookup per word of text instead of one regular
        # expression of thousands of alternatives (which re tries one by one at every position: with the
        # listed companies it took most of the extraction time).
        self._by_first: dict[str, list[str]] = {}
        for surface in sorted(set(self._surface) | set(self._risky), key=len, reverse=True):
            first = _FIRST_WORD.match(surface)
            if first:
                self._by_first.setdefault(first.group(0), []).append(surface)
        self._names = {c.id: c.name for c in self.registry.values()}

    def resolve_name(self, name: str) -> str | None:
        """A registry id for a name as written, via suffix stripping and fuzzy matching; None if unknown."""
        base = strip_corporate_suffix(name.strip())
        if base in self._surface:
            return self._surface[base]
        folded = base.casefold()
        if folded in self._folded:
            return self._folded[folded]
        best = process.extractOne(base, self._names, scorer=fuzz.ratio, score_cutoff=93)
        return best[2] if best else None

    def find(self, text: str) -> list[CompanyHit]:
        hits: list[CompanyHit] = []
        taken: list[tuple[int, int]] = []
        named = set()
        found = list(self._registry_names(text))
        for surface, _start, _end in found:
            cid = self._surface.get(surface)
            if cid:
                named.add(cid)
        for surface, start, end in found:
            cid = self._surface.get(surface)
            if cid is None:
                cid = self._risky[surface]
                window = text[max(0, start - 80):end + 80]
                if cid not in named and not _COMPANY_CONTEXT.search(window):
                    continue
            hits.append(self._hit(cid, text[start:end], start, end))
            taken.append((start, end))
        for cand, start, end, kind in self._discover(text):
            if any(s < end and start < e for s, e in taken) or _OFFICIAL_BEFORE.search(text[max(0, start - 60):start]) \
                    or _OFFICIAL_AFTER.match(text[end:end + 60]):
                continue
            cid = self.resolve_name(cand)
            if cid:
                hits.append(self._hit(cid, cand, start, end))
            else:
                base = strip_corporate_suffix(cand)
                hits.append(CompanyHit(slugify(base), base, cand, start, end, kind, "discovered"))
            taken.append((start, end))
        hits.sort(key=lambda h: h.start)
        return hits

    def _registry_names(self, text: str):
        """(name as listed, start, end incl. a legal suffix) of each registry name in text, leftmost-longest."""
        last = 0
        for m in _WORD_START.finditer(text):
            pos = m.start()
            if pos < last:
                continue
            for surface in self._by_first.get(m.group(0), ()):
                end = pos + len(surface)
                if text.startswith(surface, pos) and (end == len(text) or not _is_word_char(text[end])):
                    tail = _LEGAL_TAIL.match(text, end)
                    last = tail.end() if tail else end
                    yield surface, pos, last
                    break

    def _hit(self, cid: str, surface: str, start: int, end: int) -> CompanyHit:
        c = self.registry[cid]
        return CompanyHit(cid, c.name, surface, start, end, c.kind, "registry", c.parent, c.country,
                          self.ancestors(cid))

    def ancestors(self, cid: str) -> tuple[str, ...]:
        chain, seen = [], {cid}
        parent = self.registry[cid].parent if cid in self.registry else None
        while parent and parent not in seen and parent in self.registry:
            chain.append(parent)
            seen.add(parent)
            parent = self.registry[parent].parent
        return tuple(chain)

    def _discover(self, text: str):
        for m in _SUFFIXED.finditer(text):
            name = _trim_name(m.group(1))
            if name and _plausible(name, suffixed=True, text=text):
                yield name, m.start(1) + m.group(1).find(name), m.end(1), "company"
        for m in _APP_LIST.finditer(text):
            offset = m.start(1)
            for part in re.split(r",\s+and\s+|,\s+|\s+and\s+", m.group(1)):
                at = text.find(part, offset)
                offset = at + len(part)
                name = _trim_name(part)
                if name and _plausible(name, suffixed=False, text=text):
                    yield name, at, at + len(name), "app"
        for m in _DESCRIBED_AFTER.finditer(text):
            if " " not in m.group(1) and re.search(r"(?:^|[.!?]\s+|\n)\s*$", text[:m.start(1)]):
                continue   # one capitalised word opening a sentence is no evidence of a name
            name = _trim_name(m.group(1))
            if name and _plausible(name, suffixed=False, text=text):
                kind = "app" if m.group(2) in ("app", "platform", "marketplace") else "company"
                yield name, m.start(1), m.start(1) + len(name), kind
        for m in _DESCRIPTOR.finditer(text):
            name = _trim_name(m.group(1))
            if name and _plausible(name, suffixed=False, text=text):
                kind = "app" if _APP_DESCRIPTOR.search(text[max(0, m.start(1) - 12):m.start(1)]) else "company"
                yield name, m.start(1), m.start(1) + len(name), kind


_PERSON_TITLES = {"CEO", "Chairman", "Chief", "President", "Minister", "Secretary", "Judge", "Justice", "Director",
                  "Founder", "Co-founder", "Cofounder", "Analyst", "Investor", "Professor", "Dr", "Mr", "Ms", "Sir",
                  "Lord", "Senator", "Governor", "Chairwoman", "Chairperson"}


def _trim_name(name: str) -> str:
    words = name.split()
    if words and words[0].strip(".,") in _PERSON_TITLES:
        return ""     # "company CEO Andy Vesey": a title, then a person
    while words and (words[0] in _NOT_ORG_WORDS or words[0].lower() in {"and", "of", "de", "&"}):
        words = words[1:]
    while words and words[-1].lower() in {"and", "of", "de", "&"}:
        words = words[:-1]
    return " ".join(words).rstrip(".’'").removesuffix("’s").removesuffix("'s")


def _plausible(name: str, suffixed: bool, text: str = "") -> bool:
    words = name.split()
    if not words or any(w.strip(".,") in _NOT_ORG_WORDS for w in words):
        return False
    if re.search(r"[’']s\b", name) or re.search(r"\s(?:and|of|for|the)\s", name):
        return False  # "Agency's Future Technology", "Digital Imaging and Communications": phrases, not names
    if text and re.search(rf"(?<![\w-]){re.escape(name.lower())}(?![\w-])", text):
        return False  # the same words in lower case elsewhere: an ordinary phrase ("fast", "health technology")
    if suffixed and len(words) < 2:
        return False  # a bare suffix word ("Group") is not a name
    from newsintel.extract.markets import find_markets
    hits = find_markets(name)
    if hits and hits[0].start == 0 and hits[0].end >= len(strip_corporate_suffix(name)):
        return False  # "India Ltd" style artefacts and bare country names
    return len(name) >= 2


@functools.lru_cache(maxsize=1)
def default_matcher() -> CompanyMatcher:
    return CompanyMatcher(load_registry())
