"""Page metadata (title, authors, date, canonical URL, declared language).

Hand-written instead of trafilatura's ``extract_metadata`` because that one
runs htmldate's exhaustive date search, which costs more than the whole body
extraction; news pages almost always declare what we need in a handful of
well-known places, so we read those in order of reliability.
"""

from __future__ import annotations

import html
import json
import re
import warnings
from datetime import datetime, timezone
from typing import Any, Iterable, Iterator
from urllib.parse import urljoin, urlsplit

from dateutil import parser as _dateparser

# Article-like schema.org types: their datePublished/headline/author describe
# the page itself, unlike WebSite/Organization/BreadcrumbList blocks.
_ARTICLE_TYPES = {
    "article", "newsarticle", "reportagenewsarticle", "analysisnewsarticle",
    "opinionnewsarticle", "backgroundnewsarticle", "reviewnewsarticle",
    "blogposting", "socialmediaposting", "liveblogposting", "techarticle",
    "scholarlyarticle", "report", "webpage", "creativework", "review",
    "medicalwebpage", "itempage", "satiricalarticle", "advertisercontentarticle",
}

_DATE_META = (
    # property/name/itemprop values, most specific first
    "article:published_time", "og:article:published_time", "article.published",
    "og:published_time", "published_time", "datepublished", "parsely-pub-date",
    "sailthru.date", "pubdate", "publishdate", "publish-date", "publish_date",
    "date.published", "dc.date.issued", "dcterms.issued", "dc.date.created",
    "dcterms.created", "article:published", "citation_publication_date",
    "citation_date", "originalpublicationdate", "displaydate", "date",
    "dc.date", "dcterms.date", "cxenseparse:recs:publishtime",
    "rnews:datepublished",
)
_MODIFIED_META = ("og:updated_time", "article:modified_time", "datemodified", "last-modified")
_DATE_RANK = {k: i for i, k in enumerate(_DATE_META)}

_AUTHOR_META = (
    "author", "article:author", "parsely-author", "sailthru.author",
    "dc.creator", "dcterms.creator", "byl", "citation_author", "og:article:author",
    "twitter:creator", "cxenseparse:author",
)
_AUTHOR_RANK = {k: i for i, k in enumerate(_AUTHOR_META)}

_TITLE_META = ("og:title", "twitter:title", "parsely-title", "sailthru.title",
               "dc.title", "headline", "title")
_TITLE_RANK = {k: i for i, k in enumerate(_TITLE_META)}

_URL_DATE = re.compile(
    r"/((?:19|20)\d\d)[/_-]?(0[1-9]|1[0-2])[/_-]?(0[1-9]|[12]\d|3[01])(?:/|[_-]|\.html?|$)"
)
_URL_DATE_MON = re.compile(
    r"/((?:19|20)\d\d)/(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*/(0?[1-9]|[12]\d|3[01])/",
    re.IGNORECASE,
)
_MONTHS = {m: i for i, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1)}
_SPACES = re.compile(r"\s+")
_BY = re.compile(r"^\s*(?:(?:analysis|opinion|commentary|review|story|text|words|reporting)\s+by|"
                 r"by|von|par|por|di|door|av|от|автор[:]?|written by|posted by)\s*[:\-]?\s+",
                 re.IGNORECASE)
# Conjunctions only as whole lower-case words between spaces: "Sarah E. Needleman"
# must not split on the Portuguese "e".
_AUTHOR_SPLIT = re.compile(r"\s*(?:,|;|\||&|\s/\s)\s*|\s+(?:and|And|AND|und|et|y|e|и|ve)\s+")
_NOT_A_NAME = re.compile(
    r"https?:|www\.|@|\.com\b|\d{3,}|staff|reporter$|correspondent$|editor$|"
    r"\bnews\b|\bpress\b|associated|reuters|bloomberg|agency|contributor$|"
    r"\bupdated\b|\bpublished\b|\bminutes?\b|\bread\b|\bwriter\b|\bauthor\b|\bstaff\b|"
    r"\bdesk\b|\bteam\b|\bbusiness\b|\bmedia\b|\bmagazine\b|\bonline\b|\bdigital\b|\bnetwork\b|"
    r"\bgroup\b|\binsider\b|\bchannel\b|\bjournal\b|\bnewsroom\b|\bsyndicated\b|\beditors?\b|\bguest\b|\badmin\b|^гость$|\bredaksi\b|\bredaction\b|\bredazione\b",
    re.IGNORECASE,
)
_TITLE_SEPARATORS = re.compile(r"\s+(?:\||[-–—]|::|»|·|•)\s+")

