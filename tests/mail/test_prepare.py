"""A queued notification made ready to send: sender, server, language, brand, thread, link."""

import re
from email.message import EmailMessage
from html import unescape

import pytest
from sqlalchemy import select

from hookdesk.config import Settings
from hookdesk.mail.prepare import Prepared, Unsendable, prepare
from hookdesk.models.mail import MailMessage
from hookdesk.shared.secretbox import SecretBox
from hookdesk.tickets.schemas import ReplyCreate
from hookdesk.tickets.service import TicketScope, reply
from tests.support.api import Api

TICKETS = "/v2/agency/tickets"


def queued(api: Api, kind: str) -> list[MailMessage]:
    with api.db.read() as session:
        return list(
            session.scalars(
                select(MailMessage).where(
                    MailMessage.account_id == api.account_id, MailMessage.kind == kind
                )
            )
        )


def prepared(api: Api, settings: Settings, row: MailMessage, *, keep_id: bool = False) -> Prepared:
    assert settings.secret_key
    with api.db.write() as session:
        fresh = session.get_one(MailMessage, row.id)
        result = prepare(session, fresh, settings, SecretBox(settings.secret_key))
        if keep_id:  # as the dispatcher records a sent message
            fresh.message_id = result.message_id
        return result


def part(message: EmailMessage, subtype: str) -> str:
    body = message.get_body((subtype,))
    assert body is not None
    return str(body.get_content())


@pytest.fixture
def branded(api: Api) -> Api:
    api.ok(
        api.post(
            "/v2/agency/brand/update", {"display_name": "Acme Support", "primary_color": "#12ab34"}
        ),
        "brand",
    )
    api.ok(
        api.post(
            "/v2/agency/mail/update",
            {
                "smtp_url": "smtps://mailer:s3cret@smtp.acme.example:465",
                "from_address": "support@acme.example",
                "reply_to_address": "help@acme.example",
                "imap_url": "imaps://help:pw@imap.acme.example/INBOX",
            },
        ),
        "mail_settings",
    )
    return api


def test_an_agent_reply_reaches_the_client_in_the_tickets_language_and_brand(
    branded: Api, settings: Settings
) -> None:
    api = branded
    client = api.client(name="James Doe")
    ticket = api.ticket(client_id=client["id"], category=api.category(language="de")["id"])
    api.ok(
        api.post(
            f"{TICKETS}/reply/create/{ticket['id']}", {"reply": "Bitte <b>erneut</b> versuchen."}
        ),
        "ticket",
    )
    [row] = queued(api, "agent_replied")

    ready = prepared(api, settings, row)

    message = ready.message
    assert ready.server is not None and ready.server.host == "smtp.acme.example"
    assert ready.server.password == "s3cret"
    assert ready.sender == "support@acme.example" and ready.to == client["email"]
    assert message["From"] == "Acme Support <support@acme.example>"
    assert message["Subject"] == f"Neue Antwort: {ticket['title']}"
    assert message["Reply-To"].startswith("Acme Support <help+") and message["Reply-To"].endswith(
        "@acme.example>"
    )
    assert message["In-Reply-To"] == f"<ticket.{ticket['id']}@acme.example>"
    html = part(message, "html")
    assert "#12ab34" in html and "Bitte &lt;b&gt;erneut&lt;/b&gt; versuchen." in html
    text = part(message, "plain")
    assert "Antworte auf diese E-Mail" in text
    link = next(word for word in text.split() if "/portal/enter/" in word)
    assert api.http.get(link.removeprefix("http://testserver")).status_code == 200


