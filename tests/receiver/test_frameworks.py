"""Each framework helper in a real app of that framework: a good webhook in, a bad one refused."""

import json
import time
from collections.abc import Callable
from typing import Annotated, Any

import pytest

from hookdesk.receiver import Event, TicketCreated
from hookdesk.receiver.signing import new_secret, secret_key, signature_headers
from tests.support.golden import golden_text

SECRET = new_secret()
BODY = golden_text("whitelabel.ticket.created").encode()


def title_of(event: Event) -> str:
    assert isinstance(event, TicketCreated)  # what these tests send
    return event.data.ticket.title


def signed(body: bytes = BODY, at: int | None = None) -> dict[str, str]:
    stamp = int(time.time()) if at is None else at
    headers = signature_headers([secret_key(SECRET)], "whev_o48n74r1vsv642vex", stamp, body)
    return {**headers, "Content-Type": "application/json"}


Post = Callable[[bytes, dict[str, str]], tuple[int, Any]]


def check(post: Post) -> None:
    status, answer = post(BODY, signed())
    assert status == 200
    assert answer == {"type": "whitelabel.ticket.created", "title": "Help with account"}
    status, answer = post(BODY.replace(b"James", b"Jane"), signed())
    assert status == 400
    assert "no signature matches" in json.dumps(answer)
    status, answer = post(BODY, signed(at=int(time.time()) - 3600))
    assert status == 400
    assert "tolerance" in json.dumps(answer)
    status, _ = post(BODY, {"Content-Type": "application/json"})
    assert status == 400
    not_an_event = b'{"hello": "world"}'
    status, answer = post(not_an_event, signed(not_an_event))
    assert status == 400
    assert "not a hookdesk event" in json.dumps(answer)


def test_fastapi_dependency() -> None:
    from fastapi import Depends, FastAPI
    from fastapi.testclient import TestClient

    from hookdesk.receiver.frameworks.fastapi import verified_event

    app = FastAPI()
    HookdeskEvent = Annotated[Event, Depends(verified_event(SECRET))]

    @app.post("/hooks")
    async def receive(event: HookdeskEvent) -> dict[str, str]:
        assert isinstance(event, TicketCreated)
        return {"type": event.event_type, "title": title_of(event)}

    client = TestClient(app)

    def post(body: bytes, headers: dict[str, str]) -> tuple[int, Any]:
        response = client.post("/hooks", content=body, headers=headers)
        return response.status_code, response.json()

    check(post)


def test_flask_decorator() -> None:
    from flask import Flask

    from hookdesk.receiver.frameworks.flask import verified_webhook

    app = Flask(__name__)

    @app.post("/hooks")
    @verified_webhook(SECRET)
    def receive(event: Event) -> dict[str, str]:
        return {"type": event.event_type, "title": title_of(event)}

    client = app.test_client()

    def post(body: bytes, headers: dict[str, str]) -> tuple[int, Any]:
        response = client.post("/hooks", data=body, headers=headers)
        return response.status_code, response.get_json()

    check(post)


urlpatterns: list[Any] = []  # this module is the Django test's URLconf


@pytest.fixture(scope="module")
def django_app() -> Any:
    import django
    from django.conf import settings

    if not settings.configured:
        settings.configure(
            ROOT_URLCONF=__name__,
            ALLOWED_HOSTS=["testserver"],
            SECRET_KEY="tests-only",
            MIDDLEWARE=["django.middleware.csrf.CsrfViewMiddleware"],
        )
        django.setup()
    from django.http import JsonResponse
    from django.test import Client
    from django.urls import path

    from hookdesk.receiver.frameworks.django import verified_webhook

    @verified_webhook(SECRET)
    def receive(request: Any, event: Event) -> JsonResponse:
        return JsonResponse({"type": event.event_type, "title": title_of(event)})

    urlpatterns[:] = [path("hooks", receive)]
    return Client(enforce_csrf_checks=True)


def test_django_view_decorator(django_app: Any) -> None:
    def post(body: bytes, headers: dict[str, str]) -> tuple[int, Any]:
        extra = {
            f"HTTP_{k.upper().replace('-', '_')}": v
            for k, v in headers.items()
            if k != "Content-Type"
        }
        response = django_app.post("/hooks", data=body, content_type="application/json", **extra)
        return response.status_code, json.loads(response.content)

    check(post)
    assert django_app.get("/hooks").status_code == 405
