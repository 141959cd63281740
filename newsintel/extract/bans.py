"""Ban reports: who bans what, where, by which measure, with what status, read from the wording.

What words mean is data (`lexicon/bans.yaml`: each trigger's word forms, the status it signals and what its
object must be; the objects that make a measure; what is no ban), compiled by `ban_lexicon.py`. This module
only reads sentences with it, so a new verb is one lexicon line (and one golden sentence in
`tests/fixtures/golden_bans.yaml`), never a second list to keep in step. Lists of names are read by
`ban_lists.py`, who acts for which market by `authorities.py`.

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

from newsintel.extract.authorities import find_actors
from newsintel.extract.ban_lexicon import LEXICON, Lexicon, lexicon, load_lexicon
from newsintel.extract.ban_lists import NAMED_LIST, bulleted, coordinated_names, listed_names
from newsintel.extract.context import ArticleContext, SentenceView
from newsintel.extract.dates import EventDate, find_date
from newsintel.extract.modality import is_modal as _modal
from newsintel.extract.modality import is_quoted as _quoted

__all__ = ["LEXICON", "BanFinding", "Lexicon", "find_bans", "load_lexicon"]

_SCOPE_OTHER = re.compile(r"\b(\d{1,4})\s+(?:other|more|additional|further)\s+(?:\w+\s+){0,3}?"
                          r"(?:apps|applications|companies|firms|platforms|entities|services|websites)\b", re.I)
_SCOPE_TOTAL = re.compile(r"\b(\d{1,4})\s+(?:\w+\s+){0,3}?(?:apps|applications|companies|firms|platforms|entities|"
                          r"services|websites)\b", re.I)
_PRONOUN_APP = re.compile(r"\b(the (?:short[- ]video |video[- ]sharing |popular |social media |video )?"
                          r"(?:app|platform|service)|it|its)\b", re.I)
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


_REQUEST = re.compile(r"\b(?:asked|asks|urged|urges|called on|pressed|petitioned|demanded|lobbied)\b"
                      r"[^.;]{0,100}\bto\s+$", re.I)
_CONTRAST = re.compile(r",?\s+(?:though|although|but|while|whereas|yet)\s+|;\s*")


def _status(text: str, acted_by_state: bool = False, pos: int = 0) -> tuple[str, re.Match] | None:
    """The status the sentence states (from offset `pos`) and the trigger that states it, or None."""
    lex = lexicon()
    negated = lex.negated.search(text, pos)
    if negated:
        # "Sales were not banned, though its app was blocked": a denial holds for its own clause only
        turn = _CONTRAST.search(text, negated.end())
        if turn:
            return _status(text, acted_by_state, turn.end())
        before = [m for m in _CONTRAST.finditer(text, pos, negated.start())]
        # "ordered TikTok to wind up its business but did not block the app": the clause before the denial
        return _status(text[:before[-1].start()], acted_by_state, pos) if before else None
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
        return _enacted_status(text, enacted, acted_by_state)
    return None


def _enacted_status(text: str, enacted: re.Match, acted_by_state: bool) -> tuple[str, re.Match] | None:
    """What an enacting trigger states once no denial, lifting, court block or proposal has decided: done,
    decided for a date, proposed (a modal), or nothing (a denial just before it, quoted talk, a condition).
    Split from `_status`, which reads the sentence's other triggers first."""
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


def _trigger_object(trigger: re.Match) -> str:
    for pattern, entry in lexicon().entries:
        if pattern.fullmatch(trigger.group(0)):
            return entry.get("object", "any")
    return "any"


