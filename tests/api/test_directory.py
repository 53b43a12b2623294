"""Clients, teammates and ticket categories."""

import uuid

from tests.support.api import Api


def test_client_object(api: Api) -> None:
    client = api.client(name="  James Doe ", email="client.doe@plugnpaid.com")
    assert list(client) == ["id", "object", "name", "email", "created_at"]
    assert uuid.UUID(client["id"]).version == 4
    assert (client["object"], client["name"]) == ("client", "James Doe")
    assert isinstance(client["created_at"], int)
    assert api.ok(api.get(f"/v2/agency/clients/retrieve/{client['id']}"), "client") == client
    assert api.ok(api.get("/v2/agency/clients/list"), "clients") == [client]


def test_teammate_object_and_list(api: Api) -> None:
    teammate = api.teammate(name="Ann Agent")
    # The contract's fields first, then the role and whether the teammate is disabled.
    assert list(teammate) == ["id", "object", "name", "email", "created_at", "role", "disabled"]
    assert teammate["object"] == "teammate"
    assert api.ok(api.get("/v2/agency/teammates/list"), "teammates") == [teammate]
    duplicate = api.post(
        "/v2/agency/teammates/create", {"name": "Other", "email": teammate["email"]}
    )
    assert duplicate.status_code == 409


def test_category_object(api: Api) -> None:
    agent = api.teammate()
    category = api.category(
        title="Billing",
        language="EN",
        automated_reply="We got it.",
        teammate_id=agent["id"],
        subcategories=["Invoices", "Refunds"],
    )
    assert list(category) == [
        "id",
        "object",
        "title",
        "language",
        "teammate_id",
        "auto_reply",
        "subcategories",
        "created_at",
    ]
    assert category["object"] == "ticket_category"
    assert category["language"] == "en"
    assert category["auto_reply"] == "We got it."
    assert category["teammate_id"] == agent["id"]
    assert category["subcategories"] == ["Invoices", "Refunds"]


def test_category_update_changes_only_what_is_sent(api: Api) -> None:
    agent = api.teammate()
    category = api.category(automated_reply="Hi", teammate_id=agent["id"], subcategories=["A"])
    path = f"/v2/agency/ticket-categories/update/{category['id']}"
    updated = api.ok(api.post(path, {"title": "Renamed"}), "ticket_category")
    assert updated == {**category, "title": "Renamed"}
    cleared = api.ok(
        api.post(path, {"automated_reply": None, "teammate_id": None}), "ticket_category"
    )
    assert (cleared["auto_reply"], cleared["teammate_id"]) == (None, None)
    assert cleared["subcategories"] == ["A"]
    refused = api.post(path, {"title": None})
    assert refused.status_code == 400
    assert "title cannot be null" in refused.json()["error"]


def test_category_validation(api: Api) -> None:
    cases = [
        ({"title": "x", "language": "english"}, "language"),
        ({"title": "x", "language": "xx"}, "ISO 639-1"),
        ({"title": "x", "language": "en", "subcategories": ["A", "A"]}, "distinct"),
        ({"title": "x", "language": "en", "subcategories": "A"}, "subcategories"),
        ({"title": "x", "language": "en", "teammate_id": str(uuid.uuid4())}, "teammate_id"),
        ({"language": "en"}, "title is required"),
    ]
    for body, words in cases:
        response = api.post("/v2/agency/ticket-categories/create", body)
        assert response.status_code == 400, body
        assert words in response.json()["error"], response.json()
    assert api.ok(api.get("/v2/agency/ticket-categories/list"), "ticket_categories") == []


def test_deleted_category_leaves_the_list_and_takes_no_new_tickets(api: Api) -> None:
    category = api.category()
    api.ok(api.post(f"/v2/agency/ticket-categories/delete/{category['id']}"), "ticket_category")
    assert api.ok(api.get("/v2/agency/ticket-categories/list"), "ticket_categories") == []
    again = api.post(f"/v2/agency/ticket-categories/delete/{category['id']}")
    assert again.status_code == 404
    response = api.post(
        "/v2/agency/tickets/create",
        {
            "client_id": api.client()["id"],
            "title": "t",
            "description": "d",
            "category": category["id"],
        },
    )
    assert response.status_code == 400
    assert response.json()["error_code"] == 1004


def test_emails_are_unique_whatever_their_case(api: Api, other_api: Api) -> None:
    client = api.client(email="james@example.com")
    teammate = api.teammate(email="ann@example.com")
    for path, email in (
        ("/v2/agency/clients/create", "James@EXAMPLE.com"),
        ("/v2/agency/teammates/create", "ANN@example.com"),
    ):
        answer = api.post(path, {"name": "Twin", "email": email})
        assert answer.status_code == 409, path
        assert answer.json()["error_code"] == 4001
        assert email.split("@")[0] in answer.json()["error"]
    assert [c["id"] for c in api.ok(api.get("/v2/agency/clients/list"), "clients")] == [
        client["id"]
    ]
    # Another account may have the same people.
    assert other_api.client(email="JAMES@example.com")["email"] == "JAMES@example.com"
    # A deleted teammate's email is free again.
    api.ok(api.post(f"/v2/agency/teammates/delete/{teammate['id']}"), "teammate")
    assert api.teammate(email="Ann@Example.com")["email"] == "Ann@example.com"
