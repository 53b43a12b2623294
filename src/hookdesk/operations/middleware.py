"""The request middleware: every HTTP request's id and log line, its count by method, route
template and status and its time, its rate-limit headers and its body limit."""

import time

import structlog
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hookdesk.http import ratelimit, request_log
from hookdesk.http.limits import BodyLimits
from hookdesk.operations import instruments


class Requests:
    """The one middleware of every HTTP request, in the order the four it replaces were nested:
    its id and log line (http/request_log.py) around its count and time by route template, then
    its rate-limit headers (http/ratelimit.py) and the body limit (http/limits.py), whose 413 is
    logged and counted too. One layer and one look at the answer's start, where there were four.

    The route label is the matched route's template, never the raw path, so the number of
    label values stays bounded whatever paths clients send."""

    def __init__(self, app: ASGIApp, *, limits: BodyLimits) -> None:
        self.app = app
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        request_id = request_log.start(scope)
        state = scope["state"]  # shared with the handlers, which fill the quota in
        status = 500  # unless an answer starts: an error escaped to the server's last handler

        async def send_watched(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = MutableHeaders(scope=message)
                ratelimit.add_headers(state, headers)
                headers.append(request_log.HEADER, request_id)
            await send(message)

        with structlog.contextvars.bound_contextvars(request_id=request_id):
            try:
                if not await self.limits.refused(scope, receive, send_watched):
                    await self.app(scope, self.limits.counting(scope, receive), send_watched)
            finally:
                elapsed = time.perf_counter() - started
                route = route_template(scope)
                instruments.request_answered(scope["method"], route, status, elapsed)
                request_log.write(scope, status, elapsed)


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
