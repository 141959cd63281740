"""Deal reports: who buys, invests in, merges or partners with whom, at which stage, for how much.

A sentence gives the parties and the wording; the article gives what one sentence lacks. "ByteDance is
in talks with Microsoft" has no direction, but "ByteDance must sell its US business" elsewhere in the
article says who sells; "Reliance's plan to invest in the ByteDance platform" says who invests. So each
sentence yields a finding, and findings about the same pair are merged per article before roles are
settled.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field, replace

from newsintel.extract.amounts import find_money, to_usd
from newsintel.extract.context import ArticleContext, SentenceView, shift
from newsintel.extract.dates import EventDate, find_date
from newsintel.extract.deal_lexicon import Cue, deal_lexicon
from newsintel.extract.modality import is_modal

LEX = deal_lexicon()   # what words mean (lexicon/deals.yaml); this module only reads sentences
_ATTRIBUTION = re.compile(r"\b(people (?:familiar|briefed|with knowledge) (?:with|on|of) the "
                          r"(?:matter|talks|deal|plans)|"
                          r"(?:two|three|several|multiple)? ?sources (?:familiar|close|said|told)|"
                          r"according to (?:a |the )?(?:report|people|sources))", re.I)
_REPORT_VERB = re.compile(r"\b(report(?:s|ed|ing)?|said|says|according to|cit(?:ing|ed)|wrote|first reported|"
                          r"broke the news)\b", re.I)
_UNIT = re.compile(r"((?:[A-Z][\w&.-]*(?: [A-Z][\w&.-]*)*|its|the app's|the company's)[’']s?\s+"
                   r"(?:(?:[A-Z][\w.]*|U\.S\.|"
                   r"global|international|overseas|domestic|Indian|American|European)\s+)*"
                   r"(?:business(?:es)?|operations?|unit|arm|division|assets|subsidiary)"
                   r"(?:\s+in\s+[A-Z][\w.]*(?: [A-Z][\w.]*)?)?)")



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
    earlier: bool = False                     # told as before the news ("had earlier agreed"): not the latest word
    kinds: dict[str, str] = field(default_factory=dict)
    parents: dict[str, str | None] = field(default_factory=dict)
    parsed: bool = False                      # read from the parse (roles.py): kept even without a status word


_CLAUSE_SPLIT = re.compile(r",\s+(?:and|but|while|whereas|where)\s+|;\s+|\s+while\s+|,\s+(?P<rel>which|who)\s+|"
                           r",\s+(?P<resume>(?=(?:is|are|was|were|has|have|had|will|would|could|can|may|might|should)\s))|"
                           r"\s+and\s+(?=[A-Z][\w-]*(?:\s+[A-Z][\w-]*)?\s+(?:is|are|was|were|has|have|had|will|said|sold|bought|"
                           r"acquired|agreed|signed)\b)|"
                           # "..., after Microsoft bought LinkedIn", "since it was acquired by SoftBank": a deal the
                           # story recalls in a side clause, told by a subject of its own and a cue verb right after
                           r"\s+(?:after|since|before|when|until|because)\s+(?=(?P<bg>(?P<pron>it|they|the company)\s|"
                           r"(?-i:[A-Z])[\w&.-]*(?:\s+(?-i:[A-Z])[\w&.-]*){0,3}\s)(?:(?:had|has|have|was|were|been|"
                           r"first|later|finally|eventually)\s+){0,2}"
                           rf"(?i:{LEX.any_cue.pattern}))")
_SPEAKER = re.compile(r"^\s*(?:said|says|told|announced|confirmed|added|stated)\b")
_CONSORTIUM = re.compile(r"\b(and|with|alongside|together with|team(?:s|ed|ing)? up with|join(?:s|ed|ing)?|"
                         r"partner(?:s|ed|ing)? with)\b")
def sentence_type(text: str, parties=()) -> tuple[str | None, int]:
    """The deal type a text states, and where; a buy/sell word needs a company or business as its object."""
    cue, at, deal_type = sentence_cue(text, parties)
    return deal_type, at


def sentence_cue(text: str, parties=()) -> tuple[Cue | None, int, str | None]:
    """The lexicon cue a text states, where, and the deal type it makes there. Types are tried in the
    lexicon's order: a unit changing hands is an acquisition even when 'invest' is said."""
    return _sentence_cue(text, tuple(parties))


