"""Every table of hookdesk, imported in one place so `Base.metadata` is complete for migrations."""

from hookdesk.access.models import OneTimeLink, SignInFailure, WebSession
from hookdesk.accounts.models import Account, ApiKey, RateLimitBucket
from hookdesk.assets.models import Asset
from hookdesk.categories.models import TicketCategory
from hookdesk.clients.models import Client, ClientErasure
from hookdesk.delivery.models import Attempt, Delivery, DispatcherHeartbeat
from hookdesk.events.models import Event
from hookdesk.mail.models import MailAttempt, MailMessage, MailSettings, MailThread
from hookdesk.teammates.models import Teammate
from hookdesk.tickets.models import Reply, Ticket
from hookdesk.webhooks.models import WebhookEndpoint

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
