"""The words of the mail_message object."""

from enum import StrEnum


class Direction(StrEnum):
    OUTBOUND = "outbound"
    INBOUND = "inbound"


class Status(StrEnum):
    PENDING = "pending"  # outbound, not sent yet
    SENT = "sent"  # outbound, accepted by the SMTP server
    FAILED = "failed"  # outbound, refused for good (5xx) or out of retries
    APPLIED = "applied"  # inbound, made a ticket or a reply
    IGNORED = "ignored"  # inbound, left alone for the recorded reason
