"""A notification's subject, text part and HTML part (CSS inlined), from its kind's templates."""

from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache
from pathlib import Path

import css_inline
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from hookdesk.accounts.brand import Brand
from hookdesk.mail.render.catalogs import language_for, translations

TEMPLATES = Path(__file__).parent / "templates"


class Kind(StrEnum):
    """What a notification tells; the first four go to the client, the others to teammates."""

    TICKET_OPENED = "ticket_opened"
    AGENT_REPLIED = "agent_replied"
    TICKET_RESOLVED = "ticket_resolved"
    PORTAL_LINK = "portal_link"  # asked for on the portal: no ticket
    NEW_TICKET = "new_ticket"
    CLIENT_REPLIED = "client_replied"
    TICKET_ASSIGNED = "ticket_assigned"


@dataclass(frozen=True)
class Attachment:
    name: str
    url: str


@dataclass(frozen=True)
class Notification:
    kind: Kind
    language: str
    brand: Brand
    recipient_name: str
    title: str  # the ticket's
    text: str | None = None  # the reply, description or automated reply shown
    author: str | None = None  # who wrote `text`
    attachments: tuple[Attachment, ...] = field(default_factory=tuple)
    link: str | None = None  # the conversation: a one-time portal link, or the console's page
    replies_by_mail: bool = True  # the footer invites a reply by email


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


def render(notification: Notification) -> Rendered:
    language = language_for(notification.language)
    values = {
        "language": language,
        "brand": notification.brand,
        "recipient_name": notification.recipient_name,
        "title": notification.title,
        "text": notification.text,
        "author": notification.author,
        "attachments": notification.attachments,
        "link": notification.link,
        "replies_by_mail": notification.replies_by_mail,
    }
    text_template = _environment(language).get_template(f"{notification.kind}.txt")
    subject = str(text_template.make_module(values).subject)  # type: ignore[attr-defined]
    html = _environment(language).get_template(f"{notification.kind}.html").render(values)
    return Rendered(
        subject=" ".join(subject.split()),  # one line, whatever a title holds
        text=text_template.render(values).strip() + "\n",
        html=_inliner().inline(html),
    )


@cache
def _environment(language: str) -> Environment:
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,  # the templates ship with the package: no stat of each file per message
    )
    environment.install_gettext_translations(translations(language), newstyle=True)  # type: ignore[attr-defined]
    return environment


@cache
def _inliner() -> css_inline.CSSInliner:
    # Mail clients drop <style>: every rule goes onto its elements. Nothing is fetched.
    return css_inline.CSSInliner(keep_style_tags=False, load_remote_stylesheets=False)
