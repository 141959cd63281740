"""The deal lexicon (`lexicon/deals.yaml`) compiled into the patterns deals.py reads sentences with.

What words mean lives in the YAML; how a sentence is read lives in deals.py. Everything deals.py asks of a
word (its type, its direction, what its object must be, the status it states, whether it denies a deal) comes
from here, so a new verb never needs a second edit elsewhere. The regular expressions are built by hand
rather than with a grammar library because the lexicon's patterns are regex fragments already and the whole
lexicon compiles to a dozen expressions, read once per process.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from newsintel.vocab import DEAL_STATUSES, DEAL_TYPES

LEXICON_PATH = Path(__file__).resolve().parent / "lexicon" / "deals.yaml"
DIRECTIONS = ("buyer", "seller", "none")
OBJECTS = ("company", "any")


class LexiconError(ValueError):
    """A lexicon entry that cannot be used: unknown type, status, direction or object, or a bad pattern."""


@dataclass(frozen=True)
class Cue:
    """One entry of `cues`: wording that signals a deal type, with the side of the party before it."""
    index: int
    deal_type: str
    direction: str
    object: str
    regex: str

    @property
    def group(self) -> str:
        return f"c{self.index}"


@dataclass(frozen=True)
class StatusCue:
    status: str
    party_first: bool
    pattern: re.Pattern[str]


def _alternation(entry: dict | list | str) -> str:
    """A regex alternation from an entry's `forms` (whole words; a space matches space or hyphen) or `pattern`."""
    if isinstance(entry, str):
        return entry
    if isinstance(entry, list):
        return "|".join(_form(f) for f in sorted(entry, key=len, reverse=True))
    parts = []
    if "pattern" in entry:
        parts.append(entry["pattern"])
    if "forms" in entry:
        parts.append(_alternation(entry["forms"]))
    if not parts:
        raise LexiconError(f"entry {entry!r} has neither forms nor pattern")
    return "|".join(parts)


def _form(form: str) -> str:
    return r"[\s-]+".join(re.escape(w) for w in str(form).split())


def _compile(alternation: str, what: str, flags=re.I) -> re.Pattern[str]:
    try:
        # every entry starts a word ((?=\w) halves the scan: no alternation is tried at a word's end) and ends one,
        # or ends in % ("secured 39.87%")
        return re.compile(rf"\b(?=\w)(?:{alternation})(?:\b|(?<=%))", flags)
    except re.error as err:
        raise LexiconError(f"{what}: {err}") from err


class DealLexicon:
    """The compiled lexicon. Build it with `deal_lexicon()`; tests may load another file with `DealLexicon(path)`."""

    def __init__(self, path: Path = LEXICON_PATH):
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        self.cues: list[Cue] = []
        for i, e in enumerate(data["cues"]):
            cue = Cue(i, e.get("type"), e.get("direction", "buyer"), e.get("object", "any"), _alternation(e))
            if cue.deal_type not in DEAL_TYPES or cue.direction not in DIRECTIONS or cue.object not in OBJECTS:
                raise LexiconError(f"cue {e!r}: type must be one of {DEAL_TYPES}, direction one of {DIRECTIONS}, "
                                   f"object one of {OBJECTS}")
            _compile(cue.regex, f"cue {e!r}")
            self.cues.append(cue)
        # one expression per type, in the order types first appear; a named group per cue says which matched
        self.type_patterns: list[tuple[str, re.Pattern[str]]] = []
        for t in dict.fromkeys(c.deal_type for c in self.cues):
            alts = "|".join(f"(?P<{c.group}>{c.regex})" for c in self.cues if c.deal_type == t)
            self.type_patterns.append((t, _compile(alts, f"type {t}")))
        # every cue at once: where a side clause recalls a deal of its own ("..., after X bought Y")
        self.any_cue = _compile("|".join(f"(?:{c.regex})" for c in self.cues), "cues")
        self.stake_types = frozenset(data.get("stake_makes_investment", ()))
        self.deal_nouns = _compile(_alternation(data["deal_nouns"]), "deal_nouns")
        objects = _alternation(data["company_objects"])
        self.company_object = re.compile(rf"^\W*(?:\S+\s+){{0,6}}?(?:{objects})\b", re.I)
        self.goods = re.compile(r"^\s+(?:(?:up to|about|some|another|more than)\s+)?\d[\d,.]*"
                                rf"(?!\s*(?:{_alternation(data['goods_count_not'])}))\s", re.I)
        self.goods_words = re.compile(rf"^\W*(?:\S+\s+){{0,8}}?(?:{_alternation(data['goods_words'])})\b"
                                      r"(?!\s+(?:maker|company|firm|business|unit|group))",
                                      re.I)
        self.implied_target = _compile(_any(data["implied_targets"]), "implied_targets")
        roles = data["roles"]
        self.offer_from = re.compile(rf"\b(?:{_alternation(roles['offer_from'])})\s+from\s+$", re.I)
        # "Cisco's increased offer": the possessor of an offer is its bidder
        self.offer_by = re.compile(rf"[’']s?\s+(?:[\w$.,-]+\s+){{0,4}}?(?:{_alternation(roles['offer_from'])})\b", re.I)
        self.by_buyer = re.compile(rf"\b(?:{_alternation(roles['by_buyer'])})\s+by\s+$", re.I)
        self.nominal_by = re.compile(rf"\b(?:{_alternation(roles['nominal_by'])})\b[^.;]{{0,80}}?\bby\s+$", re.I)
        self.chosen = re.compile(rf"\b(?:{_alternation(roles['chosen'])})\s+$", re.I)
        self.receives = _compile(_alternation(roles["receives"]), "roles.receives")
        links = _alternation(data["link_nouns"])
        self.link_with = re.compile(rf"\b(?:{links})\s+(?:\w+\s+){{0,3}}?(?:with|between)\s+(?:\S+\s+){{0,4}}$", re.I)
        self.link_verb = re.compile(rf"\s+(?:\w+\s+){{0,3}}?(?:{_alternation(data['link_verbs'])})\b", re.I)
        sell_cues = "|".join(c.regex for c in self.cues if c.direction == "seller")
        self.seller = _compile(_any(data["seller_signals"])
                               + (f"|(?:{sell_cues})(?:\\s+off)?\\s+(?:its|their|a stake)" if sell_cues else ""),
                               "seller_signals")
        self.headline_agreed = _compile(_any(data["headline_agreed"]), "headline_agreed")
        self.denial = _compile(_any(data["denials"]), "denials")
        self.not_yet = _compile(_any(data["not_yet"]), "not_yet")
        self.earlier = _compile(_any(data["earlier"]), "earlier")
        self.statuses: list[tuple[str, list[StatusCue]]] = []
        for status, entries in data["statuses"].items():
            if status not in DEAL_STATUSES:
                raise LexiconError(f"statuses: {status!r} is not one of {DEAL_STATUSES}")
            cues = [StatusCue(status, bool(e.get("party_first")), _compile(_alternation(e), f"status {status}"))
                    for e in entries]
            self.statuses.append((status, cues))
        self.status_pattern = {name: re.compile("|".join(f"(?:{c.pattern.pattern})" for c in cues), re.I)
                               for name, cues in self.statuses}

    def cue_of(self, m: re.Match[str]) -> Cue:
        """The cue whose wording a type pattern's match is."""
        name = next(k for k, v in m.groupdict().items() if v is not None)
        return self.cues[int(name[1:])]


def _any(entries: list) -> str:
    return "|".join(f"(?:{_alternation(e)})" for e in entries)


@functools.lru_cache(maxsize=1)
def deal_lexicon() -> DealLexicon:
    return DealLexicon()
