"""Sentence splitting tuned for news: abbreviations such as U.S., Inc. and Jan. do not end a sentence.

NLTK's punkt would do this better, but its model is a download; these rules cover business news.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

_ABBREVIATIONS = {
    "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "gen", "gov", "sen", "rep", "pres", "lt", "col", "capt",
    "inc", "ltd", "corp", "co", "plc", "llc", "bros", "no", "nos", "vs", "etc", "approx", "dept", "est",
    "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "rs", "fig",
    "e.g", "i.e", "u.s", "u.k", "u.n", "e.u", "u.s.a", "a.m", "p.m",
}
# A capitalised word that, after "U.S." and the like, starts a new sentence rather than continuing a name.
_SENTENCE_STARTERS = {
    "The", "It", "Its", "A", "An", "He", "She", "They", "We", "I", "In", "On", "At", "But", "And", "This", "That",
    "These", "Those", "There", "However", "Meanwhile", "Since", "After", "Before", "Last", "Earlier", "Later",
    "According", "As", "While", "If", "When", "Now", "For", "With", "Both", "Neither", "Another", "Some", "Many",
}
_BOUNDARY = re.compile(r"""([.!?]+)(["”’')\]]*)(\s+)(?=["“‘(\[]?[A-Z0-9])""")
_TOKEN_BEFORE = re.compile(r"(\S+)$")


@dataclass(frozen=True)
class Sentence:
    index: int
    text: str
    start: int
    paragraph: int


def split_sentences(text: str) -> list[Sentence]:
    out: list[Sentence] = []
    offset = 0
    for p_index, para in enumerate(_paragraphs(text)):
        start_in_text = text.find(para, offset)
        offset = start_in_text + len(para)
        for s, e in _split_paragraph(para):
            chunk = para[s:e].strip()
            if chunk:
                out.append(Sentence(len(out), chunk, start_in_text + s, p_index))
    return out


def _paragraphs(text: str) -> list[str]:
    return [p.strip() for p in re.split(r"\n\s*\n|\n", text) if p.strip()]


def _split_paragraph(para: str) -> list[tuple[int, int]]:
    spans, start = [], 0
    for m in _BOUNDARY.finditer(para):
        before = _TOKEN_BEFORE.search(para[start:m.start(1)] + m.group(1)[:1])
        token = before.group(1) if before else ""
        word = token.rstrip(".!?").lstrip("(\"“‘'").lower()
        nxt = para[m.end():].split(" ", 1)[0].strip("\"“‘([")
        if m.group(1) == "." and not m.group(2):
            if word in _ABBREVIATIONS or re.fullmatch(r"(?:[a-z]\.)+[a-z]?", word):
                if not (word in {"u.s", "u.k", "e.u", "u.n", "inc", "ltd", "corp", "co", "plc", "llc", "etc"}
                        and nxt in _SENTENCE_STARTERS):
                    continue
            if re.fullmatch(r"[A-Z]", token.rstrip(".")):  # a middle initial: "John F. Kennedy"
                continue
        spans.append((start, m.end(2)))
        start = m.end()
    spans.append((start, len(para)))
    return spans
