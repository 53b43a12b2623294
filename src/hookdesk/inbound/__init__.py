"""Inbound email: a received message becomes a ticket or a reply, exactly once, whether it came
from an account's IMAP mailbox or from `POST /v2/inbound/email`."""
