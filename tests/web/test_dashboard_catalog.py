"""The event catalog over plain HTTP: each type with its description, sample payload and where
it is documented; a test of any type sent to a chosen endpoint through the normal pipeline."""

import html
import json
import re

from sqlalchemy import select

from hookdesk.models.webhooks import WebhookEvent
from hookdesk.webhooks.catalog import EventType
from tests.support.api import Api
from tests.support.pages import Admin, agent_session

CATALOG = "/console/webhooks/catalog"


def endpoint(api: Api, url: str = "http://127.0.0.1:9/hook") -> str:
    body = {"url": url, "events": ["whitelabel.ticket.created"]}
    return str(api.ok(api.post("/v2/webhook-endpoints/create", body), "webhook_endpoint")["id"])


def samples(page: str) -> dict[str, dict[str, object]]:
    """Each type's sample payload on the page, parsed."""
    found = re.findall(r'aria-label="Sample payload of ([\w.]+)">(.*?)</pre>', page, re.S)
    return {name: json.loads(html.unescape(body)) for name, body in found}


def test_each_event_type_has_its_words_a_sample_and_its_docs(admin: Admin) -> None:
    page = admin.http.get(CATALOG)
    assert page.status_code == 200
    shown = samples(page.text)
    assert set(shown) == {e.value for e in EventType}
    for event_type, sample in shown.items():
        assert sample["event_type"] == event_type and sample["object"] == "event"
        assert str(sample["event_id"]).startswith("whev_") and "endpoint_id" in sample
        assert f"<code>docs/events/{event_type}.json</code>" in page.text
    assert shown["whitelabel.ticket.updated"]["data"]["reply"]  # type: ignore[index]
    assert "A ticket was opened" in page.text and "its retry schedule is spent" in page.text
    assert "No enabled endpoint to send a test to" in page.text
    assert 'action="/console/webhooks/catalog/test"' not in page.text
    assert 'href="/console/webhooks/catalog"' in admin.http.get("/console/webhooks").text


def test_a_test_of_any_type_goes_to_the_chosen_endpoint(admin: Admin) -> None:
    api = admin.api
    endpoint(api)
    chosen = endpoint(api, "http://127.0.0.1:9/chosen")
    page = admin.http.get(CATALOG).text
    assert page.count('action="/console/webhooks/catalog/test"') == len(EventType)
    assert "http://127.0.0.1:9/chosen" in page

    form = {"event_type": "webhook_event.failed", "endpoint_id": chosen}
    sent = admin.post(f"{CATALOG}/test", form, follow_redirects=False)
    assert sent.status_code == 303
    event_id = sent.headers["location"].split("/")[-1].split("?")[0]
    with api.db.transaction(write=False) as session:
        delivery = session.scalar(select(WebhookEvent).where(WebhookEvent.id == event_id))
    assert delivery is not None
    assert (delivery.endpoint_id, delivery.event_type) == (chosen, "webhook_event.failed")
    assert delivery.status == "pending"  # queued for the dispatcher, as any event
    assert "Test event queued" in admin.http.get(sent.headers["location"]).text


def test_a_test_to_a_disabled_or_unknown_endpoint_is_refused_beside_its_form(
    admin: Admin,
) -> None:
    api = admin.api
    disabled = endpoint(api)
    endpoint(api)
    api.post(f"/v2/webhook-endpoints/update/{disabled}", {"status": "disabled"})
    page = admin.http.get(CATALOG).text
    assert f'value="{disabled}"' not in page  # only enabled endpoints are offered

    form = {"event_type": "whitelabel.ticket.resolved", "endpoint_id": disabled}
    refused = admin.post(f"{CATALOG}/test", form)
    assert refused.status_code == 400
    assert '<p id="e-whitelabel-ticket-resolved" class="error" role="alert">' in refused.text
    assert "enable it to send a test event" in refused.text

    form["endpoint_id"] = "no-such-endpoint"
    unknown = admin.post(f"{CATALOG}/test", form)
    assert unknown.status_code == 400 and "Choose an endpoint from the list." in unknown.text
    wrong_type = admin.post(f"{CATALOG}/test", {**form, "event_type": "ticket.nonsense"})
    assert wrong_type.status_code == 400 and "Choose an event type." in wrong_type.text
    with api.db.transaction(write=False) as session:
        assert session.scalars(select(WebhookEvent)).first() is None


def test_an_agent_who_is_not_an_admin_cannot_open_the_catalog_or_send_from_it(
    admin: Admin,
) -> None:
    headers, csrf = agent_session(admin.api)
    admin.http.cookies.clear()
    assert admin.http.get(CATALOG, headers=headers).status_code == 403
    form = {"event_type": "whitelabel.ticket.created", "endpoint_id": "x", "csrf_token": csrf}
    assert admin.http.post(f"{CATALOG}/test", data=form, headers=headers).status_code == 403
