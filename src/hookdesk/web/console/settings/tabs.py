"""What every settings page shares: its tabs, and how it is rendered."""

from collections.abc import Mapping
from typing import Any

from fastapi import Request
from fastapi.responses import Response

from hookdesk.web.auth import Agent
from hookdesk.web.flash import render_flashed

# (tab, its name, its page)
TABS = (
    ("brand", "Brand", "/console/settings"),
    ("categories", "Categories", "/console/settings/categories"),
    ("teammates", "Teammates", "/console/settings/teammates"),
    ("api-keys", "API keys", "/console/settings/api-keys"),
    ("portal", "Client portal", "/console/settings/portal"),
)


def settings_page(
    request: Request,
    agent: Agent,
    tab: str,
    template: str,
    context: Mapping[str, Any],
    *,
    status: int = 200,
) -> Response:
    name = next(name for key, name, _ in TABS if key == tab)
    shared = {"title": f"{name} · Settings", "agent": agent, "section": "settings"}
    page = shared | {"tabs": TABS, "tab": tab} | dict(context)
    return render_flashed(request, f"console/settings/{template}", page, status=status)
