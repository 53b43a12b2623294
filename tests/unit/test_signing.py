import base64
import hashlib
import hmac
import time

import pytest
import standardwebhooks
import svix.webhooks

from hookdesk.receiver.signing import (
    MalformedSecret,
    compact_signature,
    compact_signature_errors,
    new_secret,
    secret_key,
    signature_headers,
)

BODY = b'{"event_id":"whev_0123456789abcdefg","data":{}}'


def test_new_secrets_are_32_random_bytes() -> None:
    secrets = {new_secret() for _ in range(100)}
    assert len(secrets) == 100
    for secret in secrets:
        assert secret.startswith("whsec_")
        assert len(base64.b64decode(secret.removeprefix("whsec_"))) == 32


def test_standard_webhooks_verifiers_accept_our_headers() -> None:
    secret = new_secret()
    timestamp = int(time.time())
    headers = signature_headers([secret_key(secret)], "whev_0123456789abcdefg", timestamp, BODY)
    # Each raises on a bad signature.
    standardwebhooks.Webhook(secret).verify(BODY, headers)
    svix.webhooks.Webhook(secret).verify(BODY, headers)
    with pytest.raises(standardwebhooks.WebhookVerificationError):
        standardwebhooks.Webhook(secret).verify(BODY + b" ", headers)
    with pytest.raises(svix.webhooks.WebhookVerificationError):
        svix.webhooks.Webhook(secret).verify(BODY + b" ", headers)


def test_several_keys_give_several_signatures() -> None:
    keys = [secret_key(new_secret()), secret_key(new_secret())]
    headers = signature_headers(keys, "whev_x", 1700000000, BODY)
    assert len(headers["webhook-signature"].split(" ")) == 2
    assert headers["Hookdesk-Signature"].startswith("t=1700000000,s=")
    assert headers["Hookdesk-Signature"].count(",s=") == 2


def test_compact_signature_is_hex_hmac_of_timestamp_and_body() -> None:
    key = b"k" * 32
    expected = hmac.new(key, b"1700000000." + BODY, hashlib.sha256).hexdigest()
    assert compact_signature(key, 1700000000, BODY) == expected


@pytest.mark.parametrize("secret", ["whsec_", "whsec_!!notbase64!!", "whsec_a"])
def test_malformed_secrets_are_refused(secret: str) -> None:
    with pytest.raises(MalformedSecret):
        secret_key(secret)


def test_compact_verification_errors() -> None:
    key = secret_key(new_secret())
    good = f"t=1000,s={compact_signature(key, 1000, BODY)}"
    assert compact_signature_errors(BODY, good, [key], now=1100, tolerance=300) == []
    assert compact_signature_errors(BODY, good, [key], now=1400, tolerance=300) == [
        "the timestamp is more than 300 seconds from now"
    ]
    assert (
        "no signature matches"
        in compact_signature_errors(BODY + b" ", good, [key], now=1000, tolerance=300)[0]
    )
    assert "missing" in compact_signature_errors(BODY, None, [key], now=1000, tolerance=300)[0]
    assert "t=" in compact_signature_errors(BODY, "s=abc", [key], now=1000, tolerance=300)[0]
    other = secret_key(new_secret())
    rotated = (
        f"t=1000,s={compact_signature(other, 1000, BODY)},s={compact_signature(key, 1000, BODY)}"
    )
    assert compact_signature_errors(BODY, rotated, [key], now=1000, tolerance=300) == []
