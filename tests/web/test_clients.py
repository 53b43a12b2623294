"""The console's clients pages over plain HTTP: search, add, a client's tickets, a ticket opened
for them, and a portal link to copy or sent by email. Every teammate may use them, admin or not."""

from sqlalchemy import func, select

from hookdesk.models.mail import MailMessage
from tests.support.api import Api
from tests.support.pages import Console, followed


def queued_links(api: Api, client_id: str) -> int:
    with api.db.read() as session:
        counted = session.scalar(
            select(func.count()).where(
                MailMessage.kind == "portal_link", MailMessage.recipient_id == client_id
            )
        )
    return counted or 0


def test_clients_are_found_by_name_or_email_in_any_case(api: Api) -> None:
    agent = Console(api, "agent")
    api.client(name="Jürgen Ahlers", email="j.ahlers@example.com")
    api.client(name="Maria Costa", email="maria@costa.example")
    listed = agent.get("/console/clients")
    assert listed.status_code == 200
    assert 'href="/console/clients" aria-current="page"' in listed.text
    assert "Jürgen Ahlers" in listed.text and "Maria Costa" in listed.text
    by_name = agent.get("/console/clients?q=costa").text
    assert "Maria Costa" in by_name and "Jürgen Ahlers" not in by_name
    by_email = agent.get("/console/clients?q=J.AHLERS@").text
    assert "Jürgen Ahlers" in by_email and "Maria Costa" not in by_email
    none = agent.get("/console/clients?q=%25").text  # a LIKE wildcard is a plain character
    assert "Maria Costa" not in none and "No client's name or email holds" in none


def test_a_client_is_added_and_a_refusal_keeps_what_was_typed(api: Api) -> None:
    agent = Console(api, "agent")
    api.client(email="taken@example.com")
    bad = agent.post("/console/clients", {"name": "Nora", "email": "not an email"})
    assert bad.status_code == 400 and 'value="Nora"' in bad.text and 'id="e-email"' in bad.text
    taken = agent.post("/console/clients", {"name": "Nora", "email": "TAKEN@example.com"})
    assert taken.status_code == 400
    assert "already exists" in taken.text and 'value="TAKEN@example.com"' in taken.text
    added = agent.post("/console/clients", {"name": "Nora", "email": "nora@example.com"})
    page = followed(agent, added)
    assert "Nora added." in page.text and "nora@example.com" in page.text
    listed = api.ok(api.get("/v2/agency/clients/list", page=1, per_page=50), "clients")
    assert "nora@example.com" in {client["email"] for client in listed}


def test_a_ticket_is_opened_for_a_client_and_listed_on_their_page(api: Api) -> None:
    agent = Console(api, "agent")
    client = api.client(name="Cleo Client")
    other = api.ticket(title="Someone else's")
    category = api.category(title="Orders", subcategories=["Returns"])
    path = f"/console/clients/{client['id']}"
    assert "No tickets yet." in agent.get(path).text

    typed = {"title": "Phoned about a return", "description": "Wants a refund.", "topic": ""}
    refused = agent.post(f"{path}/tickets", typed)
    assert refused.status_code == 400 and "Choose a category." in refused.text
    assert (
        'value="Phoned about a return"' in refused.text
        and "Wants a refund.</textarea>" in refused.text
    )

    topic = f"{category['id']}/Returns"
    opened = agent.post(f"{path}/tickets", typed | {"topic": topic, "by_client": "on"})
    page = followed(agent, opened)
    assert "Ticket Phoned about a return opened for the client." in page.text
    assert "Phoned about a return" in page.text and other["title"] not in page.text
    [ticket] = api.ok(
        api.get("/v2/agency/tickets/list", page=1, per_page=10, client_id=client["id"]), "tickets"
    )
    assert ticket["title"] == "Phoned about a return" and ticket["subcategory"] == "Returns"
    assert f'href="/console/tickets/{ticket["id"]}"' in page.text


def test_a_portal_link_is_shown_once_to_copy_or_emailed(api: Api) -> None:
    agent = Console(api, "agent")
    client = api.client(name="Pia Portal")
    path = f"/console/clients/{client['id']}"
    made = agent.post(f"{path}/portal-link")
    page = followed(agent, made)
    assert "Give the client this link: it works once" in page.text
    link = page.text.split('<code id="flash-secret">', 1)[1].split("<", 1)[0]
    assert link.startswith("http://testserver/portal/")
    entry = api.http.get(link.removeprefix("http://testserver"))
    assert entry.status_code == 200 and "Continue to your support portal" in entry.text

    waits = followed(agent, agent.post(f"{path}/portal-link/email"))
    assert "waits until a mail server is set up" in waits.text  # none yet
    api.ok(
        api.post("/v2/agency/mail/update", {"smtp_url": "smtp://93.184.215.14:587"}),
        "mail_settings",
    )
    for _ in range(2):
        sent = followed(agent, agent.post(f"{path}/portal-link/email"))
        assert f"A portal link is on its way to {client['email']}." in sent.text
    refused = followed(agent, agent.post(f"{path}/portal-link/email"))
    assert "No link sent" in refused.text
    assert queued_links(api, client["id"]) == 3


def test_another_accounts_client_is_not_found(api: Api, other_api: Api) -> None:
    agent = Console(api, "agent")
    theirs = other_api.client()
    path = f"/console/clients/{theirs['id']}"
    assert agent.get(path).status_code == 404
    for action in ("portal-link", "portal-link/email"):
        refused = agent.post(f"{path}/{action}")
        assert refused.status_code == 404, action
        assert "flash=" not in refused.headers.get("set-cookie", "")
    assert queued_links(other_api, theirs["id"]) == 0
