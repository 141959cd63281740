"""Raw page bodies outside the database file, in immutable Parquet segments.

Why: bodies are most of the bytes (a 1M-page HTML archive holds about 30 GB of them, the rest of the
database a tenth of that) and they are written once and read once, by the clean stage. Kept in the
DuckDB file, every publish would copy them again. Here each ingest chunk writes one segment,
`<database>.bodies/<stamp>-<id>.parquet` (zstd, rows sorted by `body_sha256` in small row groups so a
lookup by hash reads only the row groups that can hold it), fsynced before the transaction that refers to
it commits; `raw_pages.body_file` names the segment. A segment is never changed after it is written, so
publishing the database never touches them and a reader of any published state finds its bodies.

Analysts read them with DuckDB: `SELECT * FROM read_parquet('data/newsintel.duckdb.bodies/*.parquet')`.
Segments written by a run that then failed, or holding bodies that were replaced since, are unreferenced:
harmless, and `BodyStore.unreferenced` lists them for removal.

A segment that is lost (deleted, or damaged so that it cannot be read) loses only its own bodies: readers
that pass `lost` get the others and a reason per lost body (the clean stage records one `clean_failures`
row per page, `Warehouse.page_bodies` skips them with a warning), and the next ingest that reads such a
page again (`refetch: true` for files) writes its body to a new segment even when its hash is unchanged.
"""
from __future__ import annotations

import os
import time
import uuid
import zlib
from collections import defaultdict
from pathlib import Path
from typing import Iterable

import pyarrow as pa
import pyarrow.parquet as pq

ROW_GROUP = 128
LOST = "raw page body lost"   # how every failure row and message about a lost body begins


class BodyStore:
    def __init__(self, folder: Path):
        self.folder = Path(folder)

    def write(self, bodies: Iterable[tuple[str, str]]) -> str:
        """Store (sha256, body) pairs as one new segment; returns its file name."""
        pairs = sorted(dict(bodies).items())
        self.folder.mkdir(parents=True, exist_ok=True)
        name = f"{time.strftime('%Y%m%dT%H%M%S', time.gmtime())}-{uuid.uuid4().hex[:12]}.parquet"
        tmp = self.folder / f".{name}.tmp"
        table = pa.table({"body_sha256": pa.array([p[0] for p in pairs], pa.string()),
                          "body": pa.array([p[1] for p in pairs], pa.large_string())})
        pq.write_table(table, tmp, compression="zstd", row_group_size=ROW_GROUP)
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, self.folder / name)
        _fsync_dir(self.folder)
        return name

    def load(self, wanted: Iterable[tuple[str, str]], lost: dict[str, str] | None = None) -> dict[str, str]:
        """Bodies by sha256 for (sha256, segment) pairs. A segment that is missing or cannot be read (deleted,
        truncated, a damaged page) is an error naming it; or, given `lost`, each of its bodies is put there
        (sha256 → why) and the others are still read: one lost segment never blocks the pages of the rest."""
        by_segment: dict[str, set[str]] = defaultdict(set)
        for sha, segment in wanted:
            by_segment[segment].add(sha)
        out: dict[str, str] = {}
        for segment, shas in by_segment.items():
            path = self.folder / segment
            try:
                if not path.is_file():
                    raise FileNotFoundError(f"raw page bodies segment {path} is missing")
                table = pq.read_table(path, filters=[("body_sha256", "in", sorted(shas))])
                found = dict(zip(table.column("body_sha256").to_pylist(), table.column("body").to_pylist(),
                                 strict=True))
            except (OSError, pa.ArrowException) as exc:
                why = (f"{LOST}: segment {segment} is missing" if not path.is_file()
                       else f"{LOST}: segment {segment} cannot be read ({type(exc).__name__}: {exc})")
                if lost is None:
                    raise FileNotFoundError(f"{why}; re-ingest its pages with refetch: true") from exc
                lost.update((sha, f"{why}; re-ingest with refetch: true") for sha in shas)
                continue
            out.update(found)
            if lost is not None:
                lost.update((sha, f"{LOST}: not in segment {segment}") for sha in shas - found.keys())
        return out

    def missing(self, segments: Iterable[str], read_footer: bool = False) -> set[str]:
        """The segments among `segments` that are not there (one stat each); with `read_footer`, also those
        whose Parquet footer cannot be read (a truncated file), at one small read each."""
        out = set()
        for s in segments:
            path = self.folder / s
            if not path.is_file():
                out.add(s)
            elif read_footer:
                try:
                    pq.read_metadata(path)
                except (OSError, pa.ArrowException):
                    out.add(s)
        return out

    def unreferenced(self, referenced: set[str]) -> list[Path]:
        return sorted(p for p in self.folder.glob("*.parquet") if p.name not in referenced)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def load_body(blob: bytes) -> str:
    """A body kept in `raw_pages.body` (older databases, and a lake): zlib-compressed UTF-8, as ingest wrote it."""
    return zlib.decompress(blob).decode("utf-8")
