"""Properties of signing and payload rendering over generated input (Hypothesis).

Signing: for any body, id, time and secrets, both header schemes verify with hookdesk's `verify`
and the Standard Webhooks verifiers, and any change to the body, id or time breaks them.
Rendering: for any ticket, the body is valid JSON holding exactly the ticket's values in the golden
files' field order, and the same input always renders the same bytes.
"""

import base64
import json
import time

import standardwebhooks
import svix.webhooks
from hypothesis import given, settings
from hypothesis import strategies as st

from hookdesk.receiver.errors import NoMatchingSignature
from hookdesk.receiver.signing import secret_key, signature_headers
from hookdesk.receiver.verify import verify
from hookdesk.webhooks.catalog import EventType
from hookdesk.webhooks.payloads import (
    AssetView,
    ClientView,
    ReplyView,
    TicketView,
    event_data,
    render_body,
    serialize,
    ticket_object,
)
from tests.support.golden import golden, shape

NOW = 1_800_000_000
secrets_ = st.binary(min_size=1, max_size=64).map(
    lambda key: "whsec_" + base64.b64encode(key).decode()
)
message_ids = st.from_regex(r"whev_[0-9a-z]{17}", fullmatch=True)
timestamps = st.integers(min_value=NOW - 250, max_value=NOW + 250)
bodies = st.binary(max_size=4096)


@settings(max_examples=200, deadline=None)
@given(
    body=bodies,
    message_id=message_ids,
    at=timestamps,
    secrets=st.lists(secrets_, min_size=1, max_size=3),
)
def test_every_valid_secret_verifies_in_both_schemes(
    body: bytes, message_id: str, at: int, secrets: list[str]
) -> None:
    headers = signature_headers([secret_key(s) for s in secrets], message_id, at, body)
    standard = {k: v for k, v in headers.items() if k != "Hookdesk-Signature"}
    compact = {"Hookdesk-Signature": headers["Hookdesk-Signature"]}
    for secret in secrets:
        verify(body, standard, secret, now=NOW)
        verify(body, compact, secret, now=NOW)


json_bodies = st.text(max_size=500).map(lambda text: json.dumps({"text": text}).encode())


@settings(max_examples=100, deadline=None)
@given(body=json_bodies, message_id=message_ids, secret=secrets_)
def test_the_standard_webhooks_verifiers_agree(body: bytes, message_id: str, secret: str) -> None:
    at = int(time.time())  # these verifiers check the timestamp against the clock (and svix
    # parses the body as JSON once it verified)
    headers = signature_headers([secret_key(secret)], message_id, at, body)
    standardwebhooks.Webhook(secret).verify(body, headers)
    svix.webhooks.Webhook(secret).verify(body, headers)


@settings(max_examples=200, deadline=None)
@given(
    body=bodies,
    message_id=message_ids,
    at=timestamps,
    secret=secrets_,
    change=st.sampled_from(["body", "id", "time", "secret"]),
    data=st.data(),
)
def test_any_change_breaks_the_signature(
    body: bytes, message_id: str, at: int, secret: str, change: str, data: st.DataObject
) -> None:
    headers = signature_headers([secret_key(secret)], message_id, at, body)
    checked_body, checked_secret = body, secret
    if change == "body":
        checked_body = data.draw(bodies.filter(lambda other: other != body))
    elif change == "id":
        other_id = data.draw(message_ids.filter(lambda other: other != message_id))
        headers["webhook-id"] = other_id
    elif change == "time":
        other = data.draw(timestamps.filter(lambda other: other != at))
        headers["webhook-timestamp"] = str(other)
        headers["Hookdesk-Signature"] = headers["Hookdesk-Signature"].replace(
            f"t={at}", f"t={other}"
        )
    else:
        checked_secret = data.draw(secrets_.filter(lambda s: secret_key(s) != secret_key(secret)))
    standard = {k: v for k, v in headers.items() if k != "Hookdesk-Signature"}
    compact = {"Hookdesk-Signature": headers["Hookdesk-Signature"]}
    for scheme in (standard, compact):
        if change == "id" and scheme is compact:
            continue  # the compact form does not sign the id
        try:
            verify(checked_body, scheme, checked_secret, now=NOW)
        except NoMatchingSignature:
            continue
        raise AssertionError(f"a changed {change} still verified with {sorted(scheme)}")


