"""The `files` source kind: saved pages, seed-format text files and JSONL/CSV exports on disk.

A record without a URL gets `file://<source id>/<path relative to the sources YAML>` (plus `#<n>` for
the n-th record of an export), so its identity survives a move of the whole project folder.

Every fault costs one RecordError naming the file and the position (line of a JSONL, row and line of a
CSV), and never the rest of the file or the source: a truncated `.gz` keeps the records inflated before
the break, a line that is not UTF-8 or not an object or has a number for a URL is that line only, binary
data under a text name is refused rather than stored as a garbled article. Sizes are bounded by the
source's `limits.max_bytes` (`newsintel.scrape.limits`): a single-document file before and while it
inflates, a JSONL or CSV export per record, read as a stream (an export of any size in bounded memory).
"""
from __future__ import annotations

import codecs
import csv
import io
import itertools
import json
import os
import re
import stat
import zlib
from collections import deque
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Callable, Iterator

from newsintel.charset import NotText, decode_text, strip_controls
from newsintel.scrape.limits import Limits
from newsintel.scrape.records import RawRecord, RecordError
from newsintel.sources import Source
from newsintel.urls import MAX_URL_CHARS

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
        _walk_any_depth(folder, rest, entries, found, seen)
    else:
        _walk_one_level(head, tail, entries, found, seen)


def _walk_any_depth(folder: Path, rest: tuple[str, ...], entries: list[os.DirEntry], found: list[Path],
                    seen: set[tuple[int, int]]) -> None:
    """`rest` starts with `**`: zero folders, or each sub-folder with the same `rest`."""
    tail = rest[1:]
    if tail:
        _walk(folder, tail, found, seen)          # ** matches no folder at all
    for entry in entries:
        if entry.name.startswith("."):
            continue
        if not tail and _is_file(entry):
            found.append(Path(entry.path))
        elif _is_dir(entry):
            _walk(Path(entry.path), rest, found, seen)


def _walk_one_level(head: str, tail: tuple[str, ...], entries: list[os.DirEntry], found: list[Path],
                    seen: set[tuple[int, int]]) -> None:
    """The entries matching the pattern part `head`: files if it is the last part, else folders to walk."""
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
        except Exception as exc:  # one file never ends the source
            yield RecordError(file_identity(src, path), src.id, f"{_rel(src, path)}: {_why(exc)}")


def read_file(src: Source, path: Path, limits: Limits | None = None) -> Iterator[RawRecord | RecordError]:
    limits = limits or Limits()
    suffix = kind_suffix(path)
    where = _rel(src, path)
    if suffix in (".jsonl", ".csv"):
        # Streamed, bounded per record: an export of any size is read in a few MB of memory, and a record
        # over `max_bytes` is one failure (the file as a whole used to be refused past `max_bytes`).
        reader = _read_jsonl if suffix == ".jsonl" else _read_csv
        try:
            yield from reader(src, path, limits.max_bytes)
        except BrokenData as exc:
            yield RecordError(file_identity(src, path), src.id, f"{where}: {exc}; the records before it were kept")
        return
    data, broken = read_bounded(path, limits.max_bytes)
    if broken:                                   # half a page or text is not an article
        raise ValueError(broken)
    if suffix in HTML_SUFFIXES:
        yield RawRecord(file_identity(src, path), src.id, "html", decode_text(data, html=True),
                        content_type="text/html")
    elif suffix == ".txt":
        yield parse_seed_text(decode_text(data), file_identity(src, path), src.id)


class BrokenData(ValueError):
    """A compressed file that ends early or is corrupt: the records read before the break stand."""


BLOCK = 1 << 20        # bytes read, and at most inflated, at a time


def read_bounded(path: Path, max_bytes: int) -> tuple[bytes, str | None]:
    """A file's bytes, inflated if it is gzip, at most `max_bytes` of them (TooLarge past that), and why
    the data ends early when a compressed file is truncated or corrupt (None when it is whole)."""
    size = path.stat().st_size
    if size > max_bytes:
        raise TooLarge(f"file is {size} bytes, over limits.max_bytes {max_bytes}")
    out, total = [], 0
    try:
        for block in inflated_blocks(path):
            total += len(block)
            if total > max_bytes:
                raise TooLarge(f"inflates to more than limits.max_bytes {max_bytes} bytes (stopped inflating)")
            out.append(block)
    except BrokenData as exc:
        return b"".join(out), str(exc)
    return b"".join(out), None


