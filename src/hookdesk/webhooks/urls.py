"""Which endpoint URLs may be called.

Outside development mode a URL must be `https` and its host must not be, or resolve to, a
loopback, private, link-local, multicast, reserved or cloud-metadata address. The check runs when
an endpoint is saved and again at every call, where the sender's resolver (`delivery/sender.py`)
hands the connection only addresses that passed, so a DNS answer that changes in between cannot
redirect a delivery inside the network.
"""

import ipaddress
import socket
from urllib.parse import urlsplit

MAX_URL_LENGTH = 2048


class UnsafeUrl(ValueError):
    pass


def is_public_address(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def check_syntax(url: str, *, dev: bool) -> str:
    """The host of a well-formed endpoint URL, or UnsafeUrl saying what is wrong."""
    if len(url) > MAX_URL_LENGTH:
        raise UnsafeUrl(f"the URL is longer than {MAX_URL_LENGTH} characters")
    parts = urlsplit(url)
    allowed = ("https", "http") if dev else ("https",)
    if parts.scheme not in allowed:
        raise UnsafeUrl(
            "the URL must start with https://" if not dev else "the URL must be http(s)"
        )
    if not parts.hostname:
        raise UnsafeUrl("the URL has no host")
    if parts.username or parts.password:
        raise UnsafeUrl("the URL must not carry a user name or password")
    try:
        _ = parts.port
    except ValueError:
        raise UnsafeUrl("the URL's port is not a number from 0 to 65535") from None
    return parts.hostname


def check(url: str, *, dev: bool) -> None:
    """Raise UnsafeUrl unless hookdesk may save this URL (its host, resolved now, is public)."""
    host = check_syntax(url, dev=dev)
    if dev:
        return
    for address in _resolve(host):
        if not is_public_address(address):
            raise UnsafeUrl(f"the host {host} is, or resolves to, a non-public address ({address})")


def _resolve(host: str) -> list[str]:
    try:
        return [str(ipaddress.ip_address(host))]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError):
        return []  # not resolvable yet: allowed now, checked again at every call
    return [str(info[4][0]) for info in infos]
