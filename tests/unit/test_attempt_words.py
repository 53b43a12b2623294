"""An attempt in words, from what it stores: one sentence per leaf of the sender's failure tree."""

import pytest

from hookdesk.webhooks.log.outcomes import in_words


@pytest.mark.parametrize(
    ("status_code", "error", "said"),
    [
        (200, None, "Delivered: the receiver answered HTTP 200 OK."),
        (204, None, "Delivered: the receiver answered HTTP 204 No Content."),
        (
            500,
            "HTTP 500",
            "The receiver failed with a server error (HTTP 500 Internal Server Error).",
        ),
        (503, "HTTP 503", "server error (HTTP 503 Service Unavailable)"),
        (404, "HTTP 404", "The receiver refused the request (HTTP 404 Not Found)."),
        (429, "HTTP 429", "limiting requests (HTTP 429 Too Many Requests)"),
        (410, "HTTP 410", "it says the endpoint no longer exists"),
        (
            301,
            "redirect to https://example.com/new not followed",
            "a redirect (HTTP 301 Moved Permanently) to https://example.com/new.",
        ),
        (599, "HTTP 599", "server error (HTTP 599)"),
        (None, "timeout after 15 s", "Timed out: the receiver did not answer within 15 s."),
        (
            None,
            "connection failed: Cannot connect to host 127.0.0.1:9 ssl:default "
            "[Connect call failed ('127.0.0.1', 9)]",
            "Connection refused",
        ),
        (None, "connection failed: [Errno 111] Connection refused", "Connection refused"),
        (None, "connection failed: Server disconnected", "closed before the receiver answered"),
        (None, "DNS lookup failed: hooks.example.invalid", "host name hooks.example.invalid"),
        (
            None,
            "TLS error: Cannot connect to host x:443 ssl:True [SSLCertVerificationError: "
            "certificate verify failed: self-signed certificate]",
            "certificate could not be verified",
        ),
        (None, "TLS error: wrong version number", "no secure connection could be set up"),
        (None, "blocked address: 10.0.0.1 is not a public address", "not public"),
        (None, "could not prepare the request: bad secret", "could not be prepared"),
        (None, "request failed: RuntimeError: odd", "failed before the receiver answered"),
        (None, None, "failed before the receiver answered"),
    ],
)
def test_each_kind_of_attempt_is_said_in_words(
    status_code: int | None, error: str | None, said: str
) -> None:
    assert said in in_words(status_code, error)


def test_a_failure_is_never_said_to_be_delivered() -> None:
    for status in (100, 302, 400, 418, 500):
        assert not in_words(status, f"HTTP {status}").startswith("Delivered")
