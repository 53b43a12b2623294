"""Every table of hookdesk, imported in one place so `Base.metadata` is complete for migrations."""

from hookdesk.models.access import OneTimeLink, SignInFailure, WebSession
from hookdesk.models.accounts import Account, ApiKey, RateLimitBucket
from hookdesk.models.assets import Asset
from hookdesk.models.categories import TicketCategory
from hookdesk.models.clients import Client, ClientErasure
from hookdesk.models.mail import (
    MailAttempt,
    MailboxLease,
    MailMessage,
    MailSettings,
    MailThread,
)
from hookdesk.models.ratings import TicketRating
from hookdesk.models.saved_replies import SavedReply
from hookdesk.models.teammates import Teammate
from hookdesk.models.tickets import (
    Reply,
    Ticket,
    TicketActivity,
    TicketNote,
    TicketPresence,
    TicketTag,
)
from hookdesk.models.webhooks import (
    Attempt,
    DispatcherHeartbeat,
    OutboxEvent,
    WebhookEndpoint,
    WebhookEvent,
)

__all__ = [
    "Account",
    "ApiKey",
    "Asset",
    "Attempt",
    "Client",
    "ClientErasure",
    "DispatcherHeartbeat",
    "MailAttempt",
    "MailMessage",
    "MailSettings",
    "MailThread",
    "MailboxLease",
    "OneTimeLink",
    "OutboxEvent",
    "RateLimitBucket",
    "Reply",
    "SavedReply",
    "SignInFailure",
    "Teammate",
    "Ticket",
    "TicketActivity",
    "TicketCategory",
    "TicketNote",
    "TicketPresence",
    "TicketRating",
    "TicketTag",
    "WebSession",
    "WebhookEndpoint",
    "WebhookEvent",
]
