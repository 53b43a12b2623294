"""Erasing a client erases their mail too: of their tickets, and any other to or from them."""

from sqlalchemy import select

from hookdesk.mail import outbox
from hookdesk.models.mail import MailMessage, MailThread
from tests.mail import messages as mails
from tests.support.api import Api


def addresses(api: Api) -> list[str]:
    with api.db.read() as session:
        rows = session.execute(select(MailMessage.to_address, MailMessage.from_address)).all()
        return [value for row in rows for value in row if value]


def test_a_clients_mail_goes_with_them(api: Api) -> None:
    api.teammate(email="ada@acme.example")
    api.category()
    erased, kept = api.client(email="erased@example.com"), api.client(email="kept@example.com")
    for client in (erased, kept):
        api.ticket(client_id=client["id"])
        with api.db.write() as session:
            outbox.queue_portal_link(session, account_id=api.account_id, email=client["email"])
    api.ok(api.post("/v2/agency/mail/update", {"unknown_senders": "ignore"}), "mail_settings")
    for sender in ("ERASED@example.com", "kept@example.com"):
        raw = mails.auto_reply(sender=sender).as_bytes()
        api.http.post(
            "/v2/inbound/email",
            content=raw,
            headers={**api.headers, "Content-Type": "message/rfc822"},
        )
    assert any("erased@" in a.lower() for a in addresses(api))

    api.ok(api.post(f"/v2/agency/clients/delete/{erased['id']}"), "client_erasure")

    left = [a.lower() for a in addresses(api)]
    assert not any("erased@" in a for a in left)
    assert left.count("kept@example.com") >= 3  # ticket_opened, portal_link, the ignored reply
    with api.db.read() as session:
        assert len(session.scalars(select(MailThread)).all()) == 1
