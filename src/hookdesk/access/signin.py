"""Accepting an invite, signing in with throttling, and entering the portal through a link."""

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from sqlalchemy import bindparam, delete, func, select
from sqlalchemy.orm import Session

from hookdesk.access import links, portal_settings, sessions
from hookdesk.access.passwords import hash_password, verify_password
from hookdesk.db.database import Database
from hookdesk.db.dialects import on_postgresql
from hookdesk.errors import BadRequest, TooManyRequests
from hookdesk.models.access import SignInFailure
from hookdesk.models.teammates import Teammate
from hookdesk.shared.clock import now

# At most this many failed sign-ins per email within the window; then the email waits.
MAX_FAILURES = 5
FAILURE_WINDOW = 15 * 60


class LinkUnusable(BadRequest):
    """The link is unknown, expired, or was used already."""

    def __init__(self) -> None:
        super().__init__("This link has expired or was used already.")


@dataclass(frozen=True)
class SignedIn:
    started: sessions.Started
    account_id: str
    subject_id: str


def accept_invite(db: Database, token: str, password: str) -> SignedIn:
    """Set the invited teammate's password (`passwords.problem_with` was checked) and sign in;
    every other session of the teammate ends. The password is hashed before the transaction."""
    password_hash = hash_password(password)
    with db.write() as session:
        link = links.consume(session, links.Purpose.INVITE, token)
        teammate = session.get(Teammate, link.subject_id) if link else None
        if link is None or teammate is None or not teammate.may_sign_in:
            raise LinkUnusable
        teammate.password_hash = password_hash
        sessions.end_all(
            session, sessions.Kind.AGENT, account_id=link.account_id, subject_id=teammate.id
        )
        return _start(session, sessions.Kind.AGENT, link.account_id, teammate.id)


def sign_in(db: Database, email: str, password: str) -> SignedIn | None:
    """A session, or None for a wrong email or password.

    The password hash (argon2, tens of milliseconds of CPU) is checked between two short write
    transactions, never inside one: on SQLite a write transaction holds the database's one write
    lock, and sign-ins would queue every other write behind their hashing. The attempt is counted
    as a failure before the check (one email's attempts one at a time) and forgiven after a
    match, so that guesses sent in parallel are throttled all the same. An email with no teammate
    costs one hash check too, so that the time taken does not tell which emails are agents'."""
    email = email.strip().lower()
    with db.write() as session:
        if on_postgresql(session):  # SQLite's writers are serialized already
            session.execute(select(func.pg_advisory_xact_lock(func.hashtext(email))))
        _refuse_when_throttled(session, email)
        session.add(SignInFailure(email=email, at=now()))
        rows = session.execute(_CANDIDATES, {"email": email}).all()
        candidates = [Candidate(row.id, row.hash) for row in rows]
    match = _matching(candidates, password)
    if match is None:
        return None
    with db.write() as session:
        teammate = session.get(Teammate, match.id, with_for_update=True)
        # Disabled, deleted or given a new password while the hash was checked.
        if teammate is None or not teammate.may_sign_in or teammate.password_hash != match.hash:
            return None
        session.execute(delete(SignInFailure).where(SignInFailure.email == email))
        sessions.end_expired(session)
        return _start(session, sessions.Kind.AGENT, teammate.account_id, teammate.id)


_CANDIDATES = select(Teammate.id, Teammate.password_hash.label("hash")).where(
    func.lower(Teammate.email) == bindparam("email"),
    Teammate.password_hash.is_not(None),
    Teammate.disabled_at.is_(None),
    Teammate.deleted_at.is_(None),
)


@dataclass(frozen=True)
class Candidate:
    """A teammate who may sign in with the email given, and their password hash."""

    id: str
    hash: str


def _matching(candidates: Sequence[Candidate], password: str) -> Candidate | None:
    """The candidate whose hash the password matches, or None; always at least one check."""
    if not candidates:
        verify_password(dummy_hash(), password)
        return None
    for candidate in candidates:
        if verify_password(candidate.hash, password):
            return candidate
    return None


@cache
def dummy_hash() -> str:
    """A hash no password matches, made with the same parameters as real ones: checking it takes
    as long as checking a teammate's."""
    return hash_password(secrets.token_urlsafe(32))


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
    lifetime = portal_settings.session_length(session, account_id=link.account_id)
    started = sessions.start(
        session,
        sessions.Kind.CLIENT,
        account_id=link.account_id,
        subject_id=link.subject_id,
        lifetime=lifetime,
    )
    return SignedIn(started=started, account_id=link.account_id, subject_id=link.subject_id)


def _refuse_when_throttled(session: Session, email: str) -> None:
    since = now() - FAILURE_WINDOW
    recent = (
        select(SignInFailure.at)
        .where(SignInFailure.email == email, SignInFailure.at > since)
        .order_by(SignInFailure.at)
    )
    failures = session.scalars(recent).all()
    if len(failures) >= MAX_FAILURES:
        retry_after = max(1, failures[-MAX_FAILURES] + FAILURE_WINDOW - now())
        raise TooManyRequests("Too many failed sign-ins with this email.", retry_after=retry_after)


def _start(session: Session, kind: sessions.Kind, account_id: str, subject_id: str) -> SignedIn:
    started = sessions.start(session, kind, account_id=account_id, subject_id=subject_id)
    return SignedIn(started=started, account_id=account_id, subject_id=subject_id)
