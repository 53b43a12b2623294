import json
from pathlib import Path

import pytest

from hookdesk.config import Settings
from hookdesk.models.assets import Asset
from tests.support.api import Api, as_in_events


def test_upload_answers_an_asset_object_and_stores_the_bytes(api: Api, settings: Settings) -> None:
    asset = api.ok(api.upload(), "asset")
    assert list(asset) == [
        "id",
        "object",
        "filename",
        "extension",
        "filesize",
        "type",
        "public_url",
        "created_at",
    ]
    assert asset["object"] == "asset"
    assert (asset["filename"], asset["extension"], asset["filesize"]) == (
        "screenshot.png",
        "png",
        9,
    )
    assert asset["type"] == "image/png"
    stored = list(Path(settings.assets_dir).rglob("*.png"))
    assert [p.read_bytes() for p in stored] == [b"\x89PNG data"]
    download = api.http.get(asset["public_url"].removeprefix("http://testserver"))
    assert download.status_code == 200
    assert download.content == b"\x89PNG data"
    assert download.headers["content-type"] == "image/png"
    assert download.headers["x-content-type-options"] == "nosniff"


def test_assets_appear_on_the_reply_and_in_the_event(api: Api) -> None:
    first = api.ok(api.upload("a.pdf", b"%PDF-1.4"), "asset")
    second = api.ok(api.upload("b.txt", b"log"), "asset")
    ticket = api.ticket()
    response = api.post(
        f"/v2/agency/tickets/reply/create/{ticket['id']}",
        {"reply": "see files", "assets": [first["id"], second["id"]]},
    )
    reply = api.ok(response, "ticket")["replies"][-1]
    assert [a["id"] for a in reply["assets"]] == [first["id"], second["id"]]
    assert reply["assets"][0] == first
    assert api.events()[-1].data.count(first["public_url"]) == 2  # in data.ticket and data.reply


def test_a_new_tickets_assets_are_on_its_first_reply_as_retrieved(api: Api) -> None:
    first = api.ok(api.upload("a.pdf", b"%PDF-1.4"), "asset")
    second = api.ok(api.upload("b.txt", b"log"), "asset")
    category = api.category(automated_reply="We read every message.")
    ticket = api.ticket(category=category["id"], assets=[second["id"], first["id"]])
    assert [a["id"] for a in ticket["replies"][0]["assets"]] == [second["id"], first["id"]]
    assert ticket["replies"][1]["assets"] is None
    retrieved = api.ok(api.get(f"/v2/agency/tickets/retrieve/{ticket['id']}"), "ticket")
    assert retrieved == ticket
    assert json.loads(api.events()[-1].data)["ticket"] == as_in_events(ticket)


def test_an_asset_is_attached_once(api: Api) -> None:
    asset = api.ok(api.upload(), "asset")
    api.ticket(assets=[asset["id"]])
    response = api.post(
        "/v2/agency/tickets/create",
        {
            "client_id": api.client()["id"],
            "title": "t",
            "description": "d",
            "category": api.category()["id"],
            "assets": [asset["id"]],
        },
    )
    assert response.status_code == 400
    assert response.json()["error_code"] == 1008
    assert len(api.events()) == 1


@pytest.mark.parametrize("name", ["page.html", "script.js", "run.exe", "noextension", "x.svg"])
def test_types_outside_the_list_are_refused(api: Api, name: str) -> None:
    response = api.upload(name, b"<script>alert(1)</script>")
    assert response.status_code == 400
    assert response.json()["error_code"] == 1009
    assert api.count(Asset) == 0


def test_empty_file_is_refused(api: Api) -> None:
    response = api.upload("empty.txt", b"")
    assert response.status_code == 400
    assert response.json()["error_code"] == 1010


def test_file_over_the_limit_is_413(api: Api, settings: Settings) -> None:
    response = api.upload("big.txt", b"x" * (settings.max_asset_bytes + 1))
    assert response.status_code == 413
    assert response.json()["error_code"] == 5002
    assert api.count(Asset) == 0


def test_body_far_over_the_limit_is_refused_before_reading(api: Api, settings: Settings) -> None:
    response = api.upload("huge.txt", b"x" * (settings.max_asset_bytes + 200_000))
    assert response.status_code == 413
    assert response.json()["error_code"] == 5001


def test_missing_file_field(api: Api) -> None:
    response = api.http.post(
        "/v2/assets/upload", files={"other": ("a.txt", b"x")}, headers=api.headers
    )
    assert response.status_code == 400
    assert "file is required" in response.json()["error"]


def test_path_parts_of_the_filename_are_dropped(api: Api) -> None:
    asset = api.ok(api.upload("../../etc/passwd.txt", b"x"), "asset")
    assert asset["filename"] == "passwd.txt"


def test_download_needs_the_exact_link(api: Api) -> None:
    asset = api.ok(api.upload("a.txt", b"x"), "asset")
    path = asset["public_url"].removeprefix("http://testserver")
    assert api.http.get(path.replace("a.txt", "b.txt")).status_code == 404
    assert api.http.get(path.rsplit("/", 2)[0] + "/not-a-uuid/a.txt").status_code == 404
