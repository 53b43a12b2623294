"""The console's ticket page over plain HTTP: internal notes, send and resolve, saved replies,
tags and priority, the feedback after each action, attachments, and the controls the live
update carries."""

import io
import re

from httpx import Response
from PIL import Image
from sqlalchemy import select, update

from hookdesk.access import signin
from hookdesk.config import Settings
from hookdesk.mail.prepare import prepare
from hookdesk.models.mail import MailMessage
from hookdesk.models.tickets import Ticket, TicketPresence
from hookdesk.models.webhooks import OutboxEvent
from hookdesk.shared.secretbox import SecretBox
from tests.support.api import Api, new_account
from tests.support.pages import agent_session

SECRET = "Internal: the client is on the legacy plan"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 1_200_000


class Console:
    """A signed-in agent's browser without the browser."""

    def __init__(self, api: Api) -> None:
        self.api = api
        self.headers, self.csrf = agent_session(api)

    def get(self, path: str, **params: str) -> Response:
        # Without params the path keeps its own query (a redirect's `done`).
        return self.api.http.get(path, params=params or None, headers=self.headers)

    def post(self, path: str, data: dict[str, str], **kwargs: object) -> Response:
        return self.api.http.post(
            path,
            data=data | {"csrf_token": self.csrf},
            headers=self.headers,
            follow_redirects=False,
            **kwargs,
        )

    def done(self, answer: Response) -> Response:
        """The page a successful post redirected to."""
        assert answer.status_code == 303, answer.text
        return self.get(answer.headers["location"])


def notices(page: Response) -> list[str]:
    return re.findall(r'<p class="notice" role="status">([^<]*)</p>', page.text)


def test_a_note_shows_as_internal_and_never_reaches_the_client_or_endpoints(api: Api) -> None:
    client = api.client(name="Clara Client")
    ticket = api.ticket(client_id=client["id"], description="My printer is on fire.")
    console = Console(api)
    events, mail = api.count(OutboxEvent), api.count(MailMessage)
    page = console.done(console.post(f"/console/tickets/{ticket['id']}/notes", {"note": SECRET}))
    assert notices(page) == ["Internal note added."]
    note = re.search(r'<li class="message note">(.*?)</li>', page.text, re.S)
    assert note is not None and SECRET in note.group(1) and "internal note" in note.group(1)
    assert (api.count(OutboxEvent), api.count(MailMessage)) == (events, mail)
    # Nor in the API's ticket object, the events of a later reply, or the portal.
    api.ok(
        api.post(f"/v2/agency/tickets/reply/create/{ticket['id']}", {"reply": "On it."}), "ticket"
    )
    retrieved = api.get(f"/v2/agency/tickets/retrieve/{ticket['id']}")
    assert retrieved.status_code == 200 and SECRET not in retrieved.text
    with api.db.read() as session:
        assert all(SECRET not in e.data for e in session.scalars(select(OutboxEvent)))
    portal = portal_page(api, client["id"], ticket["id"])
    assert "My printer is on fire." in portal and "legacy plan" not in portal


def portal_headers(api: Api, client_id: str) -> dict[str, str]:
    url = api.ok(api.post(f"/v2/agency/clients/portal-session/{client_id}"), "url")
    with api.db.write() as session:
        entered = signin.enter_portal(session, url.rsplit("/", 1)[1])
    return {"Cookie": f"client_session={entered.started.token}"}


def portal_page(api: Api, client_id: str, ticket_id: str) -> str:
    headers = portal_headers(api, client_id)
    page = api.http.get(f"/portal/tickets/{ticket_id}", headers=headers)
    assert page.status_code == 200
    return page.text


def test_an_empty_note_is_refused_beside_its_field(api: Api) -> None:
    ticket = api.ticket()
    console = Console(api)
    answer = console.post(f"/console/tickets/{ticket['id']}/notes", {"note": "  "})
    assert answer.status_code == 400
    assert 'id="e-note"' in answer.text and "required" in answer.text


