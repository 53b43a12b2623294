"""Babel message catalogs: one editable `.po` file per language under a `locale/` folder,
compiled when first used, so a translator edits the .po file and nothing else. The notifications
(mail/render/) and the client portal (web/) each have theirs; English is the source language."""

import gettext
from functools import cache
from io import BytesIO
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

DEFAULT = "en"


def N_(message: str) -> str:
    """Marks a message of the code for a catalog (`pybabel extract` finds it); it is translated
    where it is shown."""
    return message


class Catalogs:
    """The catalogs of one `locale/` folder: `<language>/LC_MESSAGES/messages.po`."""

    def __init__(self, locale: Path) -> None:
        self.locale = locale
        self.languages = frozenset(
            {DEFAULT, *(path.name for path in locale.iterdir() if path.is_dir())}
        )

    def language_for(self, requested: str | None) -> str:
        """`requested` when there is a catalog for it, else English."""
        return requested if requested in self.languages else DEFAULT

    def translations(self, language: str) -> gettext.NullTranslations:
        if language not in self.languages or language == DEFAULT:
            return gettext.NullTranslations()
        return _compiled(self.locale / language / "LC_MESSAGES" / "messages.po", language)


@cache
def _compiled(path: Path, language: str) -> gettext.GNUTranslations:
    with path.open("rb") as file:
        catalog = read_po(file, locale=language)
    compiled = BytesIO()
    write_mo(compiled, catalog)  # fuzzy entries are left out: they fall back to English
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)
