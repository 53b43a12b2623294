"""Which endpoint URLs may be called.

A URL is well formed (no spaces or control characters, a valid host name or IP address) in every
mode. Outside development mode it must also be `https` and its host must not be, or resolve to, a
loopback, private, link-local, multicast, reserved or cloud-metadata address, nor an IPv6 address
that carries such an IPv4 address for a gateway to reach (IPv4-compatible, IPv4-mapped, NAT64,
6to4, Teredo). The check runs when an endpoint is saved and again at every call, where the
sender's resolver (`webhooks/dispatch/sender.py`) hands the connection only addresses that
passed, so a DNS answer that changes in between cannot redirect a delivery inside the network.
"""

import ipaddress
import re
import socket
import unicodedata
from ipaddress import IPv4Address, IPv6Address
from urllib.parse import SplitResult, urlsplit

import idna

from hookdesk.net.addresses import embedded_ipv4, is_public_address

MAX_URL_LENGTH = 2048
MAX_HOST_LENGTH = 253

# A DNS label: letters, digits, hyphens (not first or last) and, as DNS allows, underscores.
_LABEL = re.compile(r"[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?", re.IGNORECASE)
# What a URL parser reads as an IPv4 address in another form (`0x7f.1`, `2130706433`).
_NUMERIC_LABEL = re.compile(r"(0x[0-9a-f]*|[0-9]+)", re.IGNORECASE)
_BRACKETED = re.compile(r"\[[^\]]*\](:[0-9]*)?")
# Control, format (zero-width and direction marks), space and separator characters.
_INVISIBLE = frozenset({"Cc", "Cf", "Zs", "Zl", "Zp"})


class UnsafeUrl(ValueError):
    pass


def check_syntax(url: str, *, dev: bool) -> str:
    """The host of a well-formed endpoint URL, or UnsafeUrl saying what is wrong."""
    if len(url) > MAX_URL_LENGTH:
        raise UnsafeUrl(f"the URL is longer than {MAX_URL_LENGTH} characters")
    if any(unicodedata.category(c) in _INVISIBLE for c in url):
        raise UnsafeUrl("the URL must not contain spaces or control characters")
    parts = _split(url)
    allowed = ("https", "http") if dev else ("https",)
    if parts.scheme not in allowed:
        raise UnsafeUrl(
            "the URL must start with https://" if not dev else "the URL must be http(s)"
        )
    if not parts.hostname:
        raise UnsafeUrl("the URL has no host")
    if parts.username or parts.password:
        raise UnsafeUrl("the URL must not carry a user name or password")
    _check_host(parts)
    return parts.hostname


def check(url: str, *, dev: bool) -> None:
    """Raise UnsafeUrl unless hookdesk may save this URL (its host, resolved now, is public)."""
    host = check_syntax(url, dev=dev)
    if dev:
        return
    for address in _resolve(host):
        if not is_public_address(address):
            raise UnsafeUrl(
                f"the host {host} is, or resolves to, a non-public address ({_shown(address)})"
            )


def _shown(address: str) -> str:
    ip = ipaddress.ip_address(address)
    carried = embedded_ipv4(ip) if isinstance(ip, IPv6Address) else None
    return f"{address}, which carries {carried}" if carried else address


def _split(url: str) -> SplitResult:
    try:
        parts = urlsplit(url)
    except ValueError as error:
        if "IPv" in str(error):  # an unclosed or stray bracket
            raise UnsafeUrl("the URL's host is not a valid IPv6 address in brackets") from None
        # characters that NFKC normalization turns into URL delimiters (℀ is a/c)
        raise UnsafeUrl("the URL's host is not a valid host name") from None
    try:
        _ = parts.port
    except ValueError:
        raise UnsafeUrl("the URL's port is not a number from 0 to 65535") from None
    return parts


def _check_host(parts: SplitResult) -> None:
    host = parts.hostname or ""
    if parts.netloc.startswith("["):
        if not _BRACKETED.fullmatch(parts.netloc) or not _is_ipv6(host):
            raise UnsafeUrl("the URL's host is not a valid IPv6 address in brackets")
        return
    if _is_ipv4(host):
        return
    if _NUMERIC_LABEL.fullmatch(host.removesuffix(".").rpartition(".")[2]):
        raise UnsafeUrl(f"the host {host} is not a valid IPv4 address")
    if not _is_host_name(host):
        raise UnsafeUrl(f"the host {host} is not a valid host name")


def _is_ipv6(host: str) -> bool:
    try:
        IPv6Address(host)
    except ValueError:
        return False
    return True


def _is_ipv4(host: str) -> bool:
    try:
        IPv4Address(host)
    except ValueError:
        return False
    return True


def _is_host_name(host: str) -> bool:
    """Labels of letters, digits and hyphens once internationalized names are in their ASCII
    (IDNA) form."""
    try:
        ascii_host = host if host.isascii() else idna.encode(host, uts46=True).decode()
    except idna.IDNAError:
        return False
    labels = ascii_host.removesuffix(".").split(".")
    return len(ascii_host) <= MAX_HOST_LENGTH and all(_LABEL.fullmatch(label) for label in labels)


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