_MIN_YEAR = 1990
_HAS_YEAR = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)")


def _norm(s: str | None) -> str:
    """One-line text; entities decoded because JSON-LD and some CMS metas
    carry them double-escaped ("&#8216;")."""
    s = s or ""
    if "&" in s:
        s = html.unescape(s)
    return _SPACES.sub(" ", s).strip()


def _meta_pairs(tree) -> Iterator[tuple[str, str]]:
    """Yield (lower-cased key, content) for every <meta> that carries a value.

    Sites disagree on whether the key sits in property, name or itemprop, so
    every one of them is reported."""
    for m in tree.iter("meta"):
        content = m.get("content")
        if content is None:
            content = m.get("value")
        if not content or not content.strip():
            continue
        for attr in ("property", "name", "itemprop", "http-equiv"):
            key = m.get(attr)
            if key:
                yield key.strip().lower(), content.strip()


# --------------------------------------------------------------------- JSON-LD

def _jsonld_objects(tree) -> list[dict]:
    """Flatten every JSON-LD block (lists, @graph, nested mainEntity) to dicts."""
    out: list[dict] = []
    for script in tree.iter("script"):
        if (script.get("type") or "").strip().lower() != "application/ld+json":
            continue
        raw = script.text or ""
        if not raw.strip():
            continue
        raw = raw.strip()
        # CMSes wrap JSON in HTML comments or CDATA and leave trailing commas.
        raw = re.sub(r"^\s*(?://)?\s*<!\[CDATA\[|\]\]>\s*$|^<!--|-->$", "", raw).strip()
        try:
            data = json.loads(raw, strict=False)
        except ValueError:
            try:
                data = json.loads(re.sub(r",\s*([}\]])", r"\1", raw), strict=False)
            except ValueError:
                continue
        _flatten(data, out, 0)
    return out


def _flatten(data: Any, out: list[dict], depth: int) -> None:
    if depth > 4:
        return
    if isinstance(data, list):
        for item in data:
            _flatten(item, out, depth + 1)
    elif isinstance(data, dict):
        out.append(data)
        graph = data.get("@graph")
        if graph is not None:
            _flatten(graph, out, depth + 1)
        main = data.get("mainEntity") or data.get("mainEntityOfPage")
        if isinstance(main, dict) and ("datePublished" in main or "headline" in main):
            _flatten(main, out, depth + 1)


def _types(obj: dict) -> set[str]:
    t = obj.get("@type")
    if isinstance(t, str):
        return {t.lower()}
    if isinstance(t, list):
        return {x.lower() for x in t if isinstance(x, str)}
    return set()


def _article_objects(objs: list[dict]) -> list[dict]:
    """Article-typed objects first (NewsArticle beats WebPage)."""
    def rank(o: dict) -> int:
        ts = _types(o)
        if ts & {"newsarticle", "article", "reportagenewsarticle", "blogposting",
                 "analysisnewsarticle", "opinionnewsarticle", "liveblogposting"}:
            return 0
        if ts & _ARTICLE_TYPES:
            return 1 if "webpage" not in ts else 2
        return 3
    ranked = sorted(((rank(o), i, o) for i, o in enumerate(objs)), key=lambda x: x[:2])
    return [o for r, _, o in ranked if r < 3]


# ------------------------------------------------------------------ dates

