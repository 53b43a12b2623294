"""A body over the limit gets its 413 even from clients that send the whole body before they
read the answer (urllib here, requests alike): served by a real uvicorn, not the test client."""

import json
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest
from fastapi import FastAPI

from hookdesk.accounts import service as accounts
from hookdesk.app import create_app
from hookdesk.config import Settings
from hookdesk.db import Database
from hookdesk.models.clients import Client
from tests.support.serving import served

# Larger than what the loopback's socket buffers take in before the server reads: a server that
# answered without reading would reset these connections.
LIMIT = 8 * 1024 * 1024


@pytest.fixture
def base_url(settings: Settings, db: Database) -> Iterator[str]:
    def make_app(_url: str) -> FastAPI:
        return create_app(settings.model_copy(update={"max_body_bytes": LIMIT}), db)

    with served(make_app) as (url, _app):
        yield url


def post(url: str, data: bytes | Iterator[bytes], api_key: str) -> tuple[int, dict, dict]:
    headers = {"Authorization": f"Bearer {api_key}", "Content-Type": "application/json"}
    request = urllib.request.Request(url, data=data, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, dict(answer.headers), json.load(answer)
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), json.load(error)


def an_api_key(db: Database) -> str:
    with db.transaction() as session:
        return accounts.create(session, name="Agency").api_key


@pytest.mark.parametrize("size", [LIMIT + 1, 3 * LIMIT // 2, 2 * LIMIT - 100])
def test_a_client_sending_the_whole_body_first_reads_the_413(
    base_url: str, db: Database, size: int
) -> None:
    body = json.dumps({"name": "x" * size, "email": "a@example.com"}).encode()
    status, headers, answer = post(f"{base_url}/v2/agency/clients/create", body, an_api_key(db))
    assert status == 413
    assert answer["error_code"] == 5001
    assert headers["connection"] == "close"
    with db.read() as session:
        assert session.query(Client).count() == 0


def test_a_chunked_body_over_the_limit_reads_the_413_too(base_url: str, db: Database) -> None:
    chunks = (b"x" * 65536 for _ in range(3 * LIMIT // 2 // 65536))  # without a Content-Length
    status, headers, answer = post(f"{base_url}/v2/agency/clients/create", chunks, an_api_key(db))
    assert status == 413
    assert answer["error_code"] == 5001
    assert headers["connection"] == "close"
