"""Organisations that a deal sentence's grammar names, found even when the registry lacks them.

"Korean Air has completed its acquisition of Asiana Airlines", "Xerox is ending its bid for HP",
"the FTC sued to block Coach parent Tapestry's deal to buy Capri": the one before a deal word that acts,
and the one after "acquisition of", "bid for", "merger with", "to buy", is a party to a deal whatever its
name. A capitalised name standing in such a place becomes a discovered company, and every later mention of
it in the article (also its short form: "JetBlue Airways" then "JetBlue") counts too. This is the deal
extractor's hook into organisation discovery (`with_role_hits`, called from context.build_context): it only
adds names no other rule found; the deal cues come from the deal lexicon (lexicon/deals.yaml).

Written by hand (no NER model): the roles are the deal grammar's own, and a statistical tagger would still
need them to tell a buyer from a bystander.
"""
from __future__ import annotations

import bisect
import functools
import re

import pycountry

from newsintel.extract.companies import CORPORATE_SUFFIXES, CompanyHit, CompanyMatcher, slugify, strip_corporate_suffix
from newsintel.extract.deal_lexicon import deal_lexicon
from newsintel.extract.markets import find_markets

_CAP = r"(?:[A-Z](?:[A-Za-z0-9'’.&]|-(?!-))*[A-Za-z0-9]|[A-Z])"
_NAME = re.compile(rf"(?<![\w&'’.\u2010-\u2014-]){_CAP}(?:\s+&\s+(?:{_CAP}|[a-z]\b)|\s+of\s+(?={_CAP}){_CAP}|[ ]{_CAP})*")
# Words that may open a capitalised run without being part of the name: grammar and time ("On Tuesday Xerox").
_LEADING = {
    "The", "A", "An", "This", "That", "These", "Those", "It", "Its", "Their", "His", "Her", "Our", "We", "They",
    "He", "She", "I", "In", "On", "At", "For", "With", "After", "Before", "But", "And", "Or", "As", "If", "When",
    "While", "Since", "By", "From", "To", "Of", "Under", "Once", "Both", "Last", "Earlier", "Later", "Rival",
    "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday", "January", "February", "March",
    "April", "May", "June", "July", "August", "September", "October", "November", "December", "Jan", "Feb", "Mar",
    "Apr", "Jun", "Jul", "Aug", "Sep", "Sept", "Oct", "Nov", "Dec", "No", "Any", "All", "Some", "Alongside",
    "Meanwhile", "However", "Also", "Now", "Then", "Under", "Following", "Despite", "Among", "Shares",
}
# Words no deal party's name holds: states, courts, laws, titles, currencies. A name with one is not a company.
_OFFICIAL = {
    "Ministry", "Department", "Commission", "Commissioner", "Court", "Tribunal", "Government", "Parliament",
    "Congress", "Senate", "House", "Authority", "Agency", "Council", "Committee", "Bureau", "Office", "Secretary",
    "Administration", "President", "Minister", "Judge", "Justice", "Chairman", "Chief", "CEO", "Director",
    "Mr", "Mrs", "Ms", "Dr", "Federal", "Supreme", "District", "State", "Republic", "Board", "Regulator",
    "Act", "Law", "Bill", "Order", "Competition", "Antitrust", "Union", "Party", "University", "Police",
    "Analysts", "Investors", "People", "Sources", "Officials", "Reuters", "Bloomberg", "Rs", "INR", "USD", "US$",
    "EUR", "GBP", "RMB", "CNY", "JPY", "KRW", "Sir", "Lord", "Senator", "Governor", "Prime", "King", "Queen",
}
_NOT_NAME = _LEADING | _OFFICIAL
_TITLE_WORDS = (r"\b(?:CEO|[Cc]hief [Ee]xecutive|[Cc]hairman|[Cc]hairwoman|President|president|[Ff]ounder|"
                r"[Mm]inister|[Ss]ecretary|[Jj]udge|[Cc]ommissioner|[Ss]enator|[Gg]overnor|Mr\.?|Ms\.?|Mrs\.?|Dr\.?)")
_TITLED = re.compile(_TITLE_WORDS)


@functools.lru_cache(maxsize=8)
def _titled(text: str) -> bool:
    return bool(_TITLED.search(text))
