"""POST /v2/inbound/email: received mail becomes a ticket or a reply exactly once, or is ignored
with its reason; never a 500, never a half-made ticket."""

from email.message import EmailMessage

import pytest
from sqlalchemy import select

from hookdesk.inbound.parse import parse
from hookdesk.models.clients import Client
from hookdesk.models.mail import MailThread
from hookdesk.models.tickets import Reply, Ticket
from tests.mail import messages as mails
from tests.support.api import Api

ROUTE = "/v2/inbound/email"


def send(api: Api, raw: EmailMessage | bytes) -> dict:
    body = raw if isinstance(raw, bytes) else raw.as_bytes()
    response = api.http.post(
        ROUTE, content=body, headers={**api.headers, "Content-Type": "message/rfc822"}
    )
    assert response.status_code == 200, response.text
    return response.json()


def token_of(api: Api, ticket_id: str) -> str:
    with api.db.read() as session:
        return session.scalars(
            select(MailThread.token).where(MailThread.ticket_id == ticket_id)
        ).one()


def inbound(api: Api) -> list[dict]:
    return api.get("/v2/agency/mail/messages/list", direction="inbound", per_page=100).json()[
        "mail_messages"
    ]


@pytest.fixture
def opened(api: Api) -> dict:
    """A ticket opened by email by James, with the account's category and one teammate."""
    api.category(title="Email")
    first = mails.message(message_id="<first@mail.example.com>")
    answer = send(api, first)
    assert answer["action"] == "created", answer
    return answer["ticket"]


def test_a_new_email_opens_a_ticket_for_a_new_client(api: Api, opened: dict) -> None:
    assert opened["title"] == "Billing settings fail"
    assert opened["client"]["email"] == "james@example.com"
    assert opened["client"]["name"] == "James Doe"
    assert opened["replies"][0]["text"] == "Hello, my billing settings fail to save."
    assert opened["replies"][0]["is_client_reply"] is True
    assert [e.event_type for e in api.events()] == ["whitelabel.ticket.created"]
    [record] = inbound(api)
    assert record["status"] == "applied" and record["kind"] == "new_ticket"
    assert record["ticket_id"] == opened["id"] and record["from"] == "james@example.com"


def test_a_reply_to_the_token_address_is_the_clients_reply_without_quotes(
    api: Api, opened: dict
) -> None:
    token = token_of(api, opened["id"])
    reply = mails.gmail_reply(
        "It works now, thanks!",
        "Try again now, please.",
        to=f"help+{token}@acme.example",
        subject="Re: Billing",
    )
    answer = send(api, reply)
    assert answer["action"] == "replied"
    assert answer["ticket"]["id"] == opened["id"]
    assert answer["ticket"]["replies"][-1]["text"] == "It works now, thanks!"
    assert api.events()[-1].event_type == "whitelabel.ticket.updated"


@pytest.mark.parametrize(
    "shape",
    [
        mails.gmail_reply,
        mails.outlook_reply,
        mails.outlook_html_reply,
        mails.apple_reply,
        mails.apple_html_reply,
    ],
)
def test_replies_thread_by_in_reply_to_and_lose_their_quotes(api: Api, opened: dict, shape) -> None:
    reply = shape(
        "Still broken on my side.",
        "Try again now, please.\n\nBest,\nAda",
        in_reply_to="<first@mail.example.com>",
        references=("<first@mail.example.com>",),
    )
    answer = send(api, reply)
    assert answer["action"] == "replied", answer
    assert answer["ticket"]["replies"][-1]["text"] == "Still broken on my side."


def test_a_teammates_reply_is_an_agent_reply_and_tells_the_client(api: Api, opened: dict) -> None:
    ada = api.teammate(email="ada@acme.example")
    reply = mails.message(
        sender=f"Ada Agent <{ada['email'].upper()}>",
        text="Try again now, please.",
        in_reply_to="<first@mail.example.com>",
    )
    answer = send(api, reply)
    assert answer["action"] == "replied"
    assert answer["ticket"]["replies"][-1]["is_client_reply"] is False
    with api.db.read() as session:
        newest = session.scalars(
            select(Reply).where(Reply.ticket_id == opened["id"]).order_by(Reply.position.desc())
        ).first()
        assert newest is not None and newest.author_id == ada["id"]
    queued = api.get("/v2/agency/mail/messages/list", direction="outbound").json()["mail_messages"]
    assert ("agent_replied", "james@example.com") in {(m["kind"], m["to"]) for m in queued}


def test_the_same_message_twice_is_applied_once(api: Api, opened: dict) -> None:
    reply = mails.message(
        text="Any news?",
        in_reply_to="<first@mail.example.com>",
        message_id="<again@mail.example.com>",
    )
    assert send(api, reply)["action"] == "replied"
    second = send(api, reply)
    assert second["action"] == "ignored"
    assert "already received" in second["reason"]
    again = send(api, mails.message(message_id="<first@mail.example.com>"))
    assert again["action"] == "ignored"
    with api.db.read() as session:
        assert len(session.scalars(select(Reply).where(Reply.ticket_id == opened["id"])).all()) == 2
        assert len(session.scalars(select(Ticket)).all()) == 1


