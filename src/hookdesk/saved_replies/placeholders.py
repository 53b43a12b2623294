"""The placeholders of a saved reply: `{{client.name}}`, `{{ticket.title}}`, `{{teammate.name}}`.

Spaces inside the braces are allowed (`{{ client.name }}`). A saved reply is refused when it holds
any other `{{name}}` made of letters, digits, `_` and dots (a misspelt placeholder would otherwise
reach a client as typed); other text between double braces is no placeholder and stays. Filling is
one pass: a value that itself looks like a placeholder (a client named `{{ticket.title}}`) is
inserted as it is.
"""

import re
from collections.abc import Mapping

PLACEHOLDER = re.compile(r"\{\{\s*([\w.]*)\s*\}\}")
KNOWN = ("client.name", "ticket.title", "teammate.name")


def unknown(text: str) -> list[str]:
    """The placeholders of `text` that are not known, as written, each once."""
    found = [m.group(0) for m in PLACEHOLDER.finditer(text) if m.group(1) not in KNOWN]
    return list(dict.fromkeys(found))


def fill(text: str, values: Mapping[str, str]) -> str:
    return PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)


def known_list() -> str:
    """The known placeholders in a sentence: `{{a}}, {{b}} or {{c}}`."""
    written = [f"{{{{{name}}}}}" for name in KNOWN]
    return f"{', '.join(written[:-1])} or {written[-1]}"