def test_send_and_resolve_answers_and_closes_in_one_go(api: Api) -> None:
    ticket = api.ticket()
    console = Console(api)
    answer = console.post(
        f"/console/tickets/{ticket['id']}/reply", {"reply": "Fixed it.", "then": "resolve"}
    )
    page = console.done(answer)
    assert notices(page) == ["Reply sent and ticket resolved."]
    found = api.ok(api.get(f"/v2/agency/tickets/retrieve/{ticket['id']}"), "ticket")
    assert found["is_open"] is False and found["replies"][-1]["text"] == "Fixed it."
    types = [e.event_type for e in api.events()][-2:]
    assert types == ["whitelabel.ticket.updated", "whitelabel.ticket.resolved"]
    # An empty reply resolves nothing.
    again = api.ticket()
    refused = console.post(f"/console/tickets/{again['id']}/reply", {"then": "resolve"})
    assert refused.status_code == 400
    assert api.ok(api.get(f"/v2/agency/tickets/retrieve/{again['id']}"), "ticket")["is_open"]


def test_every_action_is_followed_by_its_feedback(api: Api) -> None:
    ana = api.teammate(name="Ana Agent")
    ticket = api.ticket()
    console = Console(api)
    path = f"/console/tickets/{ticket['id']}"
    assigned = console.done(console.post(f"{path}/assign", {"teammate_id": ana["id"]}))
    assert notices(assigned) == ["Assigned to Ana Agent."]
    unassigned = console.done(console.post(f"{path}/assign", {"teammate_id": ""}))
    assert notices(unassigned) == ["Unassigned."]
    replied = console.done(console.post(f"{path}/reply", {"reply": "Hello."}))
    assert notices(replied) == ["Reply sent."]
    resolved = console.done(console.post(f"{path}/resolve", {}))
    assert notices(resolved) == ["Resolved."]
    assert notices(console.get(path, done="nonsense")) == []


def test_tags_and_priority_are_set_from_the_page(api: Api) -> None:
    ticket = api.ticket()
    console = Console(api)
    path = f"/console/tickets/{ticket['id']}"
    form = {"tags": "Billing, vip, , billing", "priority": "urgent"}
    page = console.done(console.post(f"{path}/update", form))
    assert notices(page) == ["Tags and priority saved."]
    found = api.ok(api.get(f"/v2/agency/tickets/retrieve/{ticket['id']}"), "ticket")
    assert (found["tags"], found["priority"]) == (["billing", "vip"], "urgent")
    assert 'value="billing, vip"' in page.text
    refused = console.post(f"{path}/update", {"tags": "ok", "priority": "whenever"})
    assert refused.status_code == 400 and 'id="e-priority"' in refused.text
    long_tag = console.post(f"{path}/update", {"tags": "x" * 51, "priority": "low"})
    assert long_tag.status_code == 400 and 'class="error' in long_tag.text
    assert api.ok(api.get(f"/v2/agency/tickets/retrieve/{ticket['id']}"), "ticket")["tags"] == [
        "billing",
        "vip",
    ]


def test_a_saved_reply_is_filled_for_the_ticket_and_the_agent(api: Api) -> None:
    client = api.client(name="Clara Client")
    ticket = api.ticket(client_id=client["id"], title="Printer on fire")
    text = "Hello {{client.name}}, about {{ ticket.title }}: done. {{teammate.name}}"
    saved = api.ok(
        api.post("/v2/agency/saved-replies/create", {"title": "Done", "text": text}), "saved_reply"
    )
    console = Console(api)
    path = f"/console/tickets/{ticket['id']}"
    page = console.get(path)
    assert f'<option value="{saved["id"]}"' in page.text and ">Done</option>" in page.text
    filled = console.get(f"{path}/saved-replies/{saved['id']}")
    assert filled.status_code == 200
    assert filled.text.startswith("Hello Clara Client, about Printer on fire: done. ")
    assert "{{" not in filled.text
    # Without scripts, the picker's form brings the page back with the reply as the draft.
    drafted = console.get(path, saved_reply=saved["id"])
    assert "Hello Clara Client, about Printer on fire" in drafted.text
    assert console.get(f"{path}/saved-replies/{ticket['id']}").status_code == 404


def image(size: tuple[int, int], mode: str = "RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, (200, 40, 40, 128) if mode == "RGBA" else (200, 40, 40)).save(
        out, format="PNG"
    )
    return out.getvalue()


