"""Messages shaped as mail clients and servers really write them, built with the stdlib."""

import base64
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


def bounce(original_to: str = "james@example.com") -> bytes:
    """A delivery status notification (RFC 3464) as Postfix sends it: the explanation, the
    machine-readable report and the returned message's headers. No Auto-Submitted: many MTAs
    send none, and the report's type tells."""
    returned = make_msgid(domain="acme.example")
    return (
        "From: MAILER-DAEMON@mail.example.com (Mail Delivery System)\r\n"
        f"To: {SUPPORT}\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        f"Message-ID: {make_msgid(domain='mail.example.com')}\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: multipart/report; report-type=delivery-status;\r\n"
        '\tboundary="7A1B2C3D4E.1764583200/mail.example.com"\r\n\r\n'
        "This is a MIME-encapsulated message.\r\n\r\n"
        "--7A1B2C3D4E.1764583200/mail.example.com\r\n"
        "Content-Description: Notification\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n"
        "This is the mail system at host mail.example.com.\r\n\r\n"
        "I'm sorry to have to inform you that your message could not\r\n"
        "be delivered to one or more recipients.\r\n\r\n"
        f"<{original_to}>: host mx.example.com said: 550 5.1.1 User unknown\r\n\r\n"
        "--7A1B2C3D4E.1764583200/mail.example.com\r\n"
        "Content-Description: Delivery report\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mail.example.com\r\n\r\n"
        f"Final-Recipient: rfc822; {original_to}\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        "Diagnostic-Code: smtp; 550 5.1.1 User unknown\r\n\r\n"
        "--7A1B2C3D4E.1764583200/mail.example.com\r\n"
        "Content-Description: Undelivered Message Headers\r\n"
        "Content-Type: text/rfc822-headers\r\n\r\n"
        f"From: Acme Support <{SUPPORT}>\r\nTo: {original_to}\r\n"
        f"Message-ID: {returned}\r\nSubject: Your ticket was answered\r\n\r\n"
        "--7A1B2C3D4E.1764583200/mail.example.com--\r\n"
    ).encode("ascii")


def exchange_bounce(original_to: str = "james@example.com") -> bytes:
    """Exchange's non-delivery report: from a `MicrosoftExchange...` address, not a daemon's, with
    no Auto-Submitted either; only its multipart/report says what it is."""
    raw = bounce(original_to).replace(
        b"MAILER-DAEMON@mail.example.com (Mail Delivery System)",
        b"Microsoft Outlook <MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e@example.com>",
    )
    return raw.replace(b"Undelivered Mail Returned to Sender", b"Undeliverable: Your ticket")


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


def outlook_html_reply(new: str, quoted: str, **fields) -> EmailMessage:
    """Outlook on the web's HTML-only reply: the quote under its `divRplyFwdMsg` header block."""
    html = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">'
        '</head><body><div style="font-family: Calibri, Arial, Helvetica, sans-serif;">'
        f'{new}</div><hr style="display:inline-block;width:98%" tabindex="-1">'
        '<div id="divRplyFwdMsg" dir="ltr"><font face="Calibri, sans-serif" style="font-size:11pt">'
        f"<b>From:</b> Acme Support &lt;{SUPPORT}&gt;<br><b>Sent:</b> Monday, December 1, 2026 "
        "10:00 AM<br><b>To:</b> James Doe &lt;james@example.com&gt;<br><b>Subject:</b> Re: "
        f"Billing settings fail</font><div>&nbsp;</div></div><div>{quoted}</div></body></html>"
    )
    return html_only(html, **fields)


def apple_html_reply(new: str, quoted: str, **fields) -> EmailMessage:
    """Apple Mail's reply: a plain part, and an HTML part quoting in `blockquote type="cite"`."""
    built = apple_reply(new, quoted, **fields)
    html = (
        f'<html><body dir="auto"><div>{new}</div><div><br><blockquote type="cite">'
        f"On 1 Dec 2026, at 10:00, Acme Support &lt;{SUPPORT}&gt; wrote:<br><br>"
        f"<div>{quoted}</div></blockquote></div></body></html>"
    )
    built.add_alternative(html, subtype="html")
    return built


def windows_1252(text: str, **fields) -> EmailMessage:
    """Outlook's habit: a Windows-1252 body (curly quotes, the euro sign) sent as 8bit."""
    built = message(text=None, **fields)
    built.set_content(text.encode("cp1252"), maintype="text", subtype="plain", cte="8bit")
    built.set_param("charset", "windows-1252")
    return built


def iso_2022_jp(text: str, subject: str) -> bytes:
    """Japanese as mail clients in Japan still send it: ISO-2022-JP in 7 bits."""
    return (
        (
            f"From: {_encoded_word('山田 太郎', 'iso-2022-jp')} <taro@example.jp>\r\n"
            f"To: {SUPPORT}\r\n"
            f"Subject: {_encoded_word(subject, 'iso-2022-jp')}\r\n"
            f"Message-ID: {make_msgid(domain='mail.example.jp')}\r\n"
            "MIME-Version: 1.0\r\n"
            "Content-Type: text/plain; charset=iso-2022-jp\r\n"
            "Content-Transfer-Encoding: 7bit\r\n\r\n"
        ).encode("ascii")
        + text.encode("iso-2022-jp")
        + b"\r\n"
    )


def _encoded_word(text: str, charset: str) -> str:
    return f"=?{charset}?b?{base64.b64encode(text.encode(charset)).decode()}?="
