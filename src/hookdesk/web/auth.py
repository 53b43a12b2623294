"""Who is looking at a page: the signed-in agent or the client in the portal; and, for the
services, who is acting (`AgentActing`, `ClientActing`: accounts/acting.py).

Every form post is checked against the session's CSRF token (or, before sign-in, the form
cookie's); htmx sends it as the `X-CSRF-Token` header, forms as the `csrf_token` field.
"""

import hmac
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from starlette.datastructures import FormData

from hookdesk.access import sessions
from hookdesk.accounts import acting, brand
from hookdesk.db.dependencies import Db
from hookdesk.teammates.schemas import Role
from hookdesk.web import cookies
from hookdesk.web.errors import AdminRequired, FormExpired, PortalLinkRequired, SignInRequired

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"


@dataclass(frozen=True)
class Agent:
    account_id: str
    teammate_id: str
    name: str
    email: str
    account_name: str
    csrf_token: str
    role: Role
    brand: brand.Brand  # the console wears the account's brand too

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN


@dataclass(frozen=True)
class PortalClient:
    account_id: str
    client_id: str
    name: str
    email: str
    brand: brand.Brand
    csrf_token: str


def current_agent(request: Request, db: Db) -> Agent:
    token = request.cookies.get(cookies.AGENT)
    with db.read() as session:
        signed_in = sessions.agent(session, token) if token else None
        if signed_in is None:
            raise SignInRequired
        found, teammate = signed_in
        account = brand.get(session, account_id=found.account_id)
        return Agent(
            account_id=found.account_id,
            teammate_id=teammate.id,
            name=teammate.name,
            email=teammate.email,
            account_name=account.name,
            csrf_token=found.csrf_token,
            role=Role(teammate.role),
            brand=brand.brand_of(account),
        )


def current_client(request: Request, db: Db) -> PortalClient:
    token = request.cookies.get(cookies.CLIENT)
    with db.read() as session:
        entered = sessions.client(session, token) if token else None
        if entered is None:
            raise PortalLinkRequired
        found, client = entered
        return PortalClient(
            account_id=found.account_id,
            client_id=client.id,
            name=client.name,
            email=client.email,
            brand=brand.brand_of(brand.get(session, account_id=found.account_id)),
            csrf_token=found.csrf_token,
        )


CurrentAgent = Annotated[Agent, Depends(current_agent)]


def current_admin(agent: CurrentAgent) -> Agent:
    """The signed-in agent, on pages for the account's admins only (settings, webhooks)."""
    if not agent.is_admin:
        raise AdminRequired
    return agent


# A router's `dependencies`: every page of it is for admins.
ADMINS_ONLY = [Depends(current_admin)]
CurrentClient = Annotated[PortalClient, Depends(current_client)]


def agent_acting(request: Request, agent: CurrentAgent) -> acting.Acting:
    subject = acting.Agent(agent.teammate_id, is_admin=agent.is_admin)
    return acting.acting_for(request, agent.account_id, subject)


def client_acting(request: Request, client: CurrentClient) -> acting.Acting:
    return acting.acting_for(request, client.account_id, acting.Client(client.client_id))


AgentActing = Annotated[acting.Acting, Depends(agent_acting)]
ClientActing = Annotated[acting.Acting, Depends(client_acting)]


async def checked_form(request: Request, expected: str) -> FormData:
    """The posted form, once its CSRF token is the expected one."""
    form = await request.form()
    sent = request.headers.get(CSRF_HEADER) or form.get(CSRF_FIELD)
    if not isinstance(sent, str) or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise FormExpired
    return form


async def agent_form(request: Request, agent: CurrentAgent) -> FormData:
    return await checked_form(request, agent.csrf_token)


async def client_form(request: Request, client: CurrentClient) -> FormData:
    return await checked_form(request, client.csrf_token)


async def anonymous_form(request: Request) -> FormData:
    expected = request.cookies.get(cookies.FORM)
    if not expected:
        raise FormExpired
    return await checked_form(request, expected)


AgentForm = Annotated[FormData, Depends(agent_form)]
ClientForm = Annotated[FormData, Depends(client_form)]
AnonymousForm = Annotated[FormData, Depends(anonymous_form)]
