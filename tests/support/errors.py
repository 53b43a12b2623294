"""The API's error envelope, as every refusal answers it."""

from httpx import Response


def assert_error(response: Response, status: int, code: int, *words: str) -> None:
    """The contract's error envelope, with this status and code, its message holding `words`."""
    assert response.status_code == status, response.text
    body = response.json()
    assert list(body) == ["status", "error", "error_code"]
    assert body["status"] == status
    assert body["error_code"] == code
    for word in words:
        assert word in body["error"]
