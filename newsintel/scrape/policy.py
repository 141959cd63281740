"""How politely and how stubbornly a web source is fetched, read from the source's `politeness:` options.

One frozen object instead of loose keyword arguments, so that every part of the web reader (host gate,
client, retry loop, robots cache) agrees on the same numbers, and so a typo in the YAML is an error that
names the source rather than a silently ignored option. Defaults are those of a polite crawler; tests
set the delays to ~0.

    - {id: x, kind: feed, url: "https://example.com/feed", politeness: {delay_seconds: 2, max_attempts: 4}}
"""
from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import Any

from newsintel.sources import Source, SourcesError, closest

USER_AGENT = "newsintel/0.1 (+https://github.com/newsintel)"
ROBOTS_TOKEN = "newsintel"          # the product token matched against robots.txt User-agent lines


@dataclass(frozen=True)
class Policy:
    user_agent: str = USER_AGENT
    delay_seconds: float = 1.0              # at least this long between two requests to one host
    per_host_concurrency: int = 1           # requests in flight to one host
    workers: int = 4                        # requests in flight for one source, over all hosts
    timeout_seconds: float = 15.0           # connect timeout and read (between bytes) timeout
    total_timeout_seconds: float = 60.0     # one response, headers to last byte (stops slow drips)
    max_redirects: int = 5
    max_bytes: int = 8 * 1024 * 1024        # a page or feed larger than this is refused, never buffered
    max_attempts: int = 3                   # HTTP attempts for one URL in one run
    backoff_seconds: float = 1.0            # first wait between attempts in a run; doubles, with jitter
    backoff_max_seconds: float = 30.0
    retry_after_max_seconds: float = 60.0   # a longer Retry-After defers the URL to a later run instead
    retry_base_minutes: float = 15.0        # first wait before a later run retries; doubles per failed run
    retry_max_hours: float = 24.0
    give_up_after: int = 5                  # failed runs before a page URL is given up for good
    recheck_skipped_hours: float = 24.0     # robots-disallowed / refused hosts are looked at again after this
    robots_ttl_hours: float = 24.0          # how long a fetched robots.txt is trusted (RFC 9309: at most 24 h)
    crawl_delay_max_seconds: float = 30.0   # a robots.txt Crawl-delay is honoured up to this
    max_urls: int = 200                     # page fetches per source per run; the rest wait for the next run
    max_index_pages: int = 10               # site: section pages read per run to discover articles
    max_feeds: int = 5                      # site: advertised feeds read per run
    commit_every: int = 50                  # pages per committed batch: a crash loses at most this many
    max_wait_seconds: float = 900.0         # longest a run's pages wait for their host's politeness slot;
                                            # a page still waiting then is deferred to the next run

    @classmethod
    def from_source(cls, src: Source) -> "Policy":
        raw = src.options.get("politeness") or {}
        if not isinstance(raw, dict):
            raise SourcesError(f"source {src.id}: 'politeness' must be a mapping")
        known = {f.name: f for f in fields(cls)}
        unknown = sorted(set(raw) - set(known))
        if unknown:
            hints = [f"{k} (did you mean {g}?)" if (g := closest(k, sorted(known))) else k for k in unknown]
            raise SourcesError(f"source {src.id}: unknown politeness option(s) {', '.join(hints)}; "
                               f"known: {', '.join(sorted(known))}")
        values = {key: _checked(src.id, key, value, known[key].default) for key, value in raw.items()}
        return cls(**values)


# As strict as `limits:`: a number of the option's kind, finite, within bounds. A float option takes a
# whole number too; nothing else is converted (`"5"`, `true`, `.nan` and `.inf` are errors, not 5, 1 or
# a wait that never ends).
AT_LEAST_ONE = ("per_host_concurrency", "workers", "max_attempts", "give_up_after", "commit_every", "max_bytes")
MORE_THAN_ZERO = ("timeout_seconds", "total_timeout_seconds")
MAX_NUMBER = 10 ** 12          # far above any sensible setting, far below what timers and sockets overflow at


def _checked(source: str, key: str, value: Any, default: Any) -> Any:
    name = f"source {source}: politeness.{key}"
    if isinstance(default, str):
        if not isinstance(value, str) or not value.strip():
            raise SourcesError(f"{name} must be a non-empty string, got {value!r}")
        return value
    whole = isinstance(default, int)
    if isinstance(value, bool) or not isinstance(value, int if whole else (int, float)):
        kind = "a whole number" if whole else "a number"
        raise SourcesError(f"{name} must be {kind}, got {value!r}")
    if not math.isfinite(value) or value > MAX_NUMBER:
        raise SourcesError(f"{name} must be a finite number of at most {MAX_NUMBER}, got {value!r}")
    if key in AT_LEAST_ONE and value < 1:
        raise SourcesError(f"{name} must be at least 1, got {value!r}")
    if key in MORE_THAN_ZERO and value <= 0:
        raise SourcesError(f"{name} must be more than 0, got {value!r}")
    if value < 0:
        raise SourcesError(f"{name} must not be negative, got {value!r}")
    return value if whole else float(value)
