"""URL identity: the same article reached through tracking links or fragments is one URL."""
from __future__ import annotations

import hashlib
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

_TRACKING_PREFIXES = ("utm_", "mc_", "pk_", "hsa_", "_hs")
_TRACKING_KEYS = {"fbclid", "gclid", "dclid", "msclkid", "yclid", "igshid", "mkt_tok", "ref", "ref_src",
                  "cmpid", "ncid", "ocid", "sr_share", "smid", "share", "spm", "guccounter", "guce_referrer",
                  "guce_referrer_sig", "__twitter_impression", "at_medium", "at_campaign", "s_cid"}
_DEFAULT_PORTS = {"http": "80", "https": "443"}
# Longer URLs are refused (ValueError): servers commonly stop at 8 KB, sitemaps at 2,048 characters, and
# a feed or export carrying a million-character "URL" would otherwise store it in every table keyed by it.
MAX_URL_CHARS = 8192


def check_url_length(url: str) -> None:
    if len(url) > MAX_URL_CHARS:
        raise ValueError(f"URL of {len(url)} characters, over the {MAX_URL_CHARS} allowed")


def normalize_url(url: str) -> str:
    """Lower-case scheme and host, drop default ports, fragments and tracking parameters."""
    url = url.strip()
    check_url_length(url)
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        return urlunsplit((scheme, parts.netloc, parts.path, parts.query, ""))
    host = (parts.hostname or "").lower().rstrip(".")
    port = parts.port
    if ":" in host:
        host = f"[{host}]"   # an IPv6 literal keeps its brackets
    netloc = host if port is None or str(port) == _DEFAULT_PORTS.get(scheme) else f"{host}:{port}"
    query = urlencode(sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                             if k.lower() not in _TRACKING_KEYS and not k.lower().startswith(_TRACKING_PREFIXES)))
    path = parts.path or "/"
    return urlunsplit((scheme, netloc, path, query, ""))


def url_id(url: str) -> str:
    """A stable 16-hex-digit id of a URL's normalized form."""
    return hashlib.sha256(normalize_url(url).encode("utf-8")).hexdigest()[:16]


def domain_of(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme in ("http", "https"):
        host = (parts.hostname or "").lower()
        return host[4:] if host.startswith("www.") else host or None
    return None
