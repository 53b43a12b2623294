"""Properties of every parser of headers and filters over hostile text (tests/support/hostile.py): each
returns its kind of value or says no in its documented way, whatever it is given.

Signature headers (`verify` of the receiver SDK, and the server's verify-signature check),
`Last-Event-ID`, `Retry-After`, `Content-Length`, and the `from`/`to`/`since` times.
"""

import contextlib
import math
import time

from hypothesis import given, settings
from hypothesis import strategies as st

from hookdesk.http.limits import _content_length
from hookdesk.receiver.errors import WebhookVerificationError
from hookdesk.receiver.signing import (
    compact_signature_errors,
    new_secret,
    secret_key,
    signature_headers,
    unix_seconds,
)
from hookdesk.receiver.verify import verify
from hookdesk.shared.text import FORBIDDEN, printable, storable
from hookdesk.shared.timeparse import EARLIEST, LATEST, parse_time
from hookdesk.webhooks.dispatch.retry import parse_retry_after
from hookdesk.webhooks.outbox.stream import resumed_seq
from tests.support.hostile import hostile_text

EXAMPLES = settings(max_examples=300, deadline=None)
SECRET = new_secret()
BODY = b'{"event_id": "whev_1"}'
HEADER_NAMES = ("webhook-id", "webhook-timestamp", "webhook-signature", "Hookdesk-Signature")


def _is_ascii_number(text: str) -> bool:
    return text.isascii() and text.isdigit()


@EXAMPLES
@given(hostile_text)
def test_a_signature_timestamp_is_ascii_digits_or_none(text: str) -> None:
    seconds = unix_seconds(text)
    assert seconds is None or (_is_ascii_number(text.strip()) and 0 <= seconds < 10**18)


@EXAMPLES
@given(name=st.sampled_from(HEADER_NAMES), value=hostile_text)
def test_verify_raises_only_verification_errors(name: str, value: str) -> None:
    headers = signature_headers([secret_key(SECRET)], "whev_1", int(time.time()), BODY)
    if name != "Hookdesk-Signature":
        headers.pop("Hookdesk-Signature")
    headers[name] = value
    with contextlib.suppress(WebhookVerificationError):  # anything else fails the test
        verify(BODY, headers, SECRET)


@EXAMPLES
@given(hostile_text)
def test_the_servers_signature_check_says_what_is_wrong(header: str) -> None:
    errors = compact_signature_errors(
        BODY, header, [secret_key(SECRET)], now=time.time(), tolerance=300
    )
    assert errors
    assert all(isinstance(error, str) for error in errors)


@EXAMPLES
@given(hostile_text)
def test_a_last_event_id_is_a_sequence_number_or_none(text: str) -> None:
    seq = resumed_seq(text)
    assert seq is None or (_is_ascii_number(text) and 0 <= seq < 10**18)


@EXAMPLES
@given(hostile_text)
def test_retry_after_is_seconds_or_none(text: str) -> None:
    seconds = parse_retry_after(text)
    assert seconds is None or (seconds >= 0 and not math.isnan(seconds))


@EXAMPLES
@given(hostile_text)
def test_a_content_length_is_a_size_or_none(text: str) -> None:
    value = text.encode("utf-8", "surrogatepass")
    size = _content_length({"headers": [(b"content-length", value)]})
    assert size is None or (value.isdigit() and 0 <= size < 10**18)


@EXAMPLES
@given(hostile_text)
def test_a_time_is_in_range_or_refused_with_a_message(text: str) -> None:
    try:
        seconds = parse_time(text)
    except ValueError as error:
        assert str(error).startswith(f"'{text}' is")  # quoted as given; printable() escapes it
    else:
        assert EARLIEST - 86_400 <= seconds <= LATEST + 86_400  # ISO 8601 offsets reach a day


@EXAMPLES
@given(hostile_text)
def test_printable_text_holds_no_forbidden_character(text: str) -> None:
    shown = printable(text)
    assert not FORBIDDEN.search(shown)
    assert len(shown.encode()) >= len(text.encode("utf-8", "surrogatepass"))  # encodable; all kept


@EXAMPLES
@given(hostile_text)
def test_storable_text_holds_no_forbidden_character(text: str) -> None:
    kept = storable(text)
    assert not FORBIDDEN.search(kept)
    assert kept.encode().count(b"\x00") == 0
    assert len(kept) == len(text) - text.count("\x00")  # a surrogate becomes U+FFFD
