"""The Host header check against DNS rebinding, and what counts as a loopback address.

A web page on another site can make a browser send requests to a server on the visitor's own
machine or network by pointing its own DNS name at that address ("DNS rebinding"); the request
then carries the page's host name. A server that answers only to names it knows (and to IP
addresses typed as such, which no DNS name can pose as) cannot be reached that way.
"""

from __future__ import annotations

import ipaddress
import socket

_INET_ATON_CHARS = frozenset("0123456789abcdefx.")

ANY_HOST = "*"
"""In ``allowed_hosts``: answer to every Host name (behind a proxy that checks it itself)."""


def ip_literal(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address ``host`` spells, in any spelling the system resolver takes without DNS
    (``127.1``, ``2130706433``, ``0x7f.1``, ``[::1]``, ``::ffff:127.0.0.1``); None for a name."""
    host = host.strip()
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    try:
        return ipaddress.ip_address(host.split("%", 1)[0])  # (an IPv6 zone id is not part of the address)
    except ValueError:
        pass
    if not host or not set(host.lower()) <= _INET_ATON_CHARS:
        return None
    try:  # the classic inet_aton forms: 127.1, 0177.0.0.1, 0x7f000001
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except OSError:
        return None


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and every loopback address (127.0.0.0/8, ::1, IPv4-mapped forms)."""
    if host.strip().lower().rstrip(".") == "localhost":
        return True
    address = ip_literal(host)
    if address is None:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback


def host_name(header: str) -> str:
    """The name part of a Host header value: port dropped, IPv6 brackets kept, lower case."""
    value = header.strip().lower()
    if value.startswith("["):
        return value[: value.find("]") + 1] if "]" in value else value
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value


def host_allowed(header: str, allowed: tuple[str, ...]) -> bool:
    """Whether a request whose Host header is ``header`` may be answered.

    Allowed: the names in ``allowed`` (any name with ``*``), ``localhost`` and its subdomains
    (browsers resolve those to loopback themselves), and IP addresses written as addresses.
    """
    if ANY_HOST in allowed:
        return True
    name = host_name(header)
    bare = name.rstrip(".")
    if bare in allowed or name in allowed or bare == "localhost" or bare.endswith(".localhost"):
        return True
    return ip_literal(name) is not None
