"""Accepting an invite, signing in with throttling, and entering the portal through a link."""

from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from hookdesk.access import links, sessions
from hookdesk.access.models import SignInFailure
from hookdesk.access.passwords import hash_password, verify_password
from hookdesk.shared.clock import now
from hookdesk.teammates.models import Teammate

# At most this many failed sign-ins per email within the window; then the email waits.
MAX_FAILURES = 5
FAILURE_WINDOW = 15 * 60


class LinkUnusable(Exception):
    """The link is unknown, expired, or was used already."""


class Throttled(Exception):
    def __init__(self, retry_after: int) -> None:
        super().__init__(f"retry after {retry_after} s")
        self.retry_after = retry_after


@dataclass(frozen=True)
class SignedIn:
    started: sessions.Started
    account_id: str
    subject_id: str


def accept_invite(session: Session, token: str, password: str) -> SignedIn:
    """Set the invited teammate's password (`passwords.problem_with` was checked) and sign in."""
    link = links.consume(session, links.Purpose.INVITE, token)
    teammate = session.get(Teammate, link.subject_id) if link else None
    if link is None or teammate is None or not teammate.may_sign_in:
        raise LinkUnusable
    teammate.password_hash = hash_password(password)
    # A new password ends every session signed in with the old one.
    sessions.end_all(
        session, sessions.Kind.AGENT, account_id=link.account_id, subject_id=teammate.id
    )
    return _start(session, sessions.Kind.AGENT, link.account_id, teammate.id)


def sign_in(session: Session, email: str, password: str) -> SignedIn | None:
    """A session, or None for a wrong email or password: the failure is recorded (and committed
    with the caller's transaction), so it must not raise."""
    email = email.strip().lower()
    _refuse_when_throttled(session, email)
    candidates = session.scalars(
        select(Teammate).where(
            func.lower(Teammate.email) == email,
            Teammate.password_hash.is_not(None),
            Teammate.disabled_at.is_(None),
            Teammate.deleted_at.is_(None),
        )
    ).all()
    for teammate in candidates:
        if teammate.password_hash and verify_password(teammate.password_hash, password):
            session.execute(delete(SignInFailure).where(SignInFailure.email == email))
            sessions.end_expired(session)
            return _start(session, sessions.Kind.AGENT, teammate.account_id, teammate.id)
    session.add(SignInFailure(email=email, at=now()))
    return None


def forget_old_failures(session: Session, *, limit: int) -> int:
    """Remove up to `limit` failures too old to count (the purge calls this); how many went."""
    old = select(SignInFailure.id).where(SignInFailure.at <= now() - FAILURE_WINDOW).limit(limit)
    ids = session.scalars(old).all()
    if ids:
        session.execute(delete(SignInFailure).where(SignInFailure.id.in_(ids)))
    return len(ids)


def enter_portal(session: Session, token: str) -> SignedIn:
    link = links.consume(session, links.Purpose.PORTAL, token)
    if link is None:
        raise LinkUnusable
    return _start(session, sessions.Kind.CLIENT, link.account_id, link.subject_id)


def _refuse_when_throttled(session: Session, email: str) -> None:
    since = now() - FAILURE_WINDOW
    recent = (
        select(SignInFailure.at)
        .where(SignInFailure.email == email, SignInFailure.at > since)
        .order_by(SignInFailure.at)
    )
    failures = session.scalars(recent).all()
    if len(failures) >= MAX_FAILURES:
        raise Throttled(retry_after=max(1, failures[-MAX_FAILURES] + FAILURE_WINDOW - now()))


def _start(session: Session, kind: sessions.Kind, account_id: str, subject_id: str) -> SignedIn:
    started = sessions.start(session, kind, account_id=account_id, subject_id=subject_id)
    return SignedIn(started=started, account_id=account_id, subject_id=subject_id)
