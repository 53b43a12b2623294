"""Hypothesis strategies for input that breaks careless parsers: NUL, lone surrogates, digits that
are not ASCII (`str.isdigit` accepts '²'), numbers too long for any field, and JSON nested deeper
than a recursive parser goes.

Shared by the schemathesis hooks (tests/schemathesis_hooks.py), which plant them in generated
requests, and by the properties of the header and filter parsers (tests/unit/test_parsers.py).
"""

import json
from typing import Any

from hypothesis import strategies as st

NUL = "\x00"
LONE_SURROGATES = ("\ud800", "\udfff")
NON_ASCII_DIGITS = "²³¹٠١٢٣٤٥٦٧٨٩०१२३४५६७८९߀①"  # all pass str.isdigit()
DEEP = 100_000  # levels of nesting: far past Python's recursion limit

_ASCII_TO_OTHER_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")

non_ascii_digits = st.text(alphabet=NON_ASCII_DIGITS, min_size=1, max_size=20)
# What an HTTP header can carry: latin-1 without NUL, so only these of the non-ASCII digits.
header_digits = st.text(alphabet="²³¹", min_size=1, max_size=20)
long_digits = st.integers(min_value=19, max_value=5000).map(lambda n: "9" * n)
# The shapes of the signature header with each kind of bad timestamp and signature.
bad_signature_headers = st.one_of(
    header_digits.map(lambda digits: f"t={digits},s=00"),
    long_digits.map(lambda digits: f"t={digits},s=00"),
    st.sampled_from(["t=1,s=é", "t=1,s=\xff", "t=-1,s=00", "t=,s=", "t=1 2,s=00", "t=1"]),
)


def _with_character(text: str, character: str, position: int) -> str:
    at = position % (len(text) + 1)
    return text[:at] + character + text[at:]


def bad_text(original: str = "", *, surrogates: bool = True) -> st.SearchStrategy[str]:
    """`original` with a NUL or lone surrogate planted in it, or its digits swapped for non-ASCII
    ones, or a hostile value in its place. Headers and URLs cannot carry surrogates (no client
    encodes them): `surrogates=False` leaves them out."""
    planted = st.sampled_from((NUL, *LONE_SURROGATES) if surrogates else (NUL,))
    return st.one_of(
        st.builds(_with_character, st.just(original), planted, st.integers(0, 1000)),
        st.just(original.translate(_ASCII_TO_OTHER_DIGITS) or "٣"),
        non_ascii_digits,
        long_digits,
        planted,
    )


def deeply_nested_json(depth: int = DEEP) -> bytes:
    """A JSON body nested `depth` levels deep, already encoded: `json.dumps` itself would recurse."""
    return b'{"a":' * depth + b"1" + b"}" * depth


def _paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Where `value` holds strings: the keys and indexes leading to each."""
    if isinstance(value, str):
        return [path]
    if isinstance(value, dict):
        return [p for key, item in value.items() for p in _paths(item, (*path, key))]
    if isinstance(value, list):
        return [p for index, item in enumerate(value) for p in _paths(item, (*path, index))]
    return []


def _replaced(value: Any, path: tuple[Any, ...], new: str) -> Any:
    if not path:
        return new
    copy = json.loads(json.dumps(value))
    holder = copy
    for step in path[:-1]:
        holder = holder[step]
    holder[path[-1]] = new
    return copy


def _leaf(value: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        value = value[step]
    return value


def with_bad_string(value: Any, *, surrogates: bool = True) -> st.SearchStrategy[Any]:
    """`value` (JSON-like) with one of its strings made hostile; `value` itself when it has none."""
    paths = _paths(value)
    if not paths:
        return st.just(value)
    return st.sampled_from(paths).flatmap(
        lambda path: bad_text(_leaf(value, path), surrogates=surrogates).map(
            lambda new: _replaced(value, path, new)
        )
    )


# Any text a header or a filter may carry, the hostile kinds well represented.
hostile_text = st.one_of(
    st.text(),
    st.text().flatmap(bad_text),
    non_ascii_digits.map(lambda digits: "-" + digits),
    bad_signature_headers,
    st.from_regex(r"-?[0-9]{1,25}(\.[0-9]{0,5})?", fullmatch=True),
)
