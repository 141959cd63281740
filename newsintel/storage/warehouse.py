"""The facade: a storage target string in, a `Store` behind it, the two session kinds out.

Callers hold a `Warehouse` and never ask which store it is: a file (`newsintel.storage.files`) or a
DuckLake (`newsintel.storage.lake`), both held to `newsintel.storage.base.Store`.
"""
from __future__ import annotations

import logging
import os
from typing import Any, Callable, Sequence

from newsintel.paths import DEFAULT_DB_PATH
from newsintel.storage.base import Store, WarehouseError
from newsintel.storage.bodies import BodyStore, load_body
from newsintel.storage.files import FileStore

_log = logging.getLogger("newsintel.storage")


def open_store(target: str) -> Store:
    """The storage behind a target string (see `Store` for what every kind offers)."""
    if target.startswith("ducklake:"):
        from newsintel.storage.lake import LakeStore  # loads the DuckLake extensions only when a lake is used
        return LakeStore(target)
    if target.startswith(("md:", "motherduck:")):
        raise WarehouseError(
            f"{target!r}: MotherDuck needs DuckDB extensions that are downloaded at run time, which this "
            "deployment does not allow; use a local .duckdb path or a ducklake: target (newsintel/storage/lake.py)")
    return FileStore(target)




class Warehouse:
    """The one door: a storage target (today a DuckDB file, see `FileStore`) and the session kinds."""

    def __init__(self, path: str | os.PathLike[str] | None = None, defer_publish: bool = False,
                 log: Callable[[str], None] | None = None):
        self.target = str(path) if path else str(DEFAULT_DB_PATH)
        self.store: Store = open_store(self.target)
        # stores that publish: once per run, messages to the run's log; the others ignore it
        self.store.configure(defer_publish=defer_publish, log=log)

    def flush(self) -> None:
        """Publish what the write sessions of a deferred run committed (a no-op for stores that do not
        publish, or when nothing changed)."""
        self.store.flush()

    def unpublished(self) -> bool:
        """True while committed work waits to be published (always False for stores that do not publish)."""
        return isinstance(self.store, FileStore) and self.store.unpublished()

    def published_note(self) -> str | None:
        """Which file analysts see and how old it is (None for stores that do not publish a copy)."""
        return self.store.published_note() if isinstance(self.store, FileStore) else None

    @property
    def path(self) -> Any:
        """Where analysts find the data (a file path for the file store): shown to users."""
        return self.store.path

    @property
    def bodies(self) -> BodyStore | None:
        """Where raw page bodies go when the store keeps them out of its tables (None: in `raw_pages.body`)."""
        return self.store.bodies

    def page_bodies(self) -> list[tuple[str, str]]:
        """(url, body) of every stored raw page whose body can be read, wherever it is kept. Pages whose body
        segment is lost are left out, with a warning naming them (the clean stage records them in
        `clean_failures`); one lost segment never hides the others."""
        with self.reader() as con:
            rows = con.execute("SELECT url, body, body_sha256, body_file FROM raw_pages ORDER BY url").fetchall()
        lost: dict[str, str] = {}
        texts = self.bodies.load([(r[2], r[3]) for r in rows if r[1] is None], lost) if self.bodies else {}
        if lost:
            urls = [url for url, body, sha, _ in rows if body is None and sha in lost]
            _log.warning(f"{len(urls)} raw page bodies are lost and left out ({next(iter(lost.values()))}); "
                         f"first: {urls[:3]}")
        return [(url, load_body(body) if body is not None else texts[sha]) for url, body, sha, _ in rows
                if body is not None or sha in texts]

    def __repr__(self) -> str:
        return f"Warehouse({str(self.store)!r})"

    def writer(self):
        """A write session: serialized, one transaction, visible to readers only once it commits."""
        return self.store.writer()

    def reader(self):
        """A read-only session on the last committed state; never blocks or is blocked by a run."""
        return self.store.reader()

    def query(self, sql: str, params: Sequence[Any] | None = None) -> list[tuple]:
        with self.reader() as con:
            return con.execute(sql, params or []).fetchall()


