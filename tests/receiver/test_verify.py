"""The receiver SDK's `verify`, on bodies signed by the server and by the standardwebhooks package."""

import time
from datetime import UTC, datetime

import pytest
import standardwebhooks

from hookdesk.receiver import (
    InvalidSecret,
    MissingHeader,
    NoMatchingSignature,
    StaleTimestamp,
    WebhookVerificationError,
    verify,
)
from hookdesk.receiver.signing import new_secret, secret_key, signature_headers
from tests.support.golden import golden_text

BODY = golden_text("whitelabel.ticket.created").encode()
SECRET = new_secret()
EVENT_ID = "whev_o48n74r1vsv642vex"


def server_headers(
    secret: str = SECRET, at: int | None = None, body: bytes = BODY
) -> dict[str, str]:
    stamp = int(time.time()) if at is None else at
    return signature_headers([secret_key(secret)], EVENT_ID, stamp, body)


def test_accepts_the_servers_headers_in_either_scheme() -> None:
    headers = server_headers()
    verify(BODY, headers, SECRET)
    standard_only = {k: v for k, v in headers.items() if k != "Hookdesk-Signature"}
    verify(BODY, standard_only, SECRET)
    compact_only = {"Hookdesk-Signature": headers["Hookdesk-Signature"]}
    verify(BODY, compact_only, SECRET)


def test_accepts_a_body_signed_by_the_standardwebhooks_package() -> None:
    signer = standardwebhooks.Webhook(SECRET)
    moment = datetime.now(tz=UTC)
    signature = signer.sign(EVENT_ID, moment, BODY.decode())
    headers = {
        "webhook-id": EVENT_ID,
        "webhook-timestamp": str(int(moment.timestamp())),
        "webhook-signature": signature,
    }
    verify(BODY, headers, SECRET)
    verify(BODY.decode(), headers, SECRET)  # str bodies are taken as UTF-8


def test_header_names_are_case_insensitive_and_pairs_work() -> None:
    headers = {k.upper(): v for k, v in server_headers().items()}
    verify(BODY, headers, SECRET)
    verify(BODY, list(server_headers().items()), SECRET)


def test_any_of_several_signatures_may_match_during_rotation() -> None:
    old, new = new_secret(), new_secret()
    headers = signature_headers(
        [secret_key(new), secret_key(old)], EVENT_ID, int(time.time()), BODY
    )
    verify(BODY, headers, old)
    verify(BODY, headers, new)
    verify(BODY, {"Hookdesk-Signature": headers["Hookdesk-Signature"]}, old)


@pytest.mark.parametrize("scheme", ["webhook-signature", "Hookdesk-Signature"])
def test_a_changed_body_does_not_verify(scheme: str) -> None:
    headers = server_headers()
    only = {
        k: v
        for k, v in headers.items()
        if scheme == "Hookdesk-Signature" or k != "Hookdesk-Signature"
    }
    if scheme == "Hookdesk-Signature":
        only = {"Hookdesk-Signature": headers["Hookdesk-Signature"]}
    with pytest.raises(NoMatchingSignature, match="no signature matches"):
        verify(BODY.replace(b"James", b"Jane"), only, SECRET)


def test_the_wrong_secret_does_not_verify() -> None:
    with pytest.raises(NoMatchingSignature):
        verify(BODY, server_headers(), new_secret())


@pytest.mark.parametrize("age", [301, -301, 86_400])
def test_stale_or_future_timestamps_are_refused(age: int) -> None:
    headers = server_headers(at=int(time.time()) - age)
    with pytest.raises(StaleTimestamp, match="tolerance"):
        verify(BODY, headers, SECRET)
    with pytest.raises(StaleTimestamp):
        verify(BODY, {"Hookdesk-Signature": headers["Hookdesk-Signature"]}, SECRET)


def test_tolerance_is_adjustable() -> None:
    headers = server_headers(at=int(time.time()) - 600)
    verify(BODY, headers, SECRET, tolerance=900)


@pytest.mark.parametrize(
    ("drop", "message"),
    [
        ({"webhook-signature", "Hookdesk-Signature"}, "no webhook-signature or Hookdesk-Signature"),
        ({"webhook-id"}, "webhook-id"),
        ({"webhook-timestamp"}, "webhook-timestamp"),
    ],
)
def test_missing_headers_are_named(drop: set[str], message: str) -> None:
    headers = {k: v for k, v in server_headers().items() if k not in drop}
    with pytest.raises(MissingHeader, match=message):
        verify(BODY, headers, SECRET)


def test_a_malformed_secret_is_its_own_error() -> None:
    with pytest.raises(InvalidSecret, match="whsec_"):
        verify(BODY, server_headers(), "whsec_%%%")


def test_every_error_is_a_verification_error() -> None:
    for error in (MissingHeader, StaleTimestamp, NoMatchingSignature, InvalidSecret):
        assert issubclass(error, WebhookVerificationError)


def test_signatures_other_than_v1_are_ignored() -> None:
    headers = server_headers()
    headers["webhook-signature"] = "v1a,abc " + headers["webhook-signature"]
    verify(BODY, headers, SECRET)
    headers["webhook-signature"] = "v2," + headers["webhook-signature"].split(",", 2)[-1]
    with pytest.raises(NoMatchingSignature):
        verify(BODY, {k: v for k, v in headers.items() if k != "Hookdesk-Signature"}, SECRET)


def _with(name: str, value: str) -> dict[str, str]:
    """The server's headers for BODY with one of them replaced, in the scheme that header is of."""
    headers = server_headers()
    if name == "Hookdesk-Signature":
        return {name: value}
    return {k: v for k, v in headers.items() if k != "Hookdesk-Signature"} | {name: value}


@pytest.mark.parametrize(
    ("name", "value", "error"),
    [
        ("Hookdesk-Signature", "t=²,s=00", MissingHeader),
        ("Hookdesk-Signature", "t=١٢٣,s=00", MissingHeader),
        ("Hookdesk-Signature", "t=" + "9" * 5000 + ",s=00", MissingHeader),
        ("Hookdesk-Signature", "t=" + "9" * 19 + ",s=00", MissingHeader),
        ("Hookdesk-Signature", "t={now},s=é", NoMatchingSignature),
        ("Hookdesk-Signature", "t={now},s=\ud800", NoMatchingSignature),
        ("webhook-timestamp", "²", MissingHeader),
        ("webhook-timestamp", "9" * 5000, MissingHeader),
        ("webhook-signature", "v1,é\ud800", NoMatchingSignature),
        ("webhook-id", "whev_\ud800", MissingHeader),
    ],
)
def test_malformed_headers_raise_the_verification_errors(
    name: str, value: str, error: type[WebhookVerificationError]
) -> None:
    value = value.replace("{now}", str(int(time.time())))  # fresh: only the signature is wrong
    with pytest.raises(error):
        verify(BODY, _with(name, value), SECRET)
