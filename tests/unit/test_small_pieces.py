import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import pytest

from hookdesk.access import passwords
from hookdesk.accounts import keys
from hookdesk.shared.paging import Page
from hookdesk.shared.timeparse import parse_time
from hookdesk.tickets.listing import TicketFilters, is_quick
from hookdesk.web.pages import conversation_version
from hookdesk.webhooks.ids import is_webhook_event_id, new_webhook_event_id
from tests.support.golden import golden, ticket_view


def test_event_ids_have_the_documented_form_and_do_not_repeat() -> None:
    ids = {new_webhook_event_id() for _ in range(2000)}
    assert len(ids) == 2000
    assert all(re.fullmatch(r"whev_[0-9a-z]{17}", i) for i in ids)
    assert all(is_webhook_event_id(i) for i in ids)
    assert not is_webhook_event_id("whev_short")
    assert not is_webhook_event_id("whev_ABCDEFGHIJKLMNOPQ")


def test_api_key_round_trip() -> None:
    key = keys.generate()
    presented = keys.parse(key.plaintext)
    assert presented is not None
    assert presented.key_id == key.key_id
    assert keys.matches(presented, key.secret_hash)
    # 32 random bytes behind the key id: 43 url-safe characters
    assert len(presented.secret) == 43
    assert key.secret_hash != presented.secret  # only a hash is kept


def test_api_key_secret_may_contain_underscores() -> None:
    parsed = keys.parse("hk_0123456789abcdef_a_b_c")
    assert parsed == keys.PresentedKey("0123456789abcdef", "a_b_c")


@pytest.mark.parametrize(
    "plaintext", ["", "hk_", "sk_0123456789abcdef_x", "hk_0123_x", "hk_0123456789abcdef_"]
)
def test_malformed_api_keys_are_refused(plaintext: str) -> None:
    assert keys.parse(plaintext) is None


def test_wrong_secret_and_unknown_key_do_not_match() -> None:
    key = keys.generate()
    wrong = keys.PresentedKey(key.key_id, "not-the-secret")
    assert not keys.matches(wrong, key.secret_hash)
    assert not keys.matches(keys.PresentedKey(key.key_id, "x"), None)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1671472527", 1671472527),
        ("2022-12-19T17:55:27Z", 1671472527),
        ("2022-12-19T17:55:27+00:00", 1671472527),
        ("2022-12-19T18:55:27+01:00", 1671472527),
        ("2022-12-19T17:55:27", 1671472527),
        ("2022-12-19", 1671408000),
    ],
)
def test_times_parse_from_unix_seconds_or_iso_8601(text: str, expected: int) -> None:
    assert parse_time(text) == expected


@pytest.mark.parametrize("text", ["yesterday", "2022-13-01", "12:00", ""])
def test_unparseable_times_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="neither Unix seconds nor an ISO 8601"):
        parse_time(text)


def test_a_polled_conversation_sees_changes_made_within_one_second() -> None:
    ticket = ticket_view(golden("whitelabel.ticket.created")["data"]["ticket"])
    same_second = [
        replace(ticket, replies=(*ticket.replies, ticket.replies[0])),
        replace(ticket, is_open=not ticket.is_open),
        replace(ticket, teammate_id="5a09992e-1e49-4dac-a731-26af2aee10ae"),
    ]
    versions = {conversation_version(ticket), *map(conversation_version, same_second)}
    assert len(versions) == 4
    assert conversation_version(ticket) == conversation_version(replace(ticket))


def test_at_most_two_password_hashes_run_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    running, most = [0], [0]
    lock = threading.Lock()

    class Counting:
        def verify(self, _stored: str, _password: str) -> bool:
            with lock:
                running[0] += 1
                most[0] = max(most[0], running[0])
            time.sleep(0.05)  # long enough for the other threads to pile up
            with lock:
                running[0] -= 1
            return True

    monkeypatch.setattr(passwords, "_hasher", Counting())
    with ThreadPoolExecutor(6) as pool:
        results = list(pool.map(lambda _: passwords.verify_password("h", "p"), range(12)))
    assert results == [True] * 12
    assert most[0] == passwords.MAX_CONCURRENT_HASHES == 2


@pytest.mark.parametrize(
    ("filters", "page", "quick"),
    [
        (TicketFilters(), Page(1, 20), True),
        (TicketFilters(order="asc", sort_by="updated_at"), Page(1, 100), True),
        (TicketFilters(), Page(51, 20), True),  # rows 1,001 to 1,020
        (TicketFilters(), Page(52, 20), False),
        (TicketFilters(text="refund"), Page(1, 20), False),
        (TicketFilters(closed=False), Page(1, 20), False),
    ],
)
def test_only_a_page_near_the_top_of_the_unfiltered_list_is_read_on_the_event_loop(
    filters: TicketFilters, page: Page, quick: bool
) -> None:
    assert is_quick(filters, page) is quick
