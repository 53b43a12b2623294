"""Signing in: the password hash is checked outside any transaction, an unknown email costs a
hash check too, and guesses sent at once are throttled like guesses one after another."""

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy.pool import QueuePool

from hookdesk.access import passwords, signin
from hookdesk.access.passwords import hash_password
from hookdesk.errors import TooManyRequests
from tests.support.api import Api

PASSWORD = "correct horse battery"


@pytest.fixture
def checks(api: Api, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[str, int]]]:
    """Each password check sign-in makes: the hash checked, and how many database connections
    were in use meanwhile."""
    seen: list[tuple[str, int]] = []
    real: Callable[[str, str], bool] = passwords.verify_password
    pool = api.db.engine.pool
    assert isinstance(pool, QueuePool)

    def spy(stored_hash: str, password: str) -> bool:
        seen.append((stored_hash, pool.checkedout()))
        return real(stored_hash, password)

    monkeypatch.setattr(signin, "verify_password", spy)
    yield seen


def _agent(api: Api) -> dict[str, str]:
    teammate = api.teammate()
    url = api.ok(api.post(f"/v2/agency/teammates/invite/{teammate['id']}"), "url")
    signin.accept_invite(api.db, url.rsplit("/", 1)[1], PASSWORD)
    return teammate


def test_the_password_is_checked_outside_any_transaction(
    api: Api, checks: list[tuple[str, int]]
) -> None:
    agent = _agent(api)
    assert signin.sign_in(api.db, agent["email"].upper(), PASSWORD) is not None
    assert signin.sign_in(api.db, agent["email"], "a wrong password") is None
    assert len(checks) == 2
    assert [connections for _, connections in checks] == [0, 0]


def test_an_unknown_email_costs_one_check_of_an_equal_hash(
    api: Api, checks: list[tuple[str, int]]
) -> None:
    agent = _agent(api)
    invited_only = api.teammate()  # no password yet
    for email in ("nobody@example.com", invited_only["email"], agent["email"]):
        assert signin.sign_in(api.db, email, "a wrong password") is None
    assert len(checks) == 3
    dummy, for_invited, for_agent = (stored for stored, _ in checks)
    assert dummy == for_invited == signin.dummy_hash() != for_agent
    # The same algorithm and cost parameters as a real hash, so the check takes as long.
    parameters = hash_password(PASSWORD).rsplit("$", 2)[0]
    assert dummy.rsplit("$", 2)[0] == parameters == for_agent.rsplit("$", 2)[0]


def test_guesses_sent_at_once_are_throttled_after_five(
    api: Api, checks: list[tuple[str, int]]
) -> None:
    agent = _agent(api)

    def guess(password: str) -> str:
        try:
            return "signed in" if signin.sign_in(api.db, agent["email"], password) else "wrong"
        except TooManyRequests:
            return "throttled"

    with ThreadPoolExecutor(8) as pool:
        outcomes = list(pool.map(guess, [f"guess {n}" for n in range(8)]))
    assert sorted(outcomes) == ["throttled"] * 3 + ["wrong"] * 5
    assert len(checks) == 5
    assert guess(PASSWORD) == "throttled"


def test_a_teammate_disabled_while_their_password_is_checked_is_not_signed_in(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    agent = _agent(api)
    real = passwords.verify_password

    def disabling(stored_hash: str, password: str) -> bool:
        api.ok(
            api.post(f"/v2/agency/teammates/update/{agent['id']}", {"disabled": True}), "teammate"
        )
        return real(stored_hash, password)

    monkeypatch.setattr(signin, "verify_password", disabling)
    assert signin.sign_in(api.db, agent["email"], PASSWORD) is None