def test_attachments_show_human_sizes_and_image_previews(api: Api) -> None:
    ticket = api.ticket()
    console = Console(api)
    path = f"/console/tickets/{ticket['id']}"
    files = [
        ("attachments", ("photo.png", image((1600, 1200)), "image/png")),
        ("attachments", ("logo.png", image((100, 400), "RGBA"), "image/png")),
        ("attachments", ("broken.png", PNG, "image/png")),
        ("attachments", ("notes.txt", b"hello", "text/plain")),
    ]
    page = console.done(console.post(f"{path}/reply", {"reply": "Files."}, files=files))
    assert "(1.2 MB)" in page.text and "(5 Bytes)" in page.text
    previews = re.findall(r'<img src="([^"]+)"', page.text)
    assert len(previews) == 3  # the images, not the text file
    photo, logo, broken = (console.get(preview) for preview in previews)
    assert photo.headers["content-type"] == "image/jpeg"
    assert Image.open(io.BytesIO(photo.content)).size == (320, 240)  # proportions kept
    assert logo.headers["content-type"] == "image/png"
    assert Image.open(io.BytesIO(logo.content)).size == (60, 240)
    assert broken.status_code == 404  # no image inside: the link to the file is still there
    # Public like the file, by its random id, and cached as the file never changes.
    assert photo.headers["cache-control"] == "public, max-age=86400"
    assert api.http.get(previews[0]).status_code == 200
    files_of = api.ok(api.get(f"/v2/agency/tickets/retrieve/{ticket['id']}"), "ticket")
    text_file = files_of["replies"][-1]["assets"][3]["id"]
    assert console.get(f"/thumbnails/{api.account_id}/{text_file}").status_code == 404
    stranger = new_account(api.http, api.db, "Another Agency")
    photo_id = previews[0].rsplit("/", 1)[1]
    assert console.get(f"/thumbnails/{stranger.account_id}/{photo_id}").status_code == 404


def test_the_live_update_carries_the_controls_of_the_new_state(api: Api) -> None:
    client = api.client()
    ticket = api.ticket(client_id=client["id"])
    console = Console(api)
    path = f"/console/tickets/{ticket['id']}"
    page = console.get(path)
    version = re.search(r"conversation\?version=([0-9a-f]+)", page.text)
    assert version is not None
    assert console.get(f"{path}/conversation", version=version.group(1)).status_code == 204
    assert 'id="resolve-form"' in page.text and "(reopens the ticket)" not in page.text

    api.ok(api.post(f"/v2/agency/tickets/resolve/{ticket['id']}"), "ticket")
    resolved = console.get(f"{path}/conversation", version=version.group(1))
    assert resolved.status_code == 200
    controls = re.search(r'<aside[^>]*id="ticket-controls"[^>]*>', resolved.text)
    assert controls is not None and 'hx-swap-oob="true"' in controls.group(0)
    assert 'id="resolve-form"' not in resolved.text
    assert re.search(
        r'id="reopen-hint"[^>]*hx-swap-oob="true">\(reopens the ticket\)', resolved.text
    )
    assert '<span class="tag closed" id="ticket-status">resolved</span>' in resolved.text

    # The client writes again: the ticket reopens and the controls follow.
    body = {"reply": "Still broken.", "is_client_reply": True}
    api.ok(api.post(f"/v2/agency/tickets/reply/create/{ticket['id']}", body), "ticket")
    reopened = console.get(f"{path}/conversation", version=version.group(1))
    assert 'id="resolve-form"' in reopened.text and "(reopens the ticket)" not in reopened.text
    # A note and a change of tags are news to the page too.
    newer = re.search(r"conversation\?version=([0-9a-f]+)", reopened.text)
    assert newer is not None
    api.post(f"/v2/agency/tickets/notes/create/{ticket['id']}", {"text": "Call them."})
    assert console.get(f"{path}/conversation", version=newer.group(1)).status_code == 200
    # The controls come again only when their state changed: a note leaves what the agent is
    # choosing in them alone.
    controls = re.search(r"&amp;controls=([0-9a-f]+)", reopened.text)
    assert controls is not None
    noted = console.get(f"{path}/conversation", version=newer.group(1), controls=controls.group(1))
    assert "Call them." in noted.text and 'id="ticket-controls"' not in noted.text
    assert 'id="reopen-hint"' not in noted.text


def trail(page: Response) -> list[str]:
    """The activity lines of the conversation, without their times."""
    lines = re.findall(r'<li class="activity">(.*?)</li>', page.text, re.S)
    return [re.sub(r"\s+", " ", line.split("·")[0]).strip() for line in lines]