@functools.lru_cache(maxsize=4096)   # one sentence is asked several times (parties, clauses, the finding)
def _sentence_cue(text: str, parties: tuple) -> tuple[Cue | None, int, str | None]:
    for name, pat in LEX.type_patterns:
        for m in pat.finditer(text):
            if any(p.start <= m.start() < p.end for p in parties):
                continue   # "Public Investment Fund": a word inside a name is no cue
            cue = LEX.cue_of(m)
            if cue.object == "company":
                rest = text[m.end():]
                if LEX.goods.match(rest):
                    continue   # "to purchase 30 of Boeing's 787-9 jets": an order for goods, not a deal for a company
                if not LEX.company_object.search(rest) and (
                        LEX.goods_words.match(rest) or not any(0 <= p.start - m.end() < 60 for p in parties)):
                    continue   # "sold $700 million worth of equipment to Bell": goods again
            if name in LEX.stake_types and (
                    re.match(r"\w+\s+(?:a\s+)?(?:[\d.]+\s*(?:%|per ?cent)\s+)?(?:minority\s+)?(?:stake|shares\s+in)",
                             text[m.start():])
                    or re.search(r"\bstakes?\b.{0,60}$", text[:m.start()])):
                return cue, m.start(), "investment"   # "bought a 12.1% stake": an investment, not a takeover
            return cue, m.start(), name
    return None, -1, None


def sentence_status(text: str, parties=(), is_title: bool = False) -> tuple[str, bool]:
    for name, cues in LEX.statuses:
        if not LEX.status_pattern[name].search(text):
            continue
        hits = sorted((m.start(), c.party_first) for c in cues for m in c.pattern.finditer(text))
        at = next((h for h in hits if name in ("talks", "rumored") or not is_modal(text, h[0])), None)
        if at is None:
            continue  # "if it bought the business" completes nothing
        if any(pf and h[0] == at[0] for h in hits for pf in (h[1],)) and not any(p.end <= at[0] for p in parties):
            continue  # "It rejected Microsoft's offer": a regulator's no is not a party walking away
        return ("talks" if name == "agreed" and LEX.not_yet.search(text) else name), True
    if LEX.not_yet.search(text):
        return "talks", True   # "Pinterest is close to a deal to sell itself"
    if is_title and LEX.headline_agreed.search(text):
        # headline grammar: "Nvidia to buy Arm" reports an agreed deal; "X close to a deal to sell itself" does not
        return ("talks" if LEX.not_yet.search(text) else "agreed"), True
    return "rumored", False


def _clauses(text: str) -> list[tuple[int, int]]:
    return [(lo, hi) for lo, hi, _ in _clause_subjects(text)]


def _clause_subjects(text: str) -> list[tuple[int, int, str | None]]:
    """Clauses, each with where its unnamed subject stands: 'prev' for "..., which bought X" (the party just
    before), 'first' for the main clause resumed after it ("Microsoft, which ..., is in talks")."""
    spans, start, subject = [], 0, None
    for m in _CLAUSE_SPLIT.finditer(text):
        if m.group(0).strip() == "and" and len(text[start:m.start()].split()) < 5:
            continue  # "Nvidia and SoftBank said": one subject of two names, not two clauses
        if m.group("resume") is not None and subject != "prev":
            continue  # ", is": a resumed main clause only after a relative one
        spans.append((start, m.start(), subject))
        start = m.end()
        subject = ("prev" if m.group("rel") else "first" if m.group("resume") is not None else
                   "pron" if m.group("pron") else None)
    spans.append((start, len(text), subject))
    return spans


