"""The `files` source kind: saved pages, seed-format text files and JSONL/CSV exports on disk.

A record without a URL gets `file://<source id>/<path relative to the sources YAML>` (plus `#<n>` for
the n-th record of an export), so its identity survives a move of the whole project folder.

Every fault costs one RecordError naming the file and the position (line of a JSONL, row and line of a
CSV), and never the rest of the file or the source: a truncated `.gz` keeps the records inflated before
the break, a line that is not UTF-8 or not an object or has a number for a URL is that line only, binary
data under a text name is refused rather than stored as a garbled article. Sizes are bounded by the
source's `limits.max_bytes` before and while a file inflates (`newsintel.scrape.limits`).
"""
from __future__ import annotations

import csv
import io
import json
import os
import re
import stat
import zlib
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Iterator

from newsintel.charset import NotText, decode_text, strip_controls
from newsintel.scrape.limits import Limits
from newsintel.scrape.records import RawRecord, RecordError
from newsintel.sources import Source

HTML_SUFFIXES = {".html", ".htm"}
SUFFIXES = HTML_SUFFIXES | {".txt", ".jsonl", ".csv"}
# The seed format's optional first line: " date 2020-08-13 Title of the article"
_TXT_HEADER = re.compile(r"^\s*date\s+(\d{4}-\d{2}-\d{2})(?:\s+(.*\S))?\s*$")
_MAGIC = re.compile(r"[*?[]")


class TooLarge(ValueError):
    """A file or inflated body over `limits.max_bytes`."""


def kind_suffix(path: Path) -> str:
    """The suffix that says what a file holds; `page.html.gz` is an HTML page, gzip-compressed."""
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    return suffixes[-1] if suffixes else ""


def list_files(src: Source) -> list[Path]:
    pattern = src.path if Path(src.path).is_absolute() else str(src.base_dir / src.path)
    return sorted(p for p in glob_files(pattern) if kind_suffix(p) in SUFFIXES)


def glob_files(pattern: str) -> list[Path]:
    """Files matching a glob (`**` is any depth; names starting with '.' only match a '.' pattern), like
    `glob.glob(recursive=True)` but following a symlinked folder only once: the standard glob walks a
    symlink loop until the path is too long, and two loops make that exponential (ingest hangs)."""
    parts = Path(pattern).parts
    start = next((i for i, p in enumerate(parts) if _MAGIC.search(p) or p == "**"), len(parts))
    root = Path(*parts[:start]) if start else Path(".")
    if start == len(parts):
        return [root] if root.is_file() else []
    found: list[Path] = []
    seen: set[tuple[int, int]] = set()
    _walk(root, parts[start:], found, seen)
    return list(dict.fromkeys(found))


def _walk(folder: Path, rest: tuple[str, ...], found: list[Path], seen: set[tuple[int, int]]) -> None:
    try:
        st = folder.stat()
    except OSError:
        return
    key = (st.st_dev, st.st_ino)
    if rest[0] == "**":
        if key in seen:             # this real folder was walked already: a symlink cycle or a second link
            return
        seen.add(key)
    head, tail = rest[0], rest[1:]
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:
        return
    if head == "**":
        if tail:
            _walk(folder, tail, found, seen)          # ** matches no folder at all
        for entry in entries:
            if entry.name.startswith("."):
                continue
            if not tail and _is_file(entry):
                found.append(Path(entry.path))
            elif _is_dir(entry):
                _walk(Path(entry.path), rest, found, seen)
        return
    for entry in entries:
        if entry.name.startswith(".") and not head.startswith("."):
            continue
        if not fnmatchcase(entry.name, head):
            continue
        if not tail:
            if _is_file(entry):
                found.append(Path(entry.path))
        elif _is_dir(entry):
            _walk(Path(entry.path), tail, found, seen)


def _is_dir(entry: os.DirEntry) -> bool:
    try:
        return entry.is_dir()
    except OSError:
        return False


