"""Bounds on what one input may cost, per source (`limits:` in the sources YAML), with sane defaults.

A 4 GB `.html.gz`, a 200 MB `.txt` or a million-word "article" must cost a logged note, not the run: bytes
are bounded when a file is read (before and while it inflates, never buffered whole), words when a
record is handed to ingest, so cleaning and extraction never see more than `max_words` words.

    - {id: x, kind: files, path: "in/**/*", limits: {max_bytes: 2000000, max_words: 20000}}

Web sources bound their bodies with `politeness.max_bytes` (same default) and the time per response
with `politeness.total_timeout_seconds`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, fields
from typing import Any

from newsintel.sources import Source, SourcesError, closest

MAX_LIMIT = 10 ** 12
_WORD = re.compile(r"\S+")
_HTML_TOKEN = re.compile(r"<(script|style)\b.*?</\1\s*>|<!--.*?-->|<[^>]*>|[^\s<]+", re.I | re.S)


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 8 * 1024 * 1024     # per file, and per body once inflated (the web's default too)
    max_words: int = 50_000              # per article; the longest long-reads are about 20,000 words

    @classmethod
    def from_source(cls, src: Source) -> "Limits":
        raw: Any = src.options.get("limits") or {}
        if not isinstance(raw, dict):
            raise SourcesError(f"source {src.id}: 'limits' must be a mapping")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(raw) - known)
        if unknown:
            hints = [f"{k} (did you mean {g}?)" if (g := closest(k, sorted(known))) else k for k in unknown]
            raise SourcesError(f"source {src.id}: unknown limits option(s) {', '.join(hints)}; "
                               f"known: {', '.join(sorted(known))}")
        for key, value in raw.items():
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_LIMIT:
                raise SourcesError(f"source {src.id}: limits.{key} must be a whole number from 1 to {MAX_LIMIT}, "
                                   f"got {value!r}")
        return cls(**raw)


def cap_words(body: str, body_format: str, max_words: int) -> tuple[str, int | None]:
    """The body cut after its `max_words`-th word, and the word count it had (None when within bounds).
    For HTML only text outside tags, scripts and styles counts; the cut keeps every tag before it
    (parsers close the rest)."""
    if len(body) <= max_words:               # every word takes at least one character and a separator
        return body, None
    if body_format != "html":
        words = 0
        for m in _WORD.finditer(body):
            words += 1
            if words == max_words:
                cut = m.end()
        if words <= max_words:
            return body, None
        return body[:cut], words
    words, cut = 0, None
    for m in _HTML_TOKEN.finditer(body):
        if body[m.start()] != "<":
            words += 1
            if words == max_words:
                cut = m.end()
    if words <= max_words or cut is None:
        return body, None
    return body[:cut], words