def find_deal_sentences(ctx: ArticleContext) -> list[DealFinding]:
    findings = []
    for view in ctx.views:
        text = view.text
        if LEX.denial.search(text):
            ids = {p.seller_id for p in _deal_parties(view)}
            ctx.memo.setdefault("denied", set()).update(frozenset((x, y)) for x in ids for y in ids if x != y)
            continue
        all_parties = _deal_parties(view)
        if not all_parties or (sentence_type(text, all_parties)[0] is None and not LEX.deal_nouns.search(text)):
            continue
        # Whole sentence first; clause by clause when its parties stand in different clauses.
        units = [(0, len(text), None)]
        clauses = _clause_subjects(text)
        if (len(all_parties) >= 2 and len({_clause_of(p, _clauses(text)) for p in all_parties}) > 1) \
                or any(subject == "pron" for *_, subject in clauses):
            units = clauses
        for lo, hi, subject in units:
            parties = [p for p in all_parties if lo <= p.start < hi]
            if not parties:
                continue   # "the boards have approved the transaction, which ...": a clause naming no party
            antecedent = ([p for p in all_parties if p.end <= lo][-1:] if subject == "prev" else
                          # "Arm grew after it was bought by SoftBank", else "He led the company after it was ..."
                          ([p for p in all_parties if p.end <= lo][:1] or _referent(ctx, view))
                          if subject == "pron" else
                          all_parties[:1] if subject == "first" else
                          _referent(ctx, view) if lo == 0 and _ANAPHOR.match(text) else [])
            if antecedent and antecedent[0].company_id not in {p.company_id for p in parties}:
                parties = [replace(antecedent[0], start=lo - 1, end=lo - 1)] + parties   # the unnamed subject
            for pair, directed in _pairs(ctx, view, parties, lo, hi):
                findings.append(_finding(ctx, view, pair, directed, text[lo:hi], parties))
    return findings


# "The tech giant has acquired ...", "The company agreed to buy ...": a sentence whose subject names no one.
_ANAPHOR = re.compile(r"(?:The|the)\s+(?:[\w,-]+\s+){0,3}?(?:giant|company|firm|group|maker|conglomerate|carrier|"
                      r"bank|retailer|chipmaker|carmaker|automaker|insurer|lender|operator|investor|start-?up)\s+"
                      r"(?:(?:has|had|have|also|already|recently|then|later|is|was|will|would|said|says|agreed|"
                      r"announced)\s+)*(?=\w)")


def _referent(ctx: ArticleContext, view: SentenceView) -> list:
    """Whom such a subject means: the first party of the nearest sentence before that names one."""
    for v in reversed([v for v in ctx.views if view.index - 3 <= v.index < view.index]):
        parties = _deal_parties(v)
        if parties:
            return parties[:1]
    return []


_OWNERSHIP_WORDS = re.compile(r"[’']s\s*$|\b(parent|owner|unit|subsidiary|arm|division|owned by)\b", re.I)


_APPOSITION = re.compile(r",\s+(?:the|a|an)\s+[\w\s-]{0,40}?\b(?:of|by)\s+(?:[A-Z][\w.-]*[’']s\s+)?$")


def _deal_parties(view: SentenceView):
    """Parties, one per corporate family where the text ties two of them together. In "Alphabet's Google"
    the possessive only places Google: Google is the party. In "TikTok's ByteDance", or "Reliance, the
    parent of Jio", the owner is the party; an app standing beside its owner is what changes hands. A unit
    named on its own (Activision, whose registry parent is its acquirer) stays a party."""
    parties = view.parties()
    by_id = {p.company_id: p for p in parties}
    drop = set()
    for p in parties:
        owner = next((by_id[a] for a in p.ancestors if a in by_id), None)
        if owner is None:
            continue
        lo, hi = sorted((owner, p), key=lambda h: h.start)
        gap = view.text[lo.end:hi.start]
        if _APPOSITION.match(gap):
            drop.add(hi.company_id)             # "Tokopedia, the e-commerce unit of GoTo": GoTo only describes
        elif hi is owner and not _OWNERSHIP_WORDS.search(gap) and sentence_type(view.text)[0] == "acquisition":
            continue   # "Meta sells Giphy to Shutterstock": the registry's owner is the buyer, the unit is sold
        elif lo is owner and _buys_between(gap):
            continue   # "Microsoft, which bought LinkedIn in 2016": how the owner came to own it
        elif lo is owner and re.fullmatch(r"[’']s?\s+", gap) and p.kind != "app":
            drop.add(owner.company_id)          # "Alphabet's Google"
        elif p.kind == "app" or (len(gap) < 60 and _OWNERSHIP_WORDS.search(gap)):
            drop.add(p.company_id)
    kept = [p for p in parties if p.company_id not in drop]
    if len(kept) == 1 and len(parties) == 2 and sentence_type(view.text)[0] in ("acquisition", "investment"):
        return parties   # "Zomato approved the acquisition of Blinkit": the registry's owner is its buyer
    return kept