def _measure(text: str, targets, trigger: re.Match | None = None) -> str:
    """The measure from the sentence's object words (a divestiture needs a word of command beside it;
    equipment counts where no app is named), else an app target, else what the trigger's own object is
    ("embargoed" → transactions)."""
    for measure, words, needs in lexicon().measures:
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
    return lexicon().object_measure.get(_trigger_object(trigger), "other") if trigger is not None else "other"


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
        if view.index in covered or not lexicon().list_cue.search(view.text):
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
    lex = lexicon()
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
    lex = lexicon()
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
               and re.fullmatch(r"\s*(?:(?:said|says|announced|confirmed)\s+(?:that\s+)?(?:it|they)\s+)?"
                                r"(?:\w+\s+){0,2}",
                                view.text[p.end:trigger.start()])
               and not re.search(r"\b(?:was|were|is|are|been|be|being|remains?|remained|got|gets|stays?)\b",
                                 view.text[p.end:trigger.start()], re.I)]   # "Helo remains blocked": the target
    if subject and subject[-1].kind != "person" and status in ("enacted", "proposed") and not actors \
            and not _GOVERNMENT.search(view.text):
        return  # "Samsung banned employees from using ChatGPT": a company's house rule, not a ban
    bullets = bulleted(ctx, view) if ":" in view.text[trigger.start():] else []
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
    first_target = (min((t.start for t in targets if t.start >= 0), default=None)
                    if in_sentence and explicit_target else None)
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
    lex = lexicon()
    last = trigger.start()
    for pattern in (lex.enacted, lex.proposed):
        for m in pattern.finditer(text, trigger.start(), first_target):
            last = max(last, m.start())
    return last


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
    return re.compile(_CLAUSE_BREAK_BASE + r"|\band\s+(?!(?:" + lexicon().verbs + r")\b)[a-z]{3,}ed\s+(?!by\b)")


def _broken(text: str, start: int, end: int) -> bool:
    """Whether a clause ends between two offsets ("... from mid-September and Microsoft is in talks")."""
    return any(start + m.start() < end for m in _clause_break().finditer(text[start:end + 40]))


_STORE = re.compile(r"\b(stores?|Play)\b")
STORE_OWNERS = {"apple", "google", "alphabet"}
_OBJECT_PRONOUN = re.compile(r"(?:\s+[\w-]+){0,2}?\s+(it|them|the app|the platform|the service|the company|the firm)\b",
                             re.I)
_ENUMERATION = re.compile(r"(?:\b(?:including|such as|among them|namely|which include[sd]?|that include[sd]?)|:)\s+",
                          re.I)
_NOT_OBJECT_BEFORE = re.compile(r"\b(?:according to|reported by|told|said|says|via|wrote)\s+(?:the\s+)?$", re.I)


def _targets(ctx: ArticleContext, view: SentenceView, status: str, trigger: re.Match):
    """The banned companies: named in the trigger's clause, after the verb when any are, else before it.
    Media are parties here only as the verb's own object ("banned state media RT and Sputnik")."""
    lex = lexicon()
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
    if status in ("enacted", "proposed"):
        listed = [] if _broken_before_list(text, trigger.end()) else listed_names(view, trigger.end())
        after += [h for h in listed + coordinated_names(view, trigger.end()) if h not in after]
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
    m = NAMED_LIST.search(text, at)
    return m is None or _broken(text, at, m.start())


_OWNER_APPOSITION = re.compile(r",\s+(?:the|its)\s+(?:\w+\s+){0,2}?(?:owner|parent)\s+of\s+$")


def _drop_owners(targets, measure: str, text: str = "") -> list[str]:
    """Target ids: the app when an app and its owner are both named (a divestiture order too: the app is
    what must change hands); but in "ByteDance, the owner of TikTok" ByteDance is named and TikTok describes."""
    described = {b.company_id for a in targets for b in targets
                 if b.start >= a.end and _OWNER_APPOSITION.match(text[a.end:b.start])}
    named = [t for t in targets if t.company_id not in described]
    return [t.company_id for t in named if not any(t.company_id in o.ancestors and not _coordinated(text, t, o)
                                                   for o in named if o is not t)]


def _coordinated(text: str, owner, unit) -> bool:
    """ "Facebook and WhatsApp", "WhatsApp, Facebook": the owner is a target of its own; in "Alibaba's UC
    Browser" or "UC Browser, owned by Alibaba" it only says whose the unit is."""
    if owner.start < 0 or unit.start < 0:
        return False
    a, b = sorted((owner, unit), key=lambda h: h.start)
    return bool(re.fullmatch(r"\s*(?:,\s*(?:and\s+|or\s+)?|and\s+|or\s+)", text[a.end:b.start]))


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
