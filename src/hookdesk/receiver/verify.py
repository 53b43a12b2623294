"""`verify`: check a received webhook's signature, in either of hookdesk's header schemes.

    from hookdesk.receiver import verify, WebhookVerificationError

    try:
        verify(raw_body, request.headers, secret="whsec_...")
    except WebhookVerificationError as error:
        return 400, str(error)

Give the raw body exactly as received (bytes), before any JSON parsing.
"""

import hmac
import time
from collections.abc import Iterable, Mapping

from hookdesk.receiver.errors import MissingHeader, NoMatchingSignature, StaleTimestamp
from hookdesk.receiver.signing import (
    compact_signature,
    secret_key,
    standard_signature,
    unix_seconds,
)

DEFAULT_TOLERANCE = 300  # seconds a timestamp may be away from now: replays of old bodies fail


def verify(
    body: bytes | str,
    headers: Mapping[str, str] | Iterable[tuple[str, str]],
    secret: str,
    tolerance: float = DEFAULT_TOLERANCE,
    *,
    now: float | None = None,
) -> None:
    """Return quietly when a signature by `secret` matches; raise a WebhookVerificationError."""
    raw = body.encode() if isinstance(body, str) else body
    key = secret_key(secret)
    found = _lowercase(headers)
    moment = time.time() if now is None else now
    if "webhook-signature" in found:
        _verify_standard(raw, found, key, tolerance, moment)
    elif "hookdesk-signature" in found:
        _verify_compact(raw, found["hookdesk-signature"], key, tolerance, moment)
    else:
        raise MissingHeader("no webhook-signature or Hookdesk-Signature header")


def _verify_standard(
    body: bytes, headers: Mapping[str, str], key: bytes, tolerance: float, now: float
) -> None:
    message_id = headers.get("webhook-id")
    if not message_id or not _encodable(message_id):
        raise MissingHeader("the webhook-id header is missing or not text")
    timestamp = _timestamp(headers.get("webhook-timestamp"), "webhook-timestamp")
    _check_fresh(timestamp, tolerance, now)
    expected = standard_signature(key, message_id, timestamp, body).removeprefix("v1,")
    offered = [
        part.removeprefix("v1,")
        for part in headers["webhook-signature"].split()
        if part.startswith("v1,")
    ]
    _check_any_matches(offered, expected)


def _verify_compact(body: bytes, header: str, key: bytes, tolerance: float, now: float) -> None:
    timestamp_text, offered = None, []
    for part in header.split(","):
        name, _, value = part.strip().partition("=")
        if name == "t":
            timestamp_text = value
        elif name == "s":
            offered.append(value)
    timestamp = _timestamp(timestamp_text, "Hookdesk-Signature t=")
    _check_fresh(timestamp, tolerance, now)
    _check_any_matches(offered, compact_signature(key, timestamp, body))


def _timestamp(value: str | None, name: str) -> int:
    timestamp = unix_seconds(value)
    if timestamp is None:
        raise MissingHeader(f"the {name} timestamp is missing or not Unix seconds")
    return timestamp


def _check_fresh(timestamp: int, tolerance: float, now: float) -> None:
    if abs(now - timestamp) > tolerance:
        raise StaleTimestamp(
            f"the timestamp is {int(now - timestamp)} seconds from now, over the tolerance of "
            f"{tolerance:g} seconds (a replay, or a clock that is off)"
        )


def _check_any_matches(offered: list[str], expected: str) -> None:
    # Compare against every offered signature, always: the time taken says nothing of the secret.
    # A signature is base64 or hex: one that is not ASCII matches nothing.
    matched = False
    for signature in offered:
        if signature.isascii():
            matched |= hmac.compare_digest(signature.encode(), expected.encode())
    if not matched:
        raise NoMatchingSignature(
            "no signature matches the body and the secret (a changed body, or the wrong secret)"
        )


def _encodable(text: str) -> bool:
    """False for text holding a lone surrogate, which no UTF-8 (so no signed message) holds."""
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return True


def _lowercase(headers: Mapping[str, str] | Iterable[tuple[str, str]]) -> dict[str, str]:
    items = headers.items() if isinstance(headers, Mapping) else headers
    return {name.lower(): value for name, value in items}