def _buys_between(gap: str) -> bool:
    """A buying word between an owner and what it owns: the sentence tells how it came to own it."""
    if len(gap) > 60:
        return False
    return any(LEX.cue_of(m).direction == "buyer" and re.fullmatch(r"\w+(?:ed|ought|ook(?: over)?)", m.group(0))
               and re.fullmatch(r"(?:,\s+(?:which|who|that)\s+|\s+)(?:(?:has|had|have|also|already|recently)\s+)*",
                                gap[:m.start()])
               for t, pat in LEX.type_patterns if t in ("acquisition", "merger") for m in pat.finditer(gap))


def _clause_of(p, clauses) -> int:
    return next((i for i, (lo, hi) in enumerate(clauses) if lo <= p.start < hi), -1)


def _pairs(ctx: ArticleContext, view: SentenceView, parties, lo: int, hi: int):
    text = view.text[lo:hi]
    local = [shift(p, -lo) for p in parties]
    cue, type_at, deal_type = sentence_cue(text, local)
    if deal_type is None and not LEX.deal_nouns.search(text):
        return []
    if len(local) > 2:  # the speaker of "..., Reliance said" is not a party when three are named
        spoken = [p for p in local if _SPEAKER.match(text[p.end:]) and p.start > type_at >= 0]
        if spoken and len(local) - len(spoken) >= 2:
            local = [p for p in local if p not in spoken]
    if len(local) == 1:
        implied = LEX.implied_target.search(text)
        if deal_type is None and implied:
            deal_type, type_at = "acquisition", implied.start()   # "Amazon has weighed a potential deal"
        if deal_type in (None, "divestiture") or not implied or local[0].start > type_at \
                or (cue is not None and cue.direction == "seller"):
            return []
        counted = _COUNTED.search(text, type_at)
        if counted:   # "buying shares in the five": each company of the list named just before
            listed = _counted_list(ctx, view, _NUMBER.get(counted.group(1).lower(), 0), local[0].company_id)
            if listed:
                return [((local[0].company_id, t), True) for t in listed]
        other = _implied_target(ctx, view, local[0].company_id)
        return [((local[0].company_id, other), True)] if other else []
    pairs = _assign(text, local, deal_type, type_at, cue)
    if len(pairs) == 1 and not pairs[0][1] and deal_type in ("acquisition", "investment"):
        # "ByteDance held talks with Reliance about the conglomerate investing in TikTok's business": what is
        # bought belongs to one side, so the other side is the buyer
        a, b = pairs[0][0]
        for h in view.companies:
            if h.start - lo >= type_at and h.company_id not in (a, b):
                owned = {h.company_id, *h.ancestors}
                if (a in owned) != (b in owned):
                    target = a if a in owned else b
                    return [((b if target == a else a, target), True)]
    return pairs


_NUMBER = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
           "both": 2}
_COUNTED = re.compile(r"\b(?:in|of|into)\s+(?:the|all|each of the|all of the)\s+"
                      r"(two|three|four|five|six|seven|eight|nine|ten)\b"
                      r"(?!\s+(?:years|months|weeks|days|percent|per cent|%))", re.I)


