"""One-time links: a teammate's invite to the console and a client's way into the portal.

A link is checked when its page is shown (`peek`) and used up only when its form is sent
(`consume`), so that a mail scanner that opens links does not burn them.
"""

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from hookdesk.access.tokens import new_token, token_hash
from hookdesk.errors import BadRequest, ErrorCode, NotFound
from hookdesk.models.access import OneTimeLink
from hookdesk.models.clients import Client
from hookdesk.models.teammates import Teammate
from hookdesk.shared.clock import now
from hookdesk.shared.queries import find_owned


class Purpose(StrEnum):
    INVITE = "invite"
    PORTAL = "portal"


LIFETIME = {Purpose.INVITE: 7 * 86_400, Purpose.PORTAL: 15 * 60}
PATH = {Purpose.INVITE: "/console/invite/", Purpose.PORTAL: "/portal/enter/"}


@dataclass(frozen=True)
class Link:
    url: str
    expires_at: int


def invite(session: Session, *, account_id: str, teammate_id: str, public_url: str) -> Link:
    teammate = find_owned(session, Teammate, account_id=account_id, object_id=teammate_id)
    if teammate is None or teammate.deleted_at is not None:
        raise NotFound.of("teammate", teammate_id)
    if teammate.disabled_at is not None:
        raise BadRequest(
            f"Teammate '{teammate_id}' is disabled: enable them before inviting them.",
            code=ErrorCode.TEAMMATE_DISABLED,
        )
    return _create(session, Purpose.INVITE, account_id, teammate.id, public_url)


def portal(
    session: Session,
    *,
    account_id: str,
    client_id: str,
    public_url: str,
    lifetime: int | None = None,
) -> Link:
    """`lifetime`: seconds, for a link that waits in a mailbox longer than the usual one."""
    client = find_owned(session, Client, account_id=account_id, object_id=client_id)
    if client is None:
        raise NotFound.of("client", client_id)
    return _create(session, Purpose.PORTAL, account_id, client.id, public_url, lifetime)


def peek(session: Session, purpose: Purpose, token: str) -> OneTimeLink | None:
    """The link if it can still be used; None when unknown, expired or used."""
    link = session.get(OneTimeLink, token_hash(token))
    return link if _usable(link, purpose) else None


def account_of(session: Session, token: str) -> str | None:
    """The account a link was made in, used or expired or not: where to ask for a new one."""
    link = session.get(OneTimeLink, token_hash(token))
    return link.account_id if link is not None else None


def invited(session: Session, token: str) -> Teammate | None:
    """The teammate an invite link that can still be used is for."""
    link = peek(session, Purpose.INVITE, token)
    return session.get(Teammate, link.subject_id) if link else None


def consume(session: Session, purpose: Purpose, token: str) -> OneTimeLink | None:
    """The link, now used up; None when it could not be used. Two concurrent uses: one wins."""
    statement = select(OneTimeLink).where(OneTimeLink.token_hash == token_hash(token))
    link = session.scalar(statement.with_for_update())
    if link is None or not _usable(link, purpose):
        return None
    link.used_at = now()
    return link


def _usable(link: OneTimeLink | None, purpose: Purpose) -> bool:
    if link is None or link.purpose != purpose or link.used_at is not None:
        return False
    return link.expires_at > now()


def _create(
    session: Session,
    purpose: Purpose,
    account_id: str,
    subject_id: str,
    public_url: str,
    lifetime: int | None = None,
) -> Link:
    token = new_token()
    created = now()
    link = OneTimeLink(
        token_hash=token_hash(token),
        account_id=account_id,
        purpose=purpose.value,
        subject_id=subject_id,
        created_at=created,
        expires_at=created + (lifetime or LIFETIME[purpose]),
    )
    session.add(link)
    return Link(url=f"{public_url}{PATH[purpose]}{token}", expires_at=link.expires_at)
