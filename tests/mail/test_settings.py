"""An account's mail settings: /v2/agency/mail/retrieve and /update."""

import pytest
from cryptography.fernet import Fernet
from pydantic import ValidationError
from sqlalchemy import select

from hookdesk.config import Settings, masked
from hookdesk.models.mail import MailSettings
from hookdesk.shared.secretbox import SecretBox
from tests.support.api import Api
from tests.support.processes import rotate_secret_key

SETTINGS = "mail_settings"


def retrieve(api: Api) -> dict:
    return api.ok(api.get("/v2/agency/mail/retrieve"), SETTINGS)


def update(api: Api, **fields: object) -> dict:
    return api.ok(api.post("/v2/agency/mail/update", fields), SETTINGS)


def saved(api: Api) -> MailSettings:
    with api.db.read() as session:
        return session.scalars(
            select(MailSettings).where(MailSettings.account_id == api.account_id)
        ).one()


def test_an_account_that_set_nothing_has_the_defaults(api: Api) -> None:
    assert retrieve(api) == {
        "object": "mail_settings",
        "smtp_url": None,
        "from_name": None,
        "from_address": None,
        "reply_to_address": None,
        "imap_url": None,
        "notify_clients": True,
        "notify_teammates": True,
        "unknown_senders": "create",
        "updated_at": None,
    }


def test_passwords_are_sealed_and_never_shown(api: Api) -> None:
    shown = update(
        api,
        smtp_url="smtp://mailer%40acme.example:s3cret!@smtp.example.com:587",
        imap_url="imaps://support:imap-pass@imap.example.com/Support",
        from_name="Acme Support",
        from_address="support@acme.example",
        reply_to_address="help@acme.example",
    )
    assert shown["smtp_url"] == "smtp://mailer%40acme.example@smtp.example.com:587"
    assert shown["imap_url"] == "imaps://support@imap.example.com/Support"
    assert shown == retrieve(api)
    row = saved(api)
    assert row.smtp_password and "s3cret" not in row.smtp_password
    assert row.imap_password and "imap-pass" not in row.imap_password
    assert "s3cret" not in str(shown) and "imap-pass" not in str(shown)


def test_a_url_sent_back_as_shown_keeps_its_password(api: Api) -> None:
    update(api, smtp_url="smtp://mailer:s3cret@smtp.example.com:587")
    sealed = saved(api).smtp_password
    update(api, smtp_url="smtp://mailer@smtp.example.com:587", from_name="Acme")
    assert saved(api).smtp_password == sealed
    update(api, smtp_url="smtp://other@smtp.example.com:587")
    assert saved(api).smtp_password is None


def test_only_the_fields_sent_change_and_null_clears(api: Api) -> None:
    update(api, from_name="Acme", from_address="support@acme.example", notify_clients=False)
    shown = update(api, from_name=None, unknown_senders="ignore")
    assert shown["from_name"] is None
    assert shown["from_address"] == "support@acme.example"
    assert shown["notify_clients"] is False
    assert shown["unknown_senders"] == "ignore"
    assert isinstance(shown["updated_at"], int)


def test_bad_settings_are_refused_with_a_clear_400(api: Api) -> None:
    for body in (
        {"smtp_url": "http://smtp.example.com"},
        {"smtp_url": "smtp://"},
        {"smtp_url": "smtp://host:99999"},
        {"imap_url": "pop3://mail.example.com"},
        {"from_name": "Acme\r\nBcc: victim@example.com"},
        {"from_address": "not an address"},
        {"unknown_senders": "bounce"},
        {"smtp_password": "x"},
    ):
        response = api.post("/v2/agency/mail/update", body)
        assert response.status_code == 400, body
        assert response.json()["error_code"] == 1002, body


def test_servers_inside_the_network_are_refused_outside_development(api: Api) -> None:
    response = api.post("/v2/agency/mail/update", {"smtp_url": "smtp://127.0.0.1:25"})
    assert response.status_code == 400
    assert response.json()["error_code"] == 1012
    assert retrieve(api)["smtp_url"] is None


def test_each_account_sees_only_its_own(api: Api, other_api: Api) -> None:
    update(api, from_name="Agency One Support")
    assert retrieve(other_api)["from_name"] is None


@pytest.mark.slow  # a process of its own
def test_rotating_the_secret_key_seals_mail_passwords_again(api: Api, settings: Settings) -> None:
    update(
        api,
        smtp_url="smtp://mailer:s3cret@smtp.example.com",
        imap_url="imaps://u:p@imap.example.com",
    )
    old = settings.secret_key
    assert old is not None
    new = Fernet.generate_key().decode()

    result = rotate_secret_key(api.db.url, f"{new},{old}")

    assert result.returncode == 0, result.stderr
    assert "mail server passwords of 1 account(s)" in result.stderr
    row = saved(api)
    assert row.smtp_password is not None and row.imap_password is not None
    assert SecretBox(new).open(row.smtp_password) == "s3cret"
    assert SecretBox(new).open(row.imap_password) == "p"


def test_the_server_defaults_are_checked_and_shown_without_password() -> None:
    loaded = Settings(
        smtp_url="smtp://mailer:s3cret@mail.example.com:587", mail_from="Acme <a@acme.example>"
    )
    assert masked(loaded)["smtp_url"] == "smtp://mailer@mail.example.com:587"
    assert loaded.mail_from == "Acme <a@acme.example>"
    with pytest.raises(ValidationError):
        Settings(smtp_url="http://mail.example.com")
    with pytest.raises(ValidationError):
        Settings(mail_from="nobody")
