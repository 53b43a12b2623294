"""An account's mail settings: read, changed, and opened (passwords unsealed) for sending."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from hookdesk.accounts.acting import Acting
from hookdesk.db import direct
from hookdesk.db.dialects import on_postgresql
from hookdesk.errors import BadRequest, ErrorCode
from hookdesk.mail.schemas import MailSettingsUpdate
from hookdesk.models.mail import MailSettings
from hookdesk.net import mailurls as urls
from hookdesk.shared.clock import now
from hookdesk.shared.secretbox import SecretBox


def get(session: Session, *, account_id: str) -> MailSettings:
    """The account's settings; the defaults (not saved) when it never changed them."""
    found = session.get(MailSettings, account_id)
    return found or defaults(account_id)


@dataclass(frozen=True, slots=True)
class Notifying:
    """What queueing a ticket change's notifications needs of the settings."""

    clients: bool
    teammates: bool
    reply_to_address: str | None
    from_address: str | None
    own_server: bool  # an smtp_url of its own: any dispatcher sends its mail


# What `notifying` reads, as plain columns, for a statement that reads them beside others: a
# ticket create reads them with its client (an outer join, all NULL when the account has no row).
NOTIFYING_COLUMNS = (
    MailSettings.notify_clients,
    MailSettings.notify_teammates,
    MailSettings.reply_to_address,
    MailSettings.from_address,
    MailSettings.smtp_url.is_not(None).label("own_server"),
)
# Built once: every ticket change that is not a create reads it.
_NOTIFYING = select(*NOTIFYING_COLUMNS).where(MailSettings.account_id == bindparam("account_id"))
# Those of `defaults`, for an account that never saved its settings.
_DEFAULT_NOTIFYING = Notifying(True, True, None, None, own_server=False)


def notifying(session: direct.Unit, *, account_id: str) -> Notifying:
    """Whom the account's ticket changes are told of, and its addresses (those of `get`)."""
    rows = direct.execute(session, _NOTIFYING, {"account_id": account_id})
    return notifying_of(rows[0] if rows else None)


def notifying_of(columns: Sequence[Any] | None) -> Notifying:
    """`Notifying` from the values of `NOTIFYING_COLUMNS`, in their order (None, or a NULL
    notify_clients, which a saved row never holds: the account has no row)."""
    if columns is None or columns[0] is None:
        return _DEFAULT_NOTIFYING
    clients, teammates, reply_to_address, from_address, own_server = columns
    return Notifying(clients, teammates, reply_to_address, from_address, bool(own_server))


def update(session: Session, acting: Acting, data: MailSettingsUpdate) -> MailSettings:
    _ensure_row(session, acting.account_id)
    settings = session.get_one(MailSettings, acting.account_id, with_for_update=True)
    sent = data.model_fields_set
    if "smtp_url" in sent:
        settings.smtp_url, settings.smtp_password = _sealed_url(
            acting, data.smtp_url, urls.SENDING, settings.smtp_url, settings.smtp_password
        )
    if "imap_url" in sent:
        settings.imap_url, settings.imap_password = _sealed_url(
            acting, data.imap_url, urls.READING, settings.imap_url, settings.imap_password
        )
    for name in ("from_name", "from_address", "reply_to_address"):
        if name in sent:
            setattr(settings, name, getattr(data, name))
    for name in ("notify_clients", "notify_teammates", "unknown_senders"):
        value = getattr(data, name)
        if name in sent and value is not None:
            setattr(settings, name, value)
    settings.updated_at = now()
    session.flush()
    return settings


def mail_settings_object(settings: MailSettings) -> dict[str, object]:
    return {
        "object": "mail_settings",
        "smtp_url": settings.smtp_url,
        "from_name": settings.from_name,
        "from_address": settings.from_address,
        "reply_to_address": settings.reply_to_address,
        "imap_url": settings.imap_url,
        "notify_clients": settings.notify_clients,
        "notify_teammates": settings.notify_teammates,
        "unknown_senders": settings.unknown_senders,
        "updated_at": settings.updated_at,
    }


def opened_url(shown: str | None, sealed: str | None, box: SecretBox) -> urls.MailUrl | None:
    """A saved URL with its password again, ready to connect with."""
    if shown is None:
        return None
    url = urls.parse(shown, schemes=urls.SENDING + urls.READING)
    return urls.with_password(url, box.open(sealed) if sealed else None)


def defaults(account_id: str) -> MailSettings:
    """The settings of an account that never saved its own (not saved)."""
    return MailSettings(
        account_id=account_id, notify_clients=True, notify_teammates=True, unknown_senders="create"
    )


def _ensure_row(session: Session, account_id: str) -> None:
    """The account's row, made if missing without failing when a concurrent update makes it."""
    insert = pg_insert if on_postgresql(session) else sqlite_insert
    row = {"account_id": account_id, "updated_at": now()}
    session.execute(insert(MailSettings).values(**row).on_conflict_do_nothing())


def _sealed_url(
    acting: Acting,
    value: str | None,
    schemes: tuple[str, ...],
    saved_url: str | None,
    saved_password: str | None,
) -> tuple[str | None, str | None]:
    """The URL to keep (without password) and its sealed password."""
    if value is None:
        return None, None
    url = urls.parse(value, schemes=schemes)
    if not acting.dev:
        try:
            urls.check_public(url)
        except urls.BadMailUrl as error:
            raise BadRequest(f"Unsafe mail server: {error}.", code=ErrorCode.UNSAFE_URL) from None
    if url.password is not None:
        return url.shown, acting.box.seal(url.password)
    # Sent as retrieve shows it: the saved password still belongs to this user and host.
    return url.shown, saved_password if url.shown == saved_url else None
