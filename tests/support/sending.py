"""A fake of the dispatcher's `Sender` seam: it answers only when a test lets each request go, and
keeps count of what was in flight, in all and per endpoint."""

import asyncio
import json
from collections import Counter
from dataclasses import dataclass, field

from hookdesk.webhooks.dispatch.sender import Request, Result


@dataclass
class Held:
    request: Request
    endpoint_id: str
    answer: asyncio.Future[Result]


@dataclass
class GatedSender:
    held: list[Held] = field(default_factory=list)
    sent: list[Request] = field(default_factory=list)
    most_in_flight: int = 0
    most_per_endpoint: Counter[str] = field(default_factory=Counter)
    _per_endpoint: Counter[str] = field(default_factory=Counter)

    async def send(self, request: Request) -> Result:
        endpoint_id = json.loads(request.body)["endpoint_id"]
        held = Held(request, endpoint_id, asyncio.get_running_loop().create_future())
        self.held.append(held)
        self._per_endpoint[endpoint_id] += 1
        self.most_in_flight = max(self.most_in_flight, len(self.held))
        self.most_per_endpoint[endpoint_id] = max(
            self.most_per_endpoint[endpoint_id], self._per_endpoint[endpoint_id]
        )
        try:
            return await held.answer
        finally:
            self.held.remove(held)
            self._per_endpoint[endpoint_id] -= 1
            self.sent.append(request)

    def answer(self, count: int = 1, *, status: int = 200, endpoint_id: str | None = None) -> None:
        """Let the first `count` held requests (to that endpoint) go with this status."""
        waiting = [h for h in self.held if not h.answer.done()]
        if endpoint_id is not None:
            waiting = [h for h in waiting if h.endpoint_id == endpoint_id]
        for held in waiting[:count]:
            held.answer.set_result(Result(status, 1, response_body="ok"))

    @property
    def waiting(self) -> int:
        return sum(1 for h in self.held if not h.answer.done())
