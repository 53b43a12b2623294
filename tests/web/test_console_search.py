"""The console's inbox search (`q`) matches the client's name and email, as the API's does."""

from tests.support.api import Api
from tests.support.pages import agent_session


def test_the_inbox_search_finds_tickets_by_the_clients_name_and_email(api: Api) -> None:
    category = api.category()
    ada = api.client(name="Ada Lovelace", email="ada@analytical.example")
    bob = api.client(name="Bob Stone", email="bob@quarry.example")
    api.ticket(title="Engine fault", client_id=ada["id"], category=category["id"])
    api.ticket(title="Gravel order", client_id=bob["id"], category=category["id"])
    headers, _csrf = agent_session(api)
    for q, found, missing in (
        ("lovelace", "Engine fault", "Gravel order"),
        ("QUARRY.example", "Gravel order", "Engine fault"),
    ):
        page = api.http.get("/console", params={"q": q}, headers=headers)
        assert page.status_code == 200
        assert found in page.text and missing not in page.text
