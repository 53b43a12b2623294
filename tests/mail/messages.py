"""Messages shaped as mail clients and servers really write them, built with the stdlib."""

from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

SUPPORT = "help@acme.example"


def message(
    sender: str = "James Doe <james@example.com>",
    to: str = SUPPORT,
    subject: str = "Billing settings fail",
    text: str | None = "Hello, my billing settings fail to save.",
    *,
    in_reply_to: str | None = None,
    references: tuple[str, ...] = (),
    message_id: str | None = None,
    headers: dict[str, str] | None = None,
) -> EmailMessage:
    built = EmailMessage()
    built["From"] = sender
    built["To"] = to
    built["Subject"] = subject
    built["Date"] = format_datetime(datetime.now(UTC))
    built["Message-ID"] = message_id or make_msgid(domain="mail.example.com")
    if in_reply_to:
        built["In-Reply-To"] = in_reply_to
    if references:
        built["References"] = " ".join(references)
    for name, value in (headers or {}).items():
        built[name] = value
    if text is not None:
        built.set_content(text)
    return built


def gmail_reply(new: str, quoted: str, **fields) -> EmailMessage:
    text = (
        f"{new}\n\nOn Mon, Dec 1, 2026 at 10:00 AM Acme Support <{SUPPORT}> wrote:\n\n"
        + "".join(f"> {line}\n" for line in quoted.splitlines())
    )
    built = message(text=text, **fields)
    html = f'<div dir="ltr">{new}</div><br><div class="gmail_quote"><blockquote>{quoted}</blockquote></div>'
    built.add_alternative(html, subtype="html")
    return built


def outlook_reply(new: str, quoted: str, **fields) -> EmailMessage:
    text = (
        f"{new}\n\n________________________________\nFrom: Acme Support <{SUPPORT}>\n"
        "Sent: Monday, December 1, 2026 10:00 AM\nTo: James Doe <james@example.com>\n"
        f"Subject: Re: Billing settings fail\n\n{quoted}\n"
    )
    return message(text=text, **fields)


def apple_reply(new: str, quoted: str, **fields) -> EmailMessage:
    text = (
        f"{new}\n\nSent from my iPhone\n\n> On 1 Dec 2026, at 10:00, Acme Support <{SUPPORT}> wrote:\n>\n"
        + "".join(f"> {line}\n" for line in quoted.splitlines())
    )
    return message(text=text, **fields)


def html_only(html: str, **fields) -> EmailMessage:
    built = message(text=None, **fields)
    built.set_content(html, subtype="html")
    return built


def with_attachments(files: list[tuple[str, bytes]], **fields) -> EmailMessage:
    built = message(**fields)
    for name, content in files:
        maintype, subtype = (
            ("application", "pdf") if name.endswith(".pdf") else ("application", "octet-stream")
        )
        built.add_attachment(content, maintype=maintype, subtype=subtype, filename=name)
    return built


def latin1(text: str, **fields) -> bytes:
    """A message in ISO-8859-1 with a quoted-printable body and an encoded-word subject."""
    body = text.encode("latin-1")
    quoted = "".join(
        chr(b) if 32 <= b < 127 and b != 61 else ("\n" if b == 10 else f"={b:02X}") for b in body
    )
    return (
        "From: =?iso-8859-1?q?Jos=E9_M=FCller?= <jose@example.com>\r\n"
        f"To: {SUPPORT}\r\n"
        "Subject: =?iso-8859-1?q?Probl=E8me_de_facturation?=\r\n"
        f"Message-ID: {make_msgid(domain='mail.example.com')}\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=iso-8859-1\r\n"
        "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
        f"{quoted}\r\n"
    ).encode("ascii")


def auto_reply(**fields) -> EmailMessage:
    return message(
        subject="Out of office: Billing settings fail",
        text="I am away until Monday.",
        headers={"Auto-Submitted": "auto-replied", "X-Autoreply": "yes"},
        **fields,
    )


