import json

import pytest
from pydantic import ValidationError

from hookdesk import receiver
from hookdesk.receiver import (
    TicketAssigned,
    TicketCreated,
    TicketResolved,
    TicketUpdated,
    WebhookEndpointDisabled,
    WebhookEventFailed,
    parse_event,
)
from tests.support.golden import EVENT_TYPES, OPERATIONAL_EVENT_TYPES, golden, golden_text

TYPES = {
    "whitelabel.ticket.created": TicketCreated,
    "whitelabel.ticket.updated": TicketUpdated,
    "whitelabel.ticket.assigned": TicketAssigned,
    "whitelabel.ticket.resolved": TicketResolved,
    "webhook_endpoint.disabled": WebhookEndpointDisabled,
    "webhook_event.failed": WebhookEventFailed,
}


@pytest.mark.parametrize("event_type", EVENT_TYPES + OPERATIONAL_EVENT_TYPES)
def test_every_example_file_parses_to_its_type_and_back(event_type: str) -> None:
    event = parse_event(golden_text(event_type))
    assert type(event) is TYPES[event_type]
    # The models hold every field of the golden file, in its order.
    assert event.model_dump(mode="json") == golden(event_type)
    assert json.dumps(event.model_dump(mode="json"), indent=2) == golden_text(event_type).rstrip()


def test_updated_events_carry_the_reply() -> None:
    event = parse_event(golden_text("whitelabel.ticket.updated"))
    assert isinstance(event, TicketUpdated)
    assert event.data.reply.text.startswith("Your request is under investigation")
    assert event.data.reply == event.data.ticket.replies[-1]


def test_operational_events_are_typed() -> None:
    disabled = parse_event(golden_text("webhook_endpoint.disabled"))
    assert isinstance(disabled, WebhookEndpointDisabled)
    assert disabled.data.reason == "failing"
    assert disabled.data.webhook_endpoint.status == "disabled"
    failed = parse_event(golden_text("webhook_event.failed"))
    assert isinstance(failed, WebhookEventFailed)
    assert failed.data.webhook_event.status == "failed"
    assert failed.data.last_attempt.status_code == 503


def test_fields_added_later_are_tolerated_and_kept() -> None:
    body = golden("whitelabel.ticket.created")
    body["delivered_via"] = "eu-west"
    body["data"]["ticket"]["priority"] = "high"
    body["data"]["ticket"]["replies"][0]["author"] = {"id": "x"}
    event = parse_event(json.dumps(body))
    assert isinstance(event, TicketCreated)
    assert event.model_extra == {"delivered_via": "eu-west"}
    assert event.data.ticket.model_extra == {"priority": "high"}


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"{}",
        json.dumps(
            {**golden("whitelabel.ticket.created"), "event_type": "something.else"}
        ).encode(),
        json.dumps(
            {
                **golden("whitelabel.ticket.updated"),
                "data": golden("whitelabel.ticket.created")["data"],
            }
        ).encode(),
    ],
)
def test_what_is_not_an_event_is_refused(body: bytes) -> None:
    with pytest.raises(ValidationError):
        parse_event(body)


def test_the_public_surface_is_pinned() -> None:
    assert sorted(receiver.__all__) == sorted(
        [
            "DEFAULT_TOLERANCE",
            "Asset",
            "Client",
            "Event",
            "InvalidSecret",
            "LastAttempt",
            "MissingHeader",
            "NoMatchingSignature",
            "Reply",
            "StaleTimestamp",
            "Ticket",
            "TicketAssigned",
            "TicketCreated",
            "TicketResolved",
            "TicketUpdated",
            "WebhookEndpoint",
            "WebhookEndpointDisabled",
            "WebhookEvent",
            "WebhookEventFailed",
            "WebhookVerificationError",
            "parse_event",
            "verify",
        ]
    )
    for name in receiver.__all__:
        assert hasattr(receiver, name)
