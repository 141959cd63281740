"""Refuse web fetches to private, loopback and link-local addresses; `local: true` allows loopback only.

A sources YAML or a feed is input we do not control: a feed item pointing at `http://169.254.169.254/`
or an intranet name must not make the pipeline fetch from inside the network. The check runs on the
addresses a name resolves to, before any socket connects, and again inside the HTTP connection, which
then connects only to the address it checked (so a DNS answer that changes between the two, "DNS
rebinding", cannot slip a private address through), including every redirect hop.

`local: true` (tests, a demo server on this machine) opens loopback (127.0.0.0/8, ::1) and nothing else:
a local source's page that redirects to 169.254.169.254 (cloud metadata) or 10.0.0.1 is refused like
any other source's, before a socket is opened.
"""
from __future__ import annotations

import contextlib
import ipaddress
import socket
import threading
import time
from urllib.parse import urlsplit

from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NameResolutionError, NewConnectionError


class BlockedHostError(Exception):
    """A host that resolves to an address web sources may not reach. Not an OSError on purpose:
    urllib3 must not treat it as a network failure to retry."""


# IPv6 forms that carry an IPv4 address a gateway or the host will reach: NAT64 (RFC 6052's well-known
# prefix and RFC 8215's local-use one) and the deprecated IPv4-compatible ::a.b.c.d. Python counts them
# global whatever they embed, so `64:ff9b::7f00:1` (loopback) or `2002:a9fe:a9fe::` (6to4 of the cloud
# metadata address) passed as public.
_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))
_V4_COMPATIBLE = ipaddress.ip_network("::/96")


def embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address stands for (mapped, 6to4, NAT64, IPv4-compatible), if any."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if any(ip in net for net in _NAT64) or (ip in _V4_COMPATIBLE and int(ip) > 1):
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def is_public(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(ip, ipaddress.IPv6Address):
        inner = embedded_ipv4(ip)
        if inner is not None and not is_public(inner):
            return False
        if ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def is_loopback(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_loopback


def resolve(host: str, port: int | None, allow_loopback: bool) -> list[str]:
    """The host's addresses, all of them checked; raises BlockedHostError if any is not public (or, with
    `allow_loopback`, loopback)."""
    host = host.strip("[]").rstrip(".")
    infos = socket.getaddrinfo(host, port or 80, 0, socket.SOCK_STREAM)
    addrs = list(dict.fromkeys(info[4][0] for info in infos))
    ips = [(a, ipaddress.ip_address(a.split("%", 1)[0])) for a in addrs]
    bad = [a for a, ip in ips if not is_public(ip) and not (allow_loopback and is_loopback(ip))]
    if bad:
        if allow_loopback:
            raise BlockedHostError(f"host {host} resolves to non-public address {', '.join(bad)} "
                                   "(`local: true` allows loopback only, never private or link-local ranges)")
        hint = ("mark the source `local: true` to allow loopback" if all(is_loopback(ip) for _, ip in ips)
                else "private and link-local addresses are never fetched; `local: true` allows loopback only")
        raise BlockedHostError(f"host {host} resolves to non-public address {', '.join(bad)} ({hint})")
    return addrs


def check_url(url: str, allow_loopback: bool) -> None:
    """Raise BlockedHostError for a URL web sources may not fetch; socket.gaierror if it does not resolve."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise BlockedHostError(f"not an http(s) URL: {url}")
    resolve(parts.hostname, parts.port, allow_loopback)


_HEADERS_DEADLINE = threading.local()


@contextlib.contextmanager
def headers_deadline(deadline: float):
    """While in this block, a response's status line and headers must have arrived by `deadline`
    (time.monotonic()): a server dripping its headers a byte at a time never trips the per-read timeout."""
    _HEADERS_DEADLINE.value = deadline
    try:
        yield
    finally:
        _HEADERS_DEADLINE.value = None


def _shutdown(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


class _Guarded:
    """Mixin for urllib3 connections: resolve, check, then connect to a checked address only; and read
    headers by the deadline `headers_deadline` sets (a watchdog shuts the socket down at that time)."""
    allow_loopback = False

    def getresponse(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        deadline = getattr(_HEADERS_DEADLINE, "value", None)
        sock = getattr(self, "sock", None)
        if deadline is None or sock is None:
            return super().getresponse(*args, **kwargs)
        watchdog = threading.Timer(max(0.0, deadline - time.monotonic()), _shutdown, (sock,))
        watchdog.daemon = True
        watchdog.start()
        try:
            return super().getresponse(*args, **kwargs)
        finally:
            watchdog.cancel()

    def _new_conn(self):  # type: ignore[no-untyped-def]
        original = self._dns_host
        try:
            addrs = resolve(original, self.port, self.allow_loopback)
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


def pool_classes(allow_loopback: bool) -> dict[str, type]:
    """Connection-pool classes for urllib3's PoolManager whose connections enforce the guard."""
    http_conn = type("GuardedHTTPConnection", (_Guarded, HTTPConnection), {"allow_loopback": allow_loopback})
    https_conn = type("GuardedHTTPSConnection", (_Guarded, HTTPSConnection), {"allow_loopback": allow_loopback})
    return {"http": type("GuardedHTTPPool", (HTTPConnectionPool,), {"ConnectionCls": http_conn}),
            "https": type("GuardedHTTPSPool", (HTTPSConnectionPool,), {"ConnectionCls": https_conn})}
