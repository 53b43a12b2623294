"""Outside development mode, deliveries never reach internal addresses, whatever DNS says later."""

import socket
from collections.abc import Iterator

import pytest
from aiohttp.abc import AbstractResolver, ResolveResult
from fastapi.testclient import TestClient
from sqlalchemy import update

from hookdesk.app import create_app
from hookdesk.config import Settings
from hookdesk.db import Database
from hookdesk.models.webhooks import WebhookEndpoint
from hookdesk.webhooks.dispatch.http1 import Http1Sender
from hookdesk.webhooks.dispatch.sender import PublicOnlyResolver, Request
from tests.support.api import Api, new_account
from tests.support.receivers import Receiver
from tests.support.webhooks import only_event_id, wait_for_status


class RebindingResolver(AbstractResolver):
    """Answers a public address for the first lookup and loopback afterwards (DNS rebinding)."""

    def __init__(self, answers: list[str] | None = None) -> None:
        self.answers = answers or ["93.184.215.14", "127.0.0.1"]

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        address = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        return [
            ResolveResult(hostname=host, host=address, port=port, family=family, proto=0, flags=0)
        ]

    async def close(self) -> None:
        return None


async def test_the_connection_only_goes_to_checked_addresses() -> None:
    resolver = PublicOnlyResolver(RebindingResolver())
    first = await resolver.resolve("rebind.test", 443)
    assert [r["host"] for r in first] == ["93.184.215.14"]
    with pytest.raises(OSError, match="non-public"):
        await resolver.resolve("rebind.test", 443)


@pytest.mark.parametrize(
    "address", ["64:ff9b::7f00:1", "::127.0.0.1", "2002:a9fe:a9fe::", "::ffff:10.0.0.1"]
)
async def test_the_resolver_drops_ipv6_answers_that_carry_an_internal_ipv4(address: str) -> None:
    resolver = PublicOnlyResolver(RebindingResolver([address]))
    with pytest.raises(OSError, match="non-public"):
        await resolver.resolve("nat64.test", 443)


async def test_sender_refuses_loopback_names_and_literals() -> None:
    urls = (
        "http://localhost:9/hook",
        "http://127.0.0.1:9/hook",
        "http://[::1]:9/",
        "http://[::127.0.0.1]:9/",
        "http://[64:ff9b::7f00:1]:9/",
    )
    async with Http1Sender(timeout=2, allow_private=False, user_agent="t") as sender:
        for url in urls:
            result = await sender.send(Request(url, b"{}", {}))
            assert result.status_code is None
            assert result.error is not None
            assert result.error.startswith("blocked address"), result.error


@pytest.fixture
def production(settings: Settings, db: Database) -> Iterator[Api]:
    strict = settings.model_copy(update={"retry_schedule": (0.2,), "delivery_timeout": 2.0})
    assert strict.dev is False
    with TestClient(create_app(strict, db, run_dispatcher=True)) as client:
        yield new_account(client, db, "Production Agency")


def test_a_hostname_that_resolves_to_loopback_is_never_called(
    production: Api, receiver: Receiver
) -> None:
    api = production
    created = api.ok(
        api.post(
            "/v2/webhook-endpoints/create",
            {"url": "https://example.com/hook", "events": ["whitelabel.ticket.created"]},
        ),
        "webhook_endpoint",
    )
    # As if the name's DNS record changed to loopback after the endpoint was saved.
    local_url = receiver.url.replace("127.0.0.1", "localhost")
    with api.db.write() as session:
        session.execute(
            update(WebhookEndpoint).where(WebhookEndpoint.id == created["id"]).values(url=local_url)
        )
    api.ticket()
    entry = wait_for_status(api, only_event_id(api), "failed")
    assert all(a["error"].startswith("blocked address") for a in entry["attempts"])
    assert receiver.received == []
