"""Main-text extraction: three extractors, merged by agreement.

No single extractor is right on every page: on the article-extraction
benchmark trafilatura keeps reader comments and "more stories" blocks on some
sites and stops halfway through long WIRED-style articles on others, while
readability finds the whole article container but drags in headlines,
captions and bylines. Their mistakes are mostly different, so:

1. trafilatura with ``favor_recall`` gives the base text (its order and
   paragraphing are the best);
2. a base paragraph is kept only if trafilatura ``favor_precision`` or
   readability also found (at least half of) it: text that neither
   precision-minded extractor wants is almost always comments or teasers;
3. when readability found substantially more article text than the base
   (>= 30 % more words, the "stopped halfway" failure), its extra paragraphs
   are spliced in at their position.

Measured on the benchmark this lifts F1 from 0.956 (trafilatura alone) to
about 0.97; see bench/bench_clean.py.
"""

from __future__ import annotations

import logging
import re
from copy import deepcopy

from lxml import etree
from trafilatura import bare_extraction
from trafilatura.xml import xmltotxt

from newsintel.clean._boiler import drop_boilerplate

log = logging.getLogger(__name__)

_WORD = re.compile(r"\w+")

# A base paragraph survives when this share of its 4-word shingles is also in
# the precision-minded text of another extractor.
KEEP_COVERAGE = 0.5
# Readability's extra paragraphs are added when they amount to this share of
# the base's words; below it they are mostly captions and bylines.
RECALL_REPAIR_SHARE = 0.3


def extract_body(tree, url: str | None, title: str | None = None) -> str:
    """Article body, one paragraph per line ("" when none was found).

    Reader comments are left out; tables inside the article are kept (they
    hold earnings figures and the like, and people annotating article text
    include them), tables elsewhere are dropped with the rest of the page."""
    _strip_invisible(tree)
    recall = _trafilatura(tree, url, favor_recall=True)
    precision = _trafilatura(tree, url, favor_precision=True)
    readable = _readability(tree)
    lines = merge(recall, precision, readable)
    if title:
        lines = _drop_headline(lines, title)
    return "\n".join(lines)


def _drop_headline(lines: list[str], title: str) -> list[str]:
    """The headline repeated inside the body is not body text.

    Matches the whole title anywhere, or most of it in the lines before the
    first real paragraph (kickers and "Title | Section" variants)."""
    t = " ".join(_tokens(title))
    if not t:
        return lines
    n_title = len(t.split())
    out = []
    lead = True
    for line in lines:
        toks = _tokens(line)
        k = " ".join(toks)
        if k == t:
            continue
        if lead and toks and len(toks) >= 0.6 * n_title and f" {k} " in f" {t} ":
            continue
        if len(toks) >= 12:
            lead = False
        out.append(line)
    return out


_INVISIBLE_TAGS = ("script", "style", "noscript", "template", "svg", "iframe",
                   "link", "meta", "object", "embed", "canvas")


def _strip_invisible(tree) -> None:
    """Drop what no extractor reads, once, before each of them copies the tree.

    Scripts and inline SVG are often half of a news page's nodes; every
    extractor would otherwise deep-copy and then delete them again. Mutates
    the tree, so metadata (JSON-LD lives in <script>) must be read first."""
    head = tree.find("head")
    if head is not None:
        head.drop_tree()
    etree.strip_elements(tree, *_INVISIBLE_TAGS, with_tail=False)


def _trafilatura(tree, url: str | None, **focus) -> list[str]:
    # fast=True: trafilatura's own fallbacks (its readability port, jusText)
    # are what the merge below replaces, and they double the cost.
    try:
        doc = bare_extraction(tree, url=url, fast=True, include_comments=False,
                              include_tables=True, with_metadata=False, **focus)
    except Exception:  # noqa: BLE001
        log.debug("trafilatura failed on %s", url, exc_info=True)
        return []
    if doc is None or doc.body is None:
        return []
    return _clean_lines(xmltotxt(doc.body, False).split("\n"))


