"""Where webhooks may be sent: only to public addresses, and to the very address that was checked.

A URL's host is resolved (every numeric form included: `2130706433`, `0x7f.1`, `127.1`, `[::1]`,
`[::ffff:127.0.0.1]` all resolve to loopback) and each address is checked with `ipaddress`: loopback,
private, shared, link-local (cloud metadata at 169.254.169.254), multicast, reserved or unspecified
addresses are refused unless the setting `WEBHOOK_ALLOW_PRIVATE_TARGETS` allows them. A delivery
connects to the checked address itself (the `Host` header and TLS name stay those of the URL), so a
name that resolves again to another address between the check and the connection gains nothing.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit, urlunsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

REFUSED = (
    "the URL's host is or resolves to a loopback, private, link-local, multicast, reserved or "
    "unspecified address: webhooks are sent to public addresses only"
)


class TargetRefused(ValueError):
    """The URL's host is, or resolves to, an address webhooks may not be sent to."""


class Unresolved(OSError):
    """The URL's host has no address now."""


def is_public(address: IPAddress) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not (
        address.is_loopback
        or address.is_private
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
    )


def resolve(url: str) -> list[IPAddress]:
    """The addresses of the URL's host, in the resolver's order (raises Unresolved)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise Unresolved(f"{host} has no address") from exc
    addresses: list[IPAddress] = []
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%")[0])
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise Unresolved(f"{host} has no address")
    return addresses


def checked_addresses(url: str, *, allow_private: bool) -> list[IPAddress]:
    """The URL's addresses, all of them allowed (raises TargetRefused or Unresolved)."""
    addresses = resolve(url)
    if not allow_private and not all(is_public(a) for a in addresses):
        raise TargetRefused(REFUSED)
    return addresses


def check_url(url: str, *, allow_private: bool) -> None:
    """Refuse a URL whose host resolves to a forbidden address; a host without address for now passes
    (every delivery resolves and checks again)."""
    try:
        checked_addresses(url, allow_private=allow_private)
    except Unresolved:
        return


def pinned(url: str, address: IPAddress) -> tuple[str, str, str]:
    """The URL with its host replaced by `address`; the `Host` header and the TLS server name to send."""
    parts = urlsplit(url)
    host = f"[{address}]" if address.version == 6 else str(address)
    netloc = f"{host}:{parts.port}" if parts.port else host
    hostname = parts.hostname or ""
    host_header = f"[{hostname}]" if ":" in hostname else hostname
    if parts.port:
        host_header += f":{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, "")), host_header, hostname
