"""What every source kind hands to the ingest stage."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RawRecord:
    """One article as found: its body before any cleaning, and hints given outside the body."""
    url: str
    source_id: str
    body_format: str                  # html | text
    body: str
    title_hint: str | None = None
    published_hint: str | None = None
    content_type: str | None = None
    http_status: int | None = None


@dataclass(frozen=True)
class RecordError:
    """An input that could not be read; logged, never fatal to the run."""
    url: str
    source_id: str
    reason: str
