"""API keys: listed without the key, created with the key shown once, revoked for good."""

import time

import pytest
from sqlalchemy import select

from hookdesk.accounts import api_keys
from hookdesk.accounts.api_keys import LAST_USED_PRECISION
from hookdesk.models.accounts import ApiKey
from tests.support.api import Api

KEYS = "/v2/agency/api-keys"
A_ROUTE = "/v2/agency/clients/list"


def _as(api: Api, key: str) -> Api:
    return Api(api.http, api.db, api.account_id, key)


def test_the_first_key_is_listed_without_the_key(api: Api) -> None:
    answer = api.get(f"{KEYS}/list").json()
    assert answer["total_results"] == 1
    [key] = answer["api_keys"]
    assert set(key) == {
        "id", "object", "name", "prefix", "created_at", "last_used_at", "revoked_at"
    }  # fmt: skip
    assert key["object"] == "api_key" and key["name"] == "Default"
    assert key["prefix"] == api.api_key[:8] and key["prefix"].startswith("hk_")
    assert key["revoked_at"] is None
    assert api.api_key not in str(answer)


def test_a_created_key_is_shown_once_and_works(api: Api) -> None:
    created = api.ok(api.post(f"{KEYS}/create", {"name": " Billing system "}), "api_key")
    assert created["name"] == "Billing system"
    assert created["key"].startswith(created["prefix"]) and created["revoked_at"] is None
    listed = api.ok(api.get(f"{KEYS}/list"), "api_keys")
    assert len(listed) == 2 and created["id"] in {k["id"] for k in listed}
    assert all("key" not in k for k in listed)
    assert _as(api, created["key"]).get(A_ROUTE).status_code == 200


def test_a_key_needs_a_name(api: Api) -> None:
    for body in ({}, {"name": "  "}, {"name": 5}, {"name": "x" * 201}):
        answer = api.post(f"{KEYS}/create", body)
        assert answer.status_code == 400, body
        assert answer.json()["error_code"] == 1002


def test_a_revoked_key_answers_401_from_the_next_request(api: Api) -> None:
    created = api.ok(api.post(f"{KEYS}/create", {"name": "Old"}), "api_key")
    old = _as(api, created["key"])
    assert old.get(A_ROUTE).status_code == 200
    revoked = api.ok(api.post(f"{KEYS}/revoke/{created['id']}"), "api_key")
    assert revoked["revoked_at"] is not None
    refused = old.get(A_ROUTE)
    assert refused.status_code == 401
    assert refused.json()["error_code"] == 2003
    assert "revoked" in refused.json()["error"]
    again = api.ok(api.post(f"{KEYS}/revoke/{created['id']}"), "api_key")
    assert again["revoked_at"] == revoked["revoked_at"]
    assert api.get(A_ROUTE).status_code == 200  # the account's other key still works


def test_a_key_may_revoke_itself_only_beside_another_active_key(api: Api) -> None:
    [own] = api.ok(api.get(f"{KEYS}/list"), "api_keys")
    refused = api.post(f"{KEYS}/revoke/{own['id']}")
    assert refused.status_code == 400
    assert refused.json()["error_code"] == 1013
    assert api.get(A_ROUTE).status_code == 200
    spare = api.ok(api.post(f"{KEYS}/create", {"name": "Spare"}), "api_key")
    assert api.ok(api.post(f"{KEYS}/revoke/{own['id']}"), "api_key")["revoked_at"] is not None
    assert api.get(A_ROUTE).status_code == 401
    last = _as(api, spare["key"]).post(f"{KEYS}/revoke/{spare['id']}")
    assert last.status_code == 400 and last.json()["error_code"] == 1013


def test_keys_are_the_accounts_own(api: Api, other_api: Api) -> None:
    [theirs] = other_api.ok(other_api.get(f"{KEYS}/list"), "api_keys")
    for path in (f"{KEYS}/revoke/{theirs['id']}", f"{KEYS}/revoke/not-a-uuid"):
        answer = api.post(path)
        assert answer.status_code == 404, path
        assert answer.json()["error_code"] == 3001
    assert [k["id"] for k in api.ok(api.get(f"{KEYS}/list"), "api_keys")] != [theirs["id"]]
    assert other_api.get(A_ROUTE).status_code == 200


def _last_used(api: Api) -> int | None:
    with api.db.read() as session:
        return session.scalar(
            select(ApiKey.last_used_at).where(ApiKey.account_id == api.account_id)
        )


def test_last_used_at_is_written_at_most_once_a_minute(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert _last_used(api) is None
    before = int(time.time())
    assert api.get(A_ROUTE).status_code == 200
    first = _last_used(api)
    assert first is not None and first >= before
    # The clock moves on (the server may keep the key's last use in memory: the database's
    # value is only ever written by the server itself).
    monkeypatch.setattr(api_keys, "now", lambda: first + LAST_USED_PRECISION - 5)
    assert api.get(A_ROUTE).status_code == 200  # used less than a minute ago: no new write
    assert _last_used(api) == first
    monkeypatch.setattr(api_keys, "now", lambda: first + LAST_USED_PRECISION + 1)
    assert api.get(A_ROUTE).status_code == 200  # over a minute ago: written again
    assert _last_used(api) == first + LAST_USED_PRECISION + 1
    [listed] = api.ok(api.get(f"{KEYS}/list"), "api_keys")
    assert listed["last_used_at"] == _last_used(api)
