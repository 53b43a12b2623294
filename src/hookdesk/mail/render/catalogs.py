"""The translations of the notifications: one Babel message catalog (.po) per language under
locale/, compiled when first used, so a translator edits the .po file and nothing else.

Templates are written in English; `messages.pot` lists every message of them (see docs/mail.md for
how to update it and the catalogs)."""

import gettext
from functools import cache
from io import BytesIO
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALE = Path(__file__).parent / "locale"
DEFAULT = "en"
LANGUAGES = frozenset({DEFAULT, *(path.name for path in LOCALE.iterdir() if path.is_dir())})


def language_for(requested: str | None) -> str:
    """The language a notification is written in: the ticket's when there is a catalog for it."""
    return requested if requested in LANGUAGES else DEFAULT


@cache
def translations(language: str) -> gettext.NullTranslations:
    if language == DEFAULT:
        return gettext.NullTranslations()
    with (LOCALE / language / "LC_MESSAGES" / "messages.po").open("rb") as file:
        catalog = read_po(file, locale=language)
    compiled = BytesIO()
    write_mo(compiled, catalog)  # fuzzy entries are left out: they fall back to English
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)
