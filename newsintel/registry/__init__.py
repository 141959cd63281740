"""The company registry: organisations newsintel knows by name before it reads any article.

Extraction can send "RIL", "Reliance Industries Ltd" and "Reliance" to one company only if each of
those names has exactly one owner. Every table keys on the ids, so they must not change between runs.
That is why the registry is reviewed data shipped with the code (`companies.yaml` next to this file),
and why `validate_registry` checks each edit before it can quietly give one alias to two companies.
"""
from __future__ import annotations

import functools
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Iterable, Mapping

import pycountry
import yaml

__all__ = [
    "DEFAULT_PATH",
    "KINDS",
    "LISTED_PATH",
    "RegistryCompany",
    "load_registry",
    "read_entries",
    "validate_registry",
]

DEFAULT_PATH = Path(__file__).with_name("companies.yaml")
# Index constituents generated from a maintained package (newsintel/registry/listed.py); the hand-written
# file above wins wherever both know a company, and the generator leaves such entries out.
LISTED_PATH = Path(__file__).with_name("listed.yaml")
KINDS = ("company", "app", "media", "person", "other")
_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_FIELDS = {"id", "name", "aliases", "parent", "country", "kind", "risky_aliases"}


@dataclass(frozen=True)
class RegistryCompany:
    """One registry entry. It uses tuples and is frozen so that callers cannot change the shared
    cached registry by accident.

    `risky_aliases` are kept apart from `aliases` because they are short or common words ("X",
    "Orange"). A matcher should accept them only when the text also names the company another way.
    """
    id: str
    name: str
    aliases: tuple[str, ...] = ()
    parent: str | None = None
    country: str | None = None
    kind: str = "company"
    risky_aliases: tuple[str, ...] = ()
    listed: bool = False     # generated from index constituents (listed.yaml), not reviewed by hand


def load_registry(path: str | Path | None = None) -> dict[str, RegistryCompany]:
    """The registry by id; raises ValueError if it does not validate.

    A registry that is partly wrong would resolve companies to the wrong ids without any error, so
    refusing to start is the safer failure. The shipped file is parsed once per process. Each call
    gets its own dict, so a caller that changes its copy does not change anyone else's.
    """
    if path is None:
        return dict(_load_default())
    return _load(Path(path))


@functools.lru_cache(maxsize=1)
def _load_default() -> dict[str, RegistryCompany]:
    return _load(DEFAULT_PATH, LISTED_PATH)


def _load(path: Path, *more: Path) -> dict[str, RegistryCompany]:
    entries = read_entries(path) + [replace(e, listed=True) for extra in more if extra.exists()
                                    for e in read_entries(extra)]
    problems = validate_registry(entries)
    if problems:
        shown = "; ".join(problems[:20]) + ("; ..." if len(problems) > 20 else "")
        raise ValueError(f"{path}: {len(problems)} registry problem(s): {shown}")
    return {e.id: e for e in entries}


def read_entries(path: str | Path) -> list[RegistryCompany]:
    """Entries in file order, without validation. Duplicate ids survive here so that
    `validate_registry` can report them; a dict would silently keep only the last one."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)   # libyaml: the registry parses ~4x faster
    raw = yaml.load(Path(path).read_text(encoding="utf-8"), Loader=loader) or []
    if not isinstance(raw, list):
        raise ValueError(f"{path}: expected a YAML list of companies")
    return [_entry(item, n, path) for n, item in enumerate(raw)]


def _entry(raw: Any, n: int, path: str | Path) -> RegistryCompany:
    if not isinstance(raw, Mapping) or "id" not in raw or "name" not in raw:
        raise ValueError(f"{path}: entry {n} needs at least an id and a name")
    unknown = sorted(set(raw) - _FIELDS)
    if unknown:
        raise ValueError(f"{path}: entry {raw['id']!r} has unknown field(s) {unknown}")
    return RegistryCompany(
        id=raw["id"], name=raw["name"], aliases=tuple(raw.get("aliases") or ()), parent=raw.get("parent"),
        country=raw.get("country"), kind=raw.get("kind", "company"),
        risky_aliases=tuple(raw.get("risky_aliases") or ()),
    )


def validate_registry(entries: Iterable[RegistryCompany] | Mapping[str, RegistryCompany]) -> list[str]:
    """Every problem at once, each as a sentence that names the ids involved, so that one pass
    over the file can fix them all. An empty list means the registry is usable."""
    items = list(entries.values() if isinstance(entries, Mapping) else entries)
    problems: list[str] = []
    counts = Counter(e.id for e in items)
    problems += [f"duplicate id {i!r} ({n} entries)" for i, n in sorted(counts.items(), key=str) if n > 1]
    owners: dict[str, set[str]] = defaultdict(set)
    for e in items:
        if not isinstance(e.id, str) or not _ID.match(e.id):
            problems.append(f"{e.id!r}: id is not a lowercase slug like 'jio-platforms'")
        if e.kind not in KINDS:
            problems.append(f"{e.id}: kind {e.kind!r} is not one of {', '.join(KINDS)}")
        if e.parent is not None and e.parent not in counts:
            problems.append(f"{e.id}: parent {e.parent!r} is not an id in the registry")
        if e.country is not None and not _is_country(e.country):
            problems.append(f"{e.id}: country {e.country!r} is not an ISO 3166-1 alpha-2 code")
        for surface in (e.name, *e.aliases, *e.risky_aliases):
            if not isinstance(surface, str) or not surface.strip():
                problems.append(f"{e.id}: name or alias {surface!r} is not a non-empty string")
            else:
                owners[_fold(surface)].add(e.id)
        if e.name in e.aliases or e.name in e.risky_aliases:
            problems.append(f"{e.id}: an alias repeats the canonical name {e.name!r}")
        both = sorted(set(e.aliases) & set(e.risky_aliases), key=str)
        if both:
            problems.append(f"{e.id}: {both} listed both as alias and as risky alias")
    problems += [f"alias {surface!r} is claimed by {', '.join(sorted(ids))}"
                 for surface, ids in sorted(owners.items()) if len(ids) > 1]
    return problems + _parent_cycles(items)


def _fold(surface: str) -> str:
    return " ".join(surface.split()).casefold()


def _is_country(code: Any) -> bool:
    if not isinstance(code, str) or len(code) != 2 or not code.isupper():
        return False  # also catches YAML turning an unquoted NO (Norway) into False
    try:
        return pycountry.countries.get(alpha_2=code) is not None
    except KeyError:  # older pycountry raised instead of returning None
        return False


def _parent_cycles(items: list[RegistryCompany]) -> list[str]:
    parent = {e.id: e.parent for e in items}
    seen: set[frozenset[str]] = set()
    problems = []
    for start in parent:
        path, node = [], start
        while node in parent and node not in path:
            path.append(node)
            node = parent[node]
        if node in path:
            cycle = path[path.index(node):]
            if frozenset(cycle) not in seen:
                seen.add(frozenset(cycle))
                problems.append("parent cycle: " + " -> ".join([*cycle, node]))
    return problems