def _counted_list(ctx: ArticleContext, view: SentenceView, n: int, party: str) -> list[str]:
    """The n companies one of the sentences just before names together ("The companies are A, B, C, D and E")."""
    for v in reversed([v for v in ctx.views if view.index - 2 <= v.index < view.index]):
        ids = list(dict.fromkeys(h.seller_id for h in v.parties() if h.company_id != party))
        if len(ids) == n:
            return ids
    return []


def _joined(text: str, group) -> list:
    """The parties of a run joined by 'and', 'with', commas ('Oracle and Walmart'), from its first one."""
    run = group[:1]
    for a, b in zip(group, group[1:], strict=False):   # neighbours: the second is one shorter
        if _CONSORTIUM.search(text[a.end:b.start]) or text[a.end:b.start].strip() in (",", ""):
            run.append(b)
        else:
            break
    return run


_OWN_UNIT = re.compile(r"\b(?:its|their)\s+$", re.I)   # "its Local Media Group": a unit its owner sells


def _assign(text: str, parties, deal_type: str | None, type_at: int, cue: Cue | None = None):
    """[((acquirer, target), directed)] for the parties of one clause, from the wording around the trigger."""
    if len(parties) < 2:
        return []   # one party and no implied other: no pair to report
    if type_at < 0:
        return _assign_untyped(text, parties)
    before = [p for p in parties if p.end <= type_at]
    after = [p for p in parties if p.start >= type_at]
    if cue is not None and cue.direction == "seller":
        return _assign_sale(text, type_at, before, after)
    if len(parties) >= 2 and LEX.chosen.search(text[:parties[1].start]):
        return [((parties[1].company_id, parties[0].company_id), True)]   # "ByteDance has chosen Oracle"
    for p in parties:   # "an offer from Microsoft", "acquired by Nvidia"
        lead = text[:p.start]
        if LEX.offer_from.search(lead) or LEX.by_buyer.search(lead) or (
                LEX.nominal_by.search(lead) and any(q.end <= p.start for q in parties if q is not p)):
            others = [q for q in parties if q is not p]
            return [((p.company_id, others[0].company_id), True)] if others else []
    after = [p for p in after if not re.search(r"\bfrom\s+$", text[:p.start])] or after  # "from SoftBank": the seller
    if deal_type == "investment" and len(parties) >= 2:   # "Nubank gets a Berkshire investment", "... from Y"
        p, q = parties[0], parties[1]
        if LEX.receives.search(text[p.end:max(q.start, type_at)]):
            return [((q.company_id, p.company_id), True)]
    for p in parties:   # "Nvidia's $40 billion purchase of Arm"
        if re.search(re.escape(p.surface) + r"[’']s?\s+(?:\S+\s+){0,3}$", text[:type_at]):
            others = [q for q in after if q is not p] or [q for q in parties if q is not p]
            return [((p.company_id, t.company_id), True) for t in _objects(text, others)] if others else []
    return _assign_by_position(text, deal_type, type_at, before, after)


def _assign_untyped(text: str, parties):
    """`_assign` where no word of the clause says what kind of deal it is: a bidder named by its offer buys,
    else two parties linked by the wording ("X and Y are in talks") are an undirected pair. Split from
    `_assign`, which reads the clause's trigger first."""
    ids = lambda hs: [h.company_id for h in hs]  # noqa: E731
    p, q = parties[0], parties[1]
    for b in (p, q):   # "agreed to Cisco's increased offer", "an offer from Cisco": the bidder is the buyer
        if LEX.offer_from.search(text[:b.start]) or LEX.offer_by.match(text[b.end:]):
            return [((b.company_id, (q if b is p else p).company_id), True)]
    between, after_q = text[p.end:q.start], text[q.end:q.end + 50]
    linked = LEX.link_with.search(text[:q.start]) or (
        re.fullmatch(r"\s*(?:and|,)\s+(?:the\s+)?(?:[a-z][\w-]*\s+){0,4}", between) and LEX.link_verb.match(after_q)
        and not re.search(r"\bthe\s+$", text[:p.start]))
    return [(tuple(sorted(ids(parties[:2]))), False)] if linked else []