_TITLE_BEFORE = re.compile(r"\b(?:CEO|chief executive|chairman|chairwoman|president|founder|minister|secretary|"
                           r"judge|commissioner|spokesperson|spokesman|spokeswoman|analyst|executive|Mr|Ms|Mrs|Dr)\.?"
                           r"\s+$", re.I)
# What may stand between a party and the deal word it performs: auxiliaries, adverbs, a day, a parenthesis.
_SUBJECT_GAP = re.compile(r"^(?:\s*\([^()]{0,40}\))?(?:\s+(?:has|have|had|is|was|were|are|will|would|also|now|"
                          r"officially|reportedly|formally|finally|first|earlier|late|this|last|on|in|recently|"
                          r"agreed|announced|plans|planned|wants|wanted|made|launched|unveiled|submitted|"
                          r"to|its|their|a|an|the|be|been|being|already|Monday|Tuesday|Wednesday|Thursday|"
                          r"Friday|Saturday|Sunday|week|year|month|ending|withdrew|withdraws|dropped|completed|"
                          r"sweetened|raised|tried|attempted|offered|signed|struck|entered|into|proposed|"
                          r"hostile|unsolicited|formal|rival|new|revised|improved|initial|takeover|"
                          r"\$?[\d.,]+|billion|million|bn|mn)){0,7}\s+$")
# What may stand between a deal word and its object: prepositions, articles, a descriptor ("rival",
# "fibre group", "US electric start-up", "Michael Kors owner").
_OBJECT_GAP = re.compile(r"^\s+(?:(?:of|for|with|in|into|to|from|by|between|the|a|an|its|their|rival|fellow|"
                         r"smaller|larger|units?|businesses|operations|arms?|divisions?|rail|"
                         r"struggling|stake|minority|majority|shares|controlling|[\d.]+%|per|cent|about|some|nearly|"
                         r"US\$?[\d.,]+|\$?[\d.,]+|billion|million|bn|[a-z]+-?[a-z]+(?= (?:[a-z-]+ )?(?:group|firm|"
                         r"company|maker|bank|carrier|airline|rival|operator|retailer|chain|startup|start-up|"
                         r"conglomerate|giant|provider|developer|unit|lender|insurer|miner|producer|platform)\b)|"
                         r"group|firm|company|maker|bank|carrier|airline|operator|retailer|chain|startup|start-up|"
                         r"conglomerate|giant|provider|developer|lender|insurer|miner|producer|platform|electric|"
                         r"[A-Z]{2,3}|(?:[A-Z][\w.&-]*\s+){1,3}(?:owner|parent|maker|operator)|"
                         r"[A-Z][a-z]+(?:[–-][A-Z][a-z]+)?(?=\s+(?:[a-z-]+\s+)?(?:group|firm|company|maker|bank|carrier|"
                         r"conglomerate|giant|automaker|carmaker|chipmaker|operator|retailer|rival)\b))\s+){0,7}$")
# Deal words a party performs ("Xerox launched a bid"), and those that also take an object only ("blocked
# Vodacom's merger": whoever blocks is a regulator, not a party).
# Deal nouns a party performs besides the lexicon's cues ("Xerox launched a bid", "in talks"), and those that
# take an object only ("blocked Vodacom's merger": whoever blocks is a regulator, not a party).
_ACT_WORDS = re.compile(r"\b(?:bid|bids|offer|proposal|approach|purchase|combination|talks|discussions|negotiations|"
                        r"(?P<only>deal|sale|to block|blocked|blocking))\b", re.I)
_OWNER_DESCRIPTOR = re.compile(r"\s+(?:owner|parent|maker|operator|developer|publisher)\s+(?=[A-Z])")
_DEAL_NOUN = re.compile(r"(?:stakes?|investments?|acquisition|merger|takeover|deal|talks|discussions|negotiations|"
                        r"joint venture|partnership|tie-up|alliance|sale|purchase|buyout|combination|proposal|"
                        r"approach|shareholding|funding|backing)", re.I)
# "a stake in Guyana's Stabroek oil field": a name that an asset noun follows is the asset, not a party.
_ASSET_AFTER = re.compile(r"\s+(?:oil |gas |offshore |onshore )?(?:field|fields|block|mine|project|refinery|plant|"
                          r"brand|brands|franchise|stores?|outlets?|locations|assets)\b")