def parse_date(value: str | None) -> datetime | None:
    """Parse a machine-ish date to naive UTC; None when absent or implausible.

    Naive inputs are taken as UTC: we have no better guess, and shifting them
    by the server's local zone would make results machine-dependent."""
    if not value:
        return None
    value = _norm(str(value))
    if not value or len(value) > 64:
        return None
    if value.isdigit() and len(value) in (10, 13):  # epoch seconds / ms
        try:
            ts = int(value) / (1000 if len(value) == 13 else 1)
            dt = datetime.fromtimestamp(ts, tz=timezone.utc)
        except (OverflowError, OSError, ValueError):
            return None
    else:
        try:
            dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            dt = _loose_parse(value)
    if dt is None:
        return None
    if dt.tzinfo is not None:
        try:
            dt = dt.astimezone(timezone.utc).replace(tzinfo=None)
        except (OverflowError, ValueError):
            return None
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    if dt.year < _MIN_YEAR or (dt - now).days > 2:
        return None
    return dt


# US zone abbreviations news sites print ("Nov. 19, 2019 5:03 pm EST");
# dateutil knows none of them by itself.
_TZINFOS = {
    "EST": -5 * 3600, "EDT": -4 * 3600, "CST": -6 * 3600, "CDT": -5 * 3600,
    "MST": -7 * 3600, "MDT": -6 * 3600, "PST": -8 * 3600, "PDT": -7 * 3600,
    "GMT": 0, "UTC": 0, "BST": 3600, "CET": 3600, "CEST": 7200, "IST": 19800,
    "MSK": 3 * 3600, "JST": 9 * 3600, "KST": 9 * 3600, "AEST": 10 * 3600,
    "AEDT": 11 * 3600, "WIB": 7 * 3600, "ET": -5 * 3600, "PT": -8 * 3600,
}


def _loose_parse(value: str) -> datetime | None:
    # Without a year dateutil silently fills in today's: no date beats a wrong one.
    if not _HAS_YEAR.search(value):
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for fuzzy in (False, True):
            try:
                return _dateparser.parse(value, fuzzy=fuzzy, tzinfos=_TZINFOS)
            except (ValueError, OverflowError, TypeError, LookupError, AttributeError):
                continue
    return None