@pytest.mark.parametrize(
    ("build", "reason"),
    [
        (mails.auto_reply, "automatic reply"),
        (mails.bounce, "delivery report"),
        (mails.exchange_bounce, "delivery report"),
        (lambda: mails.message(headers={"Precedence": "bulk"}), "Precedence: bulk"),
        (lambda: mails.message(sender="Acme <help@acme.example>"), "mail loop"),
    ],
)
def test_automatic_mail_and_loops_are_ignored_with_the_reason(api: Api, build, reason: str) -> None:
    api.category()
    api.ok(
        api.post("/v2/agency/mail/update", {"reply_to_address": "help@acme.example"}),
        "mail_settings",
    )
    answer = send(api, build())
    assert answer["action"] == "ignored"
    assert reason in answer["reason"]
    assert answer["ticket"] is None
    [record] = inbound(api)
    assert record["status"] == "ignored" and reason in record["reason"]
    assert api.events() == []


def test_html_only_mail_becomes_text(api: Api) -> None:
    api.category()
    answer = send(
        api, mails.html_only("<p>Hello <b>there</b>,</p><p>the <i>invoice</i> is wrong.</p>")
    )
    assert answer["action"] == "created"
    assert answer["ticket"]["replies"][0]["text"] == "Hello there,\n\nthe invoice is wrong."


def test_a_non_utf8_message_reads_right(api: Api) -> None:
    api.category()
    answer = send(api, mails.latin1("Ma facture est fausse, désolé."))
    assert answer["ticket"]["title"] == "Problème de facturation"
    assert answer["ticket"]["client"]["name"] == "José Müller"
    assert answer["ticket"]["replies"][0]["text"] == "Ma facture est fausse, désolé."


CP1252_TEXT = (
    "It says \u201cinvalid\u201d for \u20ac20 \u2013 again."  # curly quotes, euro, en dash
)


@pytest.mark.parametrize(
    ("raw", "title", "name", "text"),
    [
        (
            mails.windows_1252(CP1252_TEXT, subject="Billing"),
            "Billing",
            "James Doe",
            CP1252_TEXT,
        ),
        (
            mails.iso_2022_jp("請求書が間違っています。", "請求について"),
            "請求について",
            "山田 太郎",
            "請求書が間違っています。",
        ),
    ],
    ids=["windows-1252", "iso-2022-jp"],
)
def test_mail_in_the_charsets_of_other_mail_clients_reads_right(
    api: Api, raw: EmailMessage | bytes, title: str, name: str, text: str
) -> None:
    api.category()
    ticket = send(api, raw)["ticket"]
    assert (ticket["title"], ticket["client"]["name"], ticket["replies"][0]["text"]) == (
        title,
        name,
        text,
    )


def test_attachments_become_assets_within_the_upload_limits(api: Api) -> None:
    api.category()
    answer = send(api, mails.with_attachments([("invoice.pdf", b"%PDF-1.4 invoice")]))
    [asset] = answer["ticket"]["replies"][0]["assets"]
    assert asset["filename"] == "invoice.pdf" and asset["filesize"] == 16
    downloaded = api.http.get(asset["public_url"].removeprefix("http://testserver"))
    assert downloaded.content == b"%PDF-1.4 invoice"
    too_many = send(api, mails.with_attachments([(f"f{n}.pdf", b"%PDF") for n in range(6)]))
    assert too_many["action"] == "ignored" and "6 attachments" in too_many["reason"]
    thousand = send(api, mails.with_attachments([(f"f{n}.pdf", b"%PDF") for n in range(1000)]))
    assert thousand["action"] == "ignored" and "1000 attachments" in thousand["reason"]
    program = send(api, mails.with_attachments([("setup.exe", b"MZ")]))
    assert program["action"] == "ignored" and ".exe" in program["reason"]
    with api.db.read() as session:
        assert len(session.scalars(select(Ticket)).all()) == 1


def test_senders_that_may_not_write_are_ignored(api: Api, opened: dict) -> None:
    token = token_of(api, opened["id"])
    stranger = send(api, mails.message(sender="eve@evil.example", to=f"help+{token}@acme.example"))
    assert (
        stranger["action"] == "ignored"
        and "neither the ticket's client nor a teammate" in stranger["reason"]
    )
    api.ok(api.post("/v2/agency/mail/update", {"unknown_senders": "ignore"}), "mail_settings")
    unknown = send(api, mails.message(sender="new@example.org"))
    assert unknown["action"] == "ignored" and "unknown senders are ignored" in unknown["reason"]
    known = send(api, mails.message(sender="JAMES@example.com", subject="Another question"))
    assert (
        known["action"] == "created" and known["ticket"]["client"]["id"] == opened["client"]["id"]
    )


