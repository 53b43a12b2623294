"""Every table of hookdesk, imported in one place so `Base.metadata` is complete for migrations."""

from hookdesk.models.access import OneTimeLink, SignInFailure, WebSession
from hookdesk.models.accounts import Account, ApiKey, RateLimitBucket
from hookdesk.models.assets import Asset
from hookdesk.models.categories import TicketCategory
from hookdesk.models.clients import Client, ClientErasure
from hookdesk.models.mail import MailAttempt, MailMessage, MailSettings, MailThread
from hookdesk.models.teammates import Teammate
from hookdesk.models.tickets import Reply, Ticket
from hookdesk.models.webhooks import Attempt, Delivery, DispatcherHeartbeat, Event, WebhookEndpoint

__all__ = [
    "Account",
    "ApiKey",
    "Asset",
    "Attempt",
    "Client",
    "ClientErasure",
    "Delivery",
    "DispatcherHeartbeat",
    "Event",
    "MailAttempt",
    "MailMessage",
    "MailSettings",
    "MailThread",
    "OneTimeLink",
    "RateLimitBucket",
    "Reply",
    "SignInFailure",
    "Teammate",
    "Ticket",
    "TicketCategory",
    "WebSession",
    "WebhookEndpoint",
]
