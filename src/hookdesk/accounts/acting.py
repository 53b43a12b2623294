"""Who is acting: a signed-in agent, a client in the portal, or an API key; for which account;
and what the services need of the server to act for them.

Every route and page gets one `Acting` from its dependency (`CurrentActing` for API keys in
`dependencies.py`, `AgentActing` and `ClientActing` in web/auth.py) and hands it to the services,
which take it in place of a scope of their own.
"""

from dataclasses import dataclass

from fastapi import Request

from hookdesk.config import Settings
from hookdesk.shared.secretbox import SecretBox


@dataclass(frozen=True)
class Agent:
    """A teammate signed in to the console."""

    teammate_id: str
    is_admin: bool


@dataclass(frozen=True)
class Client:
    """A client in the portal, entered through a link."""

    client_id: str


@dataclass(frozen=True)
class ApiKey:
    """A request signed with one of the account's API keys."""

    key_id: str


Subject = Agent | Client | ApiKey


@dataclass(frozen=True)
class Acting:
    account_id: str
    subject: Subject
    public_url: str  # how links in the objects shown start
    dev: bool  # development mode: local endpoint and mail server URLs are allowed
    box: SecretBox  # seals and opens stored secrets


def acting_for(request: Request, account_id: str, subject: Subject) -> Acting:
    settings: Settings = request.app.state.settings
    box: SecretBox = request.app.state.secret_box
    return Acting(account_id, subject, public_url=settings.public_url, dev=settings.dev, box=box)
