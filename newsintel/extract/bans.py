"""Ban reports: who bans what, where, by which measure, with what status, read from the wording.

Status comes from the verb: threatens/considers → proposed; bans/orders/removes from app stores/adds to
an entity list → enacted; a court or an injunction blocking it → blocked; lifts/revokes/reverses →
lifted. Sentences that only imagine a ban ("to avoid being banned") or deny one report nothing.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from newsintel.extract.context import ArticleContext, SentenceView
from newsintel.extract.dates import EventDate, find_date
from newsintel.extract.modality import is_modal as _modal
from newsintel.extract.modality import is_quoted as _quoted

_LIFTED = re.compile(
    r"\b(lift(?:s|ed|ing)?|revok(?:e|es|ed|ing)|rescind(?:s|ed|ing)?|revers(?:e|es|ed|ing)|"
    r"restored(?: access)?|unblock(?:s|ed|ing)?|overturn(?:s|ed|ing)?|"
    r"(?:end|ends|ended|ending) (?:the|its) (?:ban|suspension|block)|allowed .{0,40}\bto (?:resume|return)|"
    r"back online|reinstat(?:e|ed|es)|allowed back|allowed to return|unbann(?:ed|s)|"
    r"(?:returned|is back|was back|came back) (?:to|on) (?:the )?(?:app )?stores?)\b", re.I)
_COURT = re.compile(r"\b(court|judge|injunction|justice|tribunal|enjoin(?:ed|s)?)\b", re.I)
_BLOCKED = re.compile(r"\b(block(?:s|ed|ing)?|halt(?:s|ed|ing)?|suspend(?:s|ed|ing)?|stay(?:ed|s)?|enjoin(?:s|ed)?|"
                      r"injunction|put on hold|struck down|strike down|strikes down|froze|freez(?:e|es))\b", re.I)
_PROPOSED = re.compile(
    r"\b(threaten(?:s|ed|ing)? to|threats? of (?:a )?(?:ban|blocking|action)|consider(?:s|ed|ing)? (?:a |banning|a ban)|weigh(?:s|ed|ing)? (?:a |banning)|"
    r"mull(?:s|ed|ing)? (?:a |banning)|plan(?:s|ned)? to ban|call(?:s|ed|ing)? for (?:a )?ban|propos(?:e|ed|es|al|ing)|"
    r"bill (?:that )?(?:would|to) (?:ban|force|require)|could (?:ban|be banned)|may (?:ban|be banned)|might ban|"
    r"look(?:ing)? (?:at|into) banning|seek(?:s|ing)? to ban|vow(?:s|ed)? to ban|mov(?:e|es|ed|ing) to ban|"
    r"warn(?:s|ed)? .{0,40}\bban|would (?:ban|face a ban|be banned))\b", re.I)
_ENACTED = re.compile(
    r"\b(bann(?:ed|ing)|bans?|prohibit(?:s|ed|ing)?|barr(?:ed|ing)|bars|blacklist(?:s|ed|ing)?|"
    r"block(?:s|ed|ing)?|suspend(?:s|ed|ing)?|suspension|outlaw(?:s|ed)?|"
    r"remov(?:e|es|ed|ing) .{0,60}\bfrom .{0,40}\b(?:store|stores|Play)|pulled from .{0,40}\bstores?|"
    r"executive orders?|entity list|order(?:s|ed|ing)? .{0,60}\b(?:to (?:divest|sell|stop|shut|cease|remove|block|wind "
    r"down|close|exit|dissolve))|restrict(?:s|ed|ing)? access|throttl(?:e|es|ed|ing)|"
    r"strip(?:ped|ping|s)? .{0,40}\bout|rip(?:ped)? out|phase(?:d)? out|exclud(?:e|ed|es|ing) .{0,40}\bfrom .{0,30}\bnetworks?|"
    r"shut(?:s)? down access|cut(?:s)? off|must (?:stop|cease|remove|halt)|stop buying|"
    r"orders? .{0,40}\bout of|(?:law|act|legislation|statute)s? (?:that )?(?:requir|forc|compel|mandat)\w* "
    r".{0,40}\bto (?:divest|sell))\b", re.I)
_NEGATED = re.compile(
    r"\b(no plans? to (?:ban|block|prohibit|restrict|shut)|no (?:evidence|case|reason|grounds|need) (?:to|for|that)|"
    r"no plans? for (?:a )?ban|not (?:be )?banned|never banned|did not ban|has not banned|hasn't banned|won't ban|"
    r"will not ban|denied .{0,30}\bban|refus(?:ed|es) to ban|no ban|rul(?:ed|es) out (?:a )?ban|"
    r"ruled out banning)\b", re.I)
_HYPOTHETICAL = re.compile(
    r"(?:^(?:Should|Were|If|Unless)\b)|\bspeculat\w+|\b(?:fears?|rumou?rs?|warnings?) that\b|"
    r"\bavoid\w* (?:\w+ ){0,3}(?:bans?|block|suspension)\b|\b(avoid(?:ing)? (?:being |getting |a )?(?:ban|banned)|save (?:itself|it|themselves) from|escape (?:a )?ban|"
    r"(?:if|unless|whether) .{0,60}\bban|in case of a ban|fear(?:s|ed)? (?:of )?(?:a )?ban|"
    r"risk(?:s|ed|ing)? (?:a |being )?ban|face(?:s|d)? (?:a )?(?:possible|potential) ban|could face)\b", re.I)
_DIVEST = re.compile(r"\b(divest(?:s|ed|ing|iture|ment)?|sell (?:off )?(?:its|the)|to sell|sale of|spin off|"
                     r"divest-or-ban|sell-or-ban)\b", re.I)
_ORDER = re.compile(r"\b(order(?:s|ed|ing)?|executive order|law|act|requir(?:e|es|ed|ing)|forc(?:e|es|ed|ing)|"
                    r"compel(?:s|led)?|mandat(?:e|es|ed))\b", re.I)
_TRANSACTION = re.compile(r"\b(transactions?|entity list|doing business|business with|export(?:s|ed)?|"
                          r"suppl(?:y|ies|ied|iers?)|sanctions?|purchas(?:e|es|ing) from)\b", re.I)
_EQUIPMENT = re.compile(r"\b(equipment|5G|gear|kit|network infrastructure|telecom infrastructure|hardware|"
                        r"components?)\b", re.I)
_APP = re.compile(r"\b(apps?|applications?|stores?|download(?:s|ed)?|platforms?|services?|website|access|"
                  r"social media|microblogging|suspend(?:ed|s|ing)?|suspension)\b", re.I)
_SCOPE_OTHER = re.compile(r"\b(\d{1,4})\s+(?:other|more|additional|further)\s+(?:\w+\s+){0,3}?"
                          r"(?:apps|applications|companies|firms|platforms)\b", re.I)
_SCOPE_TOTAL = re.compile(r"\b(\d{1,4})\s+(?:\w+\s+){0,3}?(?:apps|applications|companies|firms|platforms)\b", re.I)
_PRONOUN_APP = re.compile(r"\b(the (?:short[- ]video |video[- ]sharing |popular |social media |video )?(?:app|platform|service)|"
                          r"it|its)\b", re.I)
_PRONOUN_ORG = re.compile(r"\b(the (?:company|firm|group|tech giant|telecom giant|Chinese company))\b", re.I)

# Who acts for a market when the sentence names a person or office rather than the country.
AUTHORITIES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"\b(?:President |Mr\.? )?(?:Donald )?Trump(?: administration)?\b"), "US"),
    (re.compile(r"\b(?:President |Mr\.? )?(?:Joe )?Biden(?: administration)?\b"), "US"),
    (re.compile(r"\b(?:the )?(?:White House|Commerce Department|Department of Commerce|Treasury|CFIUS|"
                r"Committee on Foreign Investment in the United States|Congress|the Senate|House of Representatives|"
                r"FCC|Federal Communications Commission|FTC|Federal Trade Commission|Justice Department)\b"), "US"),
    (re.compile(r"\b(?:Prime Minister )?(?:Narendra )?Modi(?: government)?\b|\bMeitY\b|"
                r"\bMinistry of Electronics and (?:Information Technology|IT)\b|\bIT [Mm]inistry\b"), "IN"),
    (re.compile(r"\bPakistan Telecommunication Authority\b|\bPTA\b|\bImran Khan\b|\bPeshawar High Court\b|"
                r"\bSindh High Court\b|\bIslamabad High Court\b"), "PK"),
    (re.compile(r"\b(?:Muhammadu )?Buhari\b|\bLai Mohammed\b"), "NG"),
    (re.compile(r"\bBoris Johnson\b|\bOfcom\b|\bCompetition and Markets Authority\b|\bCMA\b|\bNCSC\b|"
                r"\bDowning Street\b"), "GB"),
    (re.compile(r"\bEuropean Commission\b"), "EU"),
]
_AUTHORITY_PHRASE = re.compile(
    r"\b((?:the )?(?:[A-Z][a-z]+ )?government of [A-Z][a-z]+|(?:the )?[A-Z][a-z]+n? government|"
    r"President(?: [A-Z][a-z]+){1,2}|Prime Minister(?: [A-Z][a-z]+){1,2}|(?:the )?White House|(?:the )?Commerce Department|"
    r"(?:a |the )?(?:federal |U\.S\. |US )?(?:district )?(?:judge|court)(?: [A-Z][a-z]+ [A-Z][a-z]+)?|"
    r"(?:the )?[A-Z][a-z]+ High Court|(?:the )?Pakistan Telecommunication Authority|(?:the )?(?:IT|electronics) ministry|"
    r"Congress|(?:the )?Supreme Court)\b")


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


_BAN_OBJECT = re.compile(r"^[^,.;]{0,35}?\b(ban|bans|order|orders|restrictions?|prohibition|measure|rules?|enforcement|"
                         r"directive|suspension|blocking)\b", re.I)
_BLOCKED_BY_COURT = re.compile(r"\b(?:halted|blocked|suspended|struck down|enjoined|stayed|frozen) by (?:a |the |two )?"
                               r"(?:federal |district |high |appeals? |supreme )?(?:judges?|courts?)\b", re.I)
# "ordered to suspend certain accounts": the verb's object is content, not a company or its app
_CONTENT_OBJECT = re.compile(r"^\s*(?:\w+\s+){0,2}?(?:accounts?|posts?|content|videos?|profiles?|tweets?|users?|"
                             r"pages?|channels?|handles?|URLs?|links?)(?![\w-])", re.I)
_SPARED = re.compile(r"\b(?:spar(?:es|ed|ing)|exempt(?:s|ed|ing)?|except(?:ing)?|not (?:apply|cover|include)\w*)\s+"
                     r"(?:to\s+)?(?:\S+\s+){0,4}$", re.I)
_NOUN_BAN_USE = re.compile(r"\bbans? (?:on|of|against)\b|\b(?:impos|announc|issu|order|enforc|introduc|extend|"
                           r"declar|approv|sign|lift|revok|block|halt|suspend)\w* (?:a |an |the |its |their )?"
                           r"(?:\w+ ){0,2}?bans?\b", re.I)
_NAMED_BAN = re.compile(r"\b(?!(?:The|A|An|This|That|Its|Their|Any|No)\b)[A-Z][\w-]* bans?\b")   # "the TikTok ban"
_GOVERNMENT = re.compile(r"\b(government|ministry|minister|regulators?|authorit(?:y|ies)|courts?|judges?|law|"
                         r"orders?|decree|president|prime minister|parliament|congress|officials?|state|federal|"
                         r"agency|commission)\b", re.I)
_DEAL_CONTEXT = re.compile(r"\b(acquisitions?|mergers?|takeovers?|deal|purchase of|buyout|tie-up|transaction)\b", re.I)
_BAN_NOUN = re.compile(r"\b(bans?|banned|banning|apps?|entity list|executive order|suspen\w+|equipment|5G)\b", re.I)


_SCHEDULED = re.compile(r"\b(?:will|shall)\s+(?:\w+\s+)?$", re.I)
_EFFECTIVE = re.compile(r"\b(?:from|starting|beginning|effective|as of|with effect from|after)\s+(?:the\s+)?"
                        r"(?:end|start|beginning|\d|January|February|March|April|May|June|July|August|September|"
                        r"October|November|December|next|this|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)",
                        re.I)


def _status(text: str) -> tuple[str, re.Match] | None:
    if _NEGATED.search(text):
        return None
    lifted = _LIFTED.search(text)
    if lifted and re.search(r"\b(ban|block|suspension|order|restrictions?|prohibition)\b", text, re.I):
        if not _modal(text, lifted.start()):
            return "lifted", lifted
    passive = _BLOCKED_BY_COURT.search(text)
    if passive:
        return "blocked", passive
    if _COURT.search(text):
        blocked = _BLOCKED.search(text)
        if blocked and (blocked.group(1).lower().startswith(("injunction", "enjoin"))
                        or _BAN_OBJECT.search(text[blocked.end():])
                        or re.match(r"[^,.;]{0,60}?\bfrom (?:enforcing|implementing|carrying out)\b",
                                    text[blocked.end():])):
            return "blocked", blocked
    proposed = _PROPOSED.search(text)
    enacted = _ENACTED.search(text)
    if proposed and not (enacted and enacted.start() < proposed.start()):
        return "proposed", proposed   # "threatened to ban"; but "banned ..., saying they posed a threat" is done
    if _HYPOTHETICAL.search(text):
        return None
    if enacted:
        if re.search(r"\b(?:not|never|no|nor)\b(?:\s+\w+){0,3}\s*$", text[:enacted.start()], re.I):
            return None   # "did not block", "could not ... or block"
        if _quoted(text, enacted.start()):
            return None   # words in quotes are someone's talk, not an act or a formal proposal
        if _modal(text, enacted.start()) and _SCHEDULED.search(text[max(0, enacted.start() - 30):enacted.start()]) \
                and _EFFECTIVE.search(text[enacted.end():]):
            return "enacted", enacted   # "Britain will ban new Huawei kit from the end of the year": decided
        if _modal(text, enacted.start()):
            if re.search(r"\b(?:if|unless)\b", text[enacted.start():], re.I):
                return None   # "could be blocked if they fail to comply": a condition, not a proposal
            return "proposed", enacted
        return "enacted", enacted
    return None


def _measure(text: str, targets) -> str:
    if _DIVEST.search(text) and _ORDER.search(text):
        return "divestiture_order"
    if _EQUIPMENT.search(text) and not re.search(r"\bapps?\b", text, re.I):
        return "equipment_ban"
    if _TRANSACTION.search(text):
        return "transaction_ban"
    if _APP.search(text) or any(t.kind == "app" for t in targets):
        return "app_ban"
    return "other"


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


def _authority_market(text: str) -> str | None:
    for pattern, market in AUTHORITIES:
        if pattern.search(text):
            return market
    return None


_LIST_CUE = re.compile(
    r"\b(?:the (?:order|list|ban|notification|directive) (?:also )?(?:names|named|includes|included|covers|covered|"
    r"lists|listed)|also on the list|(?:is|are|were|was) also on (?:the|that) list|among (?:them|the apps)|"
    r"the list also includes|(?:other|banned|blocked) apps (?:include|included|including|such as)|apart from|"
    r"also (?:covers|covered|includes|included|names|named|lists|listed|applies to|extends to))\b", re.I)


def find_bans(ctx: ArticleContext) -> list[BanFinding]:
    found = _find_direct(ctx)
    return found + _list_continuations(ctx, found)


def _list_continuations(ctx: ArticleContext, found: list[BanFinding]) -> list[BanFinding]:
    """'The order also names UC Browser and SHAREit': apps listed after the sentence that bans them."""
    extra, covered = [], {f.sentence_index for f in found}
    for view in ctx.views:
        if view.index in covered or not _LIST_CUE.search(view.text):
            continue
        previous = [f for f in found if view.index - 4 <= f.sentence_index < view.index]
        if not previous:
            continue
        last = previous[-1]
        named = {f.target_id for f in previous}
        for p in view.parties():
            if p.kind == "person" or p.company_id in STORE_OWNERS or p.company_id in named:
                continue
            if any(p.company_id in o.ancestors for o in view.parties()):
                continue  # "Alibaba's UC Browser": the owner is not on the list
            extra.append(BanFinding(last.market_id, p.company_id, last.measure, last.status, last.authority,
                                    last.event_date, last.scope_count, view.text, view.index,
                                    round(max(0.5, last.confidence - 0.1), 2), last.explicit_market, True))
    return extra


def _find_direct(ctx: ArticleContext) -> list[BanFinding]:
    found: list[BanFinding] = []
    for view in ctx.views:
        verdict = _status(view.text)
        if verdict is None:
            continue
        status, trigger = verdict
        if status in ("enacted", "proposed") and not re.search(
                r"\b(ban|bann|prohibit|barr|bars|block|blacklist|suspen|outlaw|remov|pulled|order|entity list|"
                r"strip|rip|phase|exclud|shut|cut|restrict|throttl|must|stop|law|act)", view.text[trigger.start():], re.I):
            continue
        if trigger.group(0).lower() in ("ban", "bans") and re.search(
                r"\b(?:the|a|an|its|their|this|that|any|no)\s+(?:[\w-]+\s+)?$", view.text[:trigger.start()], re.I) \
                and not (_NOUN_BAN_USE.search(view.text) or _NAMED_BAN.search(view.text)):
            continue  # "The ban is a blow to ByteDance": the ban is talked about, not reported as imposed here
        if _DEAL_CONTEXT.search(view.text) and not _BAN_NOUN.search(view.text):
            continue  # "the FTC sued to block the acquisition": a deal blocked, not a ban
        if (_DEAL_CONTEXT.search(view.text[trigger.end():trigger.end() + 60]) and not _EQUIPMENT.search(view.text)) or \
                _CONTENT_OBJECT.match(view.text[trigger.end():]):
            continue  # "blocked Broadcom's takeover of Qualcomm", "suspend certain accounts"
        subject = [p for p in view.parties() if p.end <= trigger.start()
                   and re.fullmatch(r"\s*(?:\w+\s+){0,2}", view.text[p.end:trigger.start()])
                   and not re.search(r"\b(?:was|were|is|are|been|be|being|remains?|remained|got|gets|stays?)\b",
                                     view.text[p.end:trigger.start()], re.I)]   # "Helo remains blocked": the target
        if subject and subject[-1].kind != "person" and not _GOVERNMENT.search(view.text):
            continue  # "Samsung banned employees from using ChatGPT": a company's house rule, not a ban
        targets, explicit_target = _targets(ctx, view, status, trigger)
        if not targets:
            continue
        measure = _measure(view.text, targets)
        targets = _drop_owners(targets, measure, view.text)
        market, explicit_market = _market(ctx, view, trigger.start())
        if not explicit_market and found:
            market = found[-1].market_id   # "Twitter has also been blocked": where the last ban was
        if market is None:
            continue
        when = find_date(view.text, ctx.published)
        scope = _scope(view.text, len(targets))
        confidence = 0.55 + 0.15 * explicit_market + 0.15 * explicit_target + (0.05 if _authority(view.text) else 0)
        for target_id in targets:
            found.append(BanFinding(market, target_id, measure, status, _authority(view.text), when, scope,
                                    view.text, view.index, round(min(confidence, 0.95), 2),
                                    explicit_market, explicit_target))
    return found


_CLAUSE_BREAK = re.compile(r"[;:]|,\s*(?:as|while|after|but|which|who|where|when|since|citing)\b|"
                           r"\b(?:as reports|while|whereas)\b|(?<!such )\bas\s+(?=[A-Z][\w-]*(?:\s+[A-Z][\w-]*)?\s+"
                           r"(?:weighs|is|was|has|had|said|says|considers|explores|prepares|looks|seeks|eyes)\b)|"
                           r"\band\s+(?=[A-Z][\w-]*(?:\s+[A-Z][\w-]*)?\s+(?:is|are|was|were|has|have|had|will|said)\b)")
def _broken(text: str, start: int, end: int) -> bool:
    """Whether a clause ends between two offsets ("... from mid-September and Microsoft is in talks")."""
    return any(start + m.start() < end for m in _CLAUSE_BREAK.finditer(text[start:end + 40]))


_STORE = re.compile(r"\b(stores?|Play)\b")
STORE_OWNERS = {"apple", "google", "alphabet"}


def _targets(ctx: ArticleContext, view: SentenceView, status: str, trigger: re.Match):
    """The banned companies: named in the trigger's clause, after the verb when any are, else before it."""
    text = view.text
    parties = [p for p in view.parties() if p.kind != "person"]
    if _STORE.search(text):
        parties = [p for p in parties if p.company_id not in STORE_OWNERS]  # the stores are told, not banned
    after = [p for p in parties if p.start >= trigger.start() and not _broken(text, trigger.end(), p.start)]
    before = [p for p in parties if p.end <= trigger.start() and not _broken(text, p.end, trigger.start())]
    chosen = [p for p in (after or before) if not _SPARED.search(text[:p.start])]
    if chosen:
        return chosen, True
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