def inflated_blocks(path: Path) -> Iterator[bytes]:
    """A file's bytes in blocks of at most BLOCK, inflated when it is gzip (every member, as `cat a.gz
    b.gz` makes); BrokenData when the compressed data is truncated or corrupt, after the blocks before it."""
    gz = path.suffix.lower() == ".gz"
    with open(path, "rb") as fh:
        if not gz:
            while block := fh.read(BLOCK):
                yield block
            return
        inflater, total = zlib.decompressobj(16 + zlib.MAX_WBITS), 0
        pending = b""
        while True:
            if not pending:
                pending = fh.read(BLOCK)
                if not pending:
                    break
            try:
                block = inflater.decompress(pending, BLOCK)
            except zlib.error as exc:
                raise BrokenData(f"corrupt gzip data after {total} bytes ({exc})") from None
            pending = inflater.unconsumed_tail
            total += len(block)
            if block:
                yield block
            if inflater.eof:
                rest = inflater.unused_data + pending
                inflater, pending = zlib.decompressobj(16 + zlib.MAX_WBITS), rest
                if not rest:
                    more = fh.read(BLOCK)
                    if not more:
                        return
                    pending = more
        if not inflater.eof:
            raise BrokenData(f"truncated gzip file: the data ends after {total} inflated bytes")


def _utf8_blocks(path: Path) -> Iterator[bytes]:
    """The file's blocks as UTF-8: a UTF-8 byte order mark dropped, UTF-16 (with its mark) re-encoded as it
    streams; anything else passed as it is (each line is checked for UTF-8 where it is read)."""
    blocks = inflated_blocks(path)
    first = b""
    for block in blocks:
        first += block
        if len(first) >= 3:
            break
    if first.startswith((b"\xff\xfe", b"\xfe\xff")):
        decoder = codecs.getincrementaldecoder("utf-16")(errors="surrogatepass")
        for block in itertools.chain([first], blocks):
            yield decoder.decode(block).encode("utf-8", errors="surrogateescape")
        yield decoder.decode(b"", final=True).encode("utf-8", errors="surrogateescape")
        return
    yield first.removeprefix(b"\xef\xbb\xbf")
    yield from blocks


def bounded_lines(blocks: Iterator[bytes], limit: int) -> Iterator[tuple[int, bytes | None, int, int]]:
    """(line number, line without its newline or None when longer than `limit` bytes, its length, its
    count of '"') for each line of the blocks, holding at most `limit` bytes of one line. A last line
    without a newline counts; a break in the data (BrokenData) drops the line it cut."""
    n, buf, size, quotes = 0, bytearray(), 0, 0
    for block in blocks:
        start = 0
        while True:
            end = block.find(b"\n", start)
            piece = block[start:] if end < 0 else block[start:end]
            size += len(piece)
            quotes += piece.count(b'"')
            if size <= limit:
                buf += piece
            elif buf:
                buf.clear()
            if end < 0:
                break
            n += 1
            yield n, (bytes(buf) if size <= limit else None), size, quotes
            buf.clear()
            size = quotes = 0
            start = end + 1
    if size:
        yield n + 1, (bytes(buf) if size <= limit else None), size, quotes


def parse_seed_text(text: str, url: str, source_id: str) -> RawRecord:
    """The seed document's format: an optional ` date YYYY-MM-DD <title>` line, then the body."""
    first, _, rest = text.partition("\n")
    m = _TXT_HEADER.match(first)
    if m:
        return RawRecord(url, source_id, "text", rest.strip("\n"), title_hint=m.group(2),
                         published_hint=m.group(1), content_type="text/plain")
    return RawRecord(url, source_id, "text", text, content_type="text/plain")


def _read_jsonl(src: Source, path: Path, limit: int) -> Iterator[RawRecord | RecordError]:
    for n, raw, size, _ in bounded_lines(_utf8_blocks(path), limit):
        if raw is None:
            yield _bad(src, path, n, f"line {n}: a record of {size} bytes, over limits.max_bytes {limit}")
            continue
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


class _Strict(csv.Dialect):
    """RFC 4180, and errors instead of guesses: a quote must close before a separator or the line's end."""
    delimiter = ","
    quotechar = '"'
    doublequote = True
    skipinitialspace = False
    lineterminator = "\r\n"
    quoting = csv.QUOTE_MINIMAL
    strict = True