def _url_date(url: str | None) -> datetime | None:
    if not url:
        return None
    path = urlsplit(url).path
    m = _URL_DATE.search(path)
    if m:
        try:
            return datetime(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            return None
    m = _URL_DATE_MON.search(path)  # /2019/nov/18/ (Guardian, PolitiFact)
    if m:
        try:
            return datetime(int(m.group(1)), _MONTHS[m.group(2).lower()[:3]], int(m.group(3)))
        except (KeyError, ValueError):
            return None
    return None


def find_date(tree, metas: list[tuple[str, str]], ld: list[dict], url: str | None) -> datetime | None:
    """Publication date, most reliable source first.

    Order: JSON-LD datePublished, publication metas, <time> marked as the
    publication time, the first <time>, a date in the URL path, htmldate,
    and only then modification dates (better than nothing for a newsroom
    that wants a day, worse than any of the above)."""
    url_dt = _url_date(url)
    found = _declared_date(tree, metas, ld)
    if found is not None:
        return found
    time_dt = _time_element_date(tree)
    if time_dt is not None:
        # the first <time> on a page can be a sidebar's; a URL date that
        # disagrees by days is the better witness
        if url_dt is None or abs((time_dt - url_dt).days) <= 2:
            return time_dt
    return url_dt or _htmldate(tree, url) or _modified_date(metas, ld)


def _declared_date(tree, metas: list[tuple[str, str]], ld: list[dict]) -> datetime | None:
    for obj in _article_objects(ld):
        for key in ("datePublished", "dateCreated", "uploadDate"):
            dt = parse_date(_scalar(obj.get(key)))
            if dt:
                return dt
    # any other typed object that says when it was published (ClaimReview, Event...)
    for obj in ld:
        if not (_types(obj) & {"website", "organization", "newsmediaorganization", "person",
                               "breadcrumblist", "imageobject", "videoobject"}):
            dt = parse_date(_scalar(obj.get("datePublished")))
            if dt:
                return dt
    best: tuple[int, datetime] | None = None
    for key, content in metas:
        rank = _DATE_RANK.get(key)
        if rank is None or (best is not None and rank >= best[0]):
            continue
        dt = parse_date(content)
        if dt:
            best = (rank, dt)
    if best is not None:
        return best[1]
    for el in tree.iter("time"):
        if el.get("pubdate") is not None or (el.get("itemprop") or "").lower() == "datepublished":
            dt = parse_date(el.get("datetime") or el.text_content())
            if dt:
                return dt
    for el in tree.xpath('//*[@itemprop="datePublished"][not(self::meta)]'):
        dt = parse_date(el.get("content") or el.get("datetime") or el.text_content())
        if dt:
            return dt
    return None


def _time_element_date(tree) -> datetime | None:
    for el in tree.iter("time"):
        dt = parse_date(el.get("datetime"))
        if dt:
            return dt
    return None


def _modified_date(metas: list[tuple[str, str]], ld: list[dict]) -> datetime | None:
    for obj in _article_objects(ld):
        dt = parse_date(_scalar(obj.get("dateModified")))
        if dt:
            return dt
    for key, content in metas:
        if key in _MODIFIED_META:
            dt = parse_date(content)
            if dt:
                return dt
    return None


def _htmldate(tree, url: str | None) -> datetime | None:
    """htmldate knows many CMS-specific spots (hidden inputs, data layers,
    bylines in text). It costs ~4 ms a page, so it only runs when the
    standard places are empty (about one page in ten). It works on a copy."""
    try:
        from htmldate import find_date as htmldate_find
        found = htmldate_find(tree, url=url, original_date=True, extensive_search=False,
                              outputformat="%Y-%m-%d")
    except Exception:
        return None
    return parse_date(found) if found else None


# ----------------------------------------------------------------- authors

def _scalar(v: Any) -> str | None:
    if isinstance(v, list):
        v = v[0] if v else None
    if isinstance(v, dict):
        v = v.get("@value") or v.get("name")
    if isinstance(v, (str, int, float)):
        return str(v)
    return None


def _names_from_ld(v: Any) -> list[str]:
    if isinstance(v, str):
        return [v]
    if isinstance(v, dict):
        types = _types(v)
        if types & {"organization", "newsmediaorganization"}:
            return []
        name = v.get("name")
        if isinstance(name, list):
            return [n for n in name if isinstance(n, str)]
        if isinstance(name, str):
            return [name]
        return []
    if isinstance(v, list):
        out: list[str] = []
        for item in v:
            out.extend(_names_from_ld(item))
        return out
    return []


def clean_author_names(raw: Iterable[str]) -> list[str]:
    """Split bylines into person names, dropping roles, outlets and URLs."""
    out: list[str] = []
    seen: set[str] = set()
    for value in raw:
        value = _norm(value)
        if not value:
            continue
        if "://" in value or value.startswith("www.") or "@" in value:
            continue  # profile URLs and e-mail addresses, not names
        value = _BY.sub("", value)
        value = re.sub(r"\s*[|(\[].*$", "", value)       # "Name | Reuters", "Name (AP)"
        for part in _AUTHOR_SPLIT.split(value):
            part = _BY.sub("", _norm(part)).strip(" .:-–—")
            if not part or len(part) < 3 or len(part) > 60:
                continue
            if _NOT_A_NAME.search(part):
                continue
            words = part.split()
            if len(words) > 5 or not any(ch.isalpha() for ch in part):
                continue
            if part.isupper() or part.islower():
                part = part.title()
            key = part.casefold()
            if key not in seen:
                seen.add(key)
                out.append(part)
    return out


# Wire services and credentials that fill author fields but are not people.
_NOT_PERSONS = frozenset("""
ap afp pti ians ani upi dpa xinhua tass ria bernama yonhap kyodo efe ansa reuters bloomberg
cnn bbc nbc cbs abc fox npr wire wires agencies agency editorial staff admin administrator
rdn rd md phd mph cpt cscs np rn do dds
""".split())


def find_authors(tree, metas: list[tuple[str, str]], ld: list[dict],
                 url: str | None = None) -> tuple[str, ...]:
    sites = _site_names(metas, ld)
    compact = {re.sub(r"\W+", "", n) for n in sites}
    host = re.sub(r"[^a-z0-9]", "", (urlsplit(url).hostname or "").lower()) if url else ""

    def is_person(name: str) -> bool:
        folded = name.casefold()
        squeezed = re.sub(r"\W+", "", folded)
        if folded in sites or squeezed in compact or squeezed in _NOT_PERSONS:
            return False
        if any(w in _NOT_PERSONS for w in folded.split()) and len(folded.split()) <= 2 \
                and not any(w not in _NOT_PERSONS and len(w) > 2 for w in folded.split()):
            return False
        # an "author" that is part of the host name is the site itself
        if host and len(squeezed) >= 3 and squeezed in host and (" " not in name or len(squeezed) >= 8):
            return False
        return True

    def clean(raw: Iterable[str]) -> list[str]:
        return [n for n in clean_author_names(raw) if is_person(n)]

    for obj in _article_objects(ld):
        names = clean(_names_from_ld(obj.get("author") or obj.get("creator")))
        if names:
            return tuple(names)
    ranked = sorted(
        ((_AUTHOR_RANK[k], i, v) for i, (k, v) in enumerate(metas) if k in _AUTHOR_RANK),
        key=lambda x: x[:2],
    )
    if ranked:
        best_rank = ranked[0][0]
        names = clean(v for r, _, v in ranked if r == best_rank)
        if not names:
            names = clean(v for r, _, v in ranked)
        if names:
            return tuple(names)
    byline = []
    for el in tree.xpath(
        '//*[@rel="author" or @itemprop="author" or contains(@class,"byline__name") '
        'or contains(@class,"author-name") or contains(@class,"author__name")]'
    )[:6]:
        inner = el.xpath('.//*[@itemprop="name"]')
        byline.append((inner[0] if inner else el).text_content())
    # Bylines in page markup also hold datelines ("Washington") and roles;
    # from there only full names (two words or more) are taken.
    return tuple(n for n in clean(byline) if " " in n)


# ------------------------------------------------------------------- title

def _site_names(metas: list[tuple[str, str]], ld: list[dict]) -> set[str]:
    names = {_norm(v) for k, v in metas
             if k in ("og:site_name", "application-name", "twitter:site", "publisher",
                      "article:publisher", "apple-mobile-web-app-title")}
    for obj in ld:
        ts = _types(obj)
        if ts & {"website", "organization", "newsmediaorganization"} and isinstance(obj.get("name"), str):
            names.add(_norm(obj["name"]))
        pub = obj.get("publisher")
        if isinstance(pub, dict) and isinstance(pub.get("name"), str):
            names.add(_norm(pub["name"]))
    return {n.lstrip("@").casefold() for n in names if n}


def _clean_title(title: str, site_names: set[str]) -> str:
    """Drop the " | Site Name" part that <title> and og:title often carry.

    A piece is dropped when it is a known site name, or when it is short next
    to the rest (the headline is the long piece)."""
    parts = [p.strip() for p in _TITLE_SEPARATORS.split(title) if p.strip()]
    if len(parts) < 2:
        return title
    compact = {re.sub(r"\W+", "", n) for n in site_names}
    def is_site(p: str) -> bool:
        c = p.casefold()
        return c in site_names or re.sub(r"\W+", "", c) in compact
    while len(parts) > 1 and is_site(parts[-1]):
        parts.pop()
    while len(parts) > 1 and is_site(parts[0]):
        parts.pop(0)
    if len(parts) > 1:
        rest = sum(len(p) for p in parts[:-1])
        if len(parts[-1]) <= 30 and len(parts[-1]) * 2 < rest:
            parts.pop()
    if len(parts) == 2 and len(parts[0]) <= 25 and len(parts[0]) * 2 < len(parts[1]) \
            and not title.startswith(parts[0] + ":"):
        parts.pop(0)
    return " - ".join(parts) if len(parts) > 1 else parts[0]


def find_title(tree, metas: list[tuple[str, str]], ld: list[dict]) -> str | None:
    site_names = _site_names(metas, ld)
    h1s = []
    for h in tree.iter("h1"):
        t = _norm(h.text_content())
        if 5 <= len(t) <= 300:
            h1s.append(t)
    candidates = []
    for obj in _article_objects(ld):
        headline = _norm(_scalar(obj.get("headline")))
        if headline:
            candidates.append(headline)
            break
    ranked = sorted(
        ((_TITLE_RANK[k], i, v) for i, (k, v) in enumerate(metas) if k in _TITLE_RANK),
        key=lambda x: x[:2],
    )
    candidates += [_norm(v) for _, _, v in ranked]
    title_el = tree.find(".//title")
    if title_el is not None:
        candidates.append(_norm(title_el.text_content()))
    for cand in candidates:
        if not cand:
            continue
        # an <h1> found inside the meta title is the bare headline
        for h in h1s:
            if h == cand or (len(h) >= 0.5 * len(cand) and h in cand):
                return h
        return _clean_title(cand, site_names)
    return h1s[0] if h1s else None


# ------------------------------------------------------------ canonical url

def find_canonical(tree, metas: list[tuple[str, str]], url: str | None) -> str | None:
    base = url
    page_path = urlsplit(url).path if url else ""
    base_el = tree.find(".//base")
    if base_el is not None and base_el.get("href"):
        base = urljoin(url or "", base_el.get("href").strip())
    candidates = []
    for link in tree.iter("link"):
        rel = (link.get("rel") or "").lower().split()
        if "canonical" in rel and link.get("href"):
            candidates.append(link.get("href"))
    candidates += [v for k, v in metas if k == "og:url"]
    for href in candidates:
        href = href.strip()
        if not href or href.startswith(("javascript:", "data:", "#")):
            continue
        absolute = urljoin(base or "", href) if base else href
        if absolute.startswith("//"):
            absolute = "https:" + absolute
        parts = urlsplit(absolute)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            continue
        # A template bug points every article's canonical at the home page;
        # taken at face value it would merge a whole site into one article.
        if page_path not in ("", "/") and parts.path in ("", "/") and not parts.query:
            continue
        return absolute
    return None


# ---------------------------------------------------------------- language

_LANG_RE = re.compile(r"^([a-zA-Z]{2,3})(?:[-_].*)?$")
_ISO3_TO_1 = {"eng": "en", "rus": "ru", "deu": "de", "ger": "de", "fra": "fr",
              "fre": "fr", "spa": "es", "por": "pt", "ita": "it", "jpn": "ja",
              "kor": "ko", "zho": "zh", "chi": "zh", "ind": "id", "ukr": "uk",
              "pol": "pl", "nld": "nl", "dut": "nl", "tur": "tr", "ara": "ar"}


def declared_language(tree, metas: list[tuple[str, str]]) -> str | None:
    candidates = []
    root = tree.getroottree().getroot() if hasattr(tree, "getroottree") else tree
    for el in (root, tree.find(".//body")):
        if el is None:
            continue
        for attr in ("lang", "{http://www.w3.org/XML/1998/namespace}lang", "xml:lang"):
            if el.get(attr):
                candidates.append(el.get(attr))
    candidates += [v for k, v in metas if k in ("content-language", "language", "dc.language", "og:locale")]
    for c in candidates:
        m = _LANG_RE.match(c.strip().split(",")[0].strip())
        if not m:
            continue
        code = m.group(1).lower()
        if len(code) == 3:
            code = _ISO3_TO_1.get(code, "")
        if len(code) == 2:
            return code
    return None
