"""From a claimed delivery to the exact request: body, signatures, headers."""

import hmac
from collections.abc import Mapping

from hookdesk import __version__
from hookdesk.receiver.signing import keyed, secret_key, signature_headers
from hookdesk.shared.secretbox import SecretBox
from hookdesk.webhooks import headers as custom_headers
from hookdesk.webhooks.dispatch.claim import Claimed
from hookdesk.webhooks.dispatch.sender import Request
from hookdesk.webhooks.payloads import render_body

USER_AGENT = f"hookdesk/{__version__}"


class Preparer:
    def __init__(self, box: SecretBox) -> None:
        self._box = box
        # sealed secret -> its HMAC, keyed: decrypting costs ~20 µs, keying a few more
        self._keys: dict[str, hmac.HMAC] = {}
        self._headers: dict[str, dict[str, str]] = {}  # sealed custom headers -> checked headers

    def request(self, item: Claimed, *, now: float) -> Request:
        """The request; ValueError when a secret or the headers cannot be opened, or the headers
        were saved before the save-time check and are refused by it (InvalidHeaders)."""
        custom = self._custom_headers(item.sealed_headers)
        body = render_body(
            event_id=item.delivery_id,
            event_type=item.event_type,
            api_version=item.api_version,
            data_json=item.data_json,
            endpoint_id=item.endpoint_id,
        )
        keys = [self._key(item.secret)]
        expires = item.previous_secret_expires_at
        if item.previous_secret and expires is not None and now < expires:
            keys.append(self._key(item.previous_secret))
        signed = signature_headers(keys, item.delivery_id, int(now), body)
        return Request(item.url, body, _headers(custom, signed))

    def _key(self, sealed: str) -> hmac.HMAC:
        key = self._keys.get(sealed)
        if key is None:
            if len(self._keys) > 10_000:
                self._keys.clear()
            key = self._keys[sealed] = keyed(secret_key(self._box.open(sealed)))
        return key

    def _custom_headers(self, sealed: str | None) -> dict[str, str]:
        if sealed is None:
            return {}
        headers = self._headers.get(sealed)
        if headers is None:
            headers = custom_headers.unseal(self._box, sealed)
            custom_headers.check(headers)
            if len(self._headers) > 10_000:
                self._headers.clear()
            self._headers[sealed] = headers
        return headers


def _headers(custom: Mapping[str, str], signed: Mapping[str, str]) -> dict[str, str]:
    # Custom headers first: the reserved ones below always win (they are refused when saved too).
    return {**custom, "Content-Type": "application/json", **signed}
