"""Refuse web fetches to private, loopback and link-local addresses (unless a source is `local: true`).

A sources YAML or a feed is input we do not control: a feed item pointing at `http://169.254.169.254/`
or an intranet name must not make the pipeline fetch from inside the network. The check runs on the
addresses a name resolves to, before any socket connects, and again inside the HTTP connection, which
then connects only to the address it checked (so a DNS answer that changes between the two, "DNS
rebinding", cannot slip a private address through), including every redirect hop.
"""
from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NameResolutionError, NewConnectionError


class BlockedHostError(Exception):
    """A host that resolves to an address web sources may not reach. Not an OSError on purpose:
    urllib3 must not treat it as a network failure to retry."""


def is_public(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def resolve(host: str, port: int | None, allow_private: bool) -> list[str]:
    """The host's addresses, all of them checked; raises BlockedHostError if any is not public."""
    host = host.strip("[]").rstrip(".")
    infos = socket.getaddrinfo(host, port or 80, 0, socket.SOCK_STREAM)
    addrs = list(dict.fromkeys(info[4][0] for info in infos))
    if not allow_private:
        bad = [a for a in addrs if not is_public(ipaddress.ip_address(a.split("%", 1)[0]))]
        if bad:
            raise BlockedHostError(f"host {host} resolves to non-public address {', '.join(bad)} "
                                   "(mark the source `local: true` to allow)")
    return addrs


def check_url(url: str, allow_private: bool) -> None:
    """Raise BlockedHostError for a URL web sources may not fetch; socket.gaierror if it does not resolve."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise BlockedHostError(f"not an http(s) URL: {url}")
    resolve(parts.hostname, parts.port, allow_private)


class _Guarded:
    """Mixin for urllib3 connections: resolve, check, then connect to a checked address only."""
    allow_private = False

    def _new_conn(self):  # type: ignore[no-untyped-def]
        original = self._dns_host
        try:
            addrs = resolve(original, self.port, self.allow_private)
        except socket.gaierror as exc:
            raise NameResolutionError(self.host, self, exc) from exc
        last: Exception | None = None
        for addr in addrs:
            self._dns_host = addr          # pin the connect to the address we checked
            try:
                return super()._new_conn()
            except (NewConnectionError, ConnectTimeoutError) as exc:
                last = exc
            finally:
                self._dns_host = original  # TLS SNI and certificate checks use the name again
        assert last is not None
        raise last


def pool_classes(allow_private: bool) -> dict[str, type]:
    """Connection-pool classes for urllib3's PoolManager whose connections enforce the guard."""
    http_conn = type("GuardedHTTPConnection", (_Guarded, HTTPConnection), {"allow_private": allow_private})
    https_conn = type("GuardedHTTPSConnection", (_Guarded, HTTPSConnection), {"allow_private": allow_private})
    return {"http": type("GuardedHTTPPool", (HTTPConnectionPool,), {"ConnectionCls": http_conn}),
            "https": type("GuardedHTTPSPool", (HTTPSConnectionPool,), {"ConnectionCls": https_conn})}
