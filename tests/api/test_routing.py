"""The app's routers may come in any order (app.py puts the busiest first): no request path is
served by routes of two routers, so the order decides only how soon FastAPI finds the route."""

import re
from itertools import product

from fastapi.testclient import TestClient
from starlette.routing import BaseRoute, Match, Mount


def _routes_by_router(http: TestClient) -> list[tuple[int, BaseRoute]]:
    """(position of the router or app-level route, route), every route the app serves."""
    found: list[tuple[int, BaseRoute]] = []
    for position, entry in enumerate(http.app.routes):  # type: ignore[attr-defined]
        if hasattr(entry, "effective_route_contexts"):
            for context in entry.effective_route_contexts():
                found.append((position, context.starlette_route or context.original_route))
        else:
            found.append((position, entry))
    return found


def _request_to(route: BaseRoute) -> dict[str, object]:
    path = re.sub(r"\{[^}]+\}", "x0", route.path)  # type: ignore[attr-defined]
    if isinstance(route, Mount):
        path += "/x0"  # a file it serves
    methods = sorted(getattr(route, "methods", None) or {"GET"})
    return {"type": "http", "path": path, "method": methods[0], "root_path": ""}


def test_each_route_is_matched_by_no_other_router(http: TestClient) -> None:
    routes = _routes_by_router(http)
    assert len({position for position, _ in routes}) > 20  # every router of app.py, and the pages
    requests = [(here, _request_to(route)) for here, route in routes]
    shared = []
    for (here, request), (there, other) in product(requests, routes):
        if here != there and other.matches(request)[0] is not Match.NONE:
            shared.append((request["method"], request["path"], other))
    assert shared == []


def test_each_route_matches_its_own_request(http: TestClient) -> None:
    # Without this, a matching that never matched would pass the test above.
    for _, route in _routes_by_router(http):
        assert route.matches(_request_to(route))[0] is Match.FULL, route