def test_the_activity_trail_says_who_did_what(api: Api) -> None:
    ana = api.teammate(name="Ana Agent")
    client = api.client(name="Clara Client")
    ticket = api.ticket(client_id=client["id"], is_client_reply=True)
    console = Console(api)
    team = api.ok(api.get("/v2/agency/teammates/list", per_page=100), "teammates")
    (me,) = {t["name"] for t in team} - {"Ana Agent"}
    path = f"/console/tickets/{ticket['id']}"
    payloads_before = [e.data for e in api.events()]
    console.done(console.post(f"{path}/assign", {"teammate_id": ana["id"]}))
    console.done(console.post(f"{path}/resolve", {}))
    body = {"reply": "Still broken.", "is_client_reply": True}
    api.ok(api.post(f"/v2/agency/tickets/reply/create/{ticket['id']}", body), "ticket")
    api.ok(api.post(f"/v2/agency/tickets/assign/{ticket['id']}", {"teammate_id": None}), "ticket")
    api.ok(api.post(f"/v2/agency/tickets/resolve/{ticket['id']}"), "ticket")
    headers = portal_headers(api, client["id"])
    api.http.post(
        f"/v2/agency/tickets/reply/create/{ticket['id']}",
        json={"reply": "Reopening.", "is_client_reply": False},
        headers=api.headers,
    )
    portal = api.http.get(f"/portal/tickets/{ticket['id']}", headers=headers)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', portal.text)
    assert csrf is not None
    resolved = api.http.post(
        f"/portal/tickets/{ticket['id']}/resolve",
        data={"csrf_token": csrf.group(1)},
        headers=headers,
        follow_redirects=False,
    )
    assert resolved.status_code == 303
    assert trail(console.get(path)) == [
        "Opened by the client",
        f"Assigned to Ana Agent by {me}",
        f"Resolved by {me}",
        "Reopened by the client",
        "Unassigned through the API",
        "Resolved through the API",
        "Reopened through the API",
        "Resolved by the client",
    ]
    # The events' payloads say nothing of who acted.
    assert [e.data for e in api.events()][: len(payloads_before)] == payloads_before
    for event in api.events():
        assert "Ana Agent" not in event.data and '"by"' not in event.data


def test_the_trail_shows_the_emails_sent_about_the_ticket(api: Api) -> None:
    client = api.client(email="clara@example.com")
    ticket = api.ticket(client_id=client["id"], is_client_reply=True)
    console = Console(api)
    path = f"/console/tickets/{ticket['id']}"
    console.done(console.post(f"{path}/reply", {"reply": "We are on it."}))
    assert not any(line.startswith("Emailed") for line in trail(console.get(path)))
    with api.db.write() as session:  # what the mail channel records once the server accepts it
        session.execute(
            update(MailMessage)
            .where(MailMessage.ticket_id == ticket["id"], MailMessage.to_address == client["email"])
            .values(status="sent")
        )
    assert "Emailed to clara@example.com" in trail(console.get(path))


def test_another_agent_viewing_or_replying_is_noticed_and_expires(api: Api) -> None:
    ticket = api.ticket()
    ada, bob = Console(api), Console(api)
    path = f"/console/tickets/{ticket['id']}"
    assert "this ticket." not in ada.get(path).text  # alone
    bob.get(path)
    seen = re.findall(r'<p class="banner presence">([^<]*)</p>', ada.get(path).text)
    assert len(seen) == 1 and seen[0].endswith(" is viewing this ticket.")
    bob.get(f"{path}/conversation", replying="1")
    poll = ada.get(f"{path}/conversation")
    assert poll.status_code == 200 and " is replying to this ticket." in poll.text
    # Bob is told of Ada, not of himself.
    told = re.findall(r'<p class="banner presence">([^<]*)</p>', bob.get(path).text)
    assert len(told) == 1 and told[0].endswith(" is viewing this ticket.") and told != seen
    # A page closed long enough ago counts for nothing.
    with api.db.write() as session:
        session.execute(update(TicketPresence).values(seen_at=TicketPresence.seen_at - 60))
    assert "this ticket." not in ada.get(f"{path}/conversation").text


