"""The signed-in agent's webhook endpoints, as the services see them."""

from typing import Annotated

from fastapi import Depends, Request

from hookdesk.shared.dependencies import CurrentSettings
from hookdesk.shared.secretbox import SecretBox
from hookdesk.web.auth import CurrentAgent
from hookdesk.webhooks.endpoints import service


async def _scope(
    request: Request, agent: CurrentAgent, settings: CurrentSettings
) -> service.EndpointScope:
    box: SecretBox = request.app.state.secret_box
    return service.EndpointScope(account_id=agent.account_id, dev=settings.dev, box=box)


AgentScope = Annotated[service.EndpointScope, Depends(_scope)]