texts = st.text(max_size=200)  # any Unicode: quotes, backslashes, control characters, emoji
ids = st.uuids().map(str)
times = st.integers(min_value=0, max_value=2**40)
assets = st.builds(
    AssetView,
    id=ids,
    filename=texts,
    extension=st.sampled_from(["png", "pdf", "txt"]),
    filesize=st.integers(min_value=1, max_value=10**7),
    type=st.sampled_from(["image/png", "application/pdf", "text/plain"]),
    public_url=texts,
    created_at=times,
)
replies = st.builds(
    ReplyView,
    id=ids,
    text=texts,
    is_client_reply=st.booleans(),
    created_at=times,
    assets=st.lists(assets, max_size=3).map(tuple),
)
tickets = st.builds(
    TicketView,
    id=ids,
    title=texts,
    is_open=st.booleans(),
    created_at=times,
    updated_at=times,
    client=st.builds(ClientView, id=ids, name=texts, email=texts),
    teammate_id=st.none() | ids,
    replies=st.lists(replies, min_size=1, max_size=4).map(tuple),
    category=texts,
    subcategory=st.none() | texts,
    language=st.sampled_from(["en", "fr", "de"]),
)


@settings(max_examples=200, deadline=None)
@given(ticket=tickets, reply=st.none() | replies, event_id=message_ids, endpoint_id=ids)
def test_a_rendered_body_holds_the_ticket_in_the_golden_shape(
    ticket: TicketView, reply: ReplyView | None, event_id: str, endpoint_id: str
) -> None:
    event_type = EventType.TICKET_UPDATED if reply else EventType.TICKET_CREATED
    data_json = serialize(event_data(ticket, reply))
    body = render_body(
        event_id=event_id,
        event_type=event_type,
        api_version=2,
        data_json=data_json,
        endpoint_id=endpoint_id,
    )
    parsed = json.loads(body)
    assert parsed["data"]["ticket"] == json.loads(serialize(ticket_object(ticket)))
    assert parsed["data"]["ticket"]["title"] == ticket.title
    assert [r["text"] for r in parsed["data"]["ticket"]["replies"]] == [
        r.text for r in ticket.replies
    ]
    assert (parsed["event_id"], parsed["endpoint_id"]) == (event_id, endpoint_id)
    example = golden(event_type)
    assert list(parsed) == list(example)
    assert list(parsed["data"]) == list(example["data"])
    assert list(parsed["data"]["ticket"]) == list(example["data"]["ticket"])
    assert list(parsed["data"]["ticket"]["client"]) == list(example["data"]["ticket"]["client"])
    for rendered in parsed["data"]["ticket"]["replies"]:
        assert list(rendered) == list(example["data"]["ticket"]["replies"][0])
        for asset in rendered["assets"] or []:
            assert shape(asset) == shape(_an_asset_of(example))
    # Deterministic: the same snapshot renders the same bytes, as every retry must send.
    assert body == render_body(
        event_id=event_id,
        event_type=event_type,
        api_version=2,
        data_json=serialize(event_data(ticket, reply)),
        endpoint_id=endpoint_id,
    )


def _an_asset_of(example: dict) -> dict:
    for reply in example["data"]["ticket"]["replies"]:
        if reply["assets"]:
            return dict(reply["assets"][0])
    return {
        "id": "",
        "object": "asset",
        "filename": "",
        "extension": "",
        "filesize": 0,
        "type": "",
        "public_url": "",
        "created_at": 0,
    }