_PRODUCT_BEFORE = re.compile(r"\b(?:maker|makers|owner|developer|publisher|operator|creator)s? of (?:the )?$")
_POSSESSIVE = re.compile(r"^[’']s?\s+(?:[\w$.,-]+\s+){0,4}?(?:proposed\s+|planned\s+|hostile\s+|unsolicited\s+)?"
                         r"(?:acquisition|purchase|takeover|buyout|merger|bid|offer|proposal|deal|investment|"
                         r"approach)\b", re.I)


def with_role_hits(text: str, hits: list[CompanyHit], matcher: CompanyMatcher) -> list[CompanyHit]:
    """The text's company hits with the parties its deal grammar names added (and their later mentions), in
    text order. A discovered fragment inside a longer name in a role ("Holdings" of "Seven & i Holdings")
    gives way to the name; registry hits are never touched."""
    lex = deal_lexicon()
    cues = list(lex.any_cue.finditer(text))
    if not cues and not lex.deal_nouns.search(text):
        return hits   # no word of a deal anywhere: nothing to look for
    more = list(_ACT_WORDS.finditer(text))
    acts = sorted(cues + [m for m in more if not m.group("only")], key=lambda m: m.start())
    objects = sorted(cues + more, key=lambda m: m.end())
    anchors = (acts, [m.start() for m in acts], objects, [m.end() for m in objects])
    names = [m for m in _NAME.finditer(text)]
    sellers = [m for m in cues if lex.seller_cues.fullmatch(m.group(0))]
    listed = {id(n) for lst in _NAMED_LIST.finditer(text) for n in names if lst.start(1) <= n.start() < lst.end(1)}
    sellers.sort(key=lambda m: m.end())
    seller_ends = [m.end() for m in sellers]
    in_role = [n for n in names if id(n) in listed or _in_role(text, n, anchors)
               or _sold_to(text, n, sellers[bisect.bisect_left(seller_ends, n.start() - 140):
                                            bisect.bisect_left(seller_ends, n.start())])]
    starts = [n.start() for n in names]
    joined = [names[i] for r in in_role for i in range(bisect.bisect_right(starts, r.end()),
                                                       bisect.bisect_right(starts, r.end() + 12))
              if _coordinated(text, r, names[i])]
    fragments = set()
    found: dict[str, str] = {}   # surface -> company id
    for n in sorted(set(in_role) | set(joined), key=lambda n: n.start()):
        surface = _clean(n.group(0), text)
        at = n.start() + n.group(0).find(surface)
        inside = [h for h in hits if h.start < at + len(surface) and at < h.end]
        if inside and not all(h.origin == "discovered" and (at < h.start < at + len(surface) or _demonym_led(text, h, at))
                              for h in inside):
            continue   # another rule's name stands here
        if any(0 <= at - h.end <= 1 for h in hits):
            continue   # a ticker right after a name ("Shell plc SHEL")
        if surface and _plausible_party(text, surface, at):
            found.setdefault(surface, matcher.resolve_name(surface) or slugify(strip_corporate_suffix(surface)))
            fragments.update(id(h) for h in inside)
    hits = [h for h in hits if id(h) not in fragments]
    for h in hits:   # "Reliance Retail Ventures Ltd (RRVL)": the letters in brackets name the same company
        m = _ACRONYM.match(text, h.end)
        if m and m.group(1) not in matcher._surface:
            found[m.group(1)] = h.company_id
    discovered = {h.surface: h.company_id for h in hits if h.origin == "discovered"}
    # "Spirit" or "Couche-Tard" found alone is the "Spirit Airlines" or "Alimentation Couche-Tard" named before
    longer = {**{h.surface: h.company_id for h in hits}, **found}
    for short in list(found):
        for surface, cid in sorted(longer.items(), key=lambda x: -len(x[0])):
            if surface != short and _part_of(short, surface):
                found[short] = cid
                break
    forms = dict(found)
    for surface, cid in {**discovered, **found}.items():   # later, shorter mentions: "Pango" of "Pango Group"
        short = _short_form(surface)
        if short and short not in forms and short not in discovered and _plausible_party(text, short, -1):
            forms[short] = cid
    for h in hits:   # "Berkshire" of "Berkshire Hathaway", "Walgreens" of "Walgreens Boots Alliance"
        first = h.surface.split()[0] if " " in h.surface else ""
        if len(first) >= 4 and first not in forms and first not in matcher._surface and not _is_place(first) \
                and re.search(rf"\b{re.escape(first)}\b(?!\s+{re.escape(h.surface.split()[1])})", text) \
                and _plausible_party(text, first, -1):
            forms[first] = h.company_id
    if not forms:
        return hits
    names_of = {cid: strip_corporate_suffix(s) for s, cid in {**discovered, **found}.items()}
    taken = [(h.start, h.end) for h in hits]
    out = list(hits)
    pattern = re.compile(r"(?<![\w&'’.-])(" + "|".join(re.escape(s) for s in sorted(forms, key=len, reverse=True))
                         + r")(?![\w&-])")
    for m in pattern.finditer(text):
        if any(s < m.end() and m.start() < e for s, e in taken):
            continue
        cid = forms[m.group(1)]
        if cid in matcher.registry:
            out.append(matcher._hit(cid, m.group(1), m.start(), m.end()))
        else:
            out.append(CompanyHit(cid, names_of.get(cid, m.group(1)), m.group(1), m.start(), m.end(),
                                  "company", "discovered"))
        taken.append((m.start(), m.end()))
    return sorted(out, key=lambda h: h.start)


