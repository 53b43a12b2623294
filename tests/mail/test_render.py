"""Notifications as their recipients read them: every kind in every language, in the agency's
brand, with escaped text and headers that nothing can split."""

import re
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from hookdesk.accounts.brand import Brand
from hookdesk.mail.render import catalogs
from hookdesk.mail.render.compose import Address, Envelope, compose, new_message_id, with_token
from hookdesk.mail.render.content import Attachment, Kind, Notification, Rendered, render

BRAND = Brand(
    display_name="Acme Support",
    logo_url="https://cdn.acme.example/logo.png",
    primary_color="#12ab34",
)
RENDER = Path(catalogs.__file__).parent
TRANSLATED = ["nl", "de", "fr", "es"]


def notification(kind: Kind = Kind.AGENT_REPLIED, language: str = "en", **fields) -> Notification:
    values = {
        "kind": kind,
        "language": language,
        "brand": BRAND,
        "recipient_name": "James Doe",
        "title": "Billing settings fail",
        "text": "Try again now, please.",
        "author": "Ada Agent",
        "link": "https://help.acme.example/portal/enter/abc",
        **fields,
    }
    return Notification(**values)


def sent(rendered: Rendered, **envelope) -> EmailMessage:
    """The message as a mail client parses it after the trip."""
    sender = Address("Acme Support", "support@acme.example")
    values = {
        "sender": sender,
        "recipient": Address("James Doe", "james@example.com"),
        "message_id": new_message_id(sender),
        "reply_to": with_token(Address("Acme Support", "help@acme.example"), "t0ken"),
        "thread": ("<first@acme.example>", "<second@acme.example>"),
        **envelope,
    }
    parsed = message_from_bytes(
        compose(rendered, Envelope(**values)).as_bytes(), policy=policy.default
    )
    assert isinstance(parsed, EmailMessage)
    return parsed


def parts(message: EmailMessage) -> tuple[str, str]:
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None and html is not None
    return text.get_content(), html.get_content()


@pytest.mark.parametrize("language", ["en", *TRANSLATED])
@pytest.mark.parametrize("kind", list(Kind))
def test_every_kind_renders_in_every_language_without_the_product_name(
    kind: Kind, language: str
) -> None:
    rendered = render(
        notification(
            kind, language, attachments=(Attachment("invoice.pdf", "https://files.example/1"),)
        )
    )
    message = sent(rendered)
    text, html = parts(message)
    assert ("Billing settings fail" in rendered.subject) != (kind == Kind.PORTAL_LINK)
    assert "James Doe" in text and "James Doe" in html
    assert f'lang="{language}"' in html
    whole = message.as_string().lower() + text.lower() + html.lower()
    assert "hookdesk" not in whole


def test_the_ticket_language_is_used_and_unknown_ones_fall_back_to_english() -> None:
    assert render(notification(language="de")).subject == "Neue Antwort: Billing settings fail"
    assert render(notification(language="nl")).subject == "Nieuw antwoord: Billing settings fail"
    assert render(notification(language="es")).subject == "Nueva respuesta: Billing settings fail"
    assert render(notification(language="fr")).subject == "Nouvelle réponse : Billing settings fail"
    assert render(notification(language="ja")).subject == "New reply: Billing settings fail"


def test_the_html_part_wears_the_brand_with_css_inlined() -> None:
    html = render(notification()).html
    assert "<style" not in html
    assert "background: #12ab34" in html
    assert '<img src="https://cdn.acme.example/logo.png" alt="Acme Support"' in html
    without_logo = render(notification(brand=Brand("Acme Support", None, "#12ab34"))).html
    assert "<img" not in without_logo and "Acme Support" in without_logo


def test_reply_text_is_escaped_in_html_and_kept_as_written_in_text() -> None:
    hostile = '<script>alert("x")</script> & <a href="https://evil.example">click</a>'
    rendered = render(notification(text=hostile, author="<b>Eve</b>", title="<i>title</i>"))
    assert "<script>" not in rendered.html and "<b>Eve</b>" not in rendered.html
    assert '&lt;script&gt;alert("x")&lt;/script&gt; &amp; &lt;a href=' in rendered.html
    assert hostile in rendered.text


