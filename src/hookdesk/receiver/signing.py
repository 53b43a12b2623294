"""Webhook signatures: pure functions, shared by the server (signing) and receivers (verifying).

Two header schemes carry the same secret:

- Standard Webhooks: `webhook-id`, `webhook-timestamp`, and `webhook-signature: v1,<base64>` where
  the base64 is HMAC-SHA256(key, "<id>.<timestamp>.<body>") and the key is the base64-decoded part
  of the `whsec_` secret. Several signatures are separated by spaces.
- hookdesk's compact form: `Hookdesk-Signature: t=<timestamp>,s=<hex>` where the hex is
  HMAC-SHA256(key, "<timestamp>.<body>"); one `s=` per valid secret.
"""

import base64
import binascii
import hashlib
import hmac
import secrets
from collections.abc import Sequence

from hookdesk.receiver.errors import InvalidSecret

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32
MAX_TIMESTAMP_DIGITS = 18  # far beyond any time to come, and within a 64-bit integer


MalformedSecret = InvalidSecret  # the name the server side uses


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def secret_key(secret: str) -> bytes:
    """The HMAC key inside a `whsec_` secret."""
    encoded = secret.removeprefix(SECRET_PREFIX)
    try:
        key = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise MalformedSecret("the secret is not 'whsec_' followed by base64") from None
    if not key:
        raise MalformedSecret("the secret is empty")
    return key


def standard_signature(key: bytes, message_id: str, timestamp: int, body: bytes) -> str:
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(key, signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def compact_signature(key: bytes, timestamp: int, body: bytes) -> str:
    return hmac.new(key, f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def keyed(key: bytes) -> hmac.HMAC:
    """An HMAC-SHA256 set up with `key`, copied for each signature: a sender that signs many
    bodies with one secret sets the key up once."""
    return hmac.new(key, digestmod=hashlib.sha256)


def _signed(key: hmac.HMAC, head: bytes, body: bytes) -> bytes:
    mac = key.copy()
    mac.update(head)
    mac.update(body)  # fed on, not joined to `head`: no copy of the body
    return mac.digest()


def signature_headers(
    keys: Sequence[bytes | hmac.HMAC], message_id: str, timestamp: int, body: bytes
) -> dict[str, str]:
    """Both schemes' headers, with one signature per key (several while a secret is rotated);
    a key is the secret's bytes or `keyed` from them."""
    standard_head, compact_head = f"{message_id}.{timestamp}.".encode(), f"{timestamp}.".encode()
    standard, compact = [], []
    for key in keys:
        mac = key if isinstance(key, hmac.HMAC) else keyed(key)
        standard.append("v1," + base64.b64encode(_signed(mac, standard_head, body)).decode())
        compact.append("s=" + _signed(mac, compact_head, body).hex())
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(standard),
        "Hookdesk-Signature": f"t={timestamp}," + ",".join(compact),
    }


def compact_signature_errors(
    body: bytes, header: str | None, keys: Sequence[bytes], *, now: float, tolerance: float
) -> list[str]:
    """What is wrong with a `Hookdesk-Signature` header for this body; empty when it is valid."""
    if not header:
        return ["the Hookdesk-Signature header is missing"]
    timestamp, signatures = _parse_compact(header)
    if timestamp is None:
        return ["the Hookdesk-Signature header has no valid t=<unix seconds>"]
    if not signatures:
        return ["the Hookdesk-Signature header has no s=<signature>"]
    errors = []
    if abs(now - timestamp) > tolerance:
        errors.append(f"the timestamp is more than {int(tolerance)} seconds from now")
    expected = [compact_signature(key, timestamp, body) for key in keys]
    if not any(hmac.compare_digest(s, e) for s in signatures for e in expected):
        errors.append("no signature matches the body and the endpoint's secret")
    return errors


def unix_seconds(text: str | None) -> int | None:
    """The timestamp a signature header carries: ASCII digits only (`str.isdigit` takes '²' too),
    at most 18 of them; None for anything else."""
    if text is None:
        return None
    text = text.strip()
    if not (text.isascii() and text.isdigit()) or len(text) > MAX_TIMESTAMP_DIGITS:
        return None
    return int(text)


def _parse_compact(header: str) -> tuple[int | None, list[str]]:
    """The timestamp and the signatures; a signature is hex, so one that is not ASCII is none."""
    timestamp, signatures = None, []
    for part in header.split(","):
        name, _, value = part.strip().partition("=")
        if name == "t":
            timestamp = unix_seconds(value)
        elif name == "s" and value and value.isascii():
            signatures.append(value)
    return timestamp, signatures
