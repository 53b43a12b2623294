"""Changing HOOKDESK_SECRET_KEY: `hookdesk secret-key rotate` seals every endpoint secret again with
the new key, and every endpoint goes on verifying with the secret its owner holds."""

import json

import pytest
import standardwebhooks
from cryptography.fernet import Fernet
from fastapi.testclient import TestClient
from sqlalchemy import select

from hookdesk.app import create_app
from hookdesk.config import Settings
from hookdesk.db import Database
from hookdesk.models.webhooks import WebhookEndpoint
from hookdesk.shared.secretbox import SecretBox, UnreadableSecret
from tests.support.api import Api, new_account
from tests.support.processes import rotate_secret_key
from tests.support.receivers import Receiver
from tests.support.webhooks import endpoint

pytestmark = pytest.mark.slow  # starts processes of its own


def sealed_secrets(database: Database) -> list[str]:
    """Every endpoint's sealed secrets and custom headers."""
    with database.read() as session:
        rows = session.execute(
            select(
                WebhookEndpoint.secret,
                WebhookEndpoint.previous_secret,
                WebhookEndpoint.sealed_headers,
            )
        )
        return [sealed for row in rows for sealed in row if sealed]


def test_every_endpoint_verifies_after_the_key_changes(
    live_settings: Settings, db: Database, receiver: Receiver
) -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    with TestClient(create_app(live_settings.model_copy(update={"secret_key": old}), db)) as http:
        api = new_account(http, db, "Rotating Agency")
        kept = endpoint(
            api,
            receiver.url,
            events=["whitelabel.ticket.created"],
            headers={"X-Receiver-Key": "k-1"},
        )
        renewed = endpoint(api, receiver.url, events=["whitelabel.ticket.created"])
        rotated = api.ok(
            api.post(f"/v2/webhook-endpoints/rotate-secret/{renewed['id']}"), "webhook_endpoint"
        )

    result = rotate_secret_key(db.url, f"{new},{old}")
    assert result.returncode == 0, result.stderr
    assert "Sealed the secrets and headers of 2 endpoint(s)" in result.stderr
    # the renewed endpoint's old secret is still signing; the kept one has headers
    assert len(sealed_secrets(db)) == 4
    for sealed in sealed_secrets(db):
        SecretBox(new).open(sealed)
        with pytest.raises(UnreadableSecret):  # sealed with the new key only
            SecretBox(old).open(sealed)

    only_new = live_settings.model_copy(update={"secret_key": new})
    with TestClient(create_app(only_new, db, run_dispatcher=True)) as http:
        Api(http, db, api.account_id, api.api_key).ticket()
        received = receiver.wait_for(2)
    secrets = {kept["id"]: [kept["secret"]], renewed["id"]: [renewed["secret"], rotated["secret"]]}
    assert {json.loads(request.body)["endpoint_id"] for request in received} == set(secrets)
    for request in received:
        for secret in secrets[json.loads(request.body)["endpoint_id"]]:
            standardwebhooks.Webhook(secret).verify(request.body, request.headers)
    [to_kept] = [r for r in received if json.loads(r.body)["endpoint_id"] == kept["id"]]
    assert to_kept.headers["x-receiver-key"] == "k-1"


def test_a_secret_no_key_opens_is_reported_and_left_alone(
    settings: Settings, db: Database, receiver: Receiver
) -> None:
    with TestClient(create_app(settings.model_copy(update={"dev": True}), db)) as http:
        api = new_account(http, db, "Agency")
        endpoint(api, receiver.url, events=["whitelabel.ticket.created"])
    before = sealed_secrets(db)

    result = rotate_secret_key(db.url, Fernet.generate_key().decode())

    assert result.returncode == 1
    assert "1 endpoint secret(s) open with none of the keys" in result.stderr
    assert "Traceback" not in result.stderr
    assert sealed_secrets(db) == before
