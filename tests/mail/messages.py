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
