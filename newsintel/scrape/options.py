"""Each source's `politeness:` and `limits:` checked when the sources are loaded, before any run starts.

The options belong to the scrape stage (`limits.py`, `policy.py`), which builds on `newsintel.sources`; so the
stage checks them here, and the loader stays below the stages.
"""
from __future__ import annotations

from newsintel.scrape.limits import Limits
from newsintel.scrape.policy import Policy
from newsintel.sources import Source, SourcesError, load_sources


def check_options(sources: list[Source], path=None) -> list[Source]:
    """`sources` unchanged, or a SourcesError naming the source (by its place in the file) and the option."""
    for number, src in enumerate(sources, 1):
        where = f"{path}: source #{number}" if path is not None else f"source #{number}"
        try:
            Limits.from_source(src)
            if src.kind != "files":
                Policy.from_source(src)
        except SourcesError as exc:
            raise SourcesError(f"{where} ({src.id}): {str(exc).removeprefix(f'source {src.id}: ')}") from None
    return sources


def load_checked_sources(path) -> list[Source]:
    """The sources file read and every source's options checked: what a run starts from."""

    return check_options(load_sources(path), path)
