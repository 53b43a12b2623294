"""A small client of hookdesk's own API for the developer commands.

The API's URL and key come from `--api-url` / `--api-key` or `HOOKDESK_API_URL` /
`HOOKDESK_API_KEY`. Every failure becomes an `ApiError` with a sentence a person can act on.

The standard library's urllib makes the requests: a command makes a few calls to one API, and
importing httpx alone took about a third of such a command's start-up.
"""

import json
import os
import urllib.parse
from typing import Annotated, Any

import typer

DEFAULT_API_URL = "http://127.0.0.1:8000"

ApiUrl = Annotated[
    str | None,
    typer.Option(
        "--api-url",
        metavar="URL",
        help="hookdesk's URL. \\[env: HOOKDESK_API_URL]",
        show_default=DEFAULT_API_URL,
    ),
]
ApiKey = Annotated[
    str | None,
    typer.Option(
        "--api-key", metavar="KEY", help="An API key. \\[env: HOOKDESK_API_KEY]", show_default=False
    ),
]
AsJson = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


class ApiError(Exception):
    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status  # the HTTP status of the answer, None when none came


class Api:
    def __init__(self, url: str, key: str, *, timeout: float = 30.0) -> None:
        self.url = url.rstrip("/")
        try:
            scheme = urllib.parse.urlsplit(self.url).scheme
        except ValueError as error:
            raise ApiError(f"invalid API URL {self.url!r}: {error}") from None
        if scheme not in ("http", "https"):
            raise ApiError(f"invalid API URL {self.url!r}: it must start with http:// or https://")
        self._headers = {"Authorization": f"Bearer {key}"}
        self._timeout = timeout

    @classmethod
    def from_options(cls, url: str | None, key: str | None) -> "Api":
        key = key or os.environ.get("HOOKDESK_API_KEY")
        if not key:
            raise ApiError("no API key: pass --api-key or set HOOKDESK_API_KEY")
        return cls(url or os.environ.get("HOOKDESK_API_URL") or DEFAULT_API_URL, key)

    def get(self, path: str, **params: Any) -> dict[str, Any]:
        clean = {k: _query_value(v) for k, v in params.items() if v is not None}
        query = f"?{urllib.parse.urlencode(clean, doseq=True)}" if clean else ""
        return self._call("GET", path + query)

    def post(self, path: str, body: Any = None) -> dict[str, Any]:
        if body is None:
            return self._call("POST", path, b"")
        return self._call("POST", path, json.dumps(body).encode(), "application/json")

    def post_raw(self, path: str, content: bytes, content_type: str) -> dict[str, Any]:
        return self._call("POST", path, content, content_type)

    def _call(
        self, method: str, path: str, content: bytes | None = None, content_type: str = ""
    ) -> dict[str, Any]:
        # urllib.request loads http.client, email and ssl: on the first call, not for `--help`.
        from http.client import HTTPException  # noqa: PLC0415
        from urllib.error import HTTPError  # noqa: PLC0415
        from urllib.request import Request, urlopen  # noqa: PLC0415

        headers = self._headers | ({"Content-Type": content_type} if content_type else {})
        try:
            # S310: the scheme is http or https, checked when the client was made.
            request = Request(self.url + path, data=content, headers=headers, method=method)  # noqa: S310
            with urlopen(request, timeout=self._timeout) as response:  # noqa: S310
                status, raw = response.status, response.read()
        except HTTPError as error:  # an answer, with a status other than 2xx
            status, raw = error.code, error.read()
        except ValueError as error:  # a URL http.client cannot use (a bad port, a space)
            raise ApiError(f"invalid API URL {self.url!r}: {error}") from None
        except (OSError, HTTPException) as error:  # URLError, refused, reset, timed out
            reason = getattr(error, "reason", error)
            raise ApiError(f"cannot reach hookdesk at {self.url}: {reason}") from None
        try:
            answer: dict[str, Any] = json.loads(raw)
        except ValueError:
            not_json = f"{method} {path}: HTTP {status}, not JSON"
            raise ApiError(not_json, status=status) from None
        if status != 200:
            problem = answer.get("error") or answer.get("errors") or answer
            raise ApiError(f"{method} {path}: {problem} (HTTP {status})", status=status)
        return answer


def _query_value(value: Any) -> Any:
    """As the API reads a query parameter: booleans as `true` / `false`."""
    return str(value).lower() if isinstance(value, bool) else value
