"""The two characters no stored text may hold: NUL (PostgreSQL cannot store it in text) and a lone
surrogate (U+D800 to U+DFFF without its pair: no UTF-8 writes it).

Input over HTTP holding one is refused (http/characters.py). What cannot be refused, received mail
and the answers of webhook receivers, is made storable instead."""

import re

FORBIDDEN = re.compile("[\x00\ud800-\udfff]")


def storable(text: str) -> str:
    """`text` without NUL, and with U+FFFD for each lone surrogate (a byte that did not decode)."""
    return FORBIDDEN.sub(lambda found: "" if found[0] == "\x00" else "\ufffd", text)


def printable(text: str) -> str:
    """`text` with these characters written as `\\uXXXX`, so that an answer can quote it (a lone
    surrogate cannot even be encoded)."""
    return FORBIDDEN.sub(lambda found: f"\\u{ord(found[0]):04x}", text)
