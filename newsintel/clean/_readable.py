"""readability-lxml, adapted to run on our already-parsed tree.

Used as the second opinion in the body merge (see _body). Two adaptations:
the tree is copied before every readability pass (readability mutates it,
and its lenient retry must start from the pristine page, not from what the
ruthless pass left), and headlines, figures, captions and bylines are
removed first because readability keeps them and they are not body text.
"""

from __future__ import annotations

import logging
import re
from copy import deepcopy

import lxml.html
from lxml import etree
from readability import Document

logging.getLogger("readability").setLevel(logging.CRITICAL)
logging.getLogger("readability.readability").setLevel(logging.CRITICAL)

_NOT_BODY = etree.XPath(
    "//figure|//figcaption|//h1|//aside|//nav|//footer"
    "|//*[contains(@class,'dateline') or contains(@class,'byline') or contains(@class,'credit')]"
)

_HIDDEN = etree.XPath(
    "//*[@hidden]|//*[contains(translate(@style,' ',''),'display:none')]"
)

_BLOCK = frozenset({
    "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "blockquote",
    "pre", "table", "tr", "td", "th", "section", "article", "header", "footer",
    "figure", "figcaption", "dd", "dt", "dl", "main", "aside", "form", "center",
    "address", "br", "hr",
})
_SKIP = frozenset({"script", "style", "noscript", "template", "svg", "button",
                   "select", "textarea", "iframe"})
_HSPACE = re.compile(r"[^\S\n]+")


class _TreeDocument(Document):
    def __init__(self, tree):
        super().__init__("<html></html>")
        self._pristine = tree

    def _parse(self, input):
        # Replaces readability's own _parse, whose lxml Cleaner pass (rewriting
        # every link to strip javascript:) costs a third of its run time and
        # changes no text; scripts and styles are already gone (see _body).
        doc = deepcopy(self._pristine)
        for el in _NOT_BODY(doc):
            if el.getparent() is not None:
                el.drop_tree()
        for el in _HIDDEN(doc):
            if el.getparent() is not None:
                el.drop_tree()
        return doc


def readable_lines(tree) -> list[str]:
    html = _TreeDocument(tree).summary(html_partial=True)
    if not html:
        return []
    node = lxml.html.fragment_fromstring(html, create_parent="div")
    return html_to_lines(node)


def html_to_lines(root) -> list[str]:
    """Visible text with one line per block element.

    Iterative (iterwalk) rather than recursive: deeply nested junk markup
    must not hit Python's recursion limit."""
    out: list[str] = []
    skipping = 0
    for event, el in etree.iterwalk(root, events=("start", "end")):
        tag = el.tag if isinstance(el.tag, str) else ""
        if event == "start":
            if skipping or tag in _SKIP:
                skipping += 1
                continue
            if tag in _BLOCK:
                out.append("\n")
            if el.text and tag:
                out.append(el.text)
        else:
            if skipping:
                skipping -= 1
                if skipping:
                    continue
            elif tag in _BLOCK:
                out.append("\n")
            if el.tail and el is not root:
                out.append(el.tail)
    lines = (_HSPACE.sub(" ", ln).strip() for ln in "".join(out).split("\n"))
    return [ln for ln in lines if ln]