def _in_role(text: str, n: re.Match, anchors) -> bool:
    """The name acts before a deal word, follows one as its object, or owns one ("Vodacom's merger")."""
    start, end = n.start(), n.end()
    if not (_POSSESSIVE.match(text, end) or _acts(text, start, end, anchors)):
        return False
    # "Roomba maker iRobot", "the maker of Roomba", "the Stabroek oil field": the maker or owner is the party
    return not (_OWNER_DESCRIPTOR.match(text, end) or _PRODUCT_BEFORE.search(text, max(0, start - 40), start)
                or _ASSET_AFTER.match(text, end))


def _acts(text: str, start: int, end: int, anchors) -> bool:
    acts, act_starts, objects, object_ends = anchors
    for a in acts[bisect.bisect_left(act_starts, end):bisect.bisect_right(act_starts, end + 90)]:
        gap = text[end:a.start()]
        if _SUBJECT_GAP.match(gap) and not (not gap.strip() and _DEAL_NOUN.fullmatch(a.group(0))):
            return True   # (not "its SPDC JV stake": a compound)
    for a in objects[bisect.bisect_left(object_ends, start - 70):bisect.bisect_right(object_ends, start)]:
        if _OBJECT_GAP.match(text[a.end():start]):
            return True
    return False


# "The companies are Itochu, Marubeni, Mitsubishi, Mitsui and Sumitomo": a list a deal sentence then refers to
# ("buying shares in the five").
_LIST_ITEM = r"[A-Z][\w&.-]*(?: [A-Z][\w&.-]*){0,2}"
_NAMED_LIST = re.compile(rf"\b(?:companies|firms|groups|trading houses|businesses|startups|start-ups|investees|"
                         rf"targets)\s+(?:are|were|include|included|being|:)\s+((?:{_LIST_ITEM},\s+)+{_LIST_ITEM},?"
                         rf"\s+and\s+{_LIST_ITEM})")


_ACRONYM = re.compile(r"\s*\(([A-Z][A-Z0-9&]{1,6})\)")


def _demonym_led(text: str, h: CompanyHit, at: int) -> bool:
    """'the French PSA Group' found whole by another rule: after an article the nationality is an adjective,
    no part of the name (unlike 'Korean Air has ...')."""
    lead = h.surface[:max(0, at - h.start)].split()
    return h.start < at and len(lead) == 1 and lead[0] in _DEMONYM_WORDS and bool(
        re.search(r"\b(?:the|a|an)\s+$", text[max(0, h.start - 6):h.start], re.I))


def _part_of(short: str, surface: str) -> bool:
    """'Spirit' in 'Spirit Airlines', 'Couche-Tard' in 'Alimentation Couche-Tard': the first or last words."""
    a, b = short.split(), strip_corporate_suffix(surface).split()
    return len(a) < len(b) and (b[:len(a)] == a or b[-len(a):] == a) or short == _short_form(surface)


def _sold_to(text: str, n: re.Match, sellers) -> bool:
    """'sell a 20% stake in its refinery business to Saudi Aramco': the buyer after 'to' in a sale."""
    return any(0 < n.start() - m.end() <= 140 and "." not in text[m.end():n.start()]
               and re.search(r"\bto\s+(?:the\s+|a\s+)?$", text[m.end():n.start()]) for m in sellers)


def _coordinated(text: str, first: re.Match, n: re.Match) -> bool:
    """'between Germany's Siemens and France's Alstom': the name joined by 'and' shares the role."""
    return 0 < n.start() - first.end() <= 12 and bool(re.fullmatch(r"\s+(?:and|&)\s+(?:the\s+)?", text[first.end():n.start()]))


