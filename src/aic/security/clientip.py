"""The client's address: the socket peer, or ``X-Forwarded-For`` as told by trusted proxies."""

from __future__ import annotations

from collections.abc import Sequence
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address

from starlette.types import Scope

__all__ = ["ProxyNetworks", "address_identity", "client_ip"]

ProxyNetworks = Sequence[IPv4Network | IPv6Network]
Address = IPv4Address | IPv6Address


def client_ip(scope: Scope, trusted_proxies: ProxyNetworks) -> str:
    """Who sent this request, as far as can be known.

    ``X-Forwarded-For`` is a list anyone can write to; only the entries appended by proxies we
    trust are facts. Walk it from the right (the nearest hop) while each hop is a trusted proxy:
    the first untrusted address is the client. A malformed entry stops the walk at the last
    trusted hop, so garbage can never choose someone else's address.
    """
    peer = scope.get("client")
    host = str(peer[0]) if peer else ""
    current = _parse(host)
    if current is None:
        return host or "unknown"  # a Unix socket or a test client: nothing to resolve
    if not trusted_proxies or not _trusted(current, trusted_proxies):
        return str(current)
    for hop in reversed(_forwarded_for(scope)):
        address = _parse(hop)
        if address is None:
            break
        current = address
        if not _trusted(address, trusted_proxies):
            break
    return str(current)


def address_identity(address: str) -> str:
    """The rate-limit identity of a client address: ``ip:<v4>`` or ``ip:<v6 /64>``.

    An IPv6 host usually holds a whole /64 and can pick a new address per request, so the
    /64 is the client; an IPv4 address is one client (or one NAT).
    """
    parsed = _parse(address)
    if isinstance(parsed, IPv6Address):
        return f"ip:{IPv6Network((int(parsed) >> 64 << 64, 64))}"
    return f"ip:{parsed if parsed is not None else address}"


def _forwarded_for(scope: Scope) -> list[str]:
    hops: list[str] = []
    for name, value in scope.get("headers", ()):
        if name == b"x-forwarded-for":
            hops.extend(part.strip() for part in value.decode("latin-1").split(","))
    return hops


def _parse(value: str) -> Address | None:
    """An address, allowing the ``host:port`` and ``[v6]:port`` forms some proxies write."""
    text = value.strip()
    if text.startswith("["):
        text = text[1 : text.find("]")] if "]" in text else text
    elif text.count(":") == 1:
        text = text.split(":", 1)[0]
    try:
        address = ip_address(text)
    except ValueError:
        return None
    if isinstance(address, IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped  # one client, one bucket, whichever socket family it used
    return address


def _trusted(address: Address, networks: ProxyNetworks) -> bool:
    return any(address.version == n.version and address in n for n in networks)
