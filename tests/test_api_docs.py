"""docs/API.md, the project's copy of the contract, names what the service takes."""

import re
from pathlib import Path
from typing import Any

from tests.support.api import Api

DOC = Path(__file__).parents[1] / "docs" / "API.md"


def enum_of(schema: dict[str, Any]) -> set[str]:
    """The values of a query parameter's schema (an enum, possibly inside anyOf with null)."""
    found = set(schema.get("enum", []))
    for option in schema.get("anyOf", []):
        found |= enum_of(option)
    return found


def test_the_event_log_status_filters_are_all_listed(api: Api) -> None:
    schema = api.http.get("/openapi.json").json()
    parameters = schema["paths"]["/v2/webhook-events/list"]["get"]["parameters"]
    taken = enum_of(next(p for p in parameters if p["name"] == "status")["schema"])
    assert "cancelled" in taken
    row = next(
        line
        for line in DOC.read_text().splitlines()
        if line.startswith("| `GET /v2/webhook-events/list`")
    )
    listed = re.search(r"`status` ([a-z/]+)", row)
    assert listed is not None, row
    assert set(listed.group(1).split("/")) == taken
    for status in sorted(taken):
        answer = api.get("/v2/webhook-events/list", status=status, page=1, per_page=10)
        assert answer.status_code == 200, answer.text
