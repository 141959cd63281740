"""One saved HTML page in, clean article text and metadata out.

The pipeline stores raw HTML and calls :func:`parse_html` once per page; every
later stage (fact extraction, dedup, language routing) works on the plain text
and metadata returned here, so this stage favours never failing over being
clever: any problem with the input yields an empty :class:`ParsedPage` and the
caller decides what to do with it.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime

# tldextract (imported by trafilatura's courlan) is kept offline by newsintel/__init__.py, imported first.
import lxml.html
from lxml import etree

from newsintel.clean import _meta
from newsintel.clean._body import extract_body
from newsintel.clean._lang import choose_language

__all__ = ["ParsedPage", "parse_html"]

log = logging.getLogger(__name__)

# trafilatura logs a warning for every page it judges too short; at pipeline
# scale that is noise, and we report emptiness through the return value.
logging.getLogger("trafilatura").setLevel(logging.CRITICAL)
logging.getLogger("htmldate").setLevel(logging.CRITICAL)

# Pages above this size are ad-laden SPAs or binary files; parsing them costs
# seconds each and the article, if any, sits in the first megabytes.
MAX_HTML_CHARS = 8_000_000


@dataclass(frozen=True)
class ParsedPage:
    text: str                   # clean body, paragraphs separated by "\n\n", NFC, boilerplate removed
    title: str | None
    authors: tuple[str, ...]
    published_at: datetime | None   # naive UTC, or None when unknown
    language: str | None        # ISO 639-1, e.g. "en"
    canonical_url: str | None   # from <link rel=canonical> / og:url, absolute


EMPTY = ParsedPage(text="", title=None, authors=(), published_at=None,
                   language=None, canonical_url=None)


def parse_html(html: str, url: str | None = None) -> ParsedPage:
    """Extract the article from one page; never raises.

    A broken page must not stop a batch of thousands, so every failure is
    logged at debug level and turned into an empty result."""
    try:
        return _parse(html, url)
    except Exception:
        log.debug("parse_html failed for %s", url, exc_info=True)
        return EMPTY


# ----------------------------------------------------------------- internals

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)


def _to_text(html) -> str:
    if isinstance(html, (bytes, bytearray)):
        from newsintel.charset import decode_html
        html = decode_html(bytes(html))
    if not isinstance(html, str):
        return ""
    if len(html) > MAX_HTML_CHARS:
        html = html[:MAX_HTML_CHARS]
    return html


def _load_tree(html: str):
    """Parse with lxml, or None when the input is not HTML at all."""
    if "<" not in html:
        return None
    # lxml refuses str input carrying an XML encoding declaration, and control
    # characters in binary junk make it abort the document early.
    html = _XML_DECL.sub("", html, count=1)
    html = _CONTROL.sub("", html)
    if not html.strip():
        return None
    try:
        tree = lxml.html.document_fromstring(html, parser=_PARSER)
    except (etree.ParserError, ValueError, TypeError):
        return None
    if tree is None or len(tree) == 0:
        return None
    return tree


_PARSER = lxml.html.HTMLParser(remove_comments=True, remove_pis=True,
                               collect_ids=False, default_doctype=False,
                               huge_tree=True)


def _parse(html, url: str | None) -> ParsedPage:
    html = _to_text(html)
    if not html.strip():
        return EMPTY
    tree = _load_tree(html)
    if tree is None:
        return EMPTY

    metas = _safe(lambda t: list(_meta._meta_pairs(t)), tree) or []
    ld = _safe(_meta._jsonld_objects, tree) or []

    title = _safe(_meta.find_title, tree, metas, ld)
    authors = _safe(_meta.find_authors, tree, metas, ld, url) or ()
    canonical = _safe(_meta.find_canonical, tree, metas, url)
    # a saved page (no URL of its own) still knows its address: its canonical URL's path may carry the date
    published = _safe(_meta.find_date, tree, metas, ld, url or canonical)
    declared = _safe(_meta.declared_language, tree, metas)

    # last: extract_body strips <head> and scripts from the tree in place
    text = normalize_text(_safe(extract_body, tree, url, title) or "")
    language = _safe(choose_language, declared, text)

    return ParsedPage(
        text=text,
        title=unicodedata.normalize("NFC", title) if title else None,
        authors=tuple(unicodedata.normalize("NFC", a) for a in authors),
        published_at=published,
        language=language,
        canonical_url=canonical,
    )


def _safe(fn, *args):
    """Metadata is best effort: one odd field must not lose the body."""
    try:
        return fn(*args)
    except Exception:
        log.debug("%s failed", fn.__name__, exc_info=True)
        return None


_INVISIBLE = re.compile(r"[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_HSPACE = re.compile(r"[^\S\n]+")


def normalize_text(text: str) -> str:
    """NFC, one space between words, blank line between paragraphs.

    Downstream matching compares strings, so invisible characters (zero-width
    spaces, soft hyphens) and odd spaces must not split words differently on
    two copies of the same story."""
    text = unicodedata.normalize("NFC", text)
    text = _INVISIBLE.sub("", text)
    paras = []
    for line in text.split("\n"):
        line = _HSPACE.sub(" ", line).strip()
        if line:
            paras.append(line)
    return "\n\n".join(paras)
