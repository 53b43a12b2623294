"""FastAPI: a dependency that verifies, parses, and answers 400 on a bad webhook.

from hookdesk.receiver import Event
from hookdesk.receiver.frameworks.fastapi import verified_event

HookdeskEvent = Annotated[Event, Depends(verified_event(os.environ["HOOKDESK_SECRET"]))]

@app.post("/hooks")
async def receive(event: HookdeskEvent) -> dict[str, bool]:
    ...
"""

from collections.abc import Awaitable, Callable

from fastapi import HTTPException, Request
from pydantic import ValidationError

from hookdesk.receiver.errors import WebhookVerificationError
from hookdesk.receiver.events import Event, parse_event
from hookdesk.receiver.verify import DEFAULT_TOLERANCE, verify


def verified_event(
    secret: str, tolerance: float = DEFAULT_TOLERANCE
) -> Callable[[Request], Awaitable[Event]]:
    async def dependency(request: Request) -> Event:
        body = await request.body()
        try:
            verify(body, request.headers, secret, tolerance)
            return parse_event(body)
        except WebhookVerificationError as error:
            raise HTTPException(400, detail=f"invalid webhook: {error}") from None
        except ValidationError:
            raise HTTPException(400, detail="invalid webhook: not a hookdesk event") from None

    return dependency
