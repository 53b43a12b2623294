"""Nothing of one account is visible to, or changeable by, another: its ids answer 404."""

from tests.support.api import Api


def test_another_accounts_objects_are_invisible(api: Api, other_api: Api) -> None:
    ticket = api.ticket()
    client_id = ticket["client"]["id"]
    for path in (
        f"/v2/agency/tickets/retrieve/{ticket['id']}",
        f"/v2/agency/clients/retrieve/{client_id}",
    ):
        response = other_api.get(path)
        assert response.status_code == 404
        assert response.json()["error_code"] == 3001
    for name in ("clients", "teammates", "ticket-categories"):
        assert other_api.get(f"/v2/agency/{name}/list").json()["total_results"] == 0
    listed = other_api.get("/v2/agency/tickets/list", page=1, per_page=100).json()
    assert listed["total_results"] == 0


def test_another_accounts_ticket_cannot_be_changed(api: Api, other_api: Api) -> None:
    ticket = api.ticket()
    teammate = other_api.teammate()
    attempts = [
        other_api.post(f"/v2/agency/tickets/reply/create/{ticket['id']}", {"reply": "hi"}),
        other_api.post(
            f"/v2/agency/tickets/assign/{ticket['id']}", {"teammate_id": teammate["id"]}
        ),
        other_api.post(f"/v2/agency/tickets/resolve/{ticket['id']}"),
    ]
    assert [r.status_code for r in attempts] == [404, 404, 404]
    assert len(api.events()) == 1
    assert other_api.events() == []
    after = api.ok(api.get(f"/v2/agency/tickets/retrieve/{ticket['id']}"), "ticket")
    assert after == ticket


def test_another_accounts_ids_cannot_be_referenced(api: Api, other_api: Api) -> None:
    foreign_client = other_api.client()
    foreign_category = other_api.category()
    foreign_teammate = other_api.teammate()
    foreign_asset = other_api.ok(
        other_api.http.post(
            "/v2/assets/upload", files={"file": ("a.txt", b"hello")}, headers=other_api.headers
        ),
        "asset",
    )
    own = {"client_id": api.client()["id"], "category": api.category()["id"]}
    cases = [
        {**own, "client_id": foreign_client["id"]},
        {**own, "category": foreign_category["id"]},
        {**own, "assets": [foreign_asset["id"]]},
    ]
    for body in cases:
        response = api.post("/v2/agency/tickets/create", {"title": "t", "description": "d", **body})
        assert response.status_code == 400
        assert response.json()["error_code"] == 1004
    response = api.post(
        "/v2/agency/ticket-categories/create",
        {"title": "x", "language": "en", "teammate_id": foreign_teammate["id"]},
    )
    assert response.status_code == 400
    assert api.events() == []


def test_another_accounts_category_cannot_be_updated_or_deleted(api: Api, other_api: Api) -> None:
    category = api.category()
    update = other_api.post(
        f"/v2/agency/ticket-categories/update/{category['id']}", {"title": "Hijacked"}
    )
    delete = other_api.post(f"/v2/agency/ticket-categories/delete/{category['id']}")
    assert (update.status_code, delete.status_code) == (404, 404)
    [listed] = api.ok(api.get("/v2/agency/ticket-categories/list"), "ticket_categories")
    assert listed == category


def test_another_accounts_asset_link_does_not_open(api: Api, other_api: Api) -> None:
    asset = api.ok(
        api.http.post(
            "/v2/assets/upload", files={"file": ("a.txt", b"secret")}, headers=api.headers
        ),
        "asset",
    )
    path = asset["public_url"].removeprefix("http://testserver")
    assert api.http.get(path).content == b"secret"
    swapped = path.replace(api.account_id, other_api.account_id)
    assert api.http.get(swapped).status_code == 404
