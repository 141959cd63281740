"""Deal reports: who buys, invests in, merges or partners with whom, at which stage, for how much.

A sentence gives the parties and the wording; the article gives what one sentence lacks. "ByteDance is
in talks with Microsoft" has no direction, but "ByteDance must sell its US business" elsewhere in the
article says who sells; "Reliance's plan to invest in the ByteDance platform" says who invests. So each
sentence yields a finding, and findings about the same pair are merged per article before roles are
settled.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from newsintel.extract.amounts import find_money, to_usd
from newsintel.extract.context import ArticleContext, SentenceView
from newsintel.extract.dates import EventDate, find_date

TYPE_CUES = [  # first match wins: a unit changing hands is an acquisition even when "investment" is said
    ("divestiture", re.compile(r"\b(divest(?:s|ed|ing|iture)?|spin(?:s|ning)?[- ]off|spun off|carve-?out)\b", re.I)),
    ("merger", re.compile(r"\b(merg(?:e|er|ers|ed|ing)|combination|combine[sd]?)\b", re.I)),
    ("acquisition", re.compile(r"\b(acquir(?:e|es|ed|ing)|acquisition|buy(?:s|ing|out)?|bought|purchas(?:e|es|ed|ing)|"
                               r"takeover|take over|took over|taking over|bid for|offer for|sale of|sell(?:s|ing)?|"
                               r"sold)\b", re.I)),
    ("investment", re.compile(r"\b(invest(?:s|ed|ing|ment|ments|or|ors)?|stake|backing|financially back|"
                              r"funding|fund(?:s|ed|ing)? |capital injection|put money)\b", re.I)),
    ("partnership", re.compile(r"\b(partner(?:s|ed|ing|ship)?|alliance|joint venture|tie-up|collaborat(?:e|ion|ing)|"
                               r"team(?:s|ed)? up|trusted technology provider)\b", re.I)),
]
_DEAL_WORDS = re.compile(r"\b(deal|talks|discussions|negotiat\w*|agreement|offer|bid|conversations|"
                         r"transaction)\b", re.I)
STATUS_CUES = [  # checked in this order: the furthest stage a sentence states wins
    ("abandoned", re.compile(r"\b(abandon(?:s|ed|ing)?|call(?:s|ed)? off|scrap(?:s|ped)?|terminat(?:e|es|ed|ing)|"
                             r"walk(?:s|ed)? away|reject(?:s|ed)|collaps(?:e|es|ed)|fell through|fall(?:s|en)? through|"
                             r"shelv(?:e|es|ed)|dropp(?:ed)? (?:its|the) (?:bid|offer|plan)|pull(?:s|ed)? out|"
                             r"end(?:s|ed)? (?:the )?talks|turn(?:s|ed)? down|declin(?:e|ed) (?:the|an) offer|"
                             r"no longer|fail(?:s|ed) to (?:reach|agree|close))\b", re.I)),
    ("blocked", re.compile(r"\b((?:sue[sd]?|su(?:ing)|mov(?:e|es|ed)|seek(?:s|ing)?|vot(?:e|ed)) to block|"
                           r"block(?:s|ed|ing)? (?:the |its |a )?(?:\$[\d.]+ ?\w+ )?(?:deal|merger|acquisition|takeover|purchase|transaction)|"
                           r"prohibit(?:s|ed)? the (?:deal|merger|acquisition)|veto(?:es|ed)?|"
                           r"challeng(?:e|es|ed|ing) the (?:deal|merger|acquisition)|(?:deal|merger|acquisition) was blocked|"
                           r"blocked by)\b", re.I)),
    ("completed", re.compile(r"\b(complet(?:e|es|ed|ing)|clos(?:e|es|ed) (?:the|its) (?:deal|acquisition|purchase|transaction)|"
                             r"(?:deal|acquisition|purchase|transaction) (?:has )?closed|finali[sz](?:e|es|ed)|now owns|"
                             r"has acquired|acquired|bought|invested|took over|wrapped up|completion)\b", re.I)),
    ("agreed", re.compile(r"\b(agree(?:s|d)?|agreement to|sign(?:s|ed)|struck|strikes?|announc(?:e|es|ed|ing)|"
                          r"will (?:acquire|buy|invest|take)|to (?:acquire|buy) .{0,80}\bfor (?:\$|US\$|Rs|₹|€|£)|definitive|in principle|"
                          r"tentative|approv(?:e|es|ed)|accept(?:s|ed)? (?:an|the) offer|picked|chose|selected|"
                          r"won the bid|emerged as the winner|deal (?:is|was) valued)\b", re.I)),
    ("talks", re.compile(r"\b(talks|discussions?|negotiat\w*|conversations|engag(?:ed|ing) (?:in|with)|approached|"
                         r"in contact)\b", re.I)),
    ("rumored", re.compile(r"\b(reportedly|rumou?r\w*|said to be|consider(?:s|ed|ing)?|explor(?:e|es|ed|ing)|mull\w*|"
                           r"eye(?:s|ing|d)|weigh(?:s|ing|ed)|interest(?:ed)? in|could|may|might|potential|possible|"
                           r"suggests?|plan(?:s|ned)? to|sources)\b", re.I)),
]
_DENIAL = re.compile(r"\b(den(?:y|ies|ied)|no (?:talks|plans|discussions)|not in talks|not (?:for sale|selling)|"
                     r"dismiss(?:es|ed) (?:reports|speculation)|without basis|baseless)\b", re.I)
_ATTRIBUTION = re.compile(r"\b(people (?:familiar|briefed|with knowledge) (?:with|on|of) the (?:matter|talks|deal|plans)|"
                          r"(?:two|three|several|multiple)? ?sources (?:familiar|close|said|told)|"
                          r"according to (?:a |the )?(?:report|people|sources))", re.I)
_REPORT_VERB = re.compile(r"\b(report(?:s|ed|ing)?|said|says|according to|cit(?:ing|ed)|wrote|first reported|broke the news)\b", re.I)
_UNIT = re.compile(r"((?:[A-Z][\w&.-]*(?: [A-Z][\w&.-]*)*|its|the app's|the company's)[’']s?\s+(?:(?:[A-Z][\w.]*|U\.S\.|"
                   r"global|international|overseas|domestic|Indian|American|European)\s+)*"
                   r"(?:business(?:es)?|operations?|unit|arm|division|assets|subsidiary)(?:\s+in\s+[A-Z][\w.]*(?: [A-Z][\w.]*)?)?)")
_SELLER = re.compile(r"\b(must sell|to sell|selling|sell(?:s)? (?:off )?(?:its|a stake)|divest\w*|put .{0,30}\bup for sale|"
                     r"find a buyer|sale of (?:its|their))\b", re.I)
_BY = re.compile(r"\bby\s*$")
STATUS_ORDER = {s: i for i, s in enumerate(["rumored", "talks", "agreed", "blocked", "completed", "abandoned"])}


@dataclass
class DealFinding:
    parties: tuple[str, str]                  # (acquirer, target) when directed, else sorted pair
    directed: bool
    deal_type: str | None
    status: str
    status_explicit: bool
    asset: str | None
    value_usd: float | None
    amount: float | None
    currency: str | None
    market_id: str | None
    event_date: EventDate | None
    attributed_to: str | None
    evidence: str
    sentence_index: int
    is_title: bool
    kinds: dict[str, str] = field(default_factory=dict)
    parents: dict[str, str | None] = field(default_factory=dict)


def sentence_type(text: str) -> tuple[str | None, int]:
    best = None
    for name, pat in TYPE_CUES:
        m = pat.search(text)
        if m and (best is None):
            best = (name, m.start())
    return best if best else (None, -1)


def sentence_status(text: str) -> tuple[str, bool]:
    for name, pat in STATUS_CUES:
        if pat.search(text):
            return name, True
    return "rumored", False


def find_deal_sentences(ctx: ArticleContext) -> list[DealFinding]:
    findings = []
    for view in ctx.views:
        text = view.text
        deal_type, type_at = sentence_type(text)
        if deal_type is None and not _DEAL_WORDS.search(text):
            continue
        if _DENIAL.search(text):
            continue
        parties = _deal_parties(view)
        if len(parties) < 2:
            continue
        status, explicit = sentence_status(text)
        roles = _roles(view, parties, deal_type, type_at)
        if roles is None:
            continue
        (a, b), directed = roles
        money = find_money(text)
        usd = next((m for m in money if m.currency == "USD"), money[0] if money else None)
        year = ctx.published.year if ctx.published else None
        unit = _UNIT.search(text)
        places = view.place_markets()
        market = places[0].market_id if places else None
        kinds = {h.company_id: h.kind for h in view.companies}
        parents = {h.company_id: h.parent_id for h in view.companies}
        findings.append(DealFinding(
            parties=(a, b), directed=directed, deal_type=deal_type, status=status, status_explicit=explicit,
            asset=unit.group(1) if unit else None,
            value_usd=(usd.amount if usd and usd.currency == "USD" else to_usd(usd.amount, usd.currency, year)) if usd else None,
            amount=usd.amount if usd else None, currency=usd.currency if usd else None,
            market_id=market, event_date=find_date(text, ctx.published), attributed_to=_attribution(ctx, view),
            evidence=text, sentence_index=view.index, is_title=view.is_title, kinds=kinds, parents=parents))
    return findings


_OWNERSHIP_WORDS = re.compile(r"[’']s\s*$|\b(parent|owner|unit|subsidiary|arm|division|owned by)\b", re.I)


def _deal_parties(view: SentenceView):
    """Parties, with a unit dropped when its owner stands beside it ("TikTok's ByteDance", "Reliance, the
    parent of Jio"): the owner signs the deal. A unit named on its own (Activision, whose registry parent is
    its acquirer) stays a party."""
    parties = view.parties()
    by_id = {p.company_id: p for p in parties}
    keep = []
    for p in parties:
        owner = by_id.get(p.parent_id) if p.parent_id else None
        if owner is not None:
            lo, hi = sorted((owner, p), key=lambda h: h.start)
            gap = view.text[lo.end:hi.start]
            if p.kind == "app" or (len(gap) < 60 and _OWNERSHIP_WORDS.search(gap)):
                continue
        keep.append(p)
    return keep


def _roles(view: SentenceView, parties, deal_type, type_at):
    """((acquirer, target), directed) from word order, or None when the sentence is ambiguous."""
    text = view.text
    if len(parties) > 2:
        if type_at < 0:
            return None
        before = [p for p in parties if p.end <= type_at]
        after = [p for p in parties if p.start >= type_at]
        if len(before) >= 1 and len(after) == 1:
            parties = [before[-1], after[0]]
        else:
            return None
    p, q = parties[0], parties[1]
    if type_at >= 0:
        trigger = text[type_at:type_at + 12].lower()
        seller_verb = trigger.startswith(("sell", "sold", "sale"))
        if p.end <= type_at <= q.start:
            between = text[p.end:q.start]
            if seller_verb and re.search(r"\bto\s", text[type_at:q.start]):
                return (q.company_id, p.company_id), True          # "P sells its unit to Q"
            if re.search(r"\b(?:acquired|bought|purchased|taken over|backed|funded) by\b", between):
                return (q.company_id, p.company_id), True          # passive: "P was acquired by Q"
            if re.search(r"\b(with|and)\b", between) and not re.search(
                    r"\b(acquir|buy|bought|purchas|invest|stake|takeover|take over)", between, re.I):
                return tuple(sorted((p.company_id, q.company_id))), False
            return (p.company_id, q.company_id), True                # "P acquires/invests in Q"
        if type_at < p.start:
            between = text[p.end:q.start]
            if _BY.search(text[:q.start]) or re.search(r"\bby\s+$", between):
                return (q.company_id, p.company_id), True          # "acquisition of P by Q"
            if re.search(r"\b(?:of|in|for)\s+(?:\S+\s+){0,3}$", text[type_at:p.start]) and not re.search(
                    r"\b(with|and)\b", between):
                return (q.company_id, p.company_id), True if re.search(r"\bby\b", between) else False
        if q.end <= type_at:
            # both before the trigger: "P and Q agreed to merge", "P is in talks with Q to invest"
            return tuple(sorted((p.company_id, q.company_id))), False
    return tuple(sorted((p.company_id, q.company_id))), False


def _attribution(ctx: ArticleContext, view: SentenceView) -> str | None:
    media = [h for h in view.companies if h.kind == "media"]
    if media and _REPORT_VERB.search(view.text):
        return media[0].name
    m = _ATTRIBUTION.search(view.text)
    if m:
        return m.group(1)
    if view.is_title:
        return None
    for other in ctx.views:
        if other.sentence.paragraph == view.sentence.paragraph and other is not view:
            media = [h for h in other.companies if h.kind == "media"]
            if media and _REPORT_VERB.search(other.text):
                return media[0].name
    return None


def sellers(ctx: ArticleContext) -> set[str]:
    """Companies the article says are selling: the target of any undirected talks they are part of."""
    out = set()
    for view in ctx.views:
        m = _SELLER.search(view.text)
        if not m:
            continue
        before = [h for h in view.parties() if h.end <= m.start()]
        if before:
            h = before[-1]
            out.add(h.parent_id if h.kind == "app" and h.parent_id else h.company_id)
        elif re.search(r"\b(it|the company)\b", view.text[:m.start()], re.I):
            hit = ctx.salient_company(view.index)
            if hit:
                out.add(hit.parent_id if hit.kind == "app" and hit.parent_id else hit.company_id)
    return out


def unit_assets(ctx: ArticleContext) -> dict[str, list[str]]:
    """'TikTok's US business' keyed by the company that owns it, for deals that name only the owner."""
    out: dict[str, list[str]] = {}
    for view in ctx.views:
        for m in _UNIT.finditer(view.text):
            owner = [h for h in view.companies if h.start == m.start()]
            if owner:
                h = owner[0]
                out.setdefault(h.parent_id if h.kind == "app" and h.parent_id else h.company_id, []).append(m.group(1))
    return out