def test_an_account_without_a_category_ignores_new_mail(api: Api) -> None:
    answer = send(api, mails.message())
    assert answer["action"] == "ignored" and "no ticket category" in answer["reason"]


@pytest.mark.parametrize(
    "raw",
    [
        b"this is not an email",
        b"From: nobody\r\nSubject: no address\r\n\r\nhello",
        b"\xff\xfe\x00garbage\r\n\r\n\x00\x01",
        b'From: =?utf-8?b?////?= <a@b.example>\r\nSubject: =?x-unknown?q?=FF?=\r\nContent-Type: multipart/mixed; boundary="z"\r\n\r\n--z\r\nContent-Type: text/plain; charset=no-such-charset\r\n\r\n\xff\xfe\r\n',
    ],
)
def test_malformed_messages_are_ignored_never_a_500(api: Api, raw: bytes) -> None:
    api.category()
    answer = send(api, raw)
    assert answer["action"] in {"ignored", "created"}
    if answer["action"] == "ignored":
        assert answer["reason"]
    assert len(inbound(api)) == 1


def test_the_route_wants_a_raw_message(api: Api) -> None:
    wrong = api.http.post(
        ROUTE, content=b"x", headers={**api.headers, "Content-Type": "application/json"}
    )
    assert wrong.status_code == 400 and "message/rfc822" in wrong.json()["error"]
    empty = api.http.post(
        ROUTE, content=b"", headers={**api.headers, "Content-Type": "message/rfc822"}
    )
    assert empty.status_code == 400
    anonymous = api.http.post(ROUTE, content=b"x", headers={"Content-Type": "message/rfc822"})
    assert anonymous.status_code == 401


def test_a_30_mb_message_is_refused_clearly(api: Api) -> None:
    huge = mails.with_attachments([("big.pdf", b"%PDF" + b"0" * (30 * 1024 * 1024))]).as_bytes()
    response = api.http.post(
        ROUTE, content=huge, headers={**api.headers, "Content-Type": "message/rfc822"}
    )
    assert response.status_code == 413
    assert response.json()["error_code"] == 5001
    assert inbound(api) == []


def test_nul_and_undecodable_bytes_in_mail_are_left_out_of_what_is_stored(api: Api) -> None:
    # Mail cannot be refused to its sender: NUL is dropped, a byte that does not decode is U+FFFD.
    api.category()
    raw = (
        b"From: Ann\x00 <ann@example.com>\r\nTo: help@acme.example\r\n"
        b"Subject: Billing\x00 \xe9chou\xe9\r\nMessage-ID: <nul@mail.example.com>\r\n\r\n"
        b"Hello\x00, it fails.\r\n"
    )
    answer = send(api, raw)
    assert answer["action"] == "created", answer
    assert answer["ticket"]["title"] == "Billing \ufffdchou\ufffd"
    assert answer["ticket"]["client"]["name"] == "Ann"
    assert answer["ticket"]["replies"][0]["text"] == "Hello, it fails."


@pytest.mark.parametrize(("build", "action", "reason"), mails.HOSTILE)
def test_hostile_mail_is_ignored_with_its_reason_or_makes_a_whole_ticket(
    api: Api, build, action: str, reason: str | None
) -> None:
    api.category()
    answer = send(api, build())
    assert answer["action"] == action, answer
    [record] = inbound(api)
    with api.db.read() as session:
        tickets = session.scalars(select(Ticket)).all()
        clients = session.scalars(select(Client)).all()
    if reason is not None:
        assert reason in answer["reason"] and record["reason"] == answer["reason"]
        assert (record["status"], tickets, clients) == ("ignored", [], [])
        return
    ticket = answer["ticket"]
    assert record["status"] == "applied" and record["ticket_id"] == ticket["id"]
    assert ticket["title"] and ticket["replies"][0]["text"] and ticket["client"]["email"]
    assert len(tickets) == len(clients) == 1


def test_an_attachment_cut_short_keeps_what_came() -> None:
    cut = mails.unterminated_parts().replace(b"JVBERi0xLjQK=Q", b"JVBERi0xLjQ")
    parsed = parse(cut)
    assert parsed.unreadable is None and parsed.text == "The invoice is attached."
    [attachment] = parsed.attachments
    assert (attachment.filename, attachment.content) == ("invoice.pdf", b"%PDF-1.4")


def test_broken_header_encodings_read_with_replacement_characters() -> None:
    parsed = parse(mails.broken_header_encodings())
    assert parsed.sender == "jose@example.com" and parsed.sender_name == "Jos\ufffd"
    assert parsed.subject.startswith("Factura \ufffd\ufffd \ufffdchec")
    assert parsed.text == "La factura est\ufffd mal."
