"""RSS/Atom bytes -> the article links they list, with the title and date the feed gives for each.

The bytes are fetched by our polite client, never by feedparser (which would ignore robots.txt, the
address guard and the size limit). feedparser is lenient: a feed that is not well-formed but still
yields items is used, with the parser's complaint kept as a warning; one that yields nothing is an error.
"""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urljoin

import feedparser


@dataclass(frozen=True)
class FeedItem:
    url: str
    title: str | None = None
    published: str | None = None      # as the feed writes it


class FeedError(ValueError):
    """Bytes that are not a feed we can read."""


def parse_feed(body: bytes, url: str, content_type: str | None = None) -> tuple[list[FeedItem], str | None]:
    """The feed's items (absolute http(s) links only) and a warning when it was not well-formed."""
    headers = {"content-location": url}
    if content_type:
        headers["content-type"] = content_type
    doc = feedparser.parse(body, response_headers=headers)
    problem = f"{type(doc.get('bozo_exception')).__name__}: {doc.get('bozo_exception')}" if doc.get("bozo") else None
    if not doc.entries and not problem and not doc.get("version"):
        raise FeedError("not an RSS/Atom feed")
    items, seen = [], set()
    for entry in doc.entries:
        link = entry.get("link") or next((ln.get("href") for ln in entry.get("links", []) if ln.get("href")), None)
        if not link:
            continue
        link = urljoin(url, link.strip())
        if not link.startswith(("http://", "https://")) or link in seen:
            continue
        seen.add(link)
        items.append(FeedItem(link, (entry.get("title") or "").strip() or None,
                              entry.get("published") or entry.get("updated") or None))
    if problem and not items:                     # an empty but well-formed feed is fine; this is not
        raise FeedError(f"malformed feed: {problem}")
    warning = f"feed not well-formed, read leniently ({len(items)} items): {problem}" if problem else None
    return items, warning
