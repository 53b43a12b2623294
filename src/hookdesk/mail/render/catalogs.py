"""The translations of the notifications: the Babel message catalogs under locale/
(shared/catalogs.py compiles them when first used).

Templates are written in English; `messages.pot` lists every message of them (see docs/mail.md for
how to update it and the catalogs)."""

import gettext
from pathlib import Path

from hookdesk.shared.catalogs import DEFAULT, Catalogs

LOCALE = Path(__file__).parent / "locale"
CATALOGS = Catalogs(LOCALE)
LANGUAGES = CATALOGS.languages
__all__ = ["DEFAULT", "LANGUAGES", "LOCALE", "language_for", "translations"]


def language_for(requested: str | None) -> str:
    """The language a notification is written in: the ticket's when there is a catalog for it."""
    return CATALOGS.language_for(requested)


def translations(language: str) -> gettext.NullTranslations:
    return CATALOGS.translations(language)
