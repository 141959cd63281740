"""Ban reports: who bans what, where, by which measure, with what status, read from the wording.

What words mean is data (`lexicon/bans.yaml`: each trigger's word forms, the status it signals and what its
object must be; the objects that make a measure; what is no ban). This module only reads sentences with it:
every pattern below is compiled from that file, so a new verb is one lexicon line (and one golden sentence
in `tests/fixtures/golden_bans.yaml`), never a second list to keep in step.

How a sentence is read: its status from the triggers (a lifting needs a ban word beside it; a court's block
is `blocked`; modal, hypothetical, negated or quoted wording is not a ban); its targets from the companies
in the trigger's clause, each of a coordinated list and each line of a bulleted list after a ':' being one
report; its markets from who acts (a place, a coordinated list of places, a body of state, see
`authorities.py`) or where the ban applies ("in the US, Canada and the EU"), one report per market.
The patterns are hand-written regular expressions over the lexicon because the rules must explain
themselves and run at 100+ articles/s without a model download; a dependency parser would do clause roles
better but ships weights.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from newsintel.extract.authorities import find_actors
from newsintel.extract.companies import CompanyHit, _plausible, slugify
from newsintel.extract.context import ArticleContext, SentenceView
from newsintel.extract.dates import EventDate, find_date
from newsintel.extract.markets import _DEMONYMS, find_markets
from newsintel.extract.modality import is_modal as _modal
from newsintel.extract.modality import is_quoted as _quoted
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
    for measure, spec in objects.items():
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
        rf"\bavoid\w* (?:\w+ ){{0,3}}(?:{ban_nouns})\b|\b(?:save (?:itself|it|themselves) from|escape (?:a )?(?:{ban_nouns})|"
        rf"(?:if|unless|whether) .{{0,60}}\b(?:{ban_nouns})|in case of a (?:{ban_nouns})|fear(?:s|ed)? (?:of )?(?:a )?(?:{ban_nouns})|"
        rf"risk(?:s|ed|ing)? (?:a |being )?(?:{ban_nouns})|face(?:s|d)? (?:a )?(?:possible|potential) (?:{ban_nouns})|"
        rf"could face)\b", re.I)
    measures = tuple((spec["measure"], _words_re(spec["words"]) if spec.get("words") else None,
                      _words_re(spec["with"]) if spec.get("with") else None)
                     for name, spec in objects.items() if name not in ("access", "operations", "any"))
    return Lexicon(
        entries=tuple(entries), enacted=union("enacted"), proposed=union("proposed"), lifted=union("lifted"),
        blocked=union("blocked"), blocked_any=union("blocked_any"), court=_words_re(raw["court_words"]),
        blocked_by_court=re.compile(r"\b(?:" + "|".join(by_status["blocked"]) + r"|suspended|frozen) by (?:a |the |two |"
                                    r"several )?(?:federal |district |high |appeals? |supreme )?(?:judges?|courts?)\b", re.I),
        ban_word=re.compile(r"\b(?:" + "|".join(by_status["enacted"]) + r"|" + _alternation(nouns) + r")\b", re.I),
        ban_noun=_words_re([w for w in enacted_words if w not in deal_verbs] + objects["equipment"]["words"][:2]
                           + ["app", "apps"]),
        lift_object=_words_re(nouns + enacted_words),
        deal_object=re.compile(_words_re(nb["deal_objects"]).pattern + "|" + "|".join(nb.get("deal_phrases", [])), re.I),
        content_object=_words_re(nb["content_objects"]),
        conduct_object=_words_re(nb["conduct_objects"]), penalty=_words_re(nb["penalties"]),
        compliance=_words_re(nb["compliance"]), negated=negated, hypothetical=hypothetical,
        list_cue=re.compile(r"\b(?:" + "|".join(raw["list_cues"]) + r")\b", re.I),
        measures=measures, object_measure={k: v["measure"] for k, v in objects.items()}, verbs=verbs,
        # matched on lower-cased text without re.I: five times faster on long alternations (the lexicon's
        # escapes are all lower-case: \b \w \d), and only a yes/no filter
        nouns=frozenset(n.lower() for n in trigger_nouns),
        noun_use=re.compile(rf"\b(?:{_alternation(trigger_nouns)}) (?:on|of|against)\b|\b(?:impos|announc|issu|order|enforc|"
                            rf"introduc|extend|declar|approv|sign|lift|revok|block|halt|suspend)\w* (?:a |an |the |its |"
                            rf"their )?(?:\w+ ){{0,2}}?(?:{_alternation(trigger_nouns)})\b", re.I),
        ban_object=re.compile(rf"[^,.;]{{0,35}}?\b(?:{all_nouns})\b", re.I),
        any_trigger=re.compile((r"\b(?:" + "|".join(p for parts in by_status.values() for p in parts) + r")\b").lower()))


def _lex() -> Lexicon:
    return load_lexicon(LEXICON)


_SCOPE_OTHER = re.compile(r"\b(\d{1,4})\s+(?:other|more|additional|further)\s+(?:\w+\s+){0,3}?"
                          r"(?:apps|applications|companies|firms|platforms|entities|services|websites)\b", re.I)
_SCOPE_TOTAL = re.compile(r"\b(\d{1,4})\s+(?:\w+\s+){0,3}?(?:apps|applications|companies|firms|platforms|entities|"
                          r"services|websites)\b", re.I)
_PRONOUN_APP = re.compile(r"\b(the (?:short[- ]video |video[- ]sharing |popular |social media |video )?(?:app|platform|service)|"
                          r"it|its)\b", re.I)
_PRONOUN_ORG = re.compile(r"\b(the (?:company|firm|group|tech giant|telecom giant|Chinese company))\b", re.I)
# The wording of who acts, for the report's `authority` text when no body of the authorities table is named.
_AUTHORITY_PHRASE = re.compile(
    r"\b((?:the )?(?:[A-Z][a-z]+ )?government of [A-Z][a-z]+|(?:the )?[A-Z][a-z]+n? government|"
    r"President(?: [A-Z][a-z]+){1,2}|Prime Minister(?: [A-Z][a-z]+){1,2}|"
    r"(?:a |the )?(?:federal |U\.S\. |US )?(?:district )?(?:judge|court)(?: [A-Z][a-z]+ [A-Z][a-z]+)?|"
    r"(?:the )?[A-Z][a-z]+ High Court|(?:the )?Supreme Court)\b")


@dataclass
class BanFinding:
    market_id: str
    target_id: str
    measure: str
    status: str
    authority: str | None
    event_date: EventDate | None
    scope_count: int | None
    evidence: str
    sentence_index: int
    confidence: float
    explicit_market: bool
    explicit_target: bool
    provenance: bool = False   # named as where banned things come from ("apps from Alibaba"), see `_ban_reports`


_PROVENANCE = re.compile(r"\b(?:from|by|of)\s+(?:[\w-]+\s+){0,3}$", re.I)




_SPARED = re.compile(r"\b(?:spar(?:es|ed|ing)|exempt(?:s|ed|ing)?|except(?:ing)?|not (?:apply|cover|include)\w*)\s+"
                     r"(?:to\s+)?(?:\S+\s+){0,4}$", re.I)
_NAMED_BAN = re.compile(r"\b(?!(?:The|A|An|This|That|Its|Their|Any|No)\b)[A-Z][\w-]* bans?\b")   # "the TikTok ban"
_GOVERNMENT = re.compile(r"\b(government|ministry|minister|regulators?|authorit(?:y|ies)|courts?|judges?|law|"
                         r"orders?|decree|president|prime minister|parliament|congress|officials?|state|federal|"
                         r"agency|commission)\b", re.I)
_SCHEDULED = re.compile(r"\b(?:will|shall|(?:said|announced|confirmed) (?:it|they) would)\s+(?:\w+\s+)?$", re.I)
_WILL_DIRECT = re.compile(r"\b(?:will|shall)\s+(?:now\s+|also\s+|soon\s+)?$", re.I)
_SPEECH = re.compile(r"\b(?:said|says|saying|told|tweeted|vowed|promised|warned|hinted|suggested|believes?|thinks?)\b",
                     re.I)
_EFFECTIVE = re.compile(r"\b(?:from|starting|beginning|effective|as of|with effect from|after|on|by)\s+(?:the\s+)?"
                        r"(?:end|start|beginning|\d|January|February|March|April|May|June|July|August|September|"
                        r"October|November|December|next|this|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)",
                        re.I)


_REQUEST = re.compile(r"\b(?:asked|asks|urged|urges|called on|pressed|petitioned|demanded|lobbied)\b[^.;]{0,100}\bto\s+$",
                      re.I)
_CONTRAST = re.compile(r",?\s+(?:though|although|but|while|whereas|yet)\s+|;\s*")


def _status(text: str, acted_by_state: bool = False, pos: int = 0) -> tuple[str, re.Match] | None:
    """The status the sentence states (from offset `pos`) and the trigger that states it, or None."""
    lex = _lex()
    negated = lex.negated.search(text, pos)
    if negated:
        # "Sales were not banned, though its app was blocked": a denial holds for its own clause only
        turn = _CONTRAST.search(text, negated.end())
        return _status(text, acted_by_state, turn.end()) if turn else None
    lifted = lex.lifted.search(text, pos)
    if lifted and lex.lift_object.search(text[:lifted.start()] + " " + text[lifted.end():]):
        if _modal(text, lifted.start()) or _REQUEST.search(text[max(0, lifted.start() - 120):lifted.start()]):
            return None   # "asked the regulator to lift the ban": a request, the story's ban is told elsewhere
        return "lifted", lifted
    passive = lex.blocked_by_court.search(text, pos) or lex.blocked_any.search(text, pos)
    if passive:
        return "blocked", passive
    if lex.court.search(text, pos):
        blocked = lex.blocked.search(text, pos)
        if blocked and (lex.court.match(blocked.group(1))
                        or lex.ban_object.match(text, blocked.end())
                        or re.match(r"[^,.;]{0,60}?\bfrom (?:enforcing|implementing|carrying out)\b",
                                    text[blocked.end():])):
            return "blocked", blocked
    proposed = lex.proposed.search(text, pos)
    enacted = lex.enacted.search(text, pos)
    if enacted and proposed and proposed.start() <= enacted.start() < proposed.end() \
            and _SCHEDULED.search(text[max(0, enacted.start() - 30):enacted.start()]) \
            and _EFFECTIVE.search(text[enacted.end():]):
        return "enacted", enacted   # "said it would ban downloads from Sunday": decided, with its start date
    if proposed and not (enacted and enacted.start() < proposed.start()):
        return "proposed", proposed   # "threatened to ban"; but "banned ..., saying they posed a threat" is done
    if lex.hypothetical.search(text, pos):
        return None
    if enacted:
        if re.search(r"\b(?:not|never|no|nor)\b(?:\s+\w+){0,3}\s*$", text[:enacted.start()], re.I):
            return None   # "did not block", "could not ... or block"
        if _quoted(text, enacted.start()):
            return None   # words in quotes are someone's talk, not an act or a formal proposal
        before = text[max(0, enacted.start() - 30):enacted.start()]
        if _modal(text, enacted.start()) and _SCHEDULED.search(before) and _EFFECTIVE.search(text[enacted.end():]):
            return "enacted", enacted   # "Britain will ban new Huawei kit from the end of the year": decided
        if _modal(text, enacted.start()) and acted_by_state and _WILL_DIRECT.search(before) \
                and not _SPEECH.search(text[:enacted.start()]):
            return "enacted", enacted   # "The Canadian government will ban ...": announced as decided
        if _modal(text, enacted.start()):
            if re.search(r"\b(?:if|unless)\b", text[enacted.start():], re.I):
                return None   # "could be blocked if they fail to comply": a condition, not a proposal
            return "proposed", enacted
        return "enacted", enacted
    return None


def _trigger_object(trigger: re.Match) -> str:
    for pattern, entry in _lex().entries:
        if pattern.fullmatch(trigger.group(0)):
            return entry.get("object", "any")
    return "any"


def _measure(text: str, targets, trigger: re.Match | None = None) -> str:
    """The measure from the sentence's object words (a divestiture needs a word of command beside it;
    equipment counts where no app is named), else an app target, else what the trigger's own object is
    ("embargoed" → transactions)."""
    for measure, words, needs in _lex().measures:
        if measure == "divestiture_order":
            if words.search(text) and needs.search(text):
                return measure
        elif measure == "equipment_ban":
            if words.search(text) and not re.search(r"\bapps?\b", text, re.I):
                return measure
        elif words and words.search(text):
            return measure
    if any(t.kind == "app" for t in targets):
        return "app_ban"
    return _lex().object_measure.get(_trigger_object(trigger), "other") if trigger is not None else "other"


def _scope(text: str, named: int) -> int | None:
    m = _SCOPE_OTHER.search(text)
    if m:
        return int(m.group(1)) + max(named, 1)
    m = _SCOPE_TOTAL.search(text)
    if m and int(m.group(1)) > 1:
        return int(m.group(1))
    return None


def _authority(text: str) -> str | None:
    m = _AUTHORITY_PHRASE.search(text)
    return m.group(1) if m else None


def find_bans(ctx: ArticleContext) -> list[BanFinding]:
    pending: list[BanFinding] = []
    found = _find_direct(ctx, pending)
    return found + _list_continuations(ctx, found, pending)


def _list_continuations(ctx: ArticleContext, found: list[BanFinding], pending=()) -> list[BanFinding]:
    """'The order also names UC Browser and SHAREit': apps listed after the sentence that bans them (or that
    states a ban without naming what it hits: "the ministry announced the ban. The list includes ...")."""
    extra, covered = [], {f.sentence_index for f in found}
    for view in ctx.views:
        if view.index in covered or not _lex().list_cue.search(view.text):
            continue
        previous = sorted([f for f in list(found) + list(pending) if view.index - 4 <= f.sentence_index < view.index],
                          key=lambda f: f.sentence_index)
        if not previous:
            continue
        last = previous[-1]
        named = {f.target_id for f in previous}
        for p in view.parties():
            if p.kind == "person" or p.company_id in STORE_OWNERS or p.company_id in named:
                continue
            if any(p.company_id in o.ancestors for o in view.parties()):
                continue  # "Alibaba's UC Browser": the owner is not on the list
            measure = last.measure if last.measure != "other" else _measure(view.text, [p])
            extra.append(BanFinding(last.market_id, p.company_id, measure, last.status, last.authority,
                                    last.event_date, last.scope_count, view.text, view.index,
                                    round(max(0.5, last.confidence - 0.1), 2), last.explicit_market, True))
    return extra


def _find_direct(ctx: ArticleContext, pending: list | None = None) -> list[BanFinding]:
    """Bans each sentence states. A sentence that states a ban with a market but names no target is kept in
    `pending` (target_id empty), for the list that may follow it."""
    lex = _lex()
    found: list[BanFinding] = []
    for view in ctx.views:
        if not lex.any_trigger.search(view.text.lower()):
            continue
        actors = find_actors(view.text, _places(view, possessive=True))
        pos = 0
        for _ in range(4):   # "X blocked A on Monday, citing ..., and restricted B": each clause its own verb
            verdict = _status(view.text, acted_by_state=bool(actors or _places(view)), pos=pos)
            if verdict is None:
                break
            _read_clause(ctx, view, actors, *verdict, found, pending)
            turn = _clause_break().search(view.text, verdict[1].end())
            if turn is None:
                break
            pos = turn.end()
    return found


def _read_clause(ctx: ArticleContext, view: SentenceView, actors, status: str, trigger: re.Match,
                 found: list[BanFinding], pending: list | None) -> None:
    """The ban one trigger of the sentence states, appended to `found` (or to `pending` without a target)."""
    lex = _lex()
    if status in ("enacted", "proposed") and not lex.ban_word.search(view.text[trigger.start():]):
        return   # "threatened to raise tariffs": a threat, but of no ban
    if trigger.group(0).lower() in lex.nouns and re.search(
            r"\b(?:the|a|an|its|their|this|that|any|no)\s+(?:[\w-]+\s+)?$", view.text[:trigger.start()], re.I) \
            and not (lex.noun_use.search(view.text) or _NAMED_BAN.search(view.text)):
        return  # "The ban is a blow to ByteDance": the ban is talked about, not reported as imposed here
    if lex.deal_object.search(view.text) and not lex.ban_noun.search(view.text):
        return  # "the FTC sued to block the acquisition": a deal blocked, not a ban
    after_trigger = view.text[trigger.end():]
    if (lex.deal_object.search(after_trigger[:60]) and not lex.measures[1][1].search(view.text)) or \
            re.match(r"^\s*(?:\w+\s+){0,2}?(?:" + lex.content_object.pattern + ")", after_trigger, re.I) or \
            re.match(r"^\s*(?:\w+\s+){0,2}?(?:" + lex.penalty.pattern + ")", after_trigger, re.I):
        return  # "blocked Broadcom's takeover of Qualcomm", "suspend certain accounts", "blocked the fine"
    if status != "blocked" and lex.penalty.search(view.text[max(0, trigger.start() - 30):trigger.start()]):
        return  # "the FTC sued to block it": a lawsuit (against a deal, most often), not a ban
    subject = [p for p in view.parties() if p.end <= trigger.start()
               and re.fullmatch(r"\s*(?:(?:said|says|announced|confirmed)\s+(?:that\s+)?(?:it|they)\s+)?(?:\w+\s+){0,2}",
                                view.text[p.end:trigger.start()])
               and not re.search(r"\b(?:was|were|is|are|been|be|being|remains?|remained|got|gets|stays?)\b",
                                 view.text[p.end:trigger.start()], re.I)]   # "Helo remains blocked": the target
    if subject and subject[-1].kind != "person" and status in ("enacted", "proposed") and not actors \
            and not _GOVERNMENT.search(view.text):
        return  # "Samsung banned employees from using ChatGPT": a company's house rule, not a ban
    bullets = _bulleted(ctx, view) if ":" in view.text[trigger.start():] else []
    if bullets:   # "the following 26 platforms are banned: - A - B - C"
        targets, explicit_target, in_sentence = bullets, True, False
    else:
        targets, explicit_target = _targets(ctx, view, status, trigger)
        in_sentence = bool(targets)
    if not targets:
        if pending is not None and status == "enacted" and not view.is_title:
            markets, explicit_market = _markets(ctx, view, trigger.start(), actors)
            if explicit_market and len(markets) == 1:
                pending.append(BanFinding(markets[0], "", _measure(view.text, [], trigger), status,
                                          _authority(view.text), find_date(view.text, ctx.published),
                                          _scope(view.text, 0), view.text, view.index, 0.6, True, False))
        return
    measure = _measure(view.text, targets, trigger)
    first_target = min((t.start for t in targets if t.start >= 0), default=None) if in_sentence and explicit_target else None
    provenance = {t.company_id for t in targets if 0 <= t.start and _PROVENANCE.search(view.text[:t.start])}
    targets = _drop_owners(targets, measure, view.text)
    anchor = _anchor(view.text, trigger, first_target)
    markets, explicit_market = _markets(ctx, view, anchor, actors)
    if not explicit_market and found:
        markets = [found[-1].market_id]   # "Twitter has also been blocked": where the last ban was
    if not markets:
        return
    when = find_date(view.text, ctx.published)
    scope = _scope(view.text, len(targets))
    authority = next((a.surface for a in actors), None) or _authority(view.text)
    confidence = 0.55 + 0.15 * explicit_market + 0.15 * explicit_target + (0.05 if authority else 0)
    for market in markets:
        for target_id in targets:
            found.append(BanFinding(market, target_id, measure, status, authority, when, scope,
                                    view.text, view.index, round(min(confidence, 0.95), 2),
                                    explicit_market, explicit_target, target_id in provenance))


def _anchor(text: str, trigger: re.Match, first_target: int | None) -> int:
    """Where the verb that acts on the targets stands: the last trigger before the first target, so that in
    "as countries keep banning it, Australia also banned the app" the second verb (and its subject) counts."""
    if first_target is None or first_target <= trigger.start():
        return trigger.start()
    lex = _lex()
    last = trigger.start()
    for pattern in (lex.enacted, lex.proposed):
        for m in pattern.finditer(text, trigger.start(), first_target):
            last = max(last, m.start())
    return last


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


def _bulleted(ctx: ArticleContext, view: SentenceView) -> list[CompanyHit]:
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
        if not name or (cut == len(words) and m.end() < len(item.rstrip(" .;,")) and " " not in item[m.end():m.end() + 1]):
            break
        hit = CompanyHit(slugify(name), name, name, at, at + len(name), "app", "discovered")
        v.companies.append(hit)
        out.append(hit)
        if cut < len(words):
            break   # the list ran into the next sentence
    return out


def _places(view: SentenceView, possessive: bool = False):
    """Markets named as places in the sentence, not the country word inside a company's name ("China Mobile");
    with `possessive`, also "Italy's" before a body or company (the actors' finder decides which)."""
    spans = [(c.start, c.end) for c in view.companies]
    hits = view.markets if possessive else view.place_markets()
    return [m for m in hits if not m.dateline and not any(s <= m.start and m.end <= e for s, e in spans)]


_CLAUSE_BREAK_BASE = (r"[;:]|,\s*(?:as|while|after|but|which|who|where|when|since|citing)\b|"
                      r"\b(?:as reports|while|whereas)\b|(?<!such )\bas\s+(?=[A-Z][\w-]*(?:\s+[A-Z][\w-]*)?\s+"
                      r"(?:weighs|is|was|has|had|said|says|considers|explores|prepares|looks|seeks|eyes)\b)|"
                      r"\band\s+(?=[A-Z][\w-]*(?:\s+[A-Z][\w-]*)?\s+(?:is|are|was|were|has|have|had|will|said)\b)|"
                      r",\s+(?=[A-Z][\w-]*(?:\s+[A-Z][\w-]*)?\s+(?:has|had|have|is|was|were|will|signed|said)\b)|"
                      r",\s+and\s+(?=[A-Z][\w-]*(?:\s+[A-Z][\w-]*)?\s+[a-z]+(?:ed|s)\b)")
# "Shein, the retailer whose app India banned, will be brought back by Reliance": after a relative clause the
# main verb resumes; what follows it is not the ban's object (the subject before that clause still is)
_RESUMED = re.compile(r",\s+(?:will|would|has|had|is|was|were|said|says)\s")


@functools.lru_cache(maxsize=1)
def _clause_break() -> re.Pattern[str]:
    # "... issued a ban on X and urged agencies to ...": a second predicate (not another ban verb) opens a clause
    return re.compile(_CLAUSE_BREAK_BASE + r"|\band\s+(?!(?:" + _lex().verbs + r")\b)[a-z]{3,}ed\s+(?!by\b)")


def _broken(text: str, start: int, end: int) -> bool:
    """Whether a clause ends between two offsets ("... from mid-September and Microsoft is in talks")."""
    return any(start + m.start() < end for m in _clause_break().finditer(text[start:end + 40]))


_STORE = re.compile(r"\b(stores?|Play)\b")
STORE_OWNERS = {"apple", "google", "alphabet"}
_OBJECT_PRONOUN = re.compile(r"(?:\s+[\w-]+){0,2}?\s+(it|them|the app|the platform|the service|the company|the firm)\b",
                             re.I)
_ENUMERATION = re.compile(r"(?:\b(?:including|such as|among them|namely|which include[sd]?|that include[sd]?)|:)\s+",
                          re.I)
# A list of names a ban's object noun introduces ("blocked five dating apps, Tinder, Tagged and SayHi") or ends
# ("blocked Facebook, Kora and 20 other platforms"): each named item is a target, known or not.
_ITEM = r"[A-Z][\w'’.+-]*(?:\s+[A-Z0-9][\w'’.+-]*){0,2}"
_LIST = rf"{_ITEM}(?:\s*,\s*{_ITEM})*(?:\s*,?\s+(?:and|or)\s+{_ITEM})?"
_OBJECT_NOUN = r"(?:apps?|applications|platforms|services|websites|sites|games|messengers|networks|brands)"
_NAMED_LIST = re.compile(rf"\b{_OBJECT_NOUN}\s*(?:,|:|--|—|\bincluding|\bsuch as|\blike|\bnamely|\bamong them)\s+({_LIST})"
                         rf"|({_LIST}),?\s+(?:and|as well as)\s+(?:\d+|dozens of|several|many|other)\s+(?:[\w-]+\s+){{0,2}}?"
                         rf"{_OBJECT_NOUN}")
_NOT_OBJECT_BEFORE = re.compile(r"\b(?:according to|reported by|told|said|says|via|wrote)\s+(?:the\s+)?$", re.I)


def _targets(ctx: ArticleContext, view: SentenceView, status: str, trigger: re.Match):
    """The banned companies: named in the trigger's clause, after the verb when any are, else before it.
    Media are parties here only as the verb's own object ("banned state media RT and Sputnik")."""
    lex = _lex()
    text = view.text
    parties = [p for p in view.parties() if p.kind != "person"]
    media = [h for h in view.companies if h.kind == "media" and h.start >= trigger.end()
             and re.fullmatch(r"[^,;:]{0,60}", text[trigger.end():h.start])
             and not _NOT_OBJECT_BEFORE.search(text[:h.start])]
    parties = sorted(parties + [h for h in media if h not in parties], key=lambda h: h.start)
    if _STORE.search(text):
        parties = [p for p in parties if p.company_id not in STORE_OWNERS]  # the stores are told, not banned
    after = [p for p in parties if p.start >= trigger.start() and not _broken(text, trigger.end(), p.start)
             and not _RESUMED.search(text, trigger.end(), p.start)]
    before = [p for p in parties if p.end <= trigger.start() and not _broken(text, p.end, trigger.start())
              and not lex.compliance.search(text[p.end:trigger.start()])]
    for p in reversed([p for p in parties if p.end <= trigger.start() and p not in before]):
        if before and re.fullmatch(r"\s*(?:,\s*(?:and\s+)?|and\s+|&\s*)", text[p.end:before[0].start]):
            before.insert(0, p)   # "Facebook and Twitter have been blocked": a coordinated subject
    if not after:
        listed = _ENUMERATION.search(text, trigger.end())
        if listed:   # "shut down the operations of three firms, citing risks, including A, B and C"
            end = next((m.start() for m in re.finditer(r"[;]|\.\s", text) if m.start() > listed.end()), len(text))
            after = [p for p in parties if listed.end() <= p.start < end]
    if status in ("enacted", "proposed") and not _broken_before_list(text, trigger.end()):
        after += [h for h in _listed_names(view, trigger.end()) if h not in after]
        after.sort(key=lambda h: h.start)
    chosen = [p for p in (after or before) if not _SPARED.search(text[:p.start])
              and not lex.conduct_object.match(text[p.end:].lstrip(" ’'s"))]
    chosen = [p for p in chosen if p.start < trigger.start() or not re.search(
        r"(?:" + lex.deal_object.pattern + r")\s+(?:with|of|for|by|in|from)\s+(?:the\s+)?$", text[:p.start], re.I)]
    # "after getting banned, Shein signed a partnership with Reliance Retail": a deal's party, not a target
    if chosen:
        return chosen, True
    pronoun = _OBJECT_PRONOUN.match(text, trigger.end())
    if pronoun and not _broken(text, trigger.end(), pronoun.end()):
        # "India, where the government blocked it", "an order banning transactions with the app": the verb's
        # object refers back to the company named last before it
        kind = "app" if pronoun.group(1).lower() in ("the app", "the platform", "the service") else None
        earlier = [p for p in parties if p.end <= trigger.start() and (kind is None or p.kind == kind)]
        if earlier:
            return [earlier[-1]], False
    if parties:
        return [], False  # companies are named, but in another clause: this ban is not about them
    if _PRONOUN_APP.search(text):
        hit = ctx.salient_company(view.index, prefer_kind="app")
        if hit and hit.kind == "app":   # "it was banned": an app; "block it" after a deal is the deal
            return [hit], False
    if _PRONOUN_ORG.search(text):
        hit = ctx.salient_company(view.index)
        if hit and hit.kind != "person":
            return [hit], False
    return [], False


def _broken_before_list(text: str, at: int) -> bool:
    m = _NAMED_LIST.search(text, at)
    return m is None or _broken(text, at, m.start())


def _listed_names(view: SentenceView, at: int) -> list[CompanyHit]:
    """The named items of the first list a ban's object noun introduces after `at`. An item the registry
    lacks becomes a discovered app, added to the sentence's companies so that it is a mention too."""
    text = view.text
    m = _NAMED_LIST.search(text, at)
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
        hit = next((p for p in known if p.start < end and start < p.end), None)
        if hit is None and part.split()[0] not in _NOT_NAME_WORDS and _plausible(part, suffixed=False, text=text) \
                and not find_markets(part):
            hit = CompanyHit(slugify(part), part, part, start, end, "app", "discovered")
            view.companies.append(hit)
            view.companies.sort(key=lambda h: h.start)
        if hit is not None:
            out.append(hit)
    return out


_NOT_NAME_WORDS = {"The", "A", "An", "Its", "Their", "This", "These", "Those", "Some", "Other", "All", "Apps",
                   "Platforms", *_DEMONYMS}   # "Chinese apps": a nationality, not a name
_OWNER_APPOSITION = re.compile(r",\s+(?:the|its)\s+(?:\w+\s+){0,2}?(?:owner|parent)\s+of\s+$")


def _drop_owners(targets, measure: str, text: str = "") -> list[str]:
    """Target ids: the app when an app and its owner are both named (a divestiture order too: the app is
    what must change hands); but in "ByteDance, the owner of TikTok" ByteDance is named and TikTok describes."""
    described = {b.company_id for a in targets for b in targets
                 if b.start >= a.end and _OWNER_APPOSITION.match(text[a.end:b.start])}
    named = [t for t in targets if t.company_id not in described]
    return [t.company_id for t in named if not any(t.company_id in o.ancestors for o in named if o is not t)]


_JURISDICTION_AFTER = re.compile(r"\b(?:in|across|throughout|by|within|on)\s+(?:the\s+)?$", re.I)
_RELATIVE_BEFORE = re.compile(r"^\s*,?\s*(?:which|who|that)\s+(?:\w+\s+){0,3}$", re.I)
_COORDINATED = re.compile(r"^\s*(?:,\s*(?:and\s+|or\s+)?|\s+and\s+|\s+or\s+|\s*&\s*)(?:the\s+)?$", re.I)


def _run(text: str, places, at: int):
    """The coordinated run of places containing places[at]: "the US, Australia, New Zealand and the UK"."""
    lo = hi = at
    while lo > 0 and _COORDINATED.match(text[places[lo - 1].end:places[lo].start]):
        lo -= 1
    while hi + 1 < len(places) and _COORDINATED.match(text[places[hi].end:places[hi + 1].start]):
        hi += 1
    seen, out = set(), []
    for m in places[lo:hi + 1]:
        if m.market_id not in seen:
            seen.add(m.market_id)
            out.append(m.market_id)
    return out


def _markets(ctx: ArticleContext, view: SentenceView, trigger_at: int, actors) -> tuple[list[str], bool]:
    """Where the ban applies: the acting places before the verb (each of a coordinated list, or the one a
    relative clause hangs on), a body of state that acts, the places the ban is 'in' after the verb, or the
    country the text has been about. 'Apps linked to China' says where apps come from, not who bans them."""
    text = view.text
    places = _places(view)
    before = [i for i, m in enumerate(places) if m.start < trigger_at]
    if before:
        nearest = before[-1]
        if _RELATIVE_BEFORE.match(text[places[nearest].end:trigger_at]):
            return [places[nearest].market_id], True      # "urged Canberra to follow India, which blocked TikTok"
        return _run(text, places, before[0]), True
    acting = [a for a in actors if a.start < trigger_at] or actors
    if acting:
        return [acting[-1].market_id if acting[-1].start < trigger_at else acting[0].market_id], True
    after = [i for i, m in enumerate(places) if m.start > trigger_at
             and _JURISDICTION_AFTER.search(text[max(0, m.start - 12):m.start])]
    if after:
        return _run(text, places, after[0]), True
    salient = ctx.salient_market(view.index)
    return ([salient] if salient else []), False
