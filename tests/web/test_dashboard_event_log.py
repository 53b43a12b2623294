"""The event log over plain HTTP: searching by event id and ticket id, a range of days, and
every failed delivery in the filter queued again as one action."""

import re
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from hookdesk.models.webhooks import WebhookEvent
from tests.support.api import Api
from tests.support.pages import Admin

CREATED = "whitelabel.ticket.created"
RESOLVED = "whitelabel.ticket.resolved"
LOG = "/console/webhooks/events"


def endpoint(api: Api, *events: str) -> str:
    body = {"url": "http://127.0.0.1:9/hook", "events": list(events or (CREATED,))}
    return str(api.ok(api.post("/v2/webhook-endpoints/create", body), "webhook_endpoint")["id"])


def deliveries(api: Api) -> list[WebhookEvent]:
    with api.db.transaction(write=False) as session:
        statement = select(WebhookEvent).where(WebhookEvent.account_id == api.account_id)
        return list(session.scalars(statement))


def change(api: Api, ids: list[str], **values: object) -> None:
    with api.db.transaction() as session:
        session.execute(update(WebhookEvent).where(WebhookEvent.id.in_(ids)).values(**values))


def listed(page: str) -> list[str]:
    """The event ids of the log's rows, in order."""
    return re.findall(r'href="/console/webhooks/events/(whev_\w+)"', page)


def test_the_log_finds_an_event_by_its_id_and_a_ticket_by_its_id(admin: Admin) -> None:
    api = admin.api
    endpoint(api)
    endpoint(api)
    first, second = api.ticket(), api.ticket()
    by_ticket = {d.id: d.ticket_id for d in deliveries(api)}
    assert len(by_ticket) == 4

    one = next(iter(by_ticket))
    page = admin.http.get(LOG, params={"event_id": f"  {one} "})
    assert page.status_code == 200 and listed(page.text) == [one]
    assert f'value="{one}"' in page.text  # the search stays in its box

    page = admin.http.get(LOG, params={"ticket_id": first["id"]})
    found = listed(page.text)
    assert len(found) == 2 and {by_ticket[e] for e in found} == {first["id"]}
    assert "2 events" in page.text
    assert listed(admin.http.get(LOG, params={"ticket_id": "not-a-ticket"}).text) == []
    assert second["id"] != first["id"]


def test_the_log_keeps_to_a_range_of_days_in_utc(admin: Admin) -> None:
    api = admin.api
    endpoint(api)
    api.ticket()
    api.ticket()
    old, new = [d.id for d in deliveries(api)]
    three_days_ago = datetime.now(UTC) - timedelta(days=3)
    change(api, [old], created_at=int(three_days_ago.timestamp()))
    today = datetime.now(UTC).date()

    assert listed(admin.http.get(LOG, params={"from": today.isoformat()}).text) == [new]
    before = (today - timedelta(days=1)).isoformat()
    assert listed(admin.http.get(LOG, params={"to": before}).text) == [old]
    whole = {"from": three_days_ago.date().isoformat(), "to": today.isoformat()}
    assert listed(admin.http.get(LOG, params=whole).text) == [new, old]


def test_a_wrong_day_is_said_beside_its_box(admin: Admin) -> None:
    wrong = admin.http.get(LOG, params={"from": "2026-13-40"})
    assert wrong.status_code == 400
    assert '<p id="e-from" class="error" role="alert">Enter a date, such as 2026-01-31.</p>' in (
        wrong.text
    )
    backwards = admin.http.get(LOG, params={"from": "2026-05-02", "to": "2026-05-01"})
    assert backwards.status_code == 400
    assert "Choose a day on or after the first day." in backwards.text


def test_every_failed_delivery_in_the_filter_is_queued_again_at_once(admin: Admin) -> None:
    api = admin.api
    first, second = endpoint(api, CREATED, RESOLVED), endpoint(api, CREATED, RESOLVED)
    ticket = api.ticket()
    api.post(f"/v2/agency/tickets/resolve/{ticket['id']}")
    api.ticket()
    made = deliveries(api)
    assert {d.event_type for d in made} == {CREATED, RESOLVED} and len(made) == 6
    change(api, [d.id for d in made], status="failed", attempt_count=10, next_attempt_at=None)

    page = admin.http.get(LOG, params={"status": "failed", "event_type": CREATED})
    assert "Retry every failed delivery in this filter" in page.text
    retried = admin.post(
        f"{LOG}/retry-failed",
        {"status": "failed", "event_type": CREATED},
        follow_redirects=False,
    )
    assert retried.status_code == 303
    assert retried.headers["location"] == (
        f"{LOG}?event_type=whitelabel.ticket.created&status=failed&retried=4"
    )
    shown = admin.http.get(retried.headers["location"]).text
    assert "Failed deliveries queued again: 4." in shown

    after = {d.id: d for d in deliveries(api)}
    for delivery in made:
        now = after[delivery.id]
        if delivery.event_type == CREATED:
            assert now.status == "pending" and now.attempt_count == 0
            assert now.next_attempt_at is not None and now.next_attempt_at <= time.time()
        else:
            assert now.status == "failed" and now.attempt_count == 10
    assert {after[d.id].endpoint_id for d in made if d.event_type == CREATED} == {first, second}


def test_retrying_skips_a_deleted_endpoint_and_needs_a_valid_filter(admin: Admin) -> None:
    api = admin.api
    kept, deleted = endpoint(api), endpoint(api)
    api.ticket()
    change(api, [d.id for d in deliveries(api)], status="failed", next_attempt_at=None)
    api.post(f"/v2/webhook-endpoints/delete/{deleted}")

    retried = admin.post(f"{LOG}/retry-failed", {}, follow_redirects=False)
    assert retried.headers["location"] == f"{LOG}?retried=1"
    statuses = {d.endpoint_id: d.status for d in deliveries(api)}
    assert statuses == {kept: "pending", deleted: "failed"}

    refused = admin.post(f"{LOG}/retry-failed", {"event_type": "nonsense"})
    assert refused.status_code == 400 and "Choose an event type from the list." in refused.text


def test_the_log_shows_times_relative_with_the_exact_time_on_hover(admin: Admin) -> None:
    endpoint(admin.api)
    admin.api.ticket()
    page = admin.http.get(LOG).text
    assert re.search(
        r'<time datetime="[^"]+" title="\d{4}-\d\d-\d\d \d\d:\d\d UTC">just now</time>', page
    )
    assert 'data-label="Status"' in page


def test_the_pages_keep_every_filter_and_the_retry_shows_only_where_failed_can_be(
    admin: Admin,
) -> None:
    api = admin.api
    endpoint(api)
    for _ in range(26):
        api.ticket()
    filters = {"event_type": CREATED, "from": "2026-01-01", "ticket_id": ""}
    page = admin.http.get(LOG, params=filters).text
    assert len(listed(page)) == 25
    assert (
        html_link(page, "next")
        == f"{LOG}?event_type=whitelabel.ticket.created&from=2026-01-01&page=2"
    )
    assert "Retry every failed delivery in this filter" in page
    delivered = admin.http.get(LOG, params={"status": "delivered"}).text
    assert "Retry every failed delivery in this filter" not in delivered


def html_link(page: str, rel: str) -> str:
    match = re.search(rf'<a href="([^"]+)" rel="{rel}">', page)
    assert match is not None
    return match.group(1).replace("&amp;", "&")