def _read_csv(src: Source, path: Path, limit: int) -> Iterator[RawRecord | RecordError]:
    """Rows of a CSV export, one record at a time. A record is the lines up to the one that closes its
    last quote; it must parse as one row of exactly the header's fields. When it does not (an unclosed
    quote swallowing the lines after it, an unquoted comma splitting a field), it is one failure naming
    its row and line, and reading starts again at the line after its first: the rows behind a bad one
    are kept (they used to be swallowed, or cut at the comma, under "0 failed records")."""
    csv.field_size_limit(max(csv.field_size_limit(), limit + 1))
    skip = 0
    while True:                                  # more than once only after an unclosed quote over `limit`
        restart = yield from _csv_records(src, path, limit, skip)
        if restart is None:
            return
        skip = restart


def _csv_header(lines: Iterator, skip: int, pushed: deque) -> list[str] | None:
    """The header, read past the lines before `skip` (a re-read); the first line to read next goes to `pushed`."""
    header: list[str] | None = None
    for line in lines:                           # the header and the lines before `skip` (a re-read)
        if line[0] == 1 and header is None:
            header, err = _parse_row([line])
            if err or not header:
                raise ValueError(f"the header line is not CSV ({err or 'empty'})")
            if skip:
                continue
            break
        if line[0] >= skip:
            pushed.append(line)
            break
    return header


def _csv_span(first: tuple, next_line: Callable[[], tuple | None], limit: int) -> tuple[list, int, int]:
    """The lines of the record starting at `first` (a quoted field may span lines), their size and quotes."""
    span, size, quotes = [first], first[2], first[3]
    while quotes % 2 and size <= limit:
        more = next_line()
        if more is None:
            break
        span.append(more)
        size += more[2] + 1
        quotes += more[3]
    return span, size, quotes


def _csv_row_error(row: list[str], err: str | None, header: list[str], quotes: int) -> str | None:
    if quotes % 2:
        return "a quote opened here is never closed"
    if not err and len(row) != len(header):
        return (f"{len(row)} fields where the header has {len(header)}"
                + (" (an unquoted comma, or an unclosed quote?)" if len(row) > len(header) else ""))
    return err


def _csv_records(src: Source, path: Path, limit: int, skip: int):
    lines = bounded_lines(_utf8_blocks(path), limit)
    pushed: deque = deque()
    n = 0
    header = _csv_header(lines, skip, pushed)
    if header is None:
        return None

    def next_line():
        return pushed.popleft() if pushed else next(lines, None)

    while (first := next_line()) is not None:
        span, size, quotes = _csv_span(first, next_line, limit)
        start = first[0]
        if size > limit:
            while quotes % 2 and (more := next_line()) is not None:
                quotes += more[3]            # read past it to its end, holding nothing
            n += 1
            if quotes % 2:                   # never closed: re-read from the line after its first
                yield _bad(src, path, n, f"row {n} (line {start}): a quote opened here is never closed")
                return start + 1
            yield _bad(src, path, n, f"row {n} (line {start}): a record of more than limits.max_bytes {limit} "
                                     "bytes")
            continue
        if any(raw is None for _, raw, _, _ in span):
            n += 1
            yield _bad(src, path, n, f"row {n} (line {start}): a record over limits.max_bytes {limit} bytes")
            continue
        row, err = _parse_row(span)
        if row == [] and not err:
            continue                         # a blank line
        n += 1
        where = f"row {n} (line {start})"
        err = _csv_row_error(row, err, header, quotes)
        if err:
            yield _bad(src, path, n, f"{where}: not CSV ({err})")
            for line in reversed(span[1:]):  # the lines it swallowed are read again as rows of their own
                pushed.appendleft(line)
            continue
        if any(_has_surrogates(v) for v in row):
            yield _bad(src, path, n, f"{where}: not UTF-8; CSV exports must be UTF-8")
            continue
        yield _record_from_fields(src, path, n, dict(zip(header, row, strict=True)), where)
    return None


def _parse_row(span: list) -> tuple[list[str], str | None]:
    text = "\n".join(raw.decode("utf-8", errors="surrogateescape") for _, raw, _, _ in span)
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), dialect=_Strict))
    except csv.Error as exc:
        return [], str(exc)
    rows = [r for r in rows if r]
    if len(rows) > 1:
        return rows[0], f"{len(rows)} rows in one record"
    return (rows[0] if rows else []), None


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
    if len(url) > MAX_URL_CHARS:
        return _bad(src, path, n, f"{where}: 'url' has {len(url)} characters, over the {MAX_URL_CHARS} allowed")
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

