"""Schemathesis hooks (loaded through SCHEMATHESIS_HOOKS by tests/test_fuzz.py): each part of a
generated request (JSON body, query, path parameters, headers) is made hostile half the time
(bodies two times in three) with the input of tests/support/hostile.py.

A part made hostile has one value changed, or is replaced whole (deeply nested JSON): the rest of
the request stays as generated and plausible, so the hostile part reaches the code behind the
validation.
"""

from typing import Any

import schemathesis
from hypothesis import strategies as st

from tests.support.hostile import (
    DEEP,
    bad_signature_headers,
    deeply_nested_json,
    header_digits,
    long_digits,
    with_bad_string,
)


@schemathesis.hook
def flatmap_body(_context: Any, body: Any) -> st.SearchStrategy[Any]:
    deep = deeply_nested_json(DEEP // 10)  # sent as bytes: still far past any recursion limit
    return st.one_of(st.just(body), with_bad_string(body), st.just(deep))


@schemathesis.hook
def flatmap_query(_context: Any, query: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    return st.one_of(st.just(query), with_bad_string(query, surrogates=False))


@schemathesis.hook
def flatmap_path_parameters(
    _context: Any, path_parameters: dict[str, Any]
) -> st.SearchStrategy[dict[str, Any]]:
    return st.one_of(st.just(path_parameters), with_bad_string(path_parameters, surrogates=False))


@schemathesis.hook
def flatmap_headers(
    _context: Any, headers: dict[str, Any] | None
) -> st.SearchStrategy[dict[str, Any] | None]:
    if not headers:
        return st.just(headers)
    hostile = st.one_of(header_digits, long_digits, bad_signature_headers)
    return st.one_of(
        st.just(headers),
        st.sampled_from(sorted(headers)).flatmap(
            lambda name: hostile.map(lambda value: {**headers, name: value})
        ),
    )