def _assign_sale(text: str, type_at: int, before: list, after: list):
    """`_assign` for a seller's cue ("sells", "spun off"): the seller before the verb (or the unit sold), the
    buyers after "to"; else the unit and the owner it left, or a buyer made to sell. Split from `_assign`,
    which reads the buyer's cues."""
    to_at = text.find(" to ", type_at)
    buyers = _joined(text, [p for p in after if to_at >= 0 and p.start > to_at])
    sold = [p for p in after if to_at >= 0 and p.start < to_at]     # "Meta sells Giphy to Shutterstock"
    if sold and before and _OWN_UNIT.search(text[:sold[0].start]):
        # "Meredith agreed to sell its Local Media Group to Gray": the owner sells, the unit is the asset
        sold = []
    sellers = sold[:1] or before[-1:]
    if buyers and sellers:
        return [((b.company_id, sellers[0].company_id), True) for b in buyers]
    origin = [p for p in after if re.search(r"\bfrom\s+(?:the\s+)?(?:[\w-]+\s+){0,3}$", text[type_at:p.start])]
    if origin and before:   # "Pango was spun off from Aura": the unit and the owner it left
        return [(tuple(sorted((before[-1].company_id, origin[0].company_id))), False)]
    if before and after and LEX.status_pattern["blocked"].search(text):
        # "Nexperia ordered to sell its stake in Newport Wafer Fab": the buyer made to undo its purchase
        return [((before[-1].company_id, after[0].company_id), True)]
    return []


def _assign_by_position(text: str, deal_type: str | None, type_at: int, before: list, after: list):
    """`_assign` once no wording names the buyer: "the merger of X and Y", else the parties before the
    verb buy those after it, else two parties on one side are an undirected pair. Split from `_assign`,
    which tries the wordings first (`after` is already without a seller named by "from")."""
    if deal_type == "merger" and len(after) >= 2 and re.search(r"\b(?:of|between)\s+(?:the\s+)?(?:[\w–-]+\s+){0,4}$",
                                                              text[type_at:after[0].start]) \
            and re.fullmatch(r"\s+(?:and|&)\s+(?:the\s+)?(?:[\w–-]+\s+){0,3}", text[after[0].end:after[1].start]):
        return [(tuple(sorted((after[0].company_id, after[1].company_id))), False)]   # "the merger of X and Y"
    if deal_type == "merger" and len(before) >= 2:   # "Vodafone and CK Hutchison completed the merger of ..."
        return [(tuple(sorted((before[0].company_id, before[1].company_id))), False)]
    if before and after:
        acquirers = [before[-1]]   # the nearest party before the verb, and those joined to it ("Oracle and Walmart")
        for a, b in reversed(list(zip(before, before[1:], strict=False))):   # neighbours
            if not _CONSORTIUM.search(text[a.end:b.start]) and text[a.end:b.start].strip() not in (",", ""):
                break
            acquirers.insert(0, a)
        target = after[0]
        acquirers = [a for a in acquirers if a.company_id not in target.ancestors] or acquirers  # the owner sells
        targets = _objects(text, after)
        return [((a.company_id, t.company_id), True) for a in acquirers for t in targets]
    if len(before) >= 2:
        p, q = before[0], before[1]
        if deal_type == "acquisition" and re.search(r"\b(talks|discussions|negotiat\w*)\s+with\s+$",
                                                                     text[:q.start]):
            return [((p.company_id, q.company_id), True)]   # "P is in talks with Q to buy ..."
        return [(tuple(sorted((p.company_id, q.company_id))), False)]
    if len(after) >= 2:
        p, q = after[0], after[1]
        return [(tuple(sorted((p.company_id, q.company_id))), False)]
    return []


_LIST_GAP = re.compile(r"(?:\s+for\s+\S+(?:\s+(?:billion|million|bn|mn))?)?\s*(?:,\s*(?:and\s+)?|,?\s+and\s+)"
                       r"(?:(?:also\s+)?(?:[a-z][\w-]*\s+){0,5})?")


