"""Bans and deals read from a sentence's dependency parse, by the event frames (`frames.py`).

A trigger token (a frame's lemma, as verb or noun) names the event; its arguments name who takes part:
the subject (or the agent of a passive) and the object (or the subject of a passive), the prepositions a
frame gives a role ("a stake in", "a bid for", "a merger with", "a ban on"), possessors ("X's takeover of
Y"), compounds ("the Allianz-Income deal"), and every conjunct and apposition of each. A word such as
"business", "stake" or "unit" stands for its owner ("AIG's UK business" is AIG's); "it" and "the company"
stand for the organisation last named before them. The status is the nearest governing word's ("agreed to
buy", "called off its bid", "threatened to ban"), else the trigger's own by its tense; a modal makes a
deal a rumour and a ban a proposal; a negated clause states nothing. A clause governs only itself, so a
hypothetical beside a factual clause no longer silences the sentence.

Names a registry lacks are taken here only in these roles, from the parse's proper nouns (so a name that is
also an ordinary word counts only where the sentence gives it an organisation's role).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace

from newsintel.extract.authorities import find_actors
from newsintel.extract.companies import (
    _NOT_ORG_WORDS,
    _NUMBERED,
    CompanyHit,
    CompanyMatcher,
    _authority_names,
    slugify,
    strip_corporate_suffix,
)
from newsintel.extract.context import ArticleContext, SentenceView
from newsintel.extract.frames import Frame, Frames, frames
from newsintel.extract.markets import find_markets
from newsintel.extract.people import first_names
from newsintel.places import DEMONYMS as _DEMONYMS
from newsintel.places import REGIONS

# Nouns that stand for the organisation they belong to ("AIG's UK protection business", "a 5% stake in X").
OWNED_NOUNS = {"business", "businesses", "unit", "arm", "division", "operation", "operations", "asset", "assets",
               "stake", "share", "shares", "interest", "subsidiary", "portion", "part", "majority", "control",
               "percent", "cent", "%", "holding", "branch", "network", "brand", "access", "use", "sale", "sales",
               "download", "downloads", "service", "services", "app", "apps", "application", "applications",
               "platform", "platforms", "website", "websites", "site", "sites", "product", "products", "account",
               "accounts", "license", "licence", "equipment", "gear", "device", "devices", "version"}
# Definite nouns that refer back to the organisation last named ("the company said it would buy ...").
ANAPHORS = {"company", "firm", "group", "app", "platform", "service", "lender", "bank", "insurer", "carrier",
            "operator", "retailer", "maker", "giant", "conglomerate", "startup", "business"}
PRONOUNS = {"it", "its", "they", "their", "itself"}
LIST_PREPS = {"including", "like", "i.e.", "namely", "such", "as"}
SPEECH = {"say", "report", "tell", "announce", "state", "confirm", "add", "claim", "write", "note"}
MODALS = {"would", "could", "may", "might", "should"}
_PROPER = {"PROPN"}
# "claims/speculation that it is in talks", rejected or denied: the clause states nothing
HEARSAY = {"claim", "speculation", "report", "rumor", "rumour", "suggestion", "allegation", "talk"}
# What a ban falls on when it is not a company's service: a post, an account, a channel (content moderation),
# or a deal (a blocked takeover is a deal's status, not a ban).
CONTENT_NOUNS = {"account", "channel", "link", "video", "post", "content", "page", "profile", "traffic", "tweet",
                 "registration", "user", "handle", "film", "trailer", "episode", "song", "book", "article"}
DEAL_NOUNS = {"deal", "sale", "merger", "acquisition", "takeover", "venture", "transaction", "bid", "plan", "offer",
              "purchase", "buyout", "tie-up", "combination", "investment", "stake", "agreement"}
STAKE_NOUNS = {"stake", "share", "percent", "cent", "%", "interest", "holding", "minority"}
PERSON_TITLES = {"chief", "ceo", "chairman", "chairwoman", "founder", "co-founder", "president", "minister",
                 "governor", "executive", "director", "secretary", "spokesman", "spokesperson", "mr", "ms", "mrs",
                 "dr", "analyst", "billionaire", "tycoon", "senator", "judge"}
PEOPLE_NOUNS = {"man", "woman", "person", "people", "passenger", "traveler", "traveller", "user", "customer",
                "employee", "staff", "worker", "supporter", "fan", "player", "journalist", "expert", "student",
                "citizen", "resident", "official", "lawmaker", "member", "child", "minor", "athlete", "driver"}
TIME_PREPS = {"after", "before", "since", "following", "despite", "amid", "until", "ahead"}
ANSWERS = {"reject", "rebuff", "accept", "turn", "decline", "spurn", "welcome", "weigh", "review", "receive"}
REQUESTS = {"ask", "petition", "request", "beg", "lobby", "sue"}   # a request or a lawsuit, not a ban
ORDERS = {"order", "force", "require", "direct", "instruct", "compel", "tell", "ask"}
DENY = {"deny", "reject", "dismiss", "refute", "rebut"}
_NAME_GLUE = {"&", "-", "of", "and"}


@dataclass
class Event:
    kind: str                      # ban | deal
    frame: Frame
    status: str
    agents: list[CompanyHit]       # buyers, bidders, investors; for bans: who acts (when a company, no ban)
    patients: list[CompanyHit]     # targets, bought or banned
    others: list[CompanyHit]       # sellers, co-parties of a mutual frame
    markets: list[str]             # for bans: where the ban applies
    explicit_market: bool
    earlier: bool                  # told as before the news ("had agreed")
    view: SentenceView
    explicit_status: bool = True   # a governing word or the verb's tense said it, not the noun's default
    stake: bool = False            # what changes hands is a stake, shares or a per cent: an investment
    own_unit: bool = False         # what is sold is the seller's own ("its radio unit"): the deal is with the seller
    seen: frozenset[str] = frozenset()   # every organisation inside the arguments read, chosen or not


class RoleReader:
    """Reads events from the parsed sentences of one article."""

    def __init__(self, ctx: ArticleContext, matcher: CompanyMatcher | None, lexicon: Frames | None = None):
        self.ctx = ctx
        self.matcher = matcher
        self.frames = lexicon or frames()
        self.no_discovery = False
        self.pending: list[CompanyHit] = []   # names discovered while reading the current event
        self.resolving: set[int] = set()      # pronouns being resolved in the current event
        self.last_ban_market: str | None = None   # where the article's last explicitly placed ban was
        self.condition = False   # the last status read was withheld by a condition ("if it bought")
        self.weak = False   # the last status read came from the trigger alone, not from a governing word

    # ----- entities of a token -----
    def _hits_by_token(self, view: SentenceView, doc) -> dict[int, CompanyHit]:
        out = {}
        parties = [h for h in view.companies if h.kind not in ("media", "person")]
        for tok in doc:
            for h in parties:
                if h.start <= tok.idx < h.end:
                    out[tok.i] = h
                    break
        return out

    def _discover(self, view: SentenceView, tok, kind: str) -> CompanyHit | None:
        """An organisation the registry lacks, named by a proper noun in an event role."""
        if tok.pos_ not in _PROPER or tok.text in _NOT_ORG_WORDS:
            return None
        words = [t for t in tok.subtree if t.i <= tok.i and (t.dep_ in ("compound", "flat", "nmod") or t.i == tok.i
                                                              or (t.text in _NAME_GLUE and t.head.pos_ in _PROPER))]
        # the contiguous run ending at the head
        run = [tok]
        for t in reversed(words[:-1]):
            # the tagger often calls the first word of an unknown name a noun ("Zentrix/NOUN Chat/PROPN")
            if t.i == run[0].i - 1 and (t.pos_ in _PROPER or t.text in ("&", "-")
                                        or (t.dep_ == "compound" and t.text[:1].isupper())):
                run.insert(0, t)
            else:
                break
        while run and (not run[0].text[:1].isupper() or run[0].text in _NOT_ORG_WORDS):
            run.pop(0)
        if not run:
            return None
        start, end = run[0].idx, run[-1].idx + len(run[-1].text)
        name = view.text[start:end]
        risky = self.matcher._risky.get(name) if self.matcher else None
        if risky and not any(h.start < end and start < h.end for h in view.companies):
            hit = self.matcher._hit(risky, name, start, end)   # "X", "Line": an ordinary word, here in a role
            self.pending.append(hit)
            return hit
        if self.no_discovery:
            return None
        if len(name) < 2 or not all(w[0].isupper() or w[0].isdigit() or w in _NAME_GLUE for w in name.split()) \
                or any(w in _NOT_ORG_WORDS for w in name.split()) \
                or _NUMBERED.fullmatch(name) or not any(ch.isalpha() for ch in name) or name in REGIONS \
                or name in _DEMONYMS \
                or any(w in _DEMONYMS or w in REGIONS for w in name.split()[:1]):
            return None
        if " " not in name and _english_word(name):
            return None   # "Board", "Grid": a capitalised common word is part of a longer name, or none
        if kind == "company" and _listed_unknowns(tok, self._known(view, tok)) >= 3:
            return None   # a list of unknown names in a deal ("A, B, C and D will sell"): people, most often
        if any(m.start == 0 and m.end >= len(name) - 1 for m in find_markets(name)):
            return None   # a place
        first = name.split()[0]
        if len(name.split()) in (2, 3) and first in first_names():
            return None   # a person
        if any(h.start < end and start < h.end for h in view.companies) or name in _authority_names():
            return None   # already named, or a body of state or a leader ("Biden")
        titled = {t.lower_ for t in (*tok.subtree, tok.head) if t.i != tok.i}
        if titled & PERSON_TITLES:
            return None   # "Reliance chief Mukesh Ambani": a person
        cid = self.matcher.resolve_name(name) if self.matcher else None
        if cid and self.matcher and self.matcher.registry[cid].kind in ("media", "person"):
            return None   # "(AP)": a wire credit, not a party
            hit = self.matcher._hit(cid, name, start, end)
        else:
            base = strip_corporate_suffix(name)
            hit = CompanyHit(slugify(base), base, name, start, end, kind, "discovered")
        self.pending.append(hit)   # kept only if the event it stands in is read (`events`)
        return hit

    @staticmethod
    def _known(view: SentenceView, tok) -> set[int]:
        return {t.i for t in tok.doc if any(h.start <= t.idx < h.end for h in view.companies)}

    def _antecedent(self, view: SentenceView, tok, exclude: set[str], hits=None) -> CompanyHit | None:
        """What a pronoun or "the company" stands for. "X said it would buy", "X dropped its bid": the subject of
        the clause or of the verb of saying; else the organisation named first in the nearest sentence before
        (subjects come first, and a subject is what a later "the company" most often means)."""
        if hits is not None and tok.i not in self.resolving:
            self.resolving.add(tok.i)   # "its ... it ...": each pronoun is followed once, never in a circle
            clause = self._governing_verb(tok) if tok.dep_ == "poss" else (
                tok.head if tok.dep_ == "nsubj" else None)
            for verb in (clause, clause.head if clause is not None and clause.dep_ == "ccomp" else None):
                if verb is None or (verb is clause and verb.lemma_.lower() in ANSWERS and tok.dep_ == "poss"):
                    continue   # "ByteDance rejected its offer": one answers another's offer
                subj = self._child(verb, "nsubj")
                if subj and subj[0] is not tok and subj[0].lower_ not in PRONOUNS:
                    self.no_discovery = True   # an acting body ("the LTFRB suspended its operations") is no antecedent
                    try:
                        found = [h for h in self._entities(view, subj[0], hits, "deal", frozenset(exclude))
                                 if h.company_id not in exclude]
                    finally:
                        self.no_discovery = False
                    if found:
                        return found[0]
        same = [h for h in view.parties() if h.end <= tok.idx and h.kind != "person" and h.company_id not in exclude]
        if same:
            return same[0] if tok.dep_ in ("nsubj", "poss") else same[-1]
        for v in reversed([v for v in self.ctx.views if view.index - 3 <= v.index < view.index and not v.is_title]):
            earlier = [h for h in v.parties() if h.kind != "person" and h.company_id not in exclude]
            if earlier:
                return earlier[0]
        return None

    def _entities(self, view, tok, hits, kind, exclude=frozenset(), depth=0) -> list[CompanyHit]:
        """The organisations an argument token names: itself, its conjuncts and appositions, the owner of an
        owned noun, the referent of a pronoun or a definite anaphor."""
        if tok is None or depth > 4:
            return []
        out = self._token_entities(view, tok, hits, kind, exclude, depth)
        if not out and tok.pos_ == "NOUN":   # "a consortium led by X", "a joint venture formed by A and B"
            for c in tok.children:
                if c.dep_ == "acl" and c.lemma_.lower() in ("lead", "form", "back", "own", "control", "create"):
                    for g in self._prep_objects(c, "by"):
                        out.extend(self._entities(view, g, hits, kind, exclude, depth + 1))
        for c in tok.children:
            if c.dep_ in ("conj", "appos") and not (c.dep_ == "appos" and out):
                # a list's members hang one on another: a conjunct is no step deeper
                out.extend(self._entities(view, c, hits, kind, exclude, depth + (c.dep_ != "conj")))
            elif c.dep_ == "prep" and c.lower_ in LIST_PREPS:
                for g in c.children:
                    if g.dep_ == "pobj":
                        out.extend(self._entities(view, g, hits, kind, exclude, depth + 1))
        seen, unique = set(), []
        for h in out:
            if h.company_id not in seen:
                seen.add(h.company_id)
                unique.append(h)
        return unique

    def _token_entities(self, view, tok, hits, kind, exclude, depth) -> list[CompanyHit]:
        """The organisations the token itself names (a name, a pronoun's referent, the names compounded with it,
        the owner of an owned noun, a name the parse alone shows), before its conjuncts and appositions. Split
        from `_entities`, which adds those."""
        out: list[CompanyHit] = []
        low = tok.lower_
        if tok.i in hits:
            out.append(hits[tok.i])
            out += [h for h in view.companies if tok.idx < h.start < tok.idx + len(tok.text)
                    and h.kind not in ("media", "person")]   # "the Renault-Nissan alliance": one token, two names
        elif low in PRONOUNS and tok.pos_ == "PRON":
            ref = self._antecedent(view, tok, set(exclude), hits)
            if ref and (kind != "ban" or ref.kind == "app"):   # "sued to block it": "it" is a deal, not an app
                out.append(ref)
        else:
            named = [hits[c.i] for c in tok.children if c.i in hits and c.dep_ in ("compound", "flat", "nmod", "amod")]
            if named and tok.lemma_.lower() not in OWNED_NOUNS:
                out.extend(named)
            elif tok.lemma_.lower() in OWNED_NOUNS or low in OWNED_NOUNS or low in ANAPHORS:
                out.extend(self._owner_entities(view, tok, hits, kind, exclude, depth))
            elif tok.pos_ in _PROPER:
                found = self._discover(view, tok, "app" if kind == "ban" else "company")
                if found:
                    out.append(found)
        return out

    def _owner_entities(self, view, tok, hits, kind, exclude, depth) -> list[CompanyHit]:
        """The organisations an owned noun or a definite anaphor stands for ("its business", "X's unit", "the
        company"): its owner, else its apposition, the name right after it, or the anaphor's referent. Split
        from `_token_entities`, one of whose branches it is."""
        out: list[CompanyHit] = []
        low = tok.lower_
        for c in tok.children:
            if c.dep_ in ("compound", "nmod") and c.i not in hits:
                continue   # "its OTC business", "Swiss company": a descriptor, not an owner
            if c.dep_ == "poss" or (c.dep_ == "prep" and c.lower_ in ("of", "in", "to", "on")) \
                    or c.dep_ in ("compound", "nmod") or c.dep_ == "appos":
                targets = [c] if c.dep_ != "prep" else [g for g in c.children if g.dep_ == "pobj"]
                for g in targets:
                    out.extend(self._entities(view, g, hits, kind, exclude, depth + 1))
        if not out:
            for c in tok.children:
                if c.dep_ in ("appos", "flat") and c.pos_ in _PROPER:
                    out.extend(self._entities(view, c, hits, kind, exclude, depth + 1))
        nxt = tok.i + 1
        if not out and low in ANAPHORS and nxt < len(tok.doc) and nxt in hits:
            out.append(hits[nxt])   # "the stock-image company Shutterstock", however the parse hangs it
        if not out and low in ANAPHORS and any(c.lower_ in ("the", "this") for c in tok.children) \
                and not any(c.lower_ in ("combined", "merged", "new", "joint") for c in tok.children):
            ref = self._antecedent(view, tok, set(exclude))
            if ref:
                out.append(ref)
        return out

    # ----- arguments -----
    @staticmethod
    def _child(tok, *deps):
        return [c for c in tok.children if c.dep_ in deps]

    @staticmethod
    def _prep_objects(tok, *preps):
        return [g for c in tok.children if c.dep_ in ("prep", "agent", "dative") and c.lower_ in preps
                for g in c.children if g.dep_ == "pobj"]

    def _subject(self, verb, hops=0):
        """The subject of a verb, through "agreed to buy", "X, which bought Y", "and sold Y"."""
        if hops > 4:
            return None
        subj = self._child(verb, "nsubj")
        if subj and not (verb.dep_ == "relcl" and subj[0].lower_ in ("which", "that", "who")):
            return subj[0]
        if hops and self._passive(verb):
            return None   # "the provision that was used to ban X": what was used is no one's subject
        if verb.dep_ in ("xcomp", "advcl", "conj") and verb.head is not verb:
            return self._subject(verb.head, hops + 1)
        if verb.dep_ == "relcl":
            return verb.head
        if verb.dep_ == "acl" and verb.head.pos_ in ("NOUN", "PROPN"):
            return self._owner(verb.head, hops + 1)
        return None

    def _governing_verb(self, noun, hops=0):
        tok = noun
        while tok.head is not tok and hops < 5:
            tok = tok.head
            hops += 1
            if tok.pos_ in ("VERB", "AUX"):
                return tok
        return None

    def _owner(self, noun, hops=0):
        """Who a nominal event belongs to: its possessor, else the subject of the verb it hangs on."""
        poss = self._child(noun, "poss")
        if poss:
            return poss[0]
        if noun.dep_ in ("nsubj", "nsubjpass"):
            return None
        tok = noun
        while tok.head is not tok and hops < 6:   # the nearest clause above with a subject
            tok, hops = tok.head, hops + 1
            if tok.pos_ in ("VERB", "AUX") and tok.lemma_.lower() not in SPEECH:   # the speaker owns no event
                subj = self._subject(tok, hops)
                if subj is not None:
                    return subj
        return None

    @staticmethod
    def _passive(verb) -> bool:
        return any(c.dep_ in ("nsubjpass", "auxpass") for c in verb.children)

    # ----- status -----
    def _status(self, trigger, kind: str, frame: Frame, is_title: bool) -> tuple[str | None, bool]:
        """(status, earlier), or (None, _) when the clause denies it."""
        words = self.frames.status_words[kind]
        self.condition = False
        earlier = any(c.dep_ == "aux" and c.lower_ == "had" for c in trigger.children)
        if any(c.dep_ == "neg" for c in trigger.children):
            return None, earlier
        found, earlier = self._climb_status(trigger, kind, frame, words, earlier)
        if found is None:
            return None, earlier
        self.weak = not found and trigger.pos_ != "VERB"
        if found:
            final = [st for st in found if st in ("blocked", "abandoned", "lifted")]
            return (final or found)[0], earlier   # a block or a collapse up the tree outweighs the plan under it
        aux = {c.lower_ for c in trigger.children if c.dep_ in ("aux", "auxpass")}
        reported = trigger.dep_ == "ccomp" and trigger.head.lemma_.lower() in SPEECH
        if kind == "ban" and aux & {"will", "would"} and reported:
            return "proposed", earlier   # "Trump said he will ban TikTok": a promise, not yet an act
        if kind == "deal" and "would" in aux and reported:
            aux = (aux - {"would"}) | {"will"}   # "said it would sell": the reported "will sell", agreed
        if aux & MODALS and any(c.dep_ == "advcl" and any(m.dep_ == "mark" and m.lower_ in ("if", "unless")
                                                            for m in c.children) for c in trigger.children):
            self.condition = True
            return None, earlier   # "could be blocked if they fail to comply": a condition, not a proposal
        head = trigger.head if trigger.dep_ == "xcomp" else None   # "could agree to buy"; not "could smooth ... merger"
        if aux & MODALS or (head is not None and any(c.dep_ == "aux" and c.lower_ in MODALS for c in head.children)):
            return ("rumored" if kind == "deal" else "proposed"), earlier
        status = frame.status
        if kind == "deal" and status == "completed" and trigger.pos_ == "VERB" and frame.object != "stake":
            past = trigger.tag_ == "VBD" or (trigger.tag_ == "VBN" and "being" not in aux and (
                aux & {"has", "have", "had", "was", "were", "been"}
                                                                        or trigger.dep_ in ("acl", "relcl")))
            if not past:
                status = "agreed"   # "will buy", "to acquire", "buys" (a headline's present): agreed, not done
        return status, earlier

    def _climb_status(self, trigger, kind: str, frame: Frame, words, earlier: bool) -> tuple[list[str] | None, bool]:
        """(the statuses the words governing the trigger state, nearest first; earlier), walking up the parse
        to the end of the trigger's clause, or (None, earlier) when one of them denies it. Split from
        `_status`, which falls back on the trigger's own auxiliaries."""
        tok, hops, found = trigger, 0, []
        while tok.head is not tok and hops < 6 and tok.dep_ in ("xcomp", "ccomp", "dobj", "pobj", "prep", "advcl",
                                                                 "pcomp", "acl", "nsubj", "nsubjpass", "compound",
                                                                 "attr", "relcl", "appos", "npadvmod"):
            step = self._clause_end(tok)
            if step == "deny":
                return None, earlier
            if step == "stop":
                break
            child, tok = tok, tok.head
            hops += 1
            step, status, had = self._governing_status(tok, child, trigger, kind, frame, words)
            if step == "deny":
                return None, earlier
            if step == "found":
                found.append(status)
            earlier = earlier or had
            if step == "stop":
                break
        return found, earlier

    def _clause_end(self, tok) -> str | None:
        """Whether the walk up from `tok` ends here: "deny" (a condition states nothing, and denies nothing),
        "stop" (a clause of its own), else None. Split from `_climb_status`."""
        if any(c.dep_ == "mark" and c.lower_ in ("if", "unless", "whether") for c in tok.children):
            self.condition = True
            return "deny"   # "if it bought the business": a condition states nothing (and denies nothing)
        if tok.dep_ in ("conj", "relcl", "ccomp") and tok.head.lemma_.lower() in SPEECH:
            return "stop"
        if tok.dep_ == "relcl" or (tok.dep_ == "advcl" and any(c.dep_ == "mark" for c in tok.children)) or (
                tok.dep_ == "prep" and tok.lower_ in TIME_PREPS):
            return "stop"   # "follow India, which blocked TikTok", "pulled out after selling Asda": a clause of its own
        if any(c.dep_ == "mark" and c.lower_ in ("if", "unless", "whether") for c in tok.children):
            return "deny"   # "if it bought the business": a condition states nothing
        return None

    def _governing_status(self, tok, child, trigger, kind: str, frame: Frame, words) -> tuple[str, str | None, bool]:
        """What the word `tok` above the trigger (reached from `child`) says of it: (step, status, had) where
        step is "deny", "stop", "found" (it states `status`) or "next" (it states nothing, go on), and had
        whether it is told as earlier ("had agreed"). Split from `_climb_status`: one step of the walk."""
        lemma = tok.lemma_.lower()
        if lemma in HEARSAY and tok.head.lemma_.lower() in DENY:
            return "deny", None, False   # "rejected claims that it is in talks"
        if lemma in DENY and child.dep_ == "ccomp":
            return "deny", None, False   # "denied that it would buy"
        if any(c.dep_ == "det" and c.lower_ == "no" for c in tok.children) and tok.pos_ == "NOUN":
            return "deny", None, False   # "no plans to ban", "no intention of making an offer"
        if kind == "ban" and lemma in REQUESTS:
            return "deny", None, False   # "asked the court to bar X": a request, the ban is told elsewhere if at all
        if kind == "deal" and lemma == "close" and tok.pos_ == "ADJ":
            return "found", "talks", False   # "close to a deal"
        if kind == "deal" and lemma in ("try", "attempt") and tok.tag_ == "VBD":
            return "found", "abandoned", False   # "tried to buy": it did not happen
        beside = [g for c in tok.children if c.dep_ == "prep" and c.lower_ == "in" and c is not child
                  for g in c.children if g.dep_ == "pobj" and g.lemma_.lower() in words]
        if kind == "deal" and tok.pos_ in ("VERB", "AUX") and beside:
            return "found", words[beside[0].lemma_.lower()], False   # "it was in discussions with X to buy Y"
        if tok.pos_ in ("VERB", "AUX", "NOUN", "ADJ", "ADP") and lemma in words and (
                tok.pos_ != "ADJ" or lemma == "interested"):
            return self._status_word(tok, lemma, kind, words)
        if kind == "ban" and frame.lemma in ("ban", "prohibition", "restriction") and trigger.pos_ == "NOUN" \
                and lemma in ("block", "suspend", "halt", "freeze", "strike", "stop", "enjoin", "overturn") \
                and child is trigger \
                and trigger.dep_ in ("dobj", "nsubjpass"):
            return "found", ("lifted" if lemma in ("strike", "overturn") else "blocked"), False
        if any(c.dep_ == "neg" for c in tok.children) and tok.pos_ in ("VERB", "AUX"):
            return "deny", None, False
        if lemma in SPEECH:
            return "stop", None, False
        return "next", None, False

    def _status_word(self, tok, lemma: str, kind: str, words) -> tuple[str, str | None, bool]:
        """`_governing_status` for a status word of the frames ("agreed", "talks", "blocked"): its status, made
        a rumour or a proposal by a modal. Split from `_governing_status`."""
        if kind == "deal" and lemma in ("end", "pull", "call", "walk", "turn", "move") \
                and not self._ending(tok):
            return "next", None, False
        if any(c.dep_ == "neg" for c in tok.children):
            return "deny", None, False
        status = words[lemma]
        if any(c.dep_ == "aux" and c.lower_ in MODALS for c in tok.children) and status not in (
                "blocked", "abandoned", "lifted"):
            status = "rumored" if kind == "deal" else "proposed"
        return "found", status, any(c.dep_ == "aux" and c.lower_ == "had" for c in tok.children)

    @staticmethod
    def _ending(tok) -> bool:
        """'pulled the plug', 'called off', 'walked away', 'ended talks': the phrasal verbs that end a deal."""
        parts = {c.lower_ for c in tok.children if c.dep_ in ("prt", "dobj", "advmod", "prep")}
        return tok.lemma_.lower() == "end" or bool(parts & {"plug", "off", "away", "out", "down"})

    # ----- events -----
    def events(self, docs: dict[int, object]) -> list[Event]:
        out = []
        for view in self.ctx.views:
            doc = docs.get(view.index)
            if doc is None:
                continue
            hits = self._hits_by_token(view, doc)
            for tok in doc:
                if tok.pos_ not in ("VERB", "NOUN", "PROPN", "ADJ") or tok.i in hits or tok.dep_ == "compound" or (
                        tok.dep_ == "amod" and tok.tag_ != "VBN"):
                    continue   # "buyout firms", "merger talks": the noun describes; the head is the event
                lemma = tok.lemma_.lower()
                for kind in ("deal", "ban"):
                    frame = self.frames.trigger(kind, lemma)
                    if frame is None or (tok.pos_ == "PROPN" and lemma not in ("takeover", "buyout")):
                        continue
                    if frame.particle and tok.pos_ == "VERB" and not any(
                            c.dep_ == "prt" and c.lower_ == frame.particle for c in tok.children):
                        continue
                    self.pending, self.resolving = [], set()
                    event = self._read(view, doc, tok, frame, hits)
                    if event is not None:
                        out.append(event)
                        roles = event.patients + event.others + (event.agents if kind == "deal" else [])
                        used = {h.company_id for h in roles}   # who bans is a state, never a discovered company
                        kept = [h for h in self.pending if h.company_id in used and h not in view.companies]
                        if kept:
                            view.companies = sorted([*view.companies, *kept], key=lambda h: h.start)
                            hits = self._hits_by_token(view, doc)
        return out

    def _read(self, view, doc, tok, frame: Frame, hits) -> Event | None:
        kind = frame.kind
        status, earlier = self._status(tok, kind, frame, view.is_title)
        args = self._arguments(tok, frame, hits)
        if args is None:
            return None
        frame, agents_tok, patients_tok, others_tok = args
        ent = self._entities
        if kind == "deal" and frame.direction == "mutual" and tok.pos_ != "VERB":
            for o in self._prep_objects(tok, "between", "among"):
                members = [o] + [t for t in o.subtree if t.dep_ == "conj"]
                if any(m.i not in hits and m.pos_ not in _PROPER for m in members):
                    return None   # "talks between the government and A, B and C": each with the state, no pair
        agents = [h for t in agents_tok for h in ent(view, t, hits, kind)]
        exclude = frozenset(h.company_id for h in agents)
        patients = [h for t in patients_tok for h in ent(view, t, hits, kind, exclude) if h.company_id not in exclude]
        taken = exclude | {h.company_id for h in patients}
        others = [h for t in others_tok for h in ent(view, t, hits, kind, taken) if h.company_id not in taken]
        if kind == "ban" and status is None:
            return None   # "did not block", "asked the court to bar X": the rules read such clauses themselves
        if kind == "ban":
            return self._ban(view, doc, tok, frame, status, earlier, agents, agents_tok, patients, patients_tok)
        if status is None and self.condition:
            return None
        if status is None:   # "no intention of making an offer for BP": later talk of talks is denied too
            ids = {h.seller_id for h in agents + patients + others}
            self.ctx.memo.setdefault("denied", set()).update(frozenset((x, y)) for x in ids for y in ids if x != y)
            return None
        if frame.direction == "mutual" and any(
                c.dep_ in ("acl", "xcomp", "relcl") and (d := self.frames.trigger("deal", c.lemma_.lower()))
                and d.direction != "mutual" for c in tok.children):
            return None   # "in talks to acquire X": the acquisition is the event; its buyers are no pair
        if frame.direction == "mutual" and self._child(tok, "dobj") and others:
            agents = []   # "Tencent's plan to merge Huya and DouYu": the two merged are the parties
        if frame.direction == "mutual" and len(agents) >= 2 and not others:
            others, agents = agents[1:], agents[:1]   # "Dow and DuPont agreed to a merger"
        if not (agents or others) or not (patients or others):
            return None
        owned = any(t.lemma_.lower() in OWNED_NOUNS for t in patients_tok if t is not None)
        if frame.direction == "seller" and not patients and not owned:
            return None   # "sold $700 million worth of equipment to Telstra": goods, not a business
        stake = any(t.lemma_.lower() in STAKE_NOUNS for t in patients_tok if t is not None)
        own_unit = any(t.lemma_.lower() in OWNED_NOUNS or any(c.dep_ == "poss" and c.lower_ in PRONOUNS
                                                               for c in t.children)
                       for t in patients_tok if t is not None)
        seen = frozenset(h.company_id for t in agents_tok + patients_tok + others_tok if t is not None
                         for i in range(t.left_edge.i, t.right_edge.i + 1) if i in hits for h in [hits[i]])
        return Event(kind, frame, status, agents, patients, others, [], False, earlier, view, not self.weak, stake,
                     own_unit, seen)

    def _arguments(self, tok, frame: Frame, hits):
        """(frame, agent tokens, patient tokens, other party tokens) of the trigger `tok`, or None when it is
        no event of its frame here; the frame is made a buyer's one for "the Oracle-Walmart deal for TikTok".
        Split from `_read`, which turns the tokens into organisations and the event."""
        kind = frame.kind
        agents_tok, patients_tok, others_tok = [], [], []
        if tok.dep_ in ("amod", "acl") and tok.tag_ == "VBN" and kind == "ban" and tok.head.pos_ in ("NOUN", "PROPN"):
            # "the banned exchanges include A, B and C", "A and B were among the platforms blocked"
            noun = tok.head
            agents_tok += self._prep_objects(tok, "by")   # "... the 59 apps blocked by New Delhi"
            copula = noun.head if noun.dep_ == "pobj" and noun.head.lower_ == "among" else None
            if copula is not None:
                patients_tok += self._child(copula.head, "nsubj")
            else:
                verb = noun.head if noun.dep_ in ("nsubj", "nsubjpass") else None
                if verb is not None and verb.lemma_.lower() in ("include", "be", "comprise"):
                    patients_tok += self._child(verb, "dobj", "attr")
                else:
                    patients_tok.append(noun)
        elif tok.dep_ == "amod":
            if kind != "ban":
                return None
            noun = tok.head
            verb = noun.head if noun.dep_ in ("nsubj", "nsubjpass") else None
            if verb is not None and verb.lemma_.lower() in ("include", "be", "comprise"):
                patients_tok += self._child(verb, "dobj", "attr")
            else:
                patients_tok.append(noun)
        elif frame.object == "self":   # "ordered Hikvision to cease operations": the one ordered stops
            gov = tok.head if tok.dep_ == "xcomp" else None
            if gov is None or gov.lemma_.lower() not in ORDERS:
                return None
            patients_tok += self._child(gov, "dobj")
            agents_tok += self._child(gov, "nsubj")
        elif tok.pos_ == "VERB":
            self._verb_arguments(tok, frame, agents_tok, patients_tok, others_tok)
        else:   # a nominal event
            frame = self._nominal_arguments(tok, frame, hits, agents_tok, patients_tok, others_tok)
        return frame, agents_tok, patients_tok, others_tok

    def _verb_arguments(self, tok, frame: Frame, agents_tok, patients_tok, others_tok) -> None:
        """`_arguments` of a verb: adds to the three lists its subject or agent, its object by the frame, and
        the buyer a seller sells to. Split from `_arguments`, one of whose branches it is."""
        kind = frame.kind
        if self._passive(tok):
            patients_tok += self._child(tok, "nsubjpass")
            agents_tok += self._prep_objects(tok, "by")
            if kind == "ban" and any(d.lemma_.lower() in OWNED_NOUNS for d in patients_tok):
                patients_tok += self._prep_objects(tok, "to", "on")   # "access will be blocked to X"
        else:
            subj = self._subject(tok)
            agents_tok += [subj] if subj is not None else []
            if frame.object == "stake":   # "owns 16.5 per cent of X"; "owns X", "owns shares in X" tell no deal
                patients_tok += [d for d in self._child(tok, "dobj") if d.lemma_.lower() in (STAKE_NOUNS | {
                    "third", "half", "quarter", "majority", "minority", "%"}) - {"share", "interest", "holding"}]
            elif frame.object == "company":
                patients_tok += self._child(tok, "dobj")
                if kind == "ban" and any(d.lemma_.lower() in OWNED_NOUNS for d in patients_tok):
                    patients_tok += self._prep_objects(tok, "to", "on")   # "blocked access ... to X"
            elif frame.object in ("in", "for", "on", "of"):
                patients_tok += self._prep_objects(tok, frame.object)
                for d in self._child(tok, "dobj"):   # "invested $1bn in X" / "a stake in X" under the verb
                    patients_tok += self._prep_objects(d, frame.object)
            elif frame.object == "with":
                others_tok += self._prep_objects(tok, "with")
            if frame.direction == "mutual" and frame.object == "with":
                others_tok += [t for d in self._child(tok, "dobj") for t in [d]]   # "merge Huya and DouYu"
        if frame.direction == "seller":
            others_tok += self._prep_objects(tok, "to")
        patients_tok += self._prep_objects(tok, *LIST_PREPS)

    def _nominal_arguments(self, tok, frame: Frame, hits, agents_tok, patients_tok, others_tok) -> Frame:
        """`_arguments` of a nominal event ("the sale of X to Y", "the Monsanto takeover"): adds to the three
        lists its owner, its prepositional objects and the names compounded with it; returns the frame, a
        buyer's one where two bidders go for one target. Split from `_arguments`, one of whose branches it is."""
        kind = frame.kind
        owner = self._owner(tok)
        role_preps = {"company": ("of", "on", "against") if kind == "ban" else ("of",), "in": ("in",), "for": ("for",),
                      "with": ("with", "between", "of"), "on": ("on", "of", "against"), "of": ("of", "on"),
                      "stake": ("in", "of")}[frame.object]
        objects = self._prep_objects(tok, *role_preps)
        by = self._prep_objects(tok, "by")
        compounds = [c for c in tok.children if c.dep_ in ("compound", "nmod", "amod") and c.i in hits]
        fors = self._prep_objects(tok, "for") if kind == "deal" and frame.direction == "mutual" else []
        if fors and any(c.i in hits for c in fors):   # "the Oracle-Walmart deal for TikTok": bidders and a target
            frame = replace(frame, direction="buyer", type=frame.type or "acquisition")
            patients_tok += fors
            agents_tok += compounds or ([owner] if owner is not None else [])
        elif kind == "deal" and frame.direction == "mutual":
            others_tok += objects + compounds
            joint = [o for o in self._prep_objects(tok, "of", "between") if self._child(o, "conj")]
            if owner is not None and not joint:   # "the merger of A and B": A and B, not who tells of it
                agents_tok.append(owner)
        else:
            patients_tok += objects
            if kind == "ban" and owner is not None and owner.dep_ == "poss" and owner.i in hits and not objects:
                patients_tok.append(owner)   # "ordered YouTube's suspension": whose suspension is the target
                owner = None
            if kind == "ban":
                patients_tok += compounds
                gov = self._governing_verb(tok)
                if gov is not None and not objects:   # "sanctions were introduced against A, B and C"
                    patients_tok += self._prep_objects(gov, "against", "on")
            elif compounds and not objects:   # "the Monsanto takeover"; not "a BOGO offer" (a name only found here)
                patients_tok += [c for c in compounds if hits[c.i].origin == "registry"]
            if frame.direction == "seller":   # "the sale of Aegon's unit to Vienna Insurance Group"
                others_tok += self._prep_objects(tok, "to")
            offerer = self._prep_objects(tok, "from") if kind == "deal" else []   # "an offer from X"
            agents_tok += by or offerer or ([owner] if owner is not None else [])
        return frame

    def _veto(self, view: SentenceView, patients: list[CompanyHit]) -> None:
        """The parse read a ban word here and found that it bans none of `patients` (a deal blocked, a post
        removed, a company's own rule, a request, a condition): a ban of them the regular expressions read in
        this sentence is dropped, unless another trigger of the sentence states one (`article._ban_reports`)."""
        vetoed = self.ctx.memo.setdefault("ban_vetoed", set())
        vetoed.update((view.index, p.company_id) for p in patients)

    def _ban(self, view, doc, tok, frame, status, earlier, agents, agents_tok, patients, patients_tok) -> Event | None:
        heads = {t.lemma_.lower() for t in patients_tok if t is not None}
        heads |= {g.lemma_.lower() for t in patients_tok if t is not None    # "access to the account of ..."
                  for g in self._prep_objects(t, "to", "of", "on")}
        if heads & PEOPLE_NOUNS and not patients:
            self._veto(view, agents + [h for h in view.companies if h.kind not in ("media", "person")])
            return None   # "a man was banned from Delta": a person barred, no company banned
        if not patients:
            return None
        patients = [p for p in patients if not any(p.company_id in o.ancestors for o in patients if o is not p)] \
            or patients   # "Tencent's WeChat": the app is the target, its owner says whose it is
        if heads & DEAL_NOUNS or heads & CONTENT_NOUNS:
            self._veto(view, patients + agents)
            return None   # "blocked the sale of X" (a deal), "blocked X's account" (content), not a ban
        places = all_places = [m for m in view.markets if not m.dateline]
        actors = find_actors(view.text, view.markets)
        spans = [(t.left_edge.idx, t.right_edge.idx + len(t.right_edge.text)) for t in agents_tok if t is not None]
        named = [t for t in agents_tok if t is not None and (t.lower_ not in PRONOUNS or (   # "X said it would ..."
            t.head.dep_ == "ccomp" and t.head.head.lemma_.lower() in SPEECH))]
        known = [a for a in agents if a.origin == "registry"]
        if known and named and not any(any(s <= a.start < e for s, e in spans) for a in actors):
            self._veto(view, patients + known)
            return None   # "Delta's ban of a passenger", "Visa will suspend operations": a company's own act
        inside = [(t.left_edge.idx, t.right_edge.idx + len(t.right_edge.text)) for t in patients_tok if t is not None]
        actors = [a for a in actors if not any(s <= a.start < e for s, e in inside)]   # "Russian sites": not who acts
        places = [m for m in places if not any(s <= m.start < e for s, e in inside)]
        spans = [(t.left_edge.idx, t.right_edge.idx + len(t.right_edge.text)) for t in agents_tok if t is not None]
        markets = [a.market_id for a in actors if any(s <= a.start < e for s, e in spans)]
        markets += [m.market_id for m in places if any(s <= m.start < e for s, e in spans)
                    and not any(h.start <= m.start < h.end for h in view.companies)]
        markets, explicit = self._ban_markets(view, tok, markets, places, all_places, actors)
        if not markets:
            return None
        unique = list(dict.fromkeys(markets))
        if explicit:
            self.last_ban_market = unique[-1]
        return Event("ban", frame, status, agents, patients, [], unique, explicit, earlier, view)

    def _ban_markets(self, view, tok, markets: list[str], places, all_places, actors) -> tuple[list[str], bool]:
        """(markets, whether the sentence names them) of a ban: the ones its agents name, else those named
        where the ban applies ("in", "across"), else an actor's, else the last ban's, else the article's
        salient market. Split from `_ban`, which reads its agents' markets first."""
        explicit = bool(markets)
        if not markets:
            where = [g for g in self._prep_objects(tok, "in", "across", "throughout")]
            gov = self._governing_verb(tok) if tok.pos_ == "NOUN" else None
            if gov is not None:
                where += self._prep_objects(gov, "in", "across", "throughout")
            for g in where:
                lo, hi = g.left_edge.idx, g.right_edge.idx + len(g.right_edge.text)
                markets += [m.market_id for m in places if lo <= m.start < hi]
            explicit = bool(markets)
        if not markets:   # "... in the United States" anywhere in the trigger's own phrase
            for t in tok.subtree:
                if t.dep_ == "prep" and t.lower_ in ("in", "across") and t.head.dep_ != "relcl":
                    for g in t.children:
                        lo, hi = g.left_edge.idx, g.right_edge.idx + len(g.right_edge.text)
                        markets += [m.market_id for m in all_places if lo <= m.start < hi]
            explicit = bool(markets)
        if not markets and actors:
            markets, explicit = [actors[0].market_id], True
        if not markets and self.last_ban_market:
            markets = [self.last_ban_market]   # "Twitter has also been blocked": where the last ban was
        if not markets:
            salient = self.ctx.salient_market(view.index)
            markets = [salient] if salient else []
        return markets, explicit


def _english_word(name: str) -> bool:
    """Whether a one-word name is an ordinary English word (the parser's own lemma index)."""
    from newsintel.extract.parse import vocabulary
    return name.lower() in vocabulary()


def _listed_unknowns(tok, known: set[int]) -> int:
    """How many proper nouns unknown to the registry stand in the list `tok` belongs to."""
    head = tok
    while head.dep_ == "conj" and head.head is not head:
        head = head.head
    members = [head] + [t for t in head.subtree if t.dep_ == "conj" and t.head.i in {head.i} | {
        c.i for c in head.subtree if c.dep_ == "conj"}]
    return sum(1 for t in members if t.pos_ in _PROPER and t.i not in known)


def cue_views(ctx: ArticleContext, lexicon: Frames | None = None) -> list[SentenceView]:
    """The sentences worth parsing: a frame's word form, and an organisation named or a capitalised word that
    may name one the registry lacks. (Parsing only sentences with a known name, or a pronoun, was measured:
    fewer sentences, but bans the parse alone found were lost.)"""
    cue = (lexicon or frames()).cue
    return [v for v in ctx.views if len(v.text) < 1500 and cue.search(v.text) and (
        v.companies or re.search(r"\b[A-Z][a-z]+", v.text[1:]))]
