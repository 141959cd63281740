"""The ban lexicon (`lexicon/bans.yaml`) compiled into the patterns the ban reader uses.

Every word a ban rule reads comes from the YAML file; this module only turns its lines into regular
expressions (whole-word alternatives, longest first) and checks them against the vocabularies, so a
lexicon line with an unknown status or measure fails at load time rather than silently matching nothing.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from newsintel.vocab import BAN_MEASURES, BAN_STATUSES

LEXICON = Path(__file__).with_name("lexicon") / "bans.yaml"


def _alternation(words) -> str:
    """Whole-word alternatives, longest first; a space in a form matches any run of spaces."""
    return "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in sorted(set(words), key=len, reverse=True))


def _entry_pattern(entry: dict) -> str:
    if "forms" in entry:
        return _alternation(entry["forms"])
    return entry["phrase"]


def _words_re(words, flags=re.I) -> re.Pattern[str]:
    return re.compile(r"(?<![\w-])(?:" + _alternation(words) + r")(?![\w-])", flags)


@dataclass(frozen=True)
class Lexicon:
    """The patterns the reader uses, all derived from `lexicon/bans.yaml`."""
    entries: tuple[tuple[re.Pattern[str], dict], ...]
    enacted: re.Pattern[str]
    proposed: re.Pattern[str]
    lifted: re.Pattern[str]
    blocked: re.Pattern[str]          # with a court as the actor
    blocked_any: re.Pattern[str]      # whoever acts ("the ban has been paused")
    blocked_by_court: re.Pattern[str]  # "halted by a federal judge"
    court: re.Pattern[str]
    ban_word: re.Pattern[str]         # any enacted trigger or measure noun: "threatened to <ban word>"
    ban_noun: re.Pattern[str]         # a ban word that is not also how a deal is blocked
    lift_object: re.Pattern[str]
    deal_object: re.Pattern[str]
    content_object: re.Pattern[str]
    conduct_object: re.Pattern[str]
    penalty: re.Pattern[str]
    compliance: re.Pattern[str]
    negated: re.Pattern[str]
    hypothetical: re.Pattern[str]
    list_cue: re.Pattern[str]
    measures: tuple[tuple[str, re.Pattern[str] | None, re.Pattern[str] | None], ...]   # (measure, words, with)
    object_measure: dict[str, str]
    verbs: str                        # single-word enacted forms, for grammar templates
    any_trigger: re.Pattern[str]      # a sentence without any trigger is skipped at once (speed; lower-cased)
    nouns: frozenset[str]             # "the ban", "an embargo": the measure named as a noun
    noun_use: re.Pattern[str]         # "a ban on", "imposed an embargo": the noun imposed, not talked about
    ban_object: re.Pattern[str]       # "blocked the order", "halted enforcement of the ban": a court's object


@functools.lru_cache(maxsize=4)
def load_lexicon(path: str | Path = LEXICON) -> Lexicon:
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    objects = raw["objects"]
    by_status: dict[str, list[str]] = {s: [] for s in BAN_STATUSES}
    entries = []
    for e in raw["triggers"]:
        if e["status"] not in BAN_STATUSES:
            raise ValueError(f"{path}: status {e['status']!r} is not one of {BAN_STATUSES}")
        if e.get("object", "any") not in objects:
            raise ValueError(f"{path}: object {e.get('object')!r} is not a key of `objects`")
        if re.search(r"\\[A-Z]", _entry_pattern(e)):
            raise ValueError(f"{path}: {_entry_pattern(e)!r}: write \\s \\w \\d, not upper-case escapes "
                             "(triggers are also matched on lower-cased text)")
        key = "blocked_any" if e["status"] == "blocked" and e.get("court") is False else e["status"]
        by_status.setdefault(key, []).append(_entry_pattern(e))
        entries.append((re.compile(r"\b(?:" + _entry_pattern(e) + r")\b", re.I), e))
    for _name, spec in objects.items():
        if spec["measure"] not in BAN_MEASURES:
            raise ValueError(f"{path}: measure {spec['measure']!r} is not one of {BAN_MEASURES}")

    def union(key):
        parts = by_status.get(key) or ["(?!x)x"]
        return re.compile(r"\b(" + "|".join(parts) + r")\b", re.I)

    enacted_words = [f for e in raw["triggers"] if e["status"] == "enacted" for f in e.get("forms", [])]
    deal_verbs = {f for e in raw["triggers"] if e.get("also_of_deals") for f in e.get("forms", [])}
    nouns = list(raw["measure_nouns"])
    verbs = _alternation([w for w in enacted_words if " " not in w])
    nb = raw["not_bans"]
    trigger_nouns = sorted({n for e in raw["triggers"] for n in e.get("nouns", [])})
    all_nouns = _alternation(trigger_nouns + nouns)
    negated = re.compile(
        rf"\b(no plans? (?:to|for) (?:a |an )?(?:{verbs})|no (?:evidence|case|reason|grounds|need) (?:to|for|that)|"
        rf"(?:not|never|n't) (?:be |been |yet )?(?:{verbs})\b(?! only)|denied .{{0,30}}\b(?:{verbs})|"
        rf"refus(?:ed|es) to (?:{verbs})|no (?:{verbs})\b|rul(?:ed|es) out (?:a |an )?(?:{verbs}))", re.I)
    ban_nouns = _alternation(nouns + [w for w in enacted_words if " " not in w])
    hypothetical = re.compile(
        rf"(?:^(?:Should|Were|If|Unless)\b)|\bspeculat\w+|\b(?:fears?|rumou?rs?|warnings?) that\b|"
        rf"\bavoid\w* (?:\w+ ){{0,3}}(?:{ban_nouns})\b|"
        rf"\b(?:save (?:itself|it|themselves) from|escape (?:a )?(?:{ban_nouns})|"
        rf"(?:if|unless|whether) .{{0,60}}\b(?:{ban_nouns})|in case of a (?:{ban_nouns})|"
        rf"fear(?:s|ed)? (?:of )?(?:a )?(?:{ban_nouns})|"
        rf"risk(?:s|ed|ing)? (?:a |being )?(?:{ban_nouns})|face(?:s|d)? (?:a )?(?:possible|potential) (?:{ban_nouns})|"
        rf"could face)\b", re.I)
    measures = tuple((spec["measure"], _words_re(spec["words"]) if spec.get("words") else None,
                      _words_re(spec["with"]) if spec.get("with") else None)
                     for name, spec in objects.items() if name not in ("access", "operations", "any"))
    return Lexicon(
        entries=tuple(entries), enacted=union("enacted"), proposed=union("proposed"), lifted=union("lifted"),
        blocked=union("blocked"), blocked_any=union("blocked_any"), court=_words_re(raw["court_words"]),
        blocked_by_court=re.compile(r"\b(?:" + "|".join(by_status["blocked"])
                                    + r"|suspended|frozen) by (?:a |the |two |"
                                    r"several )?(?:federal |district |high |appeals? |supreme )?(?:judges?|courts?)\b",
                                    re.I),
        ban_word=re.compile(r"\b(?:" + "|".join(by_status["enacted"]) + r"|" + _alternation(nouns) + r")\b", re.I),
        ban_noun=_words_re([w for w in enacted_words if w not in deal_verbs] + objects["equipment"]["words"][:2]
                           + ["app", "apps"]),
        lift_object=_words_re(nouns + enacted_words),
        deal_object=re.compile(_words_re(nb["deal_objects"]).pattern + "|" + "|".join(nb.get("deal_phrases", [])),
                               re.I),
        content_object=_words_re(nb["content_objects"]),
        conduct_object=_words_re(nb["conduct_objects"]), penalty=_words_re(nb["penalties"]),
        compliance=_words_re(nb["compliance"]), negated=negated, hypothetical=hypothetical,
        list_cue=re.compile(r"\b(?:" + "|".join(raw["list_cues"]) + r")\b", re.I),
        measures=measures, object_measure={k: v["measure"] for k, v in objects.items()}, verbs=verbs,
        # matched on lower-cased text without re.I: five times faster on long alternations (the lexicon's
        # escapes are all lower-case: \b \w \d), and only a yes/no filter
        nouns=frozenset(n.lower() for n in trigger_nouns),
        noun_use=re.compile(rf"\b(?:{_alternation(trigger_nouns)}) (?:on|of|against)\b|"
                            rf"\b(?:impos|announc|issu|order|enforc|"
                            rf"introduc|extend|declar|approv|sign|lift|revok|block|halt|suspend)\w* "
                            rf"(?:a |an |the |its |"
                            rf"their )?(?:\w+ ){{0,2}}?(?:{_alternation(trigger_nouns)})\b", re.I),
        ban_object=re.compile(rf"[^,.;]{{0,35}}?\b(?:{all_nouns})\b", re.I),
        any_trigger=re.compile(
            (r"\b(?:" + "|".join(p for parts in by_status.values() for p in parts) + r")\b").lower()))


def lexicon() -> Lexicon:
    """The shipped lexicon (parsed once per process)."""
    return load_lexicon(LEXICON)