def test_the_page_links_the_neighbouring_tickets_of_the_inbox(api: Api) -> None:
    first, second, third = api.ticket(title="First"), api.ticket(title="Second"), api.ticket()
    closed = api.ticket(title="Closed")
    api.ok(api.post(f"/v2/agency/tickets/resolve/{closed['id']}"), "ticket")
    # Last activity first: the reply puts the first ticket on top.
    api.ok(api.post(f"/v2/agency/tickets/reply/create/{first['id']}", {"reply": "Hi"}), "ticket")
    with api.db.write() as session:  # the inbox's order holds within a second too
        session.execute(
            update(Ticket).where(Ticket.id == first["id"]).values(updated_at=Ticket.updated_at + 5)
        )
    console = Console(api)

    def neighbours(ticket_id: str) -> tuple[str | None, str | None]:
        page = console.get(f"/console/tickets/{ticket_id}").text
        found = [
            re.search(rf'href="/console/tickets/([^"]+)" id="{name}-ticket"', page)
            for name in ("previous", "next")
        ]
        previous, following = (m.group(1) if m else None for m in found)
        return previous, following

    assert neighbours(first["id"]) == (None, third["id"])
    assert neighbours(third["id"]) == (first["id"], second["id"])
    assert neighbours(second["id"]) == (third["id"], None)


def test_the_client_sidebar_shows_their_email_and_other_tickets(api: Api) -> None:
    client = api.client(name="Clara Client", email="clara@example.com")
    older = api.ticket(client_id=client["id"], title="Older question")
    ticket = api.ticket(client_id=client["id"], title="Printer on fire")
    api.ticket(title="Someone else's")
    page = Console(api).get(f"/console/tickets/{ticket['id']}").text
    side = re.search(r'<section class="card client-side".*?</section>', page, re.S)
    assert side is not None
    assert "clara@example.com" in side.group(0) and "Client since" in side.group(0)
    assert re.findall(r'href="/console/tickets/([^"]+)"', side.group(0)) == [older["id"]]
    assert "Someone else" not in side.group(0) and "Printer on fire" not in side.group(0)


def test_the_page_offers_its_shortcuts_and_their_help(api: Api) -> None:
    page = Console(api).get(f"/console/tickets/{api.ticket()['id']}").text
    assert '<script src="/static/ticket.js" defer></script>' in page
    assert '<dialog id="shortcuts"' in page
    for key in ("j", "k", "r", "a", "e", "?"):
        assert f"<kbd>{key}</kbd>" in page
    script = api.http.get("/static/ticket.js")
    assert script.status_code == 200 and "requestSubmit" in script.text


def test_a_note_is_in_none_of_the_emails_the_ticket_sends(api: Api, settings: Settings) -> None:
    sender = {"from_address": "support@acme.example"}
    api.ok(api.post("/v2/agency/mail/update", sender), "mail_settings")
    ana = api.teammate(name="Ana Agent")
    client = api.client(name="Clara Client")
    ticket = api.ticket(client_id=client["id"], is_client_reply=True)
    console = Console(api)
    path = f"/console/tickets/{ticket['id']}"
    console.done(console.post(f"{path}/notes", {"note": SECRET}))
    console.done(console.post(f"{path}/assign", {"teammate_id": ana["id"]}))
    console.done(console.post(f"{path}/reply", {"reply": "On it.", "then": "resolve"}))
    assert settings.secret_key
    with api.db.write() as session:
        rows = session.scalars(select(MailMessage).where(MailMessage.ticket_id == ticket["id"]))
        box = SecretBox(settings.secret_key)
        sent = [prepare(session, row, settings, box).message.as_string() for row in rows]
    assert len(sent) >= 2  # the client's reply and the teammate's assignment at least
    assert any("On it." in message for message in sent)
    assert all("legacy plan" not in message for message in sent)


def test_presence_is_written_only_when_due(api: Api) -> None:
    ticket = api.ticket()
    console = Console(api)
    path = f"/console/tickets/{ticket['id']}"

    def row() -> tuple[bool, float]:
        with api.db.read() as session:
            found = session.execute(select(TicketPresence.replying, TicketPresence.seen_at)).one()
            return found.replying, found.seen_at

    console.get(path)
    first = row()
    assert console.get(f"{path}/conversation").status_code in (200, 204)
    assert row() == first  # fresh and saying the same: only read
    console.get(f"{path}/conversation", replying="1")
    assert row()[0] is True  # started replying: written at once
    with api.db.write() as session:
        session.execute(update(TicketPresence).values(seen_at=TicketPresence.seen_at - 8))
    aged = row()
    console.get(f"{path}/conversation", replying="1")
    assert row()[1] > aged[1]  # old enough: written again
