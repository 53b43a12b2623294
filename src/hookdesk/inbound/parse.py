"""A raw RFC 5322 message read into what applying it needs: who wrote it, to which addresses, which
messages it answers, its new text (quotes and signature cut off) and its attachments.

Anything malformed is a `Unreadable` naming the problem, never an exception of the email package."""

import hashlib
import re
from dataclasses import dataclass
from email import errors, policy
from email.headerregistry import Address
from email.message import EmailMessage, Message, MIMEPart
from email.parser import BytesParser
from email.utils import getaddresses, parseaddr

from inscriptis import get_text
from mailparser_reply import EmailReplyParser

from hookdesk.shared.text import storable

REPLY_LANGUAGES = ["en", "de", "nl", "fr", "es", "it", "pl", "sv", "da", "cs", "ja", "ko", "zh"]
MESSAGE_ID = re.compile(r"<[^<>\s]+>")
RECIPIENT_HEADERS = ("To", "Cc", "Delivered-To", "X-Original-To", "Envelope-To")
MAX_HEADER_CHARACTERS = 100_000


class Unreadable(ValueError):
    """The message cannot be applied; the text says why (it becomes the recorded reason)."""


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    decodes: bool = True  # False: its base64 was cut off or garbled past reading


@dataclass(frozen=True)
class Parsed:
    message_id: str
    sender_name: str
    sender: str  # the address, lower case
    recipients: tuple[str, ...]  # lower case
    answers: tuple[str, ...]  # In-Reply-To, then References from the newest
    subject: str
    text: str  # the new text, without quotes and signature
    attachments: tuple[Attachment, ...]
    automatic: str | None  # why it is an automatic message, if it is one
    unreadable: str | None = None  # why a part of it cannot be read, if one cannot


def parse(raw: bytes, *, body: bool = True) -> Parsed:
    """The message read; without `body`, its headers only (no text, no attachments)."""
    try:
        message = BytesParser(policy=policy.default).parsebytes(raw, headersonly=not body)
        return _read(message, raw, body=body)
    except Unreadable:
        raise
    except RecursionError:
        raise Unreadable("malformed message: its parts are nested too deeply") from None
    except Exception as error:  # the email package raises many kinds of error on bad input
        raise Unreadable(f"malformed message: {type(error).__name__}") from None


def _read(message: Message, raw: bytes, *, body: bool) -> Parsed:
    assert isinstance(message, EmailMessage)
    if not message.keys():
        raise Unreadable("not an email message: no headers")
    if message.defects and not message.get("From"):
        raise Unreadable("malformed message: " + type(message.defects[0]).__name__)
    name, sender = _sender(message)
    attachments = _attachments(message) if body else []
    return Parsed(
        message_id=_message_id(message, raw),
        sender_name=name,
        sender=sender,
        recipients=_recipients(message),
        answers=_answers(message),
        subject=" ".join(_header(message, "Subject").split()),
        text=_new_text(message) if body else "",
        attachments=tuple(attachments),
        automatic=_automatic(message, sender),
        unreadable=next(
            (f"the attachment {a.filename} does not decode" for a in attachments if not a.decodes),
            None,
        ),
    )


def _header(message: Message, name: str) -> str:
    value = message.get(name)
    return storable(str(value)[:MAX_HEADER_CHARACTERS]) if value is not None else ""


def _sender(message: Message) -> tuple[str, str]:
    raw = _header(message, "From")
    name, address = parseaddr(raw)
    if "@" not in address:
        raise Unreadable("no sender address in From")
    return " ".join(name.split()), address.strip().lower()


def _message_id(message: Message, raw: bytes) -> str:
    found = MESSAGE_ID.search(_header(message, "Message-ID"))
    if found:
        return found.group(0)[:998]
    # Without one, the content names the message: the same message received twice is one.
    return f"<{hashlib.sha256(raw).hexdigest()}@no-message-id>"


def _recipients(message: Message) -> tuple[str, ...]:
    values = [_header(message, name) for name in RECIPIENT_HEADERS]
    return tuple(address.lower() for _name, address in getaddresses(values) if "@" in address)


def _answers(message: Message) -> tuple[str, ...]:
    replied = MESSAGE_ID.findall(_header(message, "In-Reply-To"))
    references = MESSAGE_ID.findall(_header(message, "References"))
    return tuple(dict.fromkeys([*replied, *reversed(references)]))


def _new_text(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain", "html"))
    if body is None:
        return ""
    content = _decoded(body)
    text = get_text(content) if body.get_content_subtype() == "html" else content
    return _without_quotes(storable(text))


def _decoded(part: MIMEPart) -> str:
    try:
        content = part.get_content()
    except LookupError:  # a charset Python does not know: read as UTF-8, the rest as U+FFFD
        payload = part.get_payload(decode=True)
        return payload.decode(errors="replace") if isinstance(payload, bytes) else ""
    return content if isinstance(content, str) else ""


def _without_quotes(text: str) -> str:
    text = text.replace("\r\n", "\n").strip()
    if not text:
        return ""
    replies = EmailReplyParser(languages=REPLY_LANGUAGES).read(text).replies
    newest = replies[0].body.strip() if replies else ""
    return newest or text


def _attachments(message: EmailMessage) -> list[Attachment]:
    found = []
    for part in message.iter_attachments():
        if part.is_multipart():
            continue
        content = part.get_payload(decode=True)
        if not isinstance(content, bytes):
            continue
        # Base64 that cannot be decoded at all is handed back as it came, with this defect.
        decodes = not any(isinstance(d, errors.InvalidBase64LengthDefect) for d in part.defects)
        found.append(Attachment(storable(part.get_filename() or "attachment"), content, decodes))
    return found


def _automatic(message: Message, sender: str) -> str | None:
    """Why no person wrote this message (it must not be answered), or None."""
    auto_submitted = _header(message, "Auto-Submitted").strip().lower()
    if auto_submitted and not auto_submitted.startswith("no"):
        return f"automatic reply (Auto-Submitted: {auto_submitted})"
    if message.get("X-Autoreply") or message.get("X-Autorespond"):
        return "automatic reply (X-Autoreply)"
    precedence = _header(message, "Precedence").strip().lower()
    if precedence in {"bulk", "junk", "list", "auto_reply"}:
        return f"automatic message (Precedence: {precedence})"
    if message.get_content_type() == "multipart/report" or _is_daemon(sender):
        return "delivery report"
    return None


def _is_daemon(sender: str) -> bool:
    local = Address(addr_spec=sender).username.lower() if "@" in sender else sender
    return local in {"mailer-daemon", "postmaster"}
