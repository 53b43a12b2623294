"""The app's routers may come in any order (app.py puts the busiest first): no request path is
served by routes of two routers, so the order decides only how soon FastAPI finds the route.

The routes are read from the routers app.py and web/site.py include, not from the app: FastAPI
before 0.160 copies an included router's routes into one flat list that no longer says which
router each came from."""

import re
from itertools import product

from fastapi.testclient import TestClient
from starlette.routing import BaseRoute, Match, Mount

from hookdesk import app as api
from hookdesk.web import site


def _routes_by_router(http: TestClient) -> list[tuple[int, BaseRoute]]:
    """(position of the router, route) for every route the routers serve, then (position, route)
    for each route the app adds itself: the static files, the API's own docs."""
    found: list[tuple[int, BaseRoute]] = []
    for position, router in enumerate(api.ROUTERS + site.ROUTERS):
        found += [(position, route) for route in _flat(router.routes)]
    served = {_key(route) for _, route in found}
    for route in _flat(http.app.routes):  # type: ignore[attr-defined]
        if _key(route) not in served:
            found.append((len(found), route))
    return found


def _flat(routes: list[BaseRoute]) -> list[BaseRoute]:
    """The routes themselves, where FastAPI 0.160 and later keep an included router as one entry."""
    flat: list[BaseRoute] = []
    for entry in routes:
        if hasattr(entry, "effective_route_contexts"):
            flat += [
                c.starlette_route or c.original_route for c in entry.effective_route_contexts()
            ]
        else:
            flat.append(entry)
    return flat


def _key(route: BaseRoute) -> tuple[str, frozenset[str]]:
    return route.path, frozenset(getattr(route, "methods", None) or ())  # type: ignore[attr-defined]


def _request_to(route: BaseRoute) -> dict[str, object]:
    path = re.sub(r"\{[^}]+\}", "x0", route.path)  # type: ignore[attr-defined]
    if isinstance(route, Mount):
        path += "/x0"  # a file it serves
    methods = sorted(getattr(route, "methods", None) or {"GET"})
    return {"type": "http", "path": path, "method": methods[0], "root_path": ""}


def test_the_routers_hold_every_route_of_the_app(http: TestClient) -> None:
    routes = _routes_by_router(http)
    assert len({position for position, _ in routes}) > 20  # every router of app.py, and the pages
    assert any(isinstance(route, Mount) and route.path == "/static" for _, route in routes)
    assert {_key(route) for _, route in routes} >= {
        (path, frozenset(methods))
        for path, methods in [
            ("/v2/agency/tickets/create", {"POST"}),
            ("/console/sign-in", {"GET"}),
        ]
    }


def test_each_route_is_matched_by_no_other_router(http: TestClient) -> None:
    routes = _routes_by_router(http)
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
