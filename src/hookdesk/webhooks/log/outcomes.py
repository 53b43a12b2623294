"""An attempt in words: what happened, said from what an attempt stores (its status code and
its `error`, one of the strings of `webhooks/dispatch/sender.py`'s failure tree).

A pure function, so the event page and anything else can say it the same way; the raw error stays
stored and shown beside the sentence."""

import re
from http import HTTPStatus

# The leaves of the sender's failure tree, by the start of their `error`.
_TIMEOUT = "timeout after "
_BLOCKED = "blocked address: "
_DNS = "DNS lookup failed: "
_TLS = "TLS error: "
_CONNECTION = "connection failed: "
_PREPARE = "could not prepare the request: "
_REDIRECT = re.compile(r"redirect to (?P<location>.*) not followed")
_REFUSED = re.compile(r"refused|connect call failed|errno 111", re.IGNORECASE)
_CERTIFICATE = re.compile(r"certificate", re.IGNORECASE)


def in_words(status_code: int | None, error: str | None) -> str:
    """One sentence on what came of an attempt."""
    if status_code is not None:
        return _answered(status_code, error)
    return _unanswered(error or "")


def _answered(status: int, error: str | None) -> str:
    code = _code(status)
    if 200 <= status < 300 and error is None:
        return f"Delivered: the receiver answered {code}."
    if 300 <= status < 400:
        found = _REDIRECT.fullmatch(error or "")
        where = f" to {found['location']}" if found else ""
        return (
            f"The receiver answered a redirect ({code}){where}. Redirects are not followed: "
            "point the endpoint at the final URL."
        )
    if status == 410:
        return f"The receiver answered {code}: it says the endpoint no longer exists."
    if status == 429:
        return f"The receiver is limiting requests ({code}); it is tried again later."
    if 500 <= status < 600:
        return f"The receiver failed with a server error ({code})."
    if 400 <= status < 500:
        return f"The receiver refused the request ({code})."
    return f"The receiver answered {code}, which is not a success."


def _unanswered(error: str) -> str:
    if error.startswith(_TIMEOUT):
        return f"Timed out: the receiver did not answer within {error[len(_TIMEOUT) :]}."
    if error.startswith(_DNS):
        return f"DNS lookup failed: the host name {error[len(_DNS) :]} was not found."
    if error.startswith(_TLS):
        if _CERTIFICATE.search(error):
            return "TLS failed: the receiver's certificate could not be verified."
        return "TLS failed: no secure connection could be set up with the receiver."
    if error.startswith(_CONNECTION):
        if _REFUSED.search(error):
            return "Connection refused: nothing accepts connections at that address and port."
        return "The connection failed or was closed before the receiver answered."
    if error.startswith(_BLOCKED):
        return "Not sent: the URL leads to an address that is not public, and those are blocked."
    if error.startswith(_PREPARE):
        return "Not sent: the request could not be prepared."
    return "The request failed before the receiver answered."


def _code(status: int) -> str:
    try:
        return f"HTTP {status} {HTTPStatus(status).phrase}"
    except ValueError:  # a status the standard does not name
        return f"HTTP {status}"
