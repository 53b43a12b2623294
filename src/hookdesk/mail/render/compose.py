"""A rendered notification as a MIME message with the headers the contract names.

Every header value passes through `one_line`: a name or title holding CR or LF stays inside its
own header instead of starting another."""

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.headerregistry import BaseHeader, HeaderRegistry
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid
from functools import lru_cache

from hookdesk.mail.render.content import Rendered

_BREAKS = re.compile(r"[\x00-\x1f\x7f]+")
PARSED_HEADERS = 512  # the MIME headers, senders and threads of a burst; unique ones pass through


class _Headers(HeaderRegistry):
    """The stdlib's registry makes a new class for every header it parses (a fifth of the time
    composing a message): the class of each header name is made once here. And it parses every
    value set, most of them the same from one message to the next (the MIME headers, the sender,
    a ticket's thread): parsed headers are immutable, so the latest ones are kept and shared."""

    def __init__(self) -> None:
        super().__init__()
        self._made: dict[str, type[BaseHeader]] = {}
        self._parsed = lru_cache(maxsize=PARSED_HEADERS)(super().__call__)

    def __getitem__(self, name: str) -> type[BaseHeader]:
        key = name.lower()
        made = self._made.get(key)
        if made is None:
            made = self._made[key] = super().__getitem__(name)
        return made

    def __call__(self, name: str, value: str) -> BaseHeader:
        return self._parsed(name, value)


POLICY = policy.default.clone(header_factory=_Headers())


@dataclass(frozen=True)
class Address:
    name: str | None
    address: str

    @property
    def domain(self) -> str:
        return self.address.rpartition("@")[2]

    def header(self) -> str:
        return formataddr((one_line(self.name or ""), one_line(self.address)))


@dataclass(frozen=True)
class Envelope:
    sender: Address
    recipient: Address
    message_id: str
    reply_to: Address | None = None  # the mailbox replies reach, `local+<token>@domain`
    thread: tuple[str, ...] = ()  # Message-IDs this one follows, oldest first


def one_line(value: str) -> str:
    return " ".join(_BREAKS.sub(" ", value).split())


def new_message_id(sender: Address) -> str:
    return make_msgid(domain=sender.domain)


def with_token(mailbox: Address, token: str) -> Address:
    """`local+token@domain`: a reply to it names its ticket."""
    local, _, domain = mailbox.address.rpartition("@")
    return Address(mailbox.name, f"{local}+{token}@{domain}")


def compose(rendered: Rendered, envelope: Envelope) -> EmailMessage:
    message = EmailMessage(policy=POLICY)
    message["From"] = envelope.sender.header()
    message["To"] = envelope.recipient.header()
    message["Subject"] = one_line(rendered.subject)
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = one_line(envelope.message_id)
    if envelope.thread:
        message["In-Reply-To"] = one_line(envelope.thread[-1])
        message["References"] = " ".join(one_line(item) for item in envelope.thread)
    if envelope.reply_to is not None:
        message["Reply-To"] = envelope.reply_to.header()
    # Not written by a person: auto-responders (out of office) must not answer it.
    message["Auto-Submitted"] = "auto-generated"
    message["X-Auto-Response-Suppress"] = "All"
    message.set_content(rendered.text)
    message.add_alternative(rendered.html, subtype="html")
    return message
