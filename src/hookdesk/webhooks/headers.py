"""Custom endpoint headers: which ones may be saved and sent, and how they are kept.

A name is an HTTP token (RFC 9110, section 5.6.2) and a value has no control characters. Names
hookdesk or its HTTP client sets are reserved, compared after folding case and `_` to `-`: servers
that map headers to variables (CGI, WSGI, PHP) read `Webhook_Signature` as `webhook-signature`.
For the same reason two names that fold to one are refused. Checked when an endpoint is saved;
a row saved before these rules is checked again before each attempt, which then fails with the
reason instead of sending.

At rest they are one JSON object sealed with the server key, like endpoint secrets: they often
hold a receiver's credentials.
"""

import json
import re
from collections.abc import Mapping

from hookdesk.shared.secretbox import SecretBox

MAX_HEADERS = 20
MAX_NAME_LENGTH = 256
MAX_VALUE_LENGTH = 4096
# Together: many servers refuse a request whose header section is over 8 KiB, and hookdesk's own
# headers need room beside these.
MAX_TOTAL_LENGTH = 6144

TOKEN_PATTERN = r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$"
# No control character: C0, DEL and C1 (Unicode's Cc).
VALUE_PATTERN = r"^[^\x00-\x1f\x7f-\x9f]*$"
_TOKEN = re.compile(TOKEN_PATTERN)
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")

RESERVED = frozenset(
    {
        # what every delivery carries
        "host",
        "content-type",
        "content-length",
        "content-encoding",
        "transfer-encoding",
        "user-agent",
        "webhook-id",
        "webhook-timestamp",
        "webhook-signature",
        "hookdesk-signature",
        # how the connection is used, which the HTTP client decides
        "connection",
        "keep-alive",
        "proxy-connection",
        "te",
        "trailer",
        "upgrade",
        "expect",
    }
)


class InvalidHeaders(ValueError):
    pass


def folded(name: str) -> str:
    return name.lower().replace("_", "-")


def check(headers: Mapping[str, str]) -> None:
    """Raise InvalidHeaders naming the first header that may not be sent."""
    if len(headers) > MAX_HEADERS:
        raise InvalidHeaders(f"at most {MAX_HEADERS} headers")
    seen: dict[str, str] = {}
    for name, value in headers.items():
        _check_name(name)
        if folded(name) in seen:
            raise InvalidHeaders(f"'{name}' and '{seen[folded(name)]}' name the same header")
        seen[folded(name)] = name
        _check_value(name, value)
    if sum(len(name) + len(value) for name, value in headers.items()) > MAX_TOTAL_LENGTH:
        raise InvalidHeaders(
            f"the headers' names and values are over {MAX_TOTAL_LENGTH} characters together"
        )


def seal(box: SecretBox, headers: Mapping[str, str]) -> str | None:
    return box.seal(json.dumps(dict(headers), ensure_ascii=False)) if headers else None


def unseal(box: SecretBox, sealed: str | None) -> dict[str, str]:
    """The headers, or UnreadableSecret when no key of the server opens them."""
    opened: dict[str, str] = json.loads(box.open(sealed)) if sealed else {}
    return opened


def _check_name(name: str) -> None:
    if len(name) > MAX_NAME_LENGTH or not _TOKEN.fullmatch(name):
        raise InvalidHeaders(
            f"{_quoted(name)} is not a valid header name (letters, digits and !#$%&'*+-.^_`|~, "
            f"at most {MAX_NAME_LENGTH} characters)"
        )
    if folded(name) in RESERVED:
        raise InvalidHeaders(f"'{name}' is set by hookdesk and cannot be overridden")


def _check_value(name: str, value: str) -> None:
    if len(value) > MAX_VALUE_LENGTH:
        raise InvalidHeaders(
            f"the value of '{name}' is not a valid header value: over {MAX_VALUE_LENGTH} characters"
        )
    if _CONTROL.search(value):
        raise InvalidHeaders(
            f"the value of '{name}' is not a valid header value: it has a control character"
        )


def _quoted(name: str) -> str:
    """The name quoted, its control characters escaped, so that they show in the message."""
    shown = name if len(name) <= 40 else name[:40] + "…"
    return repr(shown)
