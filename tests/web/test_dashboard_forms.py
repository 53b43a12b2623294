"""The endpoint forms over plain HTTP: custom headers, `ordered` and the API version; the
secret shown once after the redirect that follows create, reveal and rotate; copy buttons."""

import html
import re

from tests.support.pages import Admin

CREATED = "whitelabel.ticket.created"
NEW = "/console/webhooks/endpoints/new"


def endpoint_form(**fields: object) -> dict[str, object]:
    return {"url": "http://127.0.0.1:9/hook", "events": [CREATED], "description": "", **fields}


def shown_secret(page: str) -> str | None:
    match = re.search(r'<code id="secret">([^<]+)</code>', page)
    return match.group(1) if match else None


def create(admin: Admin, **fields: object) -> str:
    created = admin.post(NEW, endpoint_form(**fields), follow_redirects=False)
    assert created.status_code == 303, created.text
    return created.headers["location"].rsplit("/", 1)[1]


def retrieve(admin: Admin, endpoint_id: str) -> dict[str, object]:
    api = admin.api
    return dict(
        api.ok(api.get(f"/v2/webhook-endpoints/retrieve/{endpoint_id}"), "webhook_endpoint")
    )


def test_a_new_endpoint_takes_headers_ordered_and_its_api_version(admin: Admin) -> None:
    form = admin.http.get(NEW).text
    assert 'name="api_version"' in form and 'name="ordered"' in form
    assert form.count('name="header_name"') == 2  # blank rows to fill

    endpoint_id = create(
        admin,
        ordered="on",
        api_version="2",
        header_name=["X-Api-Key", "", "X-Tenant"],
        header_value=["receiver-key", "", "acme"],
    )
    saved = retrieve(admin, endpoint_id)
    assert saved["headers"] == {"X-Api-Key": "receiver-key", "X-Tenant": "acme"}
    assert saved["ordered"] is True and saved["api_version"] == 2

    page = admin.http.get(f"/console/webhooks/endpoints/{endpoint_id}").text
    assert 'value="X-Api-Key"' in page and 'value="receiver-key"' in page
    assert re.search(r'name="ordered"\s+checked', page)


def test_a_reserved_header_is_refused_in_words_keeping_what_was_typed(admin: Admin) -> None:
    typed = endpoint_form(
        url="http://127.0.0.1:9/kept",
        description="kept too",
        header_name=["X-Api-Key", "Webhook_Signature"],
        header_value=["receiver-key", "forged"],
    )
    refused = admin.post(NEW, typed, follow_redirects=False)
    assert refused.status_code == 400
    error = re.search(r'<p id="e-headers" class="error" role="alert">([^<]+)</p>', refused.text)
    assert error is not None
    assert html.unescape(error.group(1)) == (
        "'Webhook_Signature' is set by hookdesk and cannot be overridden."
    )
    for value in ("http://127.0.0.1:9/kept", "kept too", "X-Api-Key", "receiver-key", "forged"):
        assert value in refused.text, value
    assert 'value="Webhook_Signature"' in refused.text
    assert admin.api.ok(admin.api.get("/v2/webhook-endpoints/list"), "webhook_endpoints") == []

    nameless = admin.post(NEW, endpoint_form(header_name=[""], header_value=["orphan"]))
    assert nameless.status_code == 400
    assert "Enter the name of each header that has a value." in nameless.text
    assert 'value="orphan"' in nameless.text


def test_editing_changes_headers_and_ordered(admin: Admin) -> None:
    endpoint_id = create(admin, ordered="on", header_name=["X-One"], header_value=["1"])
    path = f"/console/webhooks/endpoints/{endpoint_id}"
    saved = admin.post(
        path,
        endpoint_form(header_name=["", "X-Two"], header_value=["", "2"]),
        follow_redirects=False,
    )
    assert saved.status_code == 303
    changed = retrieve(admin, endpoint_id)
    assert changed["headers"] == {"X-Two": "2"} and changed["ordered"] is False

    twice = admin.post(path, endpoint_form(header_name=["X-A", "X-A"], header_value=["1", "2"]))
    assert twice.status_code == 400 and "Each header may be on one row only." in twice.text
    assert retrieve(admin, endpoint_id)["headers"] == {"X-Two": "2"}


def test_the_secret_is_shown_once_after_the_redirect_of_create(admin: Admin) -> None:
    created = admin.post(NEW, endpoint_form(), follow_redirects=False)
    assert created.status_code == 303
    location = created.headers["location"]
    assert "whsec_" not in location and "whsec_" not in created.text

    page = admin.http.get(location)
    secret = shown_secret(page.text)
    assert secret is not None and secret.startswith("whsec_")
    assert "Endpoint created. Copy its signing secret now" in page.text
    assert 'data-copy="secret"' in page.text and 'data-copy="endpoint-url"' in page.text

    reloaded = admin.http.get(location).text
    assert shown_secret(reloaded) is None and "Endpoint created" not in reloaded
    assert len(admin.api.ok(admin.api.get("/v2/webhook-endpoints/list"), "webhook_endpoints")) == 1


def test_reveal_and_rotate_redirect_and_a_reload_rotates_nothing(admin: Admin) -> None:
    endpoint_id = create(admin)
    path = f"/console/webhooks/endpoints/{endpoint_id}"
    admin.http.get(path)  # the page after create takes the new secret

    revealed = admin.post(f"{path}/secret", {}, follow_redirects=False)
    assert revealed.status_code == 303 and revealed.headers["location"] == path
    first = shown_secret(admin.http.get(path).text)
    assert first is not None

    rotated = admin.post(f"{path}/rotate-secret", {}, follow_redirects=False)
    assert rotated.status_code == 303
    page = admin.http.get(path).text
    second = shown_secret(page)
    assert second is not None and second != first
    assert "A new signing secret is in use." in page
    assert shown_secret(admin.http.get(path).text) is None  # the reload shows, rotates nothing

    assert shown_secret(admin.post(f"{path}/secret", {}).text) == second  # redirect followed


def test_a_secret_held_for_one_endpoint_is_not_shown_on_another(admin: Admin) -> None:
    first = create(admin)
    second = create(admin)
    assert shown_secret(admin.http.get(f"/console/webhooks/endpoints/{first}").text) is None
    assert shown_secret(admin.http.get(f"/console/webhooks/endpoints/{second}").text) is not None


def test_the_copy_script_is_served(admin: Admin) -> None:
    script = admin.http.get("/static/copy.js")
    assert script.status_code == 200 and "navigator.clipboard.writeText" in script.text
