"""The `site` kind's discovery: which section pages, feeds and article links a news front page offers.

We use newspaper3k's own heuristics (its `Source` category finder and article-URL filter) but not its
downloader: `newspaper.build` fetches dozens of pages in parallel threads with no robots.txt, no delay
and no address guard, and memoizes seen URLs under $TMPDIR. Here every page is fetched by our polite
client, and what newspaper would memoize lives in the project's database (`fetch_state`, plus
`raw_pages` for what was stored). newspaper's `get_feed_urls` never matches (it searches for the literal
text `application\\/rss\\+xml`), so advertised feeds are read from `<link rel=alternate>` here.
"""
from __future__ import annotations

from functools import lru_cache
from urllib.parse import urljoin

FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/rdf+xml")


@lru_cache(maxsize=1)
def _newspaper():
    """Import newspaper without letting tldextract download the public suffix list at run time."""
    import tldextract.tldextract as tx
    if getattr(tx.TLD_EXTRACTOR, "_extractor", None) is None:
        tx.TLD_EXTRACTOR.suffix_list_urls = ()   # use its cache or bundled snapshot, as `make` does
    import newspaper
    from newspaper.source import Category
    return newspaper, Category


def _source(url: str):
    newspaper, _ = _newspaper()
    cfg = newspaper.Config()
    cfg.memoize_articles = False       # memo state is ours (fetch_state / raw_pages), not $TMPDIR's
    cfg.fetch_images = False
    return newspaper.Source(url, config=cfg)


def _categories(source, pages: dict[str, str]):
    _, Category = _newspaper()
    cats = []
    for url, html in pages.items():
        cat = Category(url)
        cat.html = html
        cat.doc = source.config.get_parser().fromstring(html)
        if cat.doc is not None:
            cats.append(cat)
    return cats


def section_urls(site_url: str, html: str) -> list[str]:
    """Section (category) pages linked from the front page, by newspaper's heuristics."""
    source = _source(site_url)
    source.html = html
    source.parse()
    if source.doc is None:
        return []
    return sorted(source.extractor.get_category_urls(source.url, source.doc))


def feed_urls(pages: dict[str, str]) -> list[str]:
    """Feeds the pages advertise with <link rel="alternate" type="application/rss+xml" href=...>."""
    found: list[str] = []
    source = None
    for url, html in pages.items():
        source = source or _source(url)
        doc = source.config.get_parser().fromstring(html)
        if doc is None:
            continue
        for link in doc.xpath("//link[@href]"):
            if (link.get("type") or "").strip().lower() in FEED_TYPES and \
                    "alternate" in (link.get("rel") or "").lower().split():
                href = urljoin(url, link.get("href").strip())
                if href.startswith(("http://", "https://")) and href not in found:
                    found.append(href)
    return found


def article_urls(site_url: str, pages: dict[str, str]) -> list[str]:
    """Links on the front and section pages that newspaper judges to be articles."""
    if not pages:
        return []
    source = _source(site_url)
    source.categories = _categories(source, pages)
    urls: list[str] = []
    for article in source.categories_to_articles():
        if article.url and article.url.startswith(("http://", "https://")) and article.url not in urls:
            urls.append(article.url)
    return urls