def bounce(original_to: str = "james@example.com") -> EmailMessage:
    """A delivery status notification (RFC 3464), as Postfix sends it."""
    report = EmailMessage()
    report["From"] = "MAILER-DAEMON@mail.example.com (Mail Delivery System)"
    report["To"] = SUPPORT
    report["Subject"] = "Undelivered Mail Returned to Sender"
    report["Message-ID"] = make_msgid(domain="mail.example.com")
    report["Auto-Submitted"] = "auto-replied"
    report.set_content("This is the mail system. Your message could not be delivered.")
    report.add_attachment(
        f"Reporting-MTA: dns; mail.example.com\n\nFinal-Recipient: rfc822; {original_to}\nAction: failed\nStatus: 5.1.1\n",
        subtype="plain",
    )
    report.set_type("multipart/report")
    report.set_param("report-type", "delivery-status")
    del report["Auto-Submitted"]  # many MTAs send none: the report's type tells
    return report


def a_message(subject: str = "Hello") -> EmailMessage:
    """The smallest message, for the servers' own tests."""
    return message(
        subject=subject,
        text="Hello there.",
        message_id="<one@example.com>",
        to="support@agency.example",
    )


def thirty_megabytes() -> bytes:
    """Over the default limit of 25 MB received."""
    return with_attachments([("big.pdf", b"%PDF" + b"0" * (30 * 1024 * 1024))]).as_bytes()


def thousand_attachments() -> bytes:
    return with_attachments([(f"f{n}.pdf", b"%PDF") for n in range(1000)]).as_bytes()


def _raw(headers: bytes, body: bytes) -> bytes:
    return (
        b"From: Ann <ann@example.com>\r\nTo: " + SUPPORT.encode() + b"\r\n"
        b"Message-ID: "
        + make_msgid(domain="mail.example.com").encode()
        + b"\r\n"
        + headers
        + b"\r\n"
        + body
    )


def no_boundary() -> bytes:
    """A multipart message whose parts cannot be found: no boundary parameter."""
    return _raw(
        b"Subject: Parts\r\nContent-Type: multipart/mixed\r\n", b"--x\r\nHello\r\n--x--\r\n"
    )


def unterminated_parts() -> bytes:
    """A multipart message cut off inside its attachment: no closing boundary, and base64 that
    ends one character past a whole group of four (it cannot be decoded)."""
    return _raw(
        b'Subject: Cut off\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b"\r\n',
        b"--b\r\nContent-Type: text/plain\r\n\r\nThe invoice is attached.\r\n"
        b"--b\r\nContent-Type: application/pdf; name=invoice.pdf\r\n"
        b"Content-Disposition: attachment; filename=invoice.pdf\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK=Q",
    )


def nested_too_deep(levels: int = 2000) -> bytes:
    """Multiparts nested far deeper than a recursive parser goes."""
    opening = b"".join(
        b'--l%d\r\nContent-Type: multipart/mixed; boundary="l%d"\r\n\r\n' % (n, n + 1)
        for n in range(levels)
    )
    return _raw(b'Subject: Deep\r\nContent-Type: multipart/mixed; boundary="l0"\r\n', opening)


def broken_header_encodings() -> bytes:
    """Encoded words in a charset nobody knows, base64 that does not decode, bytes that are not
    UTF-8, raw 8-bit bytes: the sender's name and the subject come out with U+FFFD in them."""
    return (
        b"From: =?x-no-such-charset?q?Jos=E9?= <jose@example.com>\r\n"
        b"To: =?utf-8?b?////?= <" + SUPPORT.encode() + b">\r\n"
        b"Subject: =?utf-8?q?Factura_=FF=FE?= \xe9chec =?utf-8?b?!!!notbase64?=\r\n"
        b"Message-ID: " + make_msgid(domain="mail.example.com").encode() + b"\r\n"
        b"Content-Type: text/plain; charset=no-such-charset\r\n\r\n"
        b"La factura est\xe1 mal.\r\n"
    )


# Each hostile message, what becomes of it, and the reason recorded when it is ignored.
HOSTILE = [
    (no_boundary, "ignored", "the message has no text"),
    (unterminated_parts, "ignored", "the attachment invoice.pdf does not decode"),
    (nested_too_deep, "ignored", "nested too deeply"),
    (broken_header_encodings, "created", None),
    (thousand_attachments, "ignored", "1000 attachments"),
]
