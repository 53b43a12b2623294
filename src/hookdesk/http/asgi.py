"""What the plain ASGI middlewares share: a look at an answer's start as it goes out.

They are plain ASGI rather than Starlette's BaseHTTPMiddleware, which would buffer a streamed
answer (the event stream) and swallow the body limit's 413 on a chunked upload."""

from collections.abc import Callable

from starlette.types import Message, Send


def watching_start(send: Send, at_start: Callable[[Message], None]) -> Send:
    """`send`, calling `at_start` with the answer's start message (its status, and headers it may
    add to) before passing it on."""

    async def send_watched(message: Message) -> None:
        if message["type"] == "http.response.start":
            at_start(message)
        await send(message)

    return send_watched
