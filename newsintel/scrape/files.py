"""The `files` source kind: saved pages, seed-format text files and JSONL/CSV exports on disk.

A record without a URL gets `file://<source id>/<path relative to the sources YAML>` (plus `#<n>` for
the n-th record of an export), so its identity survives a move of the whole project folder.
"""
from __future__ import annotations

import csv
import glob
import gzip
import io
import json
import re
from pathlib import Path
from typing import Iterator

from newsintel.scrape.charset import decode_html
from newsintel.scrape.records import RawRecord, RecordError
from newsintel.sources import Source

HTML_SUFFIXES = {".html", ".htm"}
SUFFIXES = HTML_SUFFIXES | {".txt", ".jsonl", ".csv"}
# The seed format's optional first line: " date 2020-08-13 Title of the article"
_TXT_HEADER = re.compile(r"^\s*date\s+(\d{4}-\d{2}-\d{2})(?:\s+(.*\S))?\s*$")


def kind_suffix(path: Path) -> str:
    """The suffix that says what a file holds; `page.html.gz` is an HTML page, gzip-compressed."""
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    return suffixes[-1] if suffixes else ""


def list_files(src: Source) -> list[Path]:
    pattern = src.path if Path(src.path).is_absolute() else str(src.base_dir / src.path)
    hits = [Path(p) for p in glob.glob(pattern, recursive=True)] or (
        [Path(pattern)] if Path(pattern).is_file() else [])
    return sorted(p for p in hits if p.is_file() and kind_suffix(p) in SUFFIXES)


def file_identity(src: Source, path: Path, record: int | None = None) -> str:
    try:
        rel = path.resolve().relative_to(src.base_dir)
    except ValueError:
        rel = Path(str(path.resolve()).lstrip("/"))
    return f"file://{src.id}/{rel.as_posix()}" + (f"#{record}" if record is not None else "")


def read_files_source(src: Source, paths: list[Path] | None = None) -> Iterator[RawRecord | RecordError]:
    """Records of the source's files (or of `paths`, a subset the caller picked)."""
    for path in list_files(src) if paths is None else paths:
        try:
            yield from read_file(src, path)
        except (OSError, ValueError) as exc:
            yield RecordError(file_identity(src, path), src.id, f"{type(exc).__name__}: {exc}")


def read_file(src: Source, path: Path) -> Iterator[RawRecord | RecordError]:
    suffix = kind_suffix(path)
    data = path.read_bytes()
    if path.suffix.lower() == ".gz":
        data = gzip.decompress(data)
    if suffix in HTML_SUFFIXES:
        yield RawRecord(file_identity(src, path), src.id, "html", decode_html(data), content_type="text/html")
    elif suffix == ".txt":
        yield parse_seed_text(data.decode("utf-8-sig", errors="replace"), file_identity(src, path), src.id)
    elif suffix == ".jsonl":
        for n, line in enumerate(data.decode("utf-8-sig").splitlines(), 1):
            if line.strip():
                yield _export_record(src, path, n, line)
    elif suffix == ".csv":
        reader = csv.DictReader(io.StringIO(data.decode("utf-8-sig")))
        for n, row in enumerate(reader, 1):
            yield _record_from_fields(src, path, n, row)


def parse_seed_text(text: str, url: str, source_id: str) -> RawRecord:
    """The seed document's format: an optional ` date YYYY-MM-DD <title>` line, then the body."""
    first, _, rest = text.partition("\n")
    m = _TXT_HEADER.match(first)
    if m:
        return RawRecord(url, source_id, "text", rest.strip("\n"), title_hint=m.group(2),
                         published_hint=m.group(1), content_type="text/plain")
    return RawRecord(url, source_id, "text", text, content_type="text/plain")


def _export_record(src: Source, path: Path, n: int, line: str) -> RawRecord | RecordError:
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        return RecordError(file_identity(src, path, n), src.id, f"line {n}: not JSON ({exc.msg})")
    if not isinstance(obj, dict):
        return RecordError(file_identity(src, path, n), src.id, f"line {n}: expected a JSON object")
    return _record_from_fields(src, path, n, obj)


def _record_from_fields(src: Source, path: Path, n: int, rec: dict) -> RawRecord | RecordError:
    url = (rec.get("url") or "").strip() or file_identity(src, path, n)
    published = rec.get("published")
    title = rec.get("title") or None
    if rec.get("html"):
        return RawRecord(url, src.id, "html", str(rec["html"]), title_hint=title,
                         published_hint=str(published) if published else None, content_type="text/html")
    if rec.get("text"):
        return RawRecord(url, src.id, "text", str(rec["text"]), title_hint=title,
                         published_hint=str(published) if published else None, content_type="text/plain")
    return RecordError(url, src.id, f"record {n}: needs a non-empty 'text' or 'html' field")
