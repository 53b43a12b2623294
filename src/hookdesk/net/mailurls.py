"""Mail server URLs: `smtp://`/`smtps://` for sending, `imap://`/`imaps://` for reading.

The password in a URL is a secret: it is kept sealed apart from the rest of the URL, which is the
part ever shown (`shown`)."""

import socket
from dataclasses import dataclass
from urllib.parse import quote, unquote, urlsplit

from hookdesk.net.addresses import is_public_address

SENDING = ("smtp", "smtps")
READING = ("imap", "imaps")
MAX_URL_LENGTH = 2000


class BadMailUrl(ValueError):
    pass


@dataclass(frozen=True)
class MailUrl:
    scheme: str
    host: str
    port: int | None
    username: str | None
    password: str | None
    folder: str | None  # IMAP only: the mailbox polled, INBOX when the URL names none

    @property
    def shown(self) -> str:
        """The URL without its password."""
        user = f"{quote(self.username, safe='')}@" if self.username else ""
        host = f"[{self.host}]" if ":" in self.host else self.host
        port = f":{self.port}" if self.port else ""
        folder = f"/{quote(self.folder, safe='')}" if self.folder else ""
        return f"{self.scheme}://{user}{host}{port}{folder}"

    @property
    def implicit_tls(self) -> bool:
        return self.scheme.endswith("s")


def parse(url: str, *, schemes: tuple[str, ...]) -> MailUrl:
    if len(url) > MAX_URL_LENGTH:
        raise BadMailUrl(f"the URL is longer than {MAX_URL_LENGTH} characters")
    parts = urlsplit(url.strip())
    if parts.scheme not in schemes:
        raise BadMailUrl(f"the URL must start with {' or '.join(s + '://' for s in schemes)}")
    if not parts.hostname:
        raise BadMailUrl("the URL has no host")
    try:
        port = parts.port
    except ValueError:
        raise BadMailUrl("the URL's port is not a number from 0 to 65535") from None
    if parts.query or parts.fragment:
        raise BadMailUrl("the URL must not have a query or a fragment")
    folder = unquote(parts.path.strip("/")) or None
    if folder and parts.scheme in SENDING:
        raise BadMailUrl("an SMTP URL has no path")
    return MailUrl(
        scheme=parts.scheme,
        host=parts.hostname,
        port=port,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        folder=folder,
    )


def with_password(url: MailUrl, password: str | None) -> MailUrl:
    return MailUrl(url.scheme, url.host, url.port, url.username, password, url.folder)


def check_public(url: MailUrl) -> None:
    """Refuse a host that is, or resolves to, an address inside the network (outside development
    mode an account must not point hookdesk at the machines beside it)."""
    for address in _resolve(url.host):
        if not is_public_address(address):
            raise BadMailUrl(f"the host {url.host} is, or resolves to, a non-public address")


def _resolve(host: str) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError):
        return []  # not resolvable now: the connection fails later and is retried
    return [str(info[4][0]) for info in infos]
