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

On the article-extraction benchmark (bench/bench_clean.py) this lifts F1 from
0.955 (trafilatura 2.0 defaults) to 0.975, together with the line filters of
_boiler and the headline removal below. Readability, the slowest part, only
runs when it can change the outcome (see _needs_second_opinion).
"""

from __future__ import annotations

import logging
import re

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
# ... and only when readability's text contains this share of the base's words.
SUPERSET_SHARE = 0.6
# Element count above which a page gets the cheap treatment (see extract_body);
# benchmark news pages have at most ~2k elements once scripts are gone.
HUGE_TREE = 25_000


def extract_body(tree, url: str | None, title: str | None = None) -> str:
    """Article body, one paragraph per line ("" when none was found).

    Reader comments are left out; tables inside the article are kept (they
    hold earnings figures and the like, and people annotating article text
    include them), tables elsewhere are dropped with the rest of the page."""
    _strip_invisible(tree)
    n_nodes = _count_nodes(tree, HUGE_TREE + 1)
    if n_nodes > HUGE_TREE:
        _prune_link_blocks(tree)
        n_nodes = _count_nodes(tree, HUGE_TREE + 1)
    recall = _trafilatura(tree, url, favor_recall=True)
    if n_nodes > HUGE_TREE:
        # the second opinions would cost tens of seconds; the base alone is fine
        precision, readable = recall, []
    else:
        precision = _trafilatura(tree, url, favor_precision=True)
        readable = _readability(tree) if _needs_second_opinion(tree, recall, precision) else []
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
    title_n = " ".join(title.split())
    out = []
    lead = True
    for line in lines:
        toks = _tokens(line)
        k = " ".join(toks)
        if k == t:
            continue
        if lead and toks and len(toks) >= 0.6 * n_title and f" {k} " in f" {t} ":
            continue
        if lead and n_title >= 3 and len(line) > len(title_n) \
                and line[:len(title_n)].casefold() == title_n.casefold():
            # headline glued to the first paragraph by the page's markup
            line = line[len(title_n):].lstrip(" -–—:|.")
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
    # Whitespace tails go with the element: left behind they become runs of
    # adjacent text nodes, which slow libxml2's XPath down.
    for el in tree.iter(*_INVISIBLE_TAGS):
        if el.tail is not None and not el.tail.strip():
            el.tail = None
    etree.strip_elements(tree, *_INVISIBLE_TAGS, with_tail=False)


def _needs_second_opinion(tree, recall: list[str], precision: list[str]) -> bool:
    """Whether readability can change the result; it is the costliest step.

    When both trafilatura runs agree, readability's vote cannot remove
    anything (the precision run already vouches for every paragraph), so it
    only matters for recall repair, i.e. when the page holds much more
    paragraph text than trafilatura returned (WIRED-style multi-part bodies).
    Skips readability on about 60 % of news pages."""
    if recall != precision:
        return True
    long_p = 0
    for p in tree.iter("p"):
        n = len(p.text_content())
        if n >= 120:
            long_p += n
    extracted = sum(len(line) for line in recall)
    return extracted < 0.5 * long_p


def _count_nodes(tree, stop: int) -> int:
    n = 0
    for n, _ in enumerate(tree.iter(), 1):
        if n >= stop:
            break
    return n


_LINK_BLOCKS = ("div", "li", "span", "p", "td", "section", "article", "dd", "dt")


def _prune_link_blocks(tree) -> None:
    """Remove small blocks whose only text is a link (menus, link farms).

    Used on huge pages only: extractors spend time superlinear in the node
    count (trafilatura's tag conversion takes seconds at 100k nodes), and such
    pages are nearly always huge because of endless lists of links."""
    doomed = []
    for el in tree.iter(*_LINK_BLOCKS):
        text = el.text_content()
        if len(text) > 200 or not text.strip():
            continue
        if el.tail and el.tail.strip():
            continue  # its tail is running text of the parent
        link_text = sum(len(a.text_content()) for a in el.iter("a"))
        if link_text >= 0.9 * len(text.strip()):
            doomed.append(el)
    # One C-level pass. Dropping 10^5 siblings one by one is quadratic, and
    # keeping their whitespace tails would leave 10^5 adjacent text nodes that
    # make libxml2's XPath (used by trafilatura) quadratic too.
    for el in doomed:
        el.tag = "newsintel-drop"
    etree.strip_elements(tree, "newsintel-drop", with_tail=True)


def _trafilatura(tree, url: str | None, **focus) -> list[str]:
    # fast=True: trafilatura's own fallbacks (its readability port, jusText)
    # are what the merge below replaces, and they double the cost.
    try:
        doc = bare_extraction(tree, url=url, fast=True, include_comments=False,
                              include_tables=True, with_metadata=False, **focus)
        if doc is None or doc.body is None:
            return []
        text = xmltotxt(doc.body, False)  # recursive: may hit the recursion limit
    except (Exception, RecursionError):
        log.debug("trafilatura failed on %s", url, exc_info=True)
        return []
    return _clean_lines(text.split("\n"))


def _readability(tree) -> list[str]:
    try:
        from newsintel.clean._readable import readable_lines
    except ImportError:  # readability-lxml missing: degrade to trafilatura alone
        log.warning("readability-lxml is not installed; body extraction is less accurate",
                    exc_info=True)
        return []
    try:
        return _clean_lines(readable_lines(tree))
    except Exception:
        log.debug("readability failed", exc_info=True)
        return []


_BULLET = re.compile(r"^[-•*]\s+")


def _clean_lines(lines) -> list[str]:
    out = []
    seen_long = set()
    for line in lines:
        line = _BULLET.sub("", line.strip())
        if line.startswith("|") and line.endswith("|"):
            line = line.strip("| ")  # table row: cells stay " | "-separated
        if not line or (out and line == out[-1]):
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
        flat = [t for toks in self.tokens for t in toks]
        # shingles of the whole text, so that paragraphs split differently by
        # two extractors still match across the boundary
        self.shingles = _shingles(flat)
        self.flat = " " + " ".join(flat) + " "
        self.n_words = len(flat)
        self._para_shingles: list[set | None] = [None] * len(paras)

    def para_shingles(self, i: int) -> set:
        sh = self._para_shingles[i]
        if sh is None:
            sh = self._para_shingles[i] = _shingles(self.tokens[i])
        return sh

    def coverage_of(self, other: "_Doc", i: int) -> float:
        """Share of paragraph i of `other` that is also in this text."""
        toks = other.tokens[i]
        if not toks:
            return 0.0
        if len(toks) < 4:  # too short for shingles: exact phrase match
            return 1.0 if f" {' '.join(toks)} " in self.flat else 0.0
        sh = other.para_shingles(i)
        return len(sh & self.shingles) / len(sh)


def merge(base: list[str], precision: list[str], readable: list[str]) -> list[str]:
    if not base:
        # trafilatura found nothing: readability alone beats an empty page
        return readable or precision
    b, p, r = _Doc(base), _Doc(precision), _Doc(readable)
    if not p.n_words and not r.n_words:
        return list(base)
    out = []
    base_in_r = 0
    for i in range(len(base)):
        in_r = r.coverage_of(b, i) >= KEEP_COVERAGE if r.n_words else False
        base_in_r += len(b.tokens[i]) if in_r else 0
        if in_r or p.coverage_of(b, i) >= KEEP_COVERAGE:
            out.append(base[i])
    if not out:
        # the others disagree with everything: keep the base rather than
        # return nothing for a page trafilatura found text on
        out = list(base)
    # Recall repair only when readability found the same article and more;
    # when it picked a different block altogether it is the one mistaken.
    if not r.n_words or base_in_r < SUPERSET_SHARE * b.n_words:
        return out
    extra = [j for j in range(len(readable)) if b.coverage_of(r, j) < KEEP_COVERAGE]
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
