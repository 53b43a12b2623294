"""Sealing every mail server password again with the first key of `HOOKDESK_SECRET_KEY`, beside
the endpoint secrets (`hookdesk secret-key rotate`): a batch of accounts per short transaction."""

from dataclasses import dataclass

from sqlalchemy import select

from hookdesk.db import Database
from hookdesk.models.mail import MailSettings
from hookdesk.shared.secretbox import SecretBox, UnreadableSecret

BATCH = 200


@dataclass
class Resealed:
    accounts: int = 0
    unreadable: int = 0  # accounts with a password no key opens: left as they were


def reseal_all(database: Database, box: SecretBox) -> Resealed:
    done = Resealed()
    after = ""
    while True:
        with database.transaction() as session:
            batch = session.scalars(
                select(MailSettings)
                .where(MailSettings.account_id > after)
                .order_by(MailSettings.account_id)
                .limit(BATCH)
                .with_for_update()
            ).all()
            for settings in batch:
                _reseal(settings, box, done)
        if not batch:
            return done
        after = batch[-1].account_id


def _reseal(settings: MailSettings, box: SecretBox, done: Resealed) -> None:
    if settings.smtp_password is None and settings.imap_password is None:
        return
    try:
        smtp = box.reseal(settings.smtp_password) if settings.smtp_password else None
        imap = box.reseal(settings.imap_password) if settings.imap_password else None
    except UnreadableSecret:
        done.unreadable += 1
        return
    settings.smtp_password, settings.imap_password = smtp, imap
    done.accounts += 1
