"""Web sessions: an agent signed in to the console, or a client who entered the portal."""

import secrets
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import delete
from sqlalchemy.orm import Session

from hookdesk.access.tokens import new_token, token_hash
from hookdesk.models.access import WebSession
from hookdesk.models.clients import Client
from hookdesk.models.teammates import Teammate
from hookdesk.shared.clock import now


class Kind(StrEnum):
    AGENT = "agent"
    CLIENT = "client"


LIFETIME = {Kind.AGENT: 12 * 3_600, Kind.CLIENT: 2 * 3_600}


@dataclass(frozen=True)
class Started:
    token: str  # for the cookie; never stored
    expires_at: int


def start(
    session: Session, kind: Kind, *, account_id: str, subject_id: str, lifetime: int | None = None
) -> Started:
    """A new session, lasting `lifetime` seconds (the kind's default when None)."""
    token = new_token()
    started = now()
    row = WebSession(
        token_hash=token_hash(token),
        account_id=account_id,
        kind=kind.value,
        subject_id=subject_id,
        csrf_token=secrets.token_urlsafe(32),
        created_at=started,
        expires_at=started + (lifetime or LIFETIME[kind]),
    )
    session.add(row)
    return Started(token=token, expires_at=row.expires_at)


def find(session: Session, kind: Kind, token: str) -> WebSession | None:
    row = session.get(WebSession, token_hash(token))
    if row is None or row.kind != kind or row.expires_at <= now():
        return None
    return row


def agent(session: Session, token: str) -> tuple[WebSession, Teammate] | None:
    """The agent's live session and their teammate row, if the teammate is still the account's
    and may sign in."""
    found = find(session, Kind.AGENT, token)
    teammate = session.get(Teammate, found.subject_id) if found else None
    if found is None or teammate is None or teammate.account_id != found.account_id:
        return None
    # A teammate disabled or deleted ended their sessions; this one may have lost that race.
    return (found, teammate) if teammate.may_sign_in else None


def client(session: Session, token: str) -> tuple[WebSession, Client] | None:
    """The client's live portal session and their client row, if still the account's."""
    found = find(session, Kind.CLIENT, token)
    row = session.get(Client, found.subject_id) if found else None
    if found is None or row is None or row.account_id != found.account_id:
        return None
    return found, row


def end(session: Session, token: str) -> None:
    session.execute(delete(WebSession).where(WebSession.token_hash == token_hash(token)))


def end_all(
    session: Session, kind: Kind, *, account_id: str, subject_id: str, keep: str | None = None
) -> None:
    """End every session of this agent or client, except the one whose token is `keep`."""
    statement = delete(WebSession).where(
        WebSession.account_id == account_id,
        WebSession.kind == kind.value,
        WebSession.subject_id == subject_id,
    )
    if keep is not None:
        statement = statement.where(WebSession.token_hash != token_hash(keep))
    session.execute(statement)


def end_expired(session: Session) -> None:
    session.execute(delete(WebSession).where(WebSession.expires_at <= now()))