def _objects(text: str, after: list) -> list:
    """The first party after the verb, and those listed with it: "acquired LinkedIn ... and GitHub"."""
    out = after[:1]
    for p, q in zip(after, after[1:], strict=False):   # neighbours: the second is one shorter
        if not _listed(text, p, q):
            break
        out.append(q)
    return out


def _listed(text: str, p, q) -> bool:
    """'acquired LinkedIn for $26 billion and code repository GitHub': the next of a list of objects."""
    return bool(_LIST_GAP.fullmatch(text[p.end:q.start]))


def _implied_target(ctx: ArticleContext, view: SentenceView, party: str) -> str | None:
    """'Oracle is interested in the business': the business the article is about, named before, in this
    sentence first; one said to be selling, or an app, before any other."""
    selling = sellers(ctx)
    candidates = []
    for v in [view] + list(reversed([v for v in ctx.views if v.index < view.index][-3:])):
        for h in reversed(_deal_parties(v)):
            owner = h.seller_id
            if owner != party and h.company_id != party and party not in h.ancestors:
                candidates.append((owner, h))
    for owner, h in candidates:
        if owner in selling or h.kind == "app":
            return owner
    return candidates[0][0] if candidates else None


def _finding(ctx, view, pair, directed, text, parties) -> DealFinding:
    a, b = pair
    if not directed:
        a, b = sorted(pair)
    deal_type, _ = sentence_type(text, parties)
    status, explicit = sentence_status(text, parties, view.is_title)
    money = [m for m in find_money(text) if m.amount >= 1e6]   # "Rs 151 a month" is no deal's value
    usd = next((m for m in money if m.currency == "USD"), money[0] if money else None)
    year = ctx.published.year if ctx.published else None
    unit = _UNIT.search(text)
    own_unit = next((p.surface for p in parties if p.company_id not in pair and _OWN_UNIT.search(view.text[:p.start])),
                    None)   # "sell its Local Media Group to Gray": the owner is the target, the unit what changes hands
    places = view.place_markets()
    return DealFinding(
        parties=(a, b), directed=directed, deal_type=deal_type, status=status, status_explicit=explicit,
        asset=unit.group(1) if unit else own_unit,
        value_usd=(usd.amount if usd.currency == "USD" else to_usd(usd.amount, usd.currency, year)) if usd else None,
        amount=usd.amount if usd else None, currency=usd.currency if usd else None,
        market_id=places[0].market_id if places else None, event_date=find_date(text, ctx.published),
        attributed_to=_attribution(ctx, view), evidence=view.text, sentence_index=view.index,
        is_title=view.is_title, earlier=bool(LEX.earlier.search(text)),
        kinds={h.company_id: h.kind for h in view.companies},
        parents={h.company_id: h.parent_id for h in view.companies})


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
    if "sellers" not in ctx.memo:
        ctx.memo["sellers"] = _find_sellers(ctx)
    return ctx.memo["sellers"]


def _find_sellers(ctx: ArticleContext) -> set[str]:
    out = set()
    for view in ctx.views:
        m = LEX.seller.search(view.text)
        if not m:
            continue
        before = [h for h in view.parties() if h.end <= m.start()]
        if before:
            h = before[-1]
            out.add(h.seller_id)
        elif re.search(r"\b(it|the company)\b", view.text[:m.start()], re.I):
            hit = ctx.salient_company(view.index)
            if hit:
                out.add(hit.seller_id)
    return out


def unit_assets(ctx: ArticleContext) -> dict[str, list[str]]:
    """'TikTok's US business' keyed by the company that owns it, for deals that name only the owner."""
    out: dict[str, list[str]] = {}
    for view in ctx.views:
        for m in _UNIT.finditer(view.text):
            owner = [h for h in view.companies if h.start == m.start()]
            if owner:
                h = owner[0]
                out.setdefault(h.seller_id, []).append(m.group(1))
    return out