def test_the_portal_link_of_a_notification_lands_on_the_conversation(
    branded: Api, settings: Settings
) -> None:
    api = branded
    ticket = api.ticket(title="Invoice is wrong")
    api.ticket(title="Another question")  # the client has more than one: the list is not enough
    api.ok(api.post(f"{TICKETS}/reply/create/{ticket['id']}", {"reply": "Fixed it."}), "ticket")
    [row] = queued(api, "agent_replied")
    html = part(prepared(api, settings, row).message, "html")
    href = re.search(r'href="(http://testserver/portal/enter/[^"]+)"', html)
    assert href is not None
    link = unescape(href.group(1)).removeprefix("http://testserver")

    page = api.http.get(link)  # what a mail client opens: a button that posts back to the link
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert page.status_code == 200 and token is not None and "action=" not in page.text
    entered = api.http.post(
        link,
        data={"csrf_token": token.group(1)},
        headers={"Cookie": f"form_token={token.group(1)}"},
        follow_redirects=False,
    )
    assert entered.status_code == 303
    assert entered.headers["location"] == f"/portal/tickets/{ticket['id']}"
    signed_in = entered.headers["set-cookie"].partition(";")[0]  # Secure: not sent over http
    landed = api.http.get(entered.headers["location"], headers={"Cookie": signed_in})
    assert landed.status_code == 200
    assert "Invoice is wrong" in landed.text and "Fixed it." in landed.text


def test_the_ticket_threads_each_message_after_the_last(branded: Api, settings: Settings) -> None:
    api = branded
    api.teammate()
    ticket = api.ticket()
    opened = prepared(api, settings, queued(api, "ticket_opened")[0], keep_id=True)
    api.ok(api.post(f"{TICKETS}/reply/create/{ticket['id']}", {"reply": "Hi"}), "ticket")
    answered = prepared(api, settings, queued(api, "agent_replied")[0])
    root = f"<ticket.{ticket['id']}@acme.example>"
    assert answered.message["In-Reply-To"] == opened.message_id
    assert answered.message["References"] == f"{root} {opened.message_id}"
    assert answered.message["Reply-To"] == opened.message["Reply-To"]


def test_teammates_get_a_link_to_the_console(branded: Api, settings: Settings) -> None:
    api = branded
    ada = api.teammate()
    ticket = api.ticket()
    [row] = queued(api, "new_ticket")
    text = part(prepared(api, settings, row).message, "plain")
    assert f"http://testserver/console/tickets/{ticket['id']}" in text
    assert row.to_address == ada["email"]


def test_the_servers_defaults_stand_in_for_an_account_without_its_own(
    api: Api, settings: Settings
) -> None:
    api.ticket()
    [row] = queued(api, "ticket_opened")
    with pytest.raises(Unsendable, match="no sender"):
        prepared(api, settings, row)
    defaults = settings.model_copy(
        update={
            "smtp_url": "smtp://mail.example.net:2525",
            "mail_from": "Helpdesk <desk@example.net>",
        }
    )
    ready = prepared(api, defaults, row)
    assert ready.server is not None and (ready.server.host, ready.server.port) == (
        "mail.example.net",
        2525,
    )
    assert ready.message["From"] == "Helpdesk <desk@example.net>"
    without_server = prepared(
        api, settings.model_copy(update={"mail_from": "desk@example.net"}), row
    )
    assert without_server.server is None


def test_each_notification_names_who_wrote_the_reply(branded: Api, settings: Settings) -> None:
    api = branded
    ada = api.teammate(name="Ada Lovelace")
    client = api.client(name="James Doe")
    ticket = api.ticket(client_id=client["id"])
    replies = f"{TICKETS}/reply/create/{ticket['id']}"
    api.ok(api.post(replies, {"reply": "It still fails.", "is_client_reply": True}), "ticket")
    with api.db.write() as session:  # as the console writes a teammate's reply
        scope = TicketScope(api.account_id, "http://testserver")
        reply(session, scope, ticket["id"], ReplyCreate(reply="Try now."), author_id=ada["id"])
    api.ok(api.post(replies, {"reply": "Fixed for good."}), "ticket")  # by API key: the agency

    [to_ada] = queued(api, "client_replied")
    assert to_ada.to_address == ada["email"]
    assert 'James Doe replied to "' in part(prepared(api, settings, to_ada).message, "plain")
    to_james = [
        part(prepared(api, settings, row).message, "plain") for row in queued(api, "agent_replied")
    ]
    authors = {
        said: next(
            line.partition(" replied")[0] for line in text.splitlines() if " replied" in line
        )
        for text in to_james
        for said in ("Try now.", "Fixed for good.")
        if said in text
    }
    assert authors == {"Try now.": "Ada Lovelace", "Fixed for good.": "Acme Support"}
