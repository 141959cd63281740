"""The sources YAML: what to read, parsed into typed, validated `Source` objects.

Errors name the file and the source, because a typo in a YAML file is the most common way a run goes
wrong and the user should not need a traceback to find it. Every option is checked here, nested
`politeness:` and `limits:` included, so a configuration error stops the run before it starts instead of
surfacing mid-run (or as one `fetch_log` row under a green run). Booleans must be YAML booleans: a quoted
"false" is a non-empty string, which Python takes for true (`local: "false"` used to allow loopback).
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from newsintel.paths import REPO_ROOT

DEFAULT_SOURCES_PATH = REPO_ROOT / "data" / "sources.yaml"
KINDS = ("feed", "site", "urls", "files")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
# The keys each kind takes. Anything else is an error naming the closest valid key: a typo (`loacl`,
# `delay_secs`) silently ignored means a source that runs with settings nobody chose.
_COMMON = ("id", "kind", "limits")
BOOLEANS = ("local", "refetch")
_WEB = ("local", "politeness", "refetch")
KEYS: dict[str, tuple[str, ...]] = {
    "feed": _COMMON + ("url",) + _WEB,
    "site": _COMMON + ("url",) + _WEB,
    "urls": _COMMON + ("urls",) + _WEB,
    "files": _COMMON + ("path", "refetch"),   # refetch: read files again even when unchanged
}


class SourcesError(ValueError):
    """A sources YAML that cannot be used as written."""


@dataclass(frozen=True)
class Source:
    id: str
    kind: str
    base_dir: Path                      # the YAML file's folder: relative paths start here
    url: str | None = None              # feed, site
    urls: tuple[str, ...] = ()          # urls
    path: str | None = None             # files: a path or glob
    local: bool = False                 # web kinds: allow loopback hosts only (tests, demos)
    options: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)


def load_sources(path: str | Path | None = None) -> list[Source]:
    yaml_path = Path(path) if path else DEFAULT_SOURCES_PATH
    if not yaml_path.is_file():
        raise SourcesError(f"sources file not found: {yaml_path}")
    try:
        doc = yaml.safe_load(yaml_path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise SourcesError(f"{yaml_path}: not valid YAML: {exc}") from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("sources"), list):
        raise SourcesError(f"{yaml_path}: expected a mapping with a list 'sources'")
    extra = sorted(set(doc) - {"sources"})
    if extra:
        raise SourcesError(f"{yaml_path}: unknown top-level key(s) {', '.join(map(repr, extra))}; "
                           "the file holds one key, 'sources'")
    sources, seen = [], set()
    for n, entry in enumerate(doc["sources"], 1):
        where = f"{yaml_path}: source #{n}"
        if not isinstance(entry, dict):
            raise SourcesError(f"{where}: expected a mapping, got {type(entry).__name__}")
        sid, kind = entry.get("id"), entry.get("kind")
        if not isinstance(sid, str) or not _ID.match(sid):
            raise SourcesError(f"{where}: 'id' must be a word of letters, digits, '-', '_' or '.'")
        if sid in seen:
            raise SourcesError(f"{where}: duplicate id {sid!r}")
        seen.add(sid)
        if kind not in KINDS:
            raise SourcesError(f"{where} ({sid}): 'kind' must be one of {', '.join(KINDS)}, got {kind!r}")
        _check_keys(entry, kind, f"{where} ({sid})")
        for key in BOOLEANS:
            if key in entry and not isinstance(entry[key], bool):
                raise SourcesError(f"{where} ({sid}): '{key}' must be true or false (a YAML boolean, unquoted), "
                                   f"got {entry[key]!r}")
        known = {"id", "kind", "url", "urls", "path", "local"}
        src = Source(id=sid, kind=kind, base_dir=yaml_path.resolve().parent,
                     url=entry.get("url"), urls=tuple(entry.get("urls") or ()), path=entry.get("path"),
                     local=bool(entry.get("local", False)),
                     options={k: v for k, v in entry.items() if k not in known})
        _check(src, where)
        sources.append(src)
    return sources


def closest(key: object, valid: tuple[str, ...] | list[str]) -> str | None:
    """The valid key a typo most likely meant (difflib's ratio), if any is close."""
    hits = difflib.get_close_matches(str(key), list(valid), n=1, cutoff=0.5)
    return hits[0] if hits else None


def _check_keys(entry: dict, kind: str, where: str) -> None:
    valid = KEYS[kind]
    for key in entry:
        if key in valid:
            continue
        if key in {k for keys in KEYS.values() for k in keys}:
            raise SourcesError(f"{where}: key {key!r} is not used by kind {kind} (it takes: {', '.join(valid)})")
        guess = closest(key, valid)
        hint = f"; did you mean {guess!r}?" if guess else f"; valid keys for kind {kind}: {', '.join(valid)}"
        raise SourcesError(f"{where}: unknown key {key!r}{hint}")


def _check(src: Source, where: str) -> None:
    if src.kind in ("feed", "site") and not (isinstance(src.url, str) and src.url.startswith(("http://", "https://"))):
        raise SourcesError(f"{where} ({src.id}): kind {src.kind} needs an http(s) 'url'")
    if src.kind == "urls" and (not src.urls or not all(isinstance(u, str) for u in src.urls)):
        raise SourcesError(f"{where} ({src.id}): kind urls needs a non-empty list 'urls'")
    if src.kind == "files" and not (isinstance(src.path, str) and src.path.strip()):
        raise SourcesError(f"{where} ({src.id}): kind files needs a 'path' (a path or glob)")
    for key in ("politeness", "limits"):
        if key in src.options and not isinstance(src.options[key], dict):
            raise SourcesError(f"{where} ({src.id}): '{key}' must be a mapping of options")
