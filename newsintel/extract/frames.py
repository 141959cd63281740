"""Event frames as data: what a trigger lemma means for a ban or a deal (`lexicon/frames.yaml`).

Nothing here reads text. `load_frames()` returns an immutable `Frames` built from a file, so a test can load
another file; `frames()` is the shipped one, loaded once per process. The word forms a sentence must show
before it is worth parsing are derived here from each lemma (regular inflections, plus the irregular forms
a frame lists), so that the filter and the frames can never disagree.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from newsintel.vocab import BAN_STATUSES, DEAL_STATUSES, DEAL_TYPES

FRAMES_PATH = Path(__file__).with_name("lexicon") / "frames.yaml"
DIRECTIONS = ("buyer", "seller", "mutual")
OBJECTS = ("company", "in", "for", "with", "on", "of", "stake", "self")


@dataclass(frozen=True)
class Frame:
    kind: str                 # ban | deal
    lemma: str
    type: str | None          # deal type, or None (decided by the sentence's other words)
    status: str               # what the word states by itself
    object: str               # where its other party stands (see OBJECTS)
    direction: str            # buyer | seller | mutual (deals); mutual for bans
    particle: str | None      # "take over", "shut down": the particle the verb needs
    forms: tuple[str, ...]


@dataclass(frozen=True)
class Frames:
    triggers: dict[tuple[str, str], Frame]     # (kind, lemma) -> frame
    status_words: dict[str, dict[str, str]]    # kind -> lemma -> status
    cue: re.Pattern[str]                       # any word form of any trigger: the sentences worth parsing

    def trigger(self, kind: str, lemma: str) -> Frame | None:
        return self.triggers.get((kind, lemma.lower()))

    def governing_status(self, kind: str, lemma: str) -> str | None:
        return self.status_words[kind].get(lemma.lower())


def inflections(lemma: str) -> set[str]:
    """Regular English inflections of a verb or noun lemma: enough for a sentence filter, never for a reading
    (the parser's lemmatizer decides what a token's lemma is)."""
    out = {lemma, lemma + "s", lemma + "es", lemma + "ed", lemma + "d", lemma + "ing"}
    if lemma.endswith("e"):
        out |= {lemma[:-1] + "ing", lemma[:-1] + "ion"}
    if lemma.endswith("y"):
        out |= {lemma[:-1] + "ies", lemma[:-1] + "ied"}
    if re.search(r"[^aeiou][aeiou][bdgklmnprt]$", lemma):
        out |= {lemma + lemma[-1] + "ed", lemma + lemma[-1] + "ing"}
    return out


def load_frames(path: Path = FRAMES_PATH) -> Frames:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    statuses = {"deals": set(DEAL_STATUSES), "bans": set(BAN_STATUSES)}
    triggers: dict[tuple[str, str], Frame] = {}
    forms: set[str] = set()
    for section, kind in (("deals", "deal"), ("bans", "ban")):
        for lemma, entry in (raw.get(section) or {}).items():
            entry = entry or {}
            status = entry.get("status")
            if status not in statuses[section]:
                raise ValueError(f"{path.name}: {section}.{lemma}: status {status!r} is not one of "
                                 f"{sorted(statuses[section])}")
            ftype = entry.get("type")
            if kind == "deal" and ftype is not None and ftype not in DEAL_TYPES:
                raise ValueError(f"{path.name}: {section}.{lemma}: type {ftype!r} is not one of {DEAL_TYPES}")
            obj = entry.get("object", "company")
            if obj not in OBJECTS:
                raise ValueError(f"{path.name}: {section}.{lemma}: object {obj!r} is not one of {OBJECTS}")
            direction = entry.get("direction", "mutual")
            if direction not in DIRECTIONS:
                raise ValueError(f"{path.name}: {section}.{lemma}: direction {direction!r} is not one of {DIRECTIONS}")
            extra = tuple(entry.get("forms") or ())
            triggers[(kind, lemma)] = Frame(kind, lemma, ftype, status, obj, direction, entry.get("particle"), extra)
            forms |= inflections(lemma) | set(extra)
    words = {"deals": {}, "bans": {}}
    for section in words:
        for lemma, status in ((raw.get("status_words") or {}).get(section) or {}).items():
            if status not in statuses[section]:
                raise ValueError(f"{path.name}: status_words.{section}.{lemma}: {status!r} is not a {section} status")
            words[section][str(lemma)] = status
    cue = re.compile(r"(?<![\w-])(?:" + "|".join(re.escape(f) for f in sorted(forms, key=len, reverse=True))
                     + r")(?![\w-])", re.I)
    return Frames(triggers, {"deal": words["deals"], "ban": words["bans"]}, cue)


@functools.lru_cache(maxsize=1)
def frames() -> Frames:
    return load_frames()
