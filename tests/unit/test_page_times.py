"""Every page shows a time one way: relative, with the exact UTC time on hover."""

import pytest

from hookdesk.web.templating import ago, moment

NOW = 1_800_000_000


@pytest.mark.parametrize(
    ("seconds_before", "shown"),
    [
        (0, "just now"),
        (59, "just now"),
        (90, "1 min ago"),
        (3599, "59 min ago"),
        (3600, "1 h ago"),
        (36 * 3600, "1 day ago"),
        (3 * 86400, "3 days ago"),
        (-300, "in 5 min"),
        (-30, "in under a minute"),
    ],
)
def test_a_time_reads_as_a_distance(seconds_before: int, shown: str) -> None:
    assert ago(NOW - seconds_before, now=NOW) == shown


def test_older_than_a_month_reads_as_a_date() -> None:
    assert ago(NOW - 40 * 86400, now=NOW) == "2026-12-06"


def test_the_exact_time_is_on_hover_and_in_datetime() -> None:
    html = str(moment(NOW))
    assert 'datetime="2027-01-15T08:00:00+00:00"' in html
    assert 'title="2027-01-15 08:00 UTC"' in html
    assert str(moment(None)) == "—"