def _readability(tree) -> list[str]:
    from newsintel.clean._readable import readable_lines
    try:
        return _clean_lines(readable_lines(tree))
    except Exception:  # noqa: BLE001
        log.debug("readability failed", exc_info=True)
        return []


_BULLET = re.compile(r"^[-•*]\s+")


def _clean_lines(lines) -> list[str]:
    out = []
    seen_long = set()
    for line in lines:
        line = _BULLET.sub("", line.strip())
        if not line:
            continue
        # Photo galleries repeat the same caption; a repeated long line is
        # never two real paragraphs. Short ones (table cells, "Step 2") can be.
        if len(line) > 60:
            if line in seen_long:
                continue
            seen_long.add(line)
        out.append(line)
    return drop_boilerplate(out)


# ---------------------------------------------------------------- merging

def _tokens(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def _shingles(tokens: list[str]) -> set[tuple[str, ...]]:
    return {tuple(tokens[i:i + 4]) for i in range(len(tokens) - 3)}


class _Doc:
    """One extractor's output, indexed for 'is this paragraph in there?'."""

    def __init__(self, paras: list[str]):
        self.paras = paras
        self.tokens = [_tokens(p) for p in paras]
        self.shingles: set[tuple[str, ...]] = set()
        for toks in self.tokens:
            self.shingles |= _shingles(toks)
        # whole-text shingles too, so that paragraphs split differently by
        # two extractors still match across the boundary
        flat = [t for toks in self.tokens for t in toks]
        self.shingles |= _shingles(flat)
        self.flat = " " + " ".join(flat) + " "
        self.n_words = len(flat)

    def coverage(self, toks: list[str]) -> float:
        if not toks:
            return 0.0
        if len(toks) < 4:  # too short for shingles: exact phrase match
            return 1.0 if f" {' '.join(toks)} " in self.flat else 0.0
        sh = _shingles(toks)
        return len(sh & self.shingles) / len(sh)


def merge(base: list[str], precision: list[str], readable: list[str]) -> list[str]:
    if not base:
        # trafilatura found nothing: readability alone beats an empty page
        return readable or precision
    b, p, r = _Doc(base), _Doc(precision), _Doc(readable)
    kept = [i for i, toks in enumerate(b.tokens)
            if (p.n_words == 0 and r.n_words == 0)
            or max(p.coverage(toks), r.coverage(toks)) >= KEEP_COVERAGE]
    out = [base[i] for i in kept]
    if not out:
        # the others disagree with everything: keep the base rather than
        # return nothing for a page trafilatura found text on
        out = list(base)
    if not r.paras:
        return out
    extra = [j for j, toks in enumerate(r.tokens) if b.coverage(toks) < KEEP_COVERAGE]
    extra_words = sum(len(r.tokens[j]) for j in extra)
    if extra and extra_words >= RECALL_REPAIR_SHARE * max(b.n_words, 1):
        out = _splice(out, [(j, readable[j]) for j in extra], r)
    return out


def _splice(out: list[str], extra: list[tuple[int, str]], r: _Doc) -> list[str]:
    """Insert readability-only paragraphs after the kept paragraph that
    precedes them in readability's order, so the text still reads in order."""
    where: dict[tuple[str, ...], int] = {}
    for i, para in enumerate(out):
        for sh in _shingles(_tokens(para)):
            where.setdefault(sh, i)
    extra_idx = dict(extra)
    inserts: dict[int, list[str]] = {}
    last_anchor = -1
    for j, toks in enumerate(r.tokens):
        if j in extra_idx:
            inserts.setdefault(last_anchor, []).append(extra_idx[j])
            continue
        hits = [where[sh] for sh in _shingles(toks) if sh in where]
        if hits:
            last_anchor = max(last_anchor, max(set(hits), key=hits.count))
    merged = list(inserts.get(-1, []))
    for i, para in enumerate(out):
        merged.append(para)
        merged.extend(inserts.get(i, []))
    return merged
