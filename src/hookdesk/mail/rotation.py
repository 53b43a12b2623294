"""Sealing every mail server password again with the first key of `HOOKDESK_SECRET_KEY`, beside
the endpoint secrets (`hookdesk secret-key rotate`)."""

from hookdesk.db import Database
from hookdesk.models.mail import MailSettings
from hookdesk.shared import resealing
from hookdesk.shared.secretbox import SecretBox

SEALED = ("smtp_password", "imap_password")


def reseal_all(database: Database, box: SecretBox) -> resealing.Resealed:
    """The accounts whose passwords were sealed again, and those no key opens."""
    return resealing.reseal_all(database, box, MailSettings.account_id, SEALED)
