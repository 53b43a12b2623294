"""The portal in the client's language: English, or one the portal's catalogs translate
(`web/locale/`, Babel catalogs compiled like the notifications': shared/catalogs.py).

Which language a page is in:
- a ticket's page (and its live parts): the ticket's language, its category's;
- every other page of a signed-in client, error pages included: the language of their most
  recently active ticket;
- before the client is known (a link's page, `Email me a link`, an error page without a session):
  the browser's preferred language among those (`Accept-Language`), else English; signing out
  names the client's language for the page it leads to (`?lang=`).
"""

from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

from babel import negotiate_locale
from fastapi import Request
from fastapi.responses import Response
from jinja2 import Environment

from hookdesk.db import Database
from hookdesk.shared.catalogs import DEFAULT, N_, Catalogs
from hookdesk.tickets import portal
from hookdesk.web.pages import render
from hookdesk.webhooks.payloads import TicketView

LOCALE = Path(__file__).parents[1] / "locale"
CATALOGS = Catalogs(LOCALE)
__all__ = ["N_", "of_browser", "of_client", "of_ticket", "render_in", "speaking", "translate"]


def of_ticket(ticket: TicketView) -> str:
    return CATALOGS.language_for(ticket.language)


def of_client(database: Database, *, account_id: str, client_id: str) -> str:
    with database.read() as session:
        latest = portal.latest_language(session, account_id=account_id, client_id=client_id)
    return CATALOGS.language_for(latest)


def of_browser(request: Request) -> str:
    """`?lang=` when the portal sent the browser on with the client's language (signing out);
    else the browser's preference."""
    named = request.query_params.get("lang")
    if named in CATALOGS.languages:
        return named
    asked = request.headers.get("accept-language", "")
    preferred = [part.split(";")[0].strip().replace("-", "_") for part in asked.split(",")]
    found = negotiate_locale([p for p in preferred if p], sorted(CATALOGS.languages), sep="_")
    return found or DEFAULT


def speaking(language: str) -> dict[str, Any]:
    """What a template needs to speak `language`: `language` itself (the page's `lang`, times)
    and the i18n extension's gettext functions, which the template's context lends to `_()` and
    `{% trans %}`."""
    return {"language": language, **_gettext(language)}


def translate(language: str, message: str) -> str:
    """A message of the code (a title, an error) in `language`; unknown ones stay as they are."""
    return CATALOGS.translations(language).gettext(message)


def translated(language: str, messages: Mapping[str, str]) -> dict[str, str]:
    return {name: translate(language, message) for name, message in messages.items()}


@cache
def _gettext(language: str) -> dict[str, Any]:
    # Jinja wraps the translations into its "newstyle" gettext (autoescaping, %(name)s values).
    environment = Environment(extensions=["jinja2.ext.i18n"], autoescape=True)
    translations = CATALOGS.translations(language)
    environment.install_gettext_translations(translations, newstyle=True)  # type: ignore[attr-defined]
    names = ("gettext", "ngettext", "pgettext", "npgettext")
    return {name: environment.globals[name] for name in names}


def render_in(
    language: str,
    request: Request,
    template: str,
    context: Mapping[str, Any],
    *,
    status: int = 200,
) -> Response:
    """A portal page in `language`; its context's messages come translated already."""
    return render(request, template, {**context, **speaking(language)}, status=status)
