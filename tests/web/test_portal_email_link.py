"""`Email me a link` on the portal, in Chromium: the same answer for any address, a link mailed
only to a client, and that link opens the portal."""

from playwright.sync_api import Page, expect
from sqlalchemy import select

from hookdesk.mail.prepare import prepare
from hookdesk.models.mail import MailMessage
from hookdesk.shared.secretbox import SecretBox
from tests.support.api import Api
from tests.support.browser import Site


def portal_links(api: Api) -> list[MailMessage]:
    with api.db.read() as session:
        return list(
            session.scalars(
                select(MailMessage).where(
                    MailMessage.kind == "portal_link", MailMessage.account_id == api.account_id
                )
            )
        )


def ask(page: Page, email: str) -> None:
    page.get_by_label("Email address").fill(email)
    page.get_by_role("button", name="Email me a link").click()
    expect(page.get_by_role("status")).to_contain_text(f"If {email} belongs to one of our clients")


def test_a_client_asks_for_a_link_and_enters_with_it(page: Page, site: Site, live_settings) -> None:
    api = site.api
    api.ok(api.post("/v2/agency/brand/update", {"display_name": "Acme Help"}), "brand")
    client = api.client(email="james@example.com")
    used = api.ok(api.post(f"/v2/agency/clients/portal-session/{client['id']}"), "url")
    page.goto(used)
    page.get_by_role("button", name="Continue to your support portal").click()
    page.context.clear_cookies()

    page.goto(used)  # used already
    page.get_by_role("link", name="Email me a new link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Acme Help support")
    ask(page, "nobody@example.com")
    assert portal_links(api) == []
    page.go_back()
    ask(page, "JAMES@example.com")
    [queued] = portal_links(api)
    assert queued.to_address == "james@example.com" and queued.status == "pending"

    settings = live_settings.model_copy(
        update={"public_url": site.url, "mail_from": "desk@acme.example"}
    )
    with api.db.write() as session:
        message = prepare(
            session,
            session.get_one(MailMessage, queued.id),
            settings,
            SecretBox(settings.secret_key),
        ).message
    assert message["Subject"] == "Your link to Acme Help support"
    body = message.get_body(("plain",))
    assert body is not None
    link = next(word for word in str(body.get_content()).split() if "/portal/enter/" in word)
    page.goto(link)
    page.get_by_role("button", name="Continue to your support portal").click()
    page.wait_for_url(f"{site.url}/portal")
    expect(
        page.get_by_text("james@example.com").or_(page.get_by_role("heading", name="My tickets"))
    ).to_be_visible()


def test_an_unknown_portal_is_a_404_page(page: Page, site: Site) -> None:
    response = page.goto(f"{site.url}/portal/sign-in/6a1c6d8e-9d0e-4a4e-b8a3-5a5d4c6b7e8f")
    assert response is not None and response.status == 404
    response = page.goto(f"{site.url}/portal/sign-in/not-an-id")
    assert response is not None and response.status == 404