def _is_file(entry: os.DirEntry) -> bool:
    try:
        return stat.S_ISREG(os.stat(entry.path).st_mode)
    except OSError:
        return False


def file_identity(src: Source, path: Path, record: int | None = None) -> str:
    try:
        rel = path.resolve().relative_to(src.base_dir)
    except (ValueError, RuntimeError):
        rel = Path(str(path.absolute()).lstrip("/"))
    return f"file://{src.id}/{rel.as_posix()}" + (f"#{record}" if record is not None else "")


def read_files_source(src: Source, paths: list[Path] | None = None) -> Iterator[RawRecord | RecordError]:
    """Records of the source's files (or of `paths`, a subset the caller picked)."""
    limits = Limits.from_source(src)
    for path in list_files(src) if paths is None else paths:
        try:
            yield from read_file(src, path, limits)
        except Exception as exc:  # noqa: BLE001 - one file never ends the source
            yield RecordError(file_identity(src, path), src.id, f"{_rel(src, path)}: {_why(exc)}")


def read_file(src: Source, path: Path, limits: Limits | None = None) -> Iterator[RawRecord | RecordError]:
    limits = limits or Limits()
    suffix = kind_suffix(path)
    data, broken = read_bounded(path, limits.max_bytes)
    where = _rel(src, path)
    if suffix in (".jsonl", ".csv"):
        reader = _read_jsonl if suffix == ".jsonl" else _read_csv
        yield from reader(src, path, data, complete=broken is None)
        if broken:
            yield RecordError(file_identity(src, path), src.id, f"{where}: {broken}; the records before it were kept")
        return
    if broken:                                   # half a page or text is not an article
        raise ValueError(broken)
    if suffix in HTML_SUFFIXES:
        yield RawRecord(file_identity(src, path), src.id, "html", decode_text(data, html=True),
                        content_type="text/html")
    elif suffix == ".txt":
        yield parse_seed_text(decode_text(data), file_identity(src, path), src.id)


def read_bounded(path: Path, max_bytes: int) -> tuple[bytes, str | None]:
    """A file's bytes, inflated if it is gzip, at most `max_bytes` of them (TooLarge past that), and why
    the data ends early when a compressed file is truncated or corrupt (None when it is whole)."""
    size = path.stat().st_size
    if size > max_bytes:
        raise TooLarge(f"file is {size} bytes, over limits.max_bytes {max_bytes}")
    with open(path, "rb") as fh:
        raw = fh.read(max_bytes + 1)
    if path.suffix.lower() != ".gz":
        return raw, None
    out, total, rest = [], 0, raw
    while rest:
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            chunk = inflater.decompress(rest, max_bytes + 1 - total)
        except zlib.error as exc:
            return b"".join(out), f"corrupt gzip data after {total} bytes ({exc})"
        total += len(chunk)
        out.append(chunk)
        if total > max_bytes or inflater.unconsumed_tail:
            raise TooLarge(f"inflates to more than limits.max_bytes {max_bytes} bytes (stopped inflating)")
        if not inflater.eof:
            return b"".join(out), f"truncated gzip file: the data ends after {total} inflated bytes"
        rest = inflater.unused_data                  # a further gzip member, as `cat a.gz b.gz` makes
    return b"".join(out), None


def parse_seed_text(text: str, url: str, source_id: str) -> RawRecord:
    """The seed document's format: an optional ` date YYYY-MM-DD <title>` line, then the body."""
    first, _, rest = text.partition("\n")
    m = _TXT_HEADER.match(first)
    if m:
        return RawRecord(url, source_id, "text", rest.strip("\n"), title_hint=m.group(2),
                         published_hint=m.group(1), content_type="text/plain")
    return RawRecord(url, source_id, "text", text, content_type="text/plain")


