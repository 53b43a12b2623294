"""The email channel: each account's mail settings, notifications rendered and sent through the
outbox, replies and new tickets read from IMAP or the inbound route."""
