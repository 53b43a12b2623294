"""The portal in the client's language: a ticket's page in the ticket's, the other pages in the
language of the client's most recently active ticket, the pages before sign-in in the browser's;
the catalogs translate every message of the portal."""

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from hookdesk.web.portal import language
from tests.support.api import Api
from tests.support.pages import client_session

WEB = Path(language.__file__).parents[1]
TRANSLATED = ["nl", "de", "fr", "es"]


def ticket_in(api: Api, client_id: str, code: str, title: str = "Printer") -> dict[str, str]:
    category = api.category(title=f"Hulp {code}", language=code)
    return api.ticket(client_id=client_id, category=category["id"], title=title)


@pytest.mark.parametrize(
    ("code", "mine", "status", "new", "sign_out", "html_lang"),
    [
        ("nl", "Mijn tickets", "Open", "Nieuw ticket", "Afmelden", "nl"),
        ("de", "Meine Tickets", "Offen", "Neues Ticket", "Abmelden", "de"),
    ],
)
def test_the_list_speaks_the_language_of_the_clients_ticket(
    api: Api, code: str, mine: str, status: str, new: str, sign_out: str, html_lang: str
) -> None:
    client = api.client()
    ticket_in(api, client["id"], code)
    headers, _ = client_session(api, client["id"])
    page = api.http.get("/portal", headers=headers)
    assert f'<html lang="{html_lang}">' in page.text
    assert f"<h1>{mine}</h1>" in page.text
    assert f'<span class="tag open">{status}</span>' in page.text
    assert f">{new}</a>" in page.text and sign_out in page.text
    assert "My tickets" not in page.text


def test_a_ticket_page_is_in_its_own_language_and_the_list_in_the_latest(api: Api) -> None:
    client = api.client()
    german = ticket_in(api, client["id"], "de", title="Drucker")
    ticket_in(api, client["id"], "nl", title="Printer")  # the latest
    headers, _ = client_session(api, client["id"])
    assert "<h1>Mijn tickets</h1>" in api.http.get("/portal", headers=headers).text
    page = api.http.get(f"/portal/tickets/{german['id']}", headers=headers)
    assert '<html lang="de">' in page.text
    assert "Antwort senden" in page.text and "Als gelöst markieren" in page.text
    assert re.search(r"eröffnet <time [^>]+>vor \d+ Sekunden?</time>", page.text), page.text
    form = api.http.get(f"/portal/tickets/{german['id']}/conversation", headers=headers)
    assert 'aria-label="Unterhaltung"' in form.text


def test_a_form_refusal_is_in_the_clients_language(api: Api) -> None:
    client = api.client()
    ticket = ticket_in(api, client["id"], "nl")
    headers, csrf = client_session(api, client["id"])
    answer = api.http.post(
        f"/portal/tickets/{ticket['id']}/reply",
        data={"reply": " ", "csrf_token": csrf},
        headers=headers,
    )
    assert answer.status_code == 400
    assert 'class="error" role="alert">Schrijf je antwoord.</p>' in answer.text


def test_an_error_page_is_in_the_clients_language(api: Api) -> None:
    client = api.client()
    ticket_in(api, client["id"], "de")
    headers, _ = client_session(api, client["id"])
    missing = api.http.get("/portal/tickets/3b9f2a51-0c4d-4e8a-9f6b-1d2e3c4b5a69", headers=headers)
    assert missing.status_code == 404
    assert "<h1>Nicht gefunden</h1>" in missing.text
    assert "Diese Seite gibt es nicht, oder sie ist nicht für Sie bestimmt." in missing.text
    assert "Zurück zu Ihren Tickets" in missing.text


def test_before_sign_in_the_browsers_language_is_used(api: Api) -> None:
    dutch = {"Accept-Language": "nl-NL,nl;q=0.9,en;q=0.8"}
    ask = api.http.get(f"/portal/sign-in/{api.account_id}", headers=dutch)
    assert "Mail me een link" in ask.text and '<html lang="nl">' in ask.text
    unknown = api.http.get(f"/portal/sign-in/{api.account_id}", headers={"Accept-Language": "ja"})
    assert "Email me a link" in unknown.text and '<html lang="en">' in unknown.text
    signed_out = api.http.get("/portal", headers={"Accept-Language": "de"})
    assert signed_out.status_code == 401
    assert "<h1>Nicht angemeldet</h1>" in signed_out.text


def test_a_language_without_a_catalog_falls_back_to_english(api: Api) -> None:
    client = api.client()
    ticket_in(api, client["id"], "it")
    headers, _ = client_session(api, client["id"])
    page = api.http.get("/portal", headers=headers)
    assert "<h1>My tickets</h1>" in page.text and '<html lang="en">' in page.text


def test_the_message_template_lists_every_message_of_the_portal() -> None:
    with (WEB / "babel.cfg").open() as mapping:
        method_map, options_map = parse_mapping_cfg(mapping)
    found = {message[2] for message in extract_from_dir(WEB, method_map, options_map)}
    with (WEB / "locale" / "messages.pot").open("rb") as file:
        listed = {message.id for message in read_po(file) if message.id}
    assert found == listed


@pytest.mark.parametrize("code", TRANSLATED)
def test_every_catalog_translates_every_message_keeping_its_placeholders(code: str) -> None:
    with (WEB / "locale" / "messages.pot").open("rb") as file:
        wanted = {message.id for message in read_po(file) if message.id}
    with (WEB / "locale" / code / "LC_MESSAGES" / "messages.po").open("rb") as file:
        catalog = read_po(file, locale=code)
    translated = {str(m.id): str(m.string) for m in catalog if m.id and m.string and not m.fuzzy}
    assert set(translated) == wanted
    for source, target in translated.items():
        assert sorted(re.findall(r"%\(\w+\)s", source)) == sorted(
            re.findall(r"%\(\w+\)s", target)
        ), source


def test_signing_out_leads_to_a_page_in_the_clients_language(api: Api) -> None:
    client = api.client()
    ticket_in(api, client["id"], "de")
    headers, csrf = client_session(api, client["id"])
    out = api.http.post(
        "/portal/sign-out", data={"csrf_token": csrf}, headers=headers, follow_redirects=False
    )
    assert out.headers["location"].endswith("?signed_out=1&lang=de")
    landing = api.http.get(out.headers["location"], headers={"Accept-Language": "en"})
    assert "Sie sind abgemeldet." in landing.text and "Link per E-Mail senden" in landing.text