def _clean(surface: str, text: str = "") -> str:
    """The name without the grammar or place words that open its run; empty when an official word is in it."""
    words = surface.replace("’s", "").replace("'s", "").split()
    if any(w.strip(".,") in _OFFICIAL for w in words) or any(
            w.endswith(("-based", "-listed", "-owned", "-backed", "-led", "-era")) for w in words):
        return ""   # "Commerce Department", "Information Technology Act", "Delhi-based"
    while words and (words[0].strip(".,") in _LEADING or _is_place(words[0])):
        if len(words) == 2 and words[0] in _DEMONYM_WORDS and (words[1] in _SHORT_DROP | {"Air"}
                                                                or text.count(" ".join(words)) >= 2):
            break   # "Korean Air", "Saudi Aramco" (named so each time): the place word is part of the name
        words = words[1:]
    while words and words[-1] in ("&", "of"):
        words = words[:-1]
    return " ".join(words).strip(" .,")


@functools.lru_cache(maxsize=4096)
def _is_place(word: str) -> bool:
    hits = find_markets(word)
    return bool(hits) and hits[0].start == 0 and hits[0].end >= len(word.rstrip("’'s")) - 1 or \
        word.rstrip("’'s") in _DEMONYM_WORDS


_DEMONYM_WORDS = set("""American Indian Chinese British English Welsh Scottish Irish Japanese Korean South North German
French Australian Canadian European Dutch Italian Spanish Portuguese Saudi Emirati Qatari Nigerian Kenyan Egyptian
Indonesian Brazilian Argentine Mexican Chilean Colombian Swiss Swedish Norwegian Danish Finnish Belgian Austrian
Polish Czech Hungarian Romanian Greek Turkish Russian Ukrainian Israeli Taiwanese Singaporean Malaysian Thai
Vietnamese Philippine Pakistani Bangladeshi African Asian Western Eastern Middle Gulf""".split())


def _plausible_party(text: str, name: str, at: int) -> bool:
    words = name.split()
    if not words or len(name) < 3 or any(w.strip(".,") in _NOT_NAME for w in words):
        return False
    if at >= 0 and _TITLE_BEFORE.search(text[max(0, at - 30):at]):
        return False   # "CEO John Visentin": a person
    if _titled(text) and re.search(rf"{_TITLE_WORDS}\s+(?:[A-Z][\w.-]*\s+)?{re.escape(name)}\b", text):
        return False   # "President Donald Trump" once makes "Trump" a person everywhere
    if re.search(rf"(?<![\w-]){re.escape(name.lower())}(?![\w-])", text):
        return False   # the same words in lower case elsewhere: an ordinary phrase
    if len(words) == 1 and not re.search(rf"[^.!?\s“\"(]\s+{re.escape(name)}\b", text):
        return False   # one capitalised word only ever opening a sentence is no evidence of a name
    if name in _subdivisions() or all(_is_place(w) for w in words):
        return False   # a place ("California", "Germany"), not a party
    hits = find_markets(name)
    return not (hits and hits[0].start == 0 and hits[0].end >= len(name) - 1)


@functools.lru_cache(maxsize=1)
def _subdivisions() -> frozenset[str]:
    """States and provinces by name (pycountry's ISO 3166-2): "Montana" and "Bavaria" are places."""
    return frozenset(s.name for s in pycountry.subdivisions)


_SHORT_DROP = set(CORPORATE_SUFFIXES) | {"Airways", "Alliance", "Energies", "Brands", "Resources", "Mauritius",
                                         "Information", "International", "Global", "Services", "Solutions",
                                         "Sciences", "Science", "Products", "Development", "Investment", "Investments"}


def _short_form(surface: str) -> str | None:
    """'JetBlue Airways' is 'JetBlue' in later sentences; 'Spirit Airlines', 'Spirit'."""
    words = strip_corporate_suffix(surface).split()
    while len(words) > 1 and words[-1] in _SHORT_DROP:
        words = words[:-1]
    if len(words) > 1 and words[0] in _DEMONYM_WORDS:
        words = words[1:]   # "Saudi Aramco", then "Aramco"
    short = " ".join(words)
    if short == surface or len(short) < 3 or _is_place(short) or short in _NOT_NAME:
        return None
    return short
