"""The retention purge removes finished mail older than the retention, with its attempts, and
keeps what is still to send."""

from sqlalchemy import select, update

from hookdesk.assets.storage import LocalStorage
from hookdesk.config import Settings
from hookdesk.models.mail import MailAttempt, MailMessage
from hookdesk.retention.purge import Purged, cutoffs, purge
from hookdesk.shared.clock import now
from tests.mail import messages as mails
from tests.support.api import Api

DAY = 86_400


def test_old_finished_mail_goes_and_pending_mail_stays(api: Api, settings: Settings) -> None:
    api.ticket()  # one ticket_opened, pending
    ignored = api.http.post(
        "/v2/inbound/email",
        content=mails.auto_reply().as_bytes(),
        headers={**api.headers, "Content-Type": "message/rfc822"},
    ).json()
    assert ignored["action"] == "ignored"
    with api.db.write() as session:
        pending = session.scalars(select(MailMessage).where(MailMessage.status == "pending")).one()
        sent = MailMessage(
            **{c.key: getattr(pending, c.key) for c in MailMessage.__table__.columns}
        )
        sent.id, sent.status = "00000000-0000-4000-8000-000000000001", "sent"
        session.add(sent)
        session.flush()
        session.add(
            MailAttempt(
                account_id=api.account_id,
                mail_message_id=sent.id,
                attempted_at=now(),
                duration_ms=3,
                status="sent",
                response="250 ok",
            )
        )
        session.execute(update(MailMessage).values(created_at=now() - 40 * DAY))

    purged = purge(
        api.db,
        LocalStorage(settings.assets_dir),
        cutoffs(retention_seconds=30 * DAY, now=now()),
        batch=100,
    )

    assert purged == Purged(mail_messages=2, mail_attempts=1)
    with api.db.read() as session:
        assert session.scalars(select(MailMessage.status)).all() == ["pending"]