_OWNER_APPOSITION = re.compile(r",\s+(?:the|its)\s+(?:\w+\s+){0,2}?(?:owner|parent)\s+of\s+$")


def _drop_owners(targets, measure: str, text: str = "") -> list[str]:
    """Target ids: the app when an app and its owner are both named (a divestiture order too: the app is
    what must change hands); but in "ByteDance, the owner of TikTok" ByteDance is named and TikTok describes."""
    described = {b.company_id for a in targets for b in targets
                 if b.start >= a.end and _OWNER_APPOSITION.match(text[a.end:b.start])}
    named = [t for t in targets if t.company_id not in described]
    return [t.company_id for t in named if not any(t.company_id in o.ancestors for o in named if o is not t)]


_JURISDICTION_AFTER = re.compile(r"\b(?:in|across|throughout|by|within)\s+(?:the\s+)?$", re.I)
_RELATIVE_BEFORE = re.compile(r"^\s*,?\s*(?:which|who|that)\s+(?:\w+\s+){0,3}$", re.I)


def _market(ctx: ArticleContext, view: SentenceView, trigger_at: int) -> tuple[str | None, bool]:
    """Where the ban applies: the acting country before the verb (or the one a relative clause hangs on),
    a country the ban is 'in' after it, or the country the text has been about. 'Apps linked to China'
    says where apps come from, not who bans them."""
    text = view.text
    by_authority = _authority_market(text)
    places = view.place_markets()
    before = [m for m in places if m.start < trigger_at]
    if before:
        nearest = before[-1]
        if _RELATIVE_BEFORE.match(text[nearest.end:trigger_at]):
            return nearest.market_id, True      # "urged Canberra to follow India, which blocked TikTok"
        return before[0].market_id, True
    if by_authority:
        return by_authority, True
    after = [m for m in places if m.start > trigger_at and _JURISDICTION_AFTER.search(text[max(0, m.start - 12):m.start])]
    if after:
        return after[0].market_id, True
    return ctx.salient_market(view.index), False
