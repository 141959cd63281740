"""Bytes to text for pages whose declared encoding may be missing or wrong."""
from __future__ import annotations

import re

from charset_normalizer import from_bytes

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)


def decode_html(data: bytes, declared: str | None = None) -> str:
    """Decode by BOM, then strict UTF-8, then the declared or <meta> charset, then detection."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    candidates = [declared] if declared else []
    m = _META_CHARSET.search(data[:4096])
    if m:
        candidates.append(m.group(1).decode("ascii", errors="ignore"))
    for enc in candidates:
        try:
            return data.decode(enc)
        except (LookupError, UnicodeDecodeError):
            continue
    best = from_bytes(data).best()
    if best is not None:
        return str(best)
    return data.decode("cp1252", errors="replace")


class NotText(ValueError):
    """Bytes that are not a text document (a PDF, an image, an archive, random binary) under a text name."""


_MAGIC = {b"%PDF": "a PDF", b"PK\x03\x04": "a ZIP archive", b"\x89PNG": "a PNG image", b"GIF8": "a GIF image",
          b"\xff\xd8\xff": "a JPEG image", b"\x1f\x8b": "gzip data", b"\x7fELF": "an executable",
          b"\xd0\xcf\x11\xe0": "an Office document"}
_BOMS = ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe\x00\x00", "utf-32"), (b"\x00\x00\xfe\xff", "utf-32"),
         (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))
# C0 controls other than tab, newline, carriage return and form feed: never part of an article.
_CONTROL = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f\ufffe\uffff]")


def decode_text(data: bytes, declared: str | None = None, html: bool = False) -> str:
    """Bytes of a text document (page or plain text) as text, or NotText. Handles BOMs (UTF-8, -16, -32),
    UTF-16 without a BOM, then what `decode_html` does; refuses binary data instead of garbling it."""
    for magic, what in _MAGIC.items():
        if data.startswith(magic):
            raise NotText(f"not a text document: the bytes are {what}")
    text = None
    for bom, codec in _BOMS:
        if data.startswith(bom):
            text = data.decode(codec, errors="replace")
            break
    if text is None and len(data) >= 4 and b"\x00" in data[:4096]:
        head = data[:4096]
        even, odd = head[0::2].count(0), head[1::2].count(0)
        if odd > len(head) / 4 and even == 0:        # ASCII-range UTF-16 without BOM: "a\0b\0..."
            text = data.decode("utf-16-le", errors="replace")
        elif even > len(head) / 4 and odd == 0:
            text = data.decode("utf-16-be", errors="replace")
        else:
            raise NotText("not a text document: NUL bytes in the data (binary content)")
    if text is None:
        text = decode_html(data, declared) if html else _decode_plain(data)
    sample = text[:8192]
    bad = len(_CONTROL.findall(sample)) + sample.count("\ufffd")
    if sample and bad > max(4, len(sample) // 100):
        raise NotText(f"not a text document: {bad} control or undecodable characters in its first "
                      f"{len(sample)} (binary content)")
    return strip_controls(text)


def strip_controls(text: str) -> str:
    """Text without NULs and other control characters (a NUL in a JSON string reaches every table)."""
    return _CONTROL.sub("", text) if _CONTROL.search(text) else text


def _decode_plain(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    best = from_bytes(data).best()
    return str(best) if best is not None else data.decode("cp1252", errors="replace")
