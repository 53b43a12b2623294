"""A small client of hookdesk's own API for the developer commands.

The API's URL and key come from `--api-url` / `--api-key` or `HOOKDESK_API_URL` /
`HOOKDESK_API_KEY`. Every failure becomes an `ApiError` with a sentence a person can act on.

httpx is imported when a client is made, not with the module: `hookdesk --help` does without it.
"""

import os
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
        import httpx  # noqa: PLC0415  (see the module's docstring)

        self.url = url.rstrip("/")
        self._errors = (httpx.TransportError, httpx.InvalidURL)
        try:
            self._http = httpx.Client(
                base_url=self.url,
                headers={"Authorization": f"Bearer {key}"},
                timeout=timeout,
            )
        except httpx.InvalidURL as error:
            raise ApiError(str(error)) from None

    @classmethod
    def from_options(cls, url: str | None, key: str | None) -> "Api":
        key = key or os.environ.get("HOOKDESK_API_KEY")
        if not key:
            raise ApiError("no API key: pass --api-key or set HOOKDESK_API_KEY")
        return cls(url or os.environ.get("HOOKDESK_API_URL") or DEFAULT_API_URL, key)

    def get(self, path: str, **params: Any) -> dict[str, Any]:
        clean = {k: v for k, v in params.items() if v is not None}
        return self._call("GET", path, params=clean)

    def post(self, path: str, body: Any = None) -> dict[str, Any]:
        return self._call("POST", path, json=body)

    def post_raw(self, path: str, content: bytes, content_type: str) -> dict[str, Any]:
        return self._call("POST", path, content=content, headers={"Content-Type": content_type})

    def close(self) -> None:
        self._http.close()

    def _call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        try:
            response = self._http.request(method, path, **kwargs)
        except self._errors as error:
            raise ApiError(f"cannot reach hookdesk at {self.url}: {error}") from None
        try:
            answer: dict[str, Any] = response.json()
        except ValueError:
            not_json = f"{method} {path}: HTTP {response.status_code}, not JSON"
            raise ApiError(not_json, status=response.status_code) from None
        if response.status_code != 200:
            problem = answer.get("error") or answer.get("errors") or answer
            raise ApiError(
                f"{method} {path}: {problem} (HTTP {response.status_code})",
                status=response.status_code,
            )
        return answer
