from sqlalchemy import (
    BigInteger,
    Boolean,
    Double,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hookdesk.db.base import Base, Owned, unix_time

MAX_TAG_LENGTH = 50


class Ticket(Owned, Base):
    __tablename__ = "tickets"
    __table_args__ = (
        Index("ix_tickets_account_created", "account_id", "created_at"),
        Index("ix_tickets_account_created_us", "account_id", "created_us"),
        Index("ix_tickets_account_client", "account_id", "client_id"),
        Index("ix_tickets_account_updated", "account_id", "updated_at"),
        # The inbox's views by last activity, in the list's order (tickets/inbox.py): open or
        # closed; mine or unassigned; waiting on us. The view's own column comes before is_open,
        # so that only the first of them starts with (account_id, is_open): SQLite, finding two
        # indexes alike there, took either, even one not in the view's order, and sorted every
        # ticket of the view. No other index may start so (migration 0032).
        Index(
            "ix_tickets_account_open_updated", "account_id", "is_open", "updated_at", "created_us"
        ),
        Index(
            "ix_tickets_account_teammate_open_updated",
            "account_id",
            "teammate_id",
            "is_open",
            "updated_at",
            "created_us",
        ),
        Index(
            "ix_tickets_account_awaiting_open_updated",
            "account_id",
            "awaiting_agent",
            "is_open",
            "updated_at",
            "created_us",
        ),
    )

    client_id: Mapped[str] = mapped_column(String(36), ForeignKey("clients.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    is_open: Mapped[bool] = mapped_column(Boolean)
    category_id: Mapped[str] = mapped_column(String(36), ForeignKey("ticket_categories.id"))
    subcategory: Mapped[str | None] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(2))
    teammate_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("teammates.id", ondelete="SET NULL")
    )
    # Who closed it last: the client (from the portal) or an agent. Not part of the payload.
    resolved_by_client: Mapped[bool | None] = mapped_column(Boolean)
    created_at: Mapped[int] = unix_time()
    updated_at: Mapped[int] = unix_time()
    # Microseconds: orders tickets created within the same second (created_at is whole seconds).
    created_us: Mapped[int] = mapped_column(BigInteger)
    # A value of tickets.schemas.Priority. Agency-API-only, like the tags: never in the events.
    priority: Mapped[str] = mapped_column(String(6), default="normal", server_default="normal")
    # The client's message is the last one (a category's automated reply aside): the agency owes
    # an answer. The console's "waiting on us"; not part of the payload.
    awaiting_agent: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class TicketCount(Base):
    """How many of an account's tickets are open or closed, with one teammate (or none), waiting
    on us or not: what the inbox's views count (tickets/inbox.py) without reading the tickets.

    Triggers on `tickets` (migration 0029) keep it in the transaction of every insert, delete and
    change of those columns, whoever writes (the services, a bulk change, received mail, an
    erasure, a cascade such as a deleted teammate's tickets left unassigned). On PostgreSQL
    they run at the commit (0033), so that tickets written at once in one account do not hold
    each other's count for the length of their transactions."""

    __tablename__ = "ticket_counts"

    account_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    is_open: Mapped[bool] = mapped_column(Boolean, primary_key=True)
    # '' for none: a column of the primary key cannot be NULL. Not a foreign key: the tickets'
    # own moves their count when a teammate is deleted.
    teammate_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    awaiting_agent: Mapped[bool] = mapped_column(Boolean, primary_key=True)
    tickets: Mapped[int] = mapped_column(Integer)


class TicketTag(Base):
    """One tag of a ticket (lower case); a ticket's tags are its rows here."""

    __tablename__ = "ticket_tags"
    __table_args__ = (Index("ix_ticket_tags_account_tag", "account_id", "tag"),)

    ticket_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[str] = mapped_column(String(MAX_TAG_LENGTH), primary_key=True)
    account_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("accounts.id", ondelete="CASCADE")
    )


class TicketNote(Owned, Base):
    """An internal note on a ticket: for the agency's teammates only, never in what clients see
    (the portal, emails) nor in events."""

    __tablename__ = "ticket_notes"

    ticket_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("tickets.id", ondelete="CASCADE"), index=True
    )
    text: Mapped[str] = mapped_column(Text)
    teammate_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("teammates.id", ondelete="SET NULL"), nullable=True
    )
    created_at: Mapped[int] = unix_time()
    # Microseconds: orders notes written within the same second.
    created_us: Mapped[int] = mapped_column(BigInteger)


class Reply(Owned, Base):
    __tablename__ = "replies"
    __table_args__ = (UniqueConstraint("ticket_id", "position"),)

    ticket_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("tickets.id", ondelete="CASCADE"), index=True
    )
    # 0 for the description, then one more per reply: the conversation's order.
    position: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    is_client_reply: Mapped[bool] = mapped_column(Boolean)
    # The agent who wrote it in the console; None for the client's and the API's replies.
    author_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("teammates.id", ondelete="SET NULL"), nullable=True
    )
    created_at: Mapped[int] = unix_time()

    # Declared so that a flush inserts a new ticket before its replies; never loaded lazily.
    ticket: Mapped[Ticket] = relationship(lazy="raise")


class TicketActivity(Owned, Base):
    """One thing that happened to a ticket, with who did it, for the console's conversation:
    written by the tickets service in the transaction of the change. The events do not say who
    acted, and their payloads stay as they are."""

    __tablename__ = "ticket_activities"

    ticket_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("tickets.id", ondelete="CASCADE"), index=True
    )
    # A value of tickets.activity.Kind: opened, assigned, resolved, reopened.
    kind: Mapped[str] = mapped_column(String(16))
    # Who: an agent in the console, the client, a request with an API key, or the server itself
    # (received mail); tickets.activity.By.
    by: Mapped[str] = mapped_column(String(8))
    # The agent, when `by` is agent (None once that teammate is deleted).
    actor_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("teammates.id", ondelete="SET NULL"), nullable=True
    )
    # Assigned: to whom (None: unassigned, or a teammate since deleted).
    teammate_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("teammates.id", ondelete="SET NULL"), nullable=True
    )
    created_at: Mapped[int] = unix_time()
    # Microseconds: orders what happened within the same second.
    created_us: Mapped[int] = mapped_column(BigInteger)


class TicketPresence(Base):
    """A teammate with a ticket's page open, as of their page's last live update: what tells
    the others that someone is viewing or replying. Rows older than a few seconds count for
    nothing (tickets.presence)."""

    __tablename__ = "ticket_presence"

    ticket_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True
    )
    teammate_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("teammates.id", ondelete="CASCADE"), primary_key=True
    )
    account_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    # A reply is being written on the page (its box is not empty).
    replying: Mapped[bool] = mapped_column(Boolean)
    seen_at: Mapped[float] = mapped_column(Double)
