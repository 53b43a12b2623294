"""Counts every HTTP request by method, route template and status, and times it."""

import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hookdesk.http.asgi import watching_start
from hookdesk.operations import instruments


class RequestMetrics:
    """The route label is the matched route's template, never the raw path, so the number of
    label values stays bounded whatever paths clients send."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the server answers when the app fails before it does

        def at_start(message: Message) -> None:
            nonlocal status
            status = message["status"]

        try:
            await self.app(scope, receive, watching_start(send, at_start))
        finally:
            elapsed = time.perf_counter() - started
            instruments.request_answered(scope["method"], route_template(scope), status, elapsed)


def route_template(scope: Scope) -> str:
    """The template of the route that took the request, as the router left it in the scope."""
    route = scope.get("route")
    if route is not None:
        return str(route.path_format)
    # A mount (the static files) leaves only its path, as the root path of what it serves.
    mount = scope.get("root_path", "").removeprefix(scope.get("app_root_path", ""))
    if mount and "endpoint" in scope:
        return f"{mount}/{{path}}"
    return instruments.UNMATCHED  # unknown paths, and bodies refused before routing