def test_crlf_in_names_and_titles_cannot_add_headers() -> None:
    injected = "Evil\r\nBcc: victim@example.com\r\nX-Injected: 1"
    rendered = render(notification(title=injected, recipient_name=injected))
    message = sent(
        rendered,
        sender=Address(injected, "support@acme.example"),
        recipient=Address(injected, "james@example.com"),
    )
    assert message["Bcc"] is None and message["X-Injected"] is None
    assert message["Subject"] == "New reply: Evil Bcc: victim@example.com X-Injected: 1"
    assert message["To"].addresses[0].addr_spec == "james@example.com"
    assert message["From"].addresses[0].display_name == "Evil Bcc: victim@example.com X-Injected: 1"


def test_headers_thread_the_ticket_and_mark_the_message_automatic() -> None:
    message = sent(render(notification()))
    assert message["Message-ID"].endswith("@acme.example>")
    assert message["In-Reply-To"] == "<second@acme.example>"
    assert message["References"] == "<first@acme.example> <second@acme.example>"
    assert message["Reply-To"].addresses[0].addr_spec == "help+t0ken@acme.example"
    assert message["Auto-Submitted"] == "auto-generated"
    first, second = (
        new_message_id(Address(None, "a@acme.example")),
        new_message_id(Address(None, "a@acme.example")),
    )
    assert first != second


def test_messages_sharing_headers_stay_apart() -> None:
    # Parsed headers are kept and shared between messages: changing one message's header must
    # leave the other's as it was.
    first, second = sent(render(notification())), sent(render(notification()))
    del first["Subject"]
    first["Subject"] = "Changed"
    first.replace_header("Auto-Submitted", "auto-replied")
    assert second["Subject"] == "New reply: Billing settings fail"
    assert second["Auto-Submitted"] == "auto-generated"
    assert second.get_body(("plain",)) is not None


def test_attachments_are_links_in_both_parts() -> None:
    rendered = render(
        notification(attachments=(Attachment("invoice.pdf", "https://files.example/1"),))
    )
    assert "invoice.pdf: https://files.example/1" in rendered.text
    assert '<a href="https://files.example/1">invoice.pdf</a>' in rendered.html


def test_the_message_template_lists_every_message_of_the_templates() -> None:
    with (RENDER / "babel.cfg").open() as mapping:
        method_map, options_map = parse_mapping_cfg(mapping)
    in_templates = {message[2] for message in extract_from_dir(RENDER, method_map, options_map)}
    with (RENDER / "locale" / "messages.pot").open("rb") as file:
        in_template_file = {message.id for message in read_po(file) if message.id}
    assert in_templates == in_template_file


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_catalog_translates_every_message_keeping_its_placeholders(language: str) -> None:
    with (RENDER / "locale" / "messages.pot").open("rb") as file:
        wanted = {message.id for message in read_po(file) if message.id}
    path = RENDER / "locale" / language / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as file:
        catalog = read_po(file, locale=language)
    translated = {str(m.id): str(m.string) for m in catalog if m.id and m.string and not m.fuzzy}
    assert set(translated) == wanted
    for source, target in translated.items():
        assert sorted(_placeholders(source)) == sorted(_placeholders(target)), source


def _placeholders(text: str) -> list[str]:
    return re.findall(r"%\([a-z_]+\)s", text)


def test_buttons_in_a_light_brand_colour_get_dark_text() -> None:
    yellow = render(notification(brand=Brand("Acme Support", None, "#ffd400"))).html
    assert "background: #ffd400;color: #000000" in yellow
    dark = render(notification(brand=Brand("Acme Support", None, "#1f3a8a"))).html
    assert "background: #1f3a8a;color: #ffffff" in dark
