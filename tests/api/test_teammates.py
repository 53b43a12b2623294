"""Teammates: updated (name, role, disabled) and deleted; access that ends with them."""

from sqlalchemy import select

from hookdesk.access import signin
from hookdesk.access.passwords import hash_password
from hookdesk.models.teammates import Teammate
from hookdesk.webhooks.catalog import EventType
from tests.support.api import Api

TEAMMATES = "/v2/agency/teammates"
PASSWORD = "a long password"


def _signed_in(api: Api, teammate_id: str) -> str:
    """The session token of the teammate, signed in through an invite."""
    url = api.ok(api.post(f"{TEAMMATES}/invite/{teammate_id}"), "url")
    return signin.accept_invite(api.db, url.rsplit("/", 1)[1], PASSWORD).started.token


def _console(api: Api, token: str) -> int:
    answer = api.http.get(
        "/console", headers={"Cookie": f"agent_session={token}"}, follow_redirects=False
    )
    return answer.status_code


def test_a_teammate_has_a_role_and_can_be_disabled(api: Api) -> None:
    created = api.teammate()
    assert created["role"] == "agent" and created["disabled"] is False
    admin = api.teammate(role="admin")
    assert admin["role"] == "admin"
    changed = api.ok(
        api.post(f"{TEAMMATES}/update/{created['id']}", {"name": " Ada ", "role": "admin"}),
        "teammate",
    )
    assert changed["name"] == "Ada" and changed["role"] == "admin" and not changed["disabled"]
    disabled = api.ok(
        api.post(f"{TEAMMATES}/update/{created['id']}", {"disabled": True}), "teammate"
    )
    assert disabled["disabled"] is True and disabled["name"] == "Ada"
    listed = api.ok(api.get(f"{TEAMMATES}/list"), "teammates")
    assert {t["id"]: t["disabled"] for t in listed} == {created["id"]: True, admin["id"]: False}
    enabled = api.ok(
        api.post(f"{TEAMMATES}/update/{created['id']}", {"disabled": False}), "teammate"
    )
    assert enabled["disabled"] is False


def test_bad_updates_are_refused(api: Api, other_api: Api) -> None:
    teammate = api.teammate()
    for body in ({"role": "owner"}, {"disabled": "yes"}, {"name": None}, {"email": "x@y.z"}):
        answer = api.post(f"{TEAMMATES}/update/{teammate['id']}", body)
        assert answer.status_code == 400, body
        assert answer.json()["error_code"] == 1002
    theirs = other_api.teammate()
    for path in (f"{TEAMMATES}/update/{theirs['id']}", f"{TEAMMATES}/delete/{theirs['id']}"):
        answer = api.post(path, {"name": "Mine"} if "update" in path else None)
        assert answer.status_code == 404 and answer.json()["error_code"] == 3001, path
    assert (
        other_api.ok(other_api.get(f"{TEAMMATES}/list"), "teammates")[0]["name"] == theirs["name"]
    )


def test_disabling_ends_the_teammates_sessions_at_once(api: Api) -> None:
    teammate = api.teammate()
    first, second = _signed_in(api, teammate["id"]), None
    second = signin.sign_in(api.db, teammate["email"], PASSWORD)
    assert second is not None
    other = api.teammate()
    others = _signed_in(api, other["id"])
    assert _console(api, first) == 200 and _console(api, second.started.token) == 200
    api.ok(api.post(f"{TEAMMATES}/update/{teammate['id']}", {"disabled": True}), "teammate")
    assert _console(api, first) == 303 and _console(api, second.started.token) == 303
    assert _console(api, others) == 200
    assert signin.sign_in(api.db, teammate["email"], PASSWORD) is None
    invite = api.post(f"{TEAMMATES}/invite/{teammate['id']}")
    assert invite.status_code == 400 and invite.json()["error_code"] == 1014
    api.ok(api.post(f"{TEAMMATES}/update/{teammate['id']}", {"disabled": False}), "teammate")
    assert signin.sign_in(api.db, teammate["email"], PASSWORD) is not None


def test_a_new_password_ends_every_other_session(api: Api) -> None:
    teammate = api.teammate()
    old = _signed_in(api, teammate["id"])
    new = _signed_in(api, teammate["id"])  # a second invite: a new password
    assert _console(api, old) == 303
    assert _console(api, new) == 200
    assert signin.sign_in(api.db, teammate["email"], PASSWORD) is not None


def test_deleting_a_teammate_unassigns_their_tickets(api: Api) -> None:
    teammate, colleague = api.teammate(), api.teammate()
    token = _signed_in(api, teammate["id"])
    category = api.category(teammate_id=teammate["id"])
    theirs = [api.ticket(category=category["id"]) for _ in range(2)]
    someone_elses = api.ticket(category=category["id"])
    api.ok(
        api.post(
            f"/v2/agency/tickets/assign/{someone_elses['id']}", {"teammate_id": colleague["id"]}
        ),
        "ticket",
    )
    reply = api.post(f"/v2/agency/tickets/reply/create/{theirs[0]['id']}", {"reply": "On it."})
    assert reply.status_code == 200
    before = len(api.events())

    deleted = api.ok(api.post(f"{TEAMMATES}/delete/{teammate['id']}"), "teammate")
    assert deleted["id"] == teammate["id"]
    assigned = api.events()[before:]
    assert [e.event_type for e in assigned] == [EventType.TICKET_ASSIGNED] * 2
    assert {e.ticket_id for e in assigned} == {t["id"] for t in theirs}
    for ticket in theirs:
        assert (
            api.ok(api.get(f"/v2/agency/tickets/retrieve/{ticket['id']}"), "ticket")["teammate_id"]
            is None
        )
    kept = api.ok(api.get(f"/v2/agency/tickets/retrieve/{someone_elses['id']}"), "ticket")
    assert kept["teammate_id"] == colleague["id"]

    assert _console(api, token) == 303
    assert signin.sign_in(api.db, teammate["email"], PASSWORD) is None
    assert teammate["id"] not in {
        t["id"] for t in api.ok(api.get(f"{TEAMMATES}/list"), "teammates")
    }
    for path in (f"{TEAMMATES}/delete/{teammate['id']}", f"{TEAMMATES}/invite/{teammate['id']}"):
        assert api.post(path).status_code == 404, path
    refused = api.post(
        f"/v2/agency/tickets/assign/{theirs[0]['id']}", {"teammate_id": teammate["id"]}
    )
    assert refused.status_code == 400 and refused.json()["error_code"] == 1004
    new_ticket = api.ticket(category=category["id"])
    assert new_ticket["teammate_id"] is None  # the category no longer gives them tickets
    with api.db.read() as session:  # the row stays, so that their replies keep their name
        assert (
            session.scalar(select(Teammate.name).where(Teammate.id == teammate["id"]))
            == teammate["name"]
        )


def test_deleting_a_teammate_with_no_tickets_sends_no_event(api: Api) -> None:
    teammate = api.teammate()
    api.ticket()
    before = len(api.events())
    api.ok(api.post(f"{TEAMMATES}/delete/{teammate['id']}"), "teammate")
    assert len(api.events()) == before


def test_a_password_hash_of_a_disabled_teammate_is_kept(api: Api) -> None:
    teammate = api.teammate()
    with api.db.write() as session:
        row = session.get(Teammate, teammate["id"])
        assert row is not None
        row.password_hash = hash_password(PASSWORD)
    api.post(f"{TEAMMATES}/update/{teammate['id']}", {"disabled": True})
    with api.db.read() as session:
        assert session.scalar(select(Teammate.password_hash).where(Teammate.id == teammate["id"]))