def _read_jsonl(src: Source, path: Path, data: bytes, complete: bool) -> Iterator[RawRecord | RecordError]:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        data = data.decode("utf-16").encode("utf-8")
    lines = data.removeprefix(b"\xef\xbb\xbf").split(b"\n")
    if not complete and lines:
        lines = lines[:-1]                           # the last line was cut by the truncation
    for n, raw in enumerate(lines, 1):
        if not raw.strip():
            continue
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            yield _bad(src, path, n, f"line {n}: not UTF-8 (byte 0x{raw[exc.start]:02x} at column {exc.start + 1}); "
                                     "JSON Lines must be UTF-8")
            continue
        try:
            obj = json.loads(line)
        except (json.JSONDecodeError, RecursionError) as exc:
            yield _bad(src, path, n, f"line {n}: not JSON ({getattr(exc, 'msg', type(exc).__name__)})")
            continue
        if not isinstance(obj, dict):
            yield _bad(src, path, n, f"line {n}: expected a JSON object, got {type(obj).__name__}")
            continue
        yield _record_from_fields(src, path, n, obj, f"line {n}")


def _read_csv(src: Source, path: Path, data: bytes, complete: bool) -> Iterator[RawRecord | RecordError]:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = data.decode("utf-16", errors="surrogateescape")
    else:
        text = data.removeprefix(b"\xef\xbb\xbf").decode("utf-8", errors="surrogateescape")
    # a field may be as large as the file may be (the module default, 128 KB, drops long articles)
    csv.field_size_limit(max(csv.field_size_limit(), len(data) + 1))
    reader = csv.DictReader(io.StringIO(text, newline=""))
    n = 0
    while True:
        start = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            n += 1
            yield _bad(src, path, n, f"row {n} (line {start}): not CSV ({exc})")
            continue
        n += 1
        where = f"row {n} (line {start})"
        if any(_has_surrogates(v) for v in row.values() if isinstance(v, str)):
            yield _bad(src, path, n, f"{where}: not UTF-8; CSV exports must be UTF-8")
            continue
        yield _record_from_fields(src, path, n, row, where)


def _has_surrogates(text: str) -> bool:
    return any("\udc80" <= ch <= "\udcff" for ch in text)


def _record_from_fields(src: Source, path: Path, n: int, rec: dict, where: str) -> RawRecord | RecordError:
    url = rec.get("url")
    if url is not None and not isinstance(url, str):
        return _bad(src, path, n, f"{where}: 'url' must be a string, got {type(url).__name__} {url!r:.40}")
    for key in ("title", "text", "html"):
        if rec.get(key) is not None and not isinstance(rec[key], str):
            return _bad(src, path, n, f"{where}: '{key}' must be a string, got {type(rec[key]).__name__}")
    published = rec.get("published")
    if published is not None and not isinstance(published, (str, int, float)):
        return _bad(src, path, n, f"{where}: 'published' must be a date string, got {type(published).__name__}")
    url = strip_controls((url or "").strip()) or file_identity(src, path, n)
    title = strip_controls(rec.get("title") or "").strip() or None
    hint = str(published) if published not in (None, "") else None
    for key, fmt, ctype in (("html", "html", "text/html"), ("text", "text", "text/plain")):
        body = strip_controls(rec.get(key) or "")
        if body.strip():
            return RawRecord(url, src.id, fmt, body, title_hint=title, published_hint=hint, content_type=ctype)
    return RecordError(url, src.id, f"{where}: needs a non-empty 'text' or 'html' field")


def _bad(src: Source, path: Path, n: int, reason: str) -> RecordError:
    return RecordError(file_identity(src, path, n), src.id, f"{_rel(src, path)}: {reason}")


def _rel(src: Source, path: Path) -> str:
    try:
        return path.absolute().relative_to(src.base_dir).as_posix()
    except ValueError:
        return str(path)


def _why(exc: Exception) -> str:
    if isinstance(exc, (TooLarge, NotText)):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"

