"""An article prepared for the fact extractors: sentences with the entities in each, and salience.

Salience answers "which app is 'it'" and "which country is 'the country'": the most recent entity of the
right kind in the few sentences before, the way a reader resolves them.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date

from newsintel.extract.companies import CompanyHit, CompanyMatcher
from newsintel.extract.markets import MarketHit, find_markets
from newsintel.extract.sentences import Sentence, split_sentences

# Places an app is sold from, not things that are banned or bought when they stand beside an app.
VENUE_IDS = {"google-play", "app-store", "apple-app-store", "google-play-store"}
_POSSESSIVE_GAP = re.compile(r"^[’']s?\s+(?:(?:[a-z-]+|[A-Z][a-z]+)\s+){0,3}$")


@dataclass
class SentenceView:
    sentence: Sentence
    companies: list[CompanyHit]
    markets: list[MarketHit]
    is_title: bool = False

    @property
    def text(self) -> str:
        return self.sentence.text

    @property
    def index(self) -> int:
        return self.sentence.index

    def parties(self) -> list[CompanyHit]:
        """Companies that can be banned or trade: no media cited as a source, no app stores as venues."""
        seen, out = set(), []
        for h in self.companies:
            if h.kind == "media" or h.company_id in VENUE_IDS or h.company_id in seen:
                continue
            seen.add(h.company_id)
            out.append(h)
        return out

    def place_markets(self) -> list[MarketHit]:
        """Markets named as places or governments, not as a company's nationality ("India's Reliance")."""
        out = []
        for m in self.markets:
            if m.dateline:
                continue
            nxt = [c for c in self.companies if c.start >= m.end]
            if nxt and _POSSESSIVE_GAP.match(self.text[m.end:nxt[0].start]) and self.text[m.end:m.end + 1] in "’'":
                continue
            out.append(m)
        return out


@dataclass
class ArticleContext:
    article_id: str
    published: date | None
    views: list[SentenceView]
    company_counts: Counter = field(default_factory=Counter)
    market_counts: Counter = field(default_factory=Counter)
    memo: dict = field(default_factory=dict)   # article-wide findings the extractors share, computed once

    def salient_company(self, index: int, prefer_kind: str | None = None, window: int = 3) -> CompanyHit | None:
        candidates = [h for v in self.views if index - window <= v.index < index for h in v.parties()]
        candidates += [h for v in self.views if v.index == index for h in v.parties()]
        if prefer_kind:
            kinded = [h for h in candidates if h.kind == prefer_kind]
            if kinded:
                return kinded[-1]
        return candidates[-1] if candidates else None

    def salient_market(self, index: int, window: int = 4) -> str | None:
        for v in reversed([v for v in self.views if index - window <= v.index < index]):
            places = v.place_markets()
            if places:
                return places[-1].market_id
        return self.top_market()

    def top_market(self) -> str | None:
        if not self.market_counts:
            return None
        (best, n), *rest = self.market_counts.most_common(2) + [(None, 0)]
        return best if n > rest[0][1] else None


def build_context(article_id: str, title: str | None, text: str, published: date | None,
                  matcher: CompanyMatcher) -> ArticleContext:
    sentences = split_sentences(text)
    views: list[SentenceView] = []
    if title:
        views.append(SentenceView(Sentence(-1, title.strip(), -1, -1), [], [], is_title=True))
    views += [SentenceView(s, [], []) for s in sentences]
    full = "\n".join(v.text for v in views)
    # Match on the whole article at once so that risky aliases can see the rest of the text.
    hits = matcher.find(full)
    markets = find_markets(full)
    offset = 0
    for v in views:
        end = offset + len(v.text)
        v.companies = [shift(h, -offset) for h in hits if offset <= h.start and h.end <= end]
        # a country inside an organisation's name ("America Movil", "Chappal Energies Mauritius Ltd") is its
        # nationality at most, not a market the story is about
        v.markets = [shift(m, -offset) for m in markets if offset <= m.start and m.end <= end
                     and not any(h.start <= m.start and m.end <= h.end for h in hits)]
        offset = end + 1
    ctx = ArticleContext(article_id, published, views)
    for v in views:
        ctx.company_counts.update(h.company_id for h in v.companies)
        ctx.market_counts.update(m.market_id for m in v.place_markets())
    return ctx


def shift(hit, delta: int):
    """A company or market hit with its offsets moved, for text cut out of a longer one."""
    return replace(hit, start=hit.start + delta, end=hit.end + delta)
