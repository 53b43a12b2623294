"""The dashboard's 24-hour chart: a round axis, an hour label every six hours, each bar's words."""

import pytest

from hookdesk.web.dashboard.chart import HEIGHT, axis_top, chart
from hookdesk.webhooks.log.stats import HourCounts

START = 1_764_763_200  # 2025-12-03 12:00 UTC


@pytest.mark.parametrize(
    ("tallest", "top"),
    [(0, 1), (1, 1), (2, 2), (7, 8), (9, 10), (11, 15), (111, 150), (151, 200), (801, 1000)],
)
def test_the_axis_ends_at_a_round_number_that_holds_the_tallest_bar(tallest: int, top: int) -> None:
    assert axis_top(tallest) == top


def test_each_hour_has_its_bar_label_and_stacked_counts() -> None:
    hours = [HourCounts(START + i * 3600) for i in range(24)]
    hours[3] = HourCounts(START + 3 * 3600, succeeded=3, failed=1)
    hours[23] = HourCounts(START + 23 * 3600, succeeded=0, failed=2)
    drawn = chart(hours)

    assert drawn.summary == "Attempts in the last 24 hours: 3 delivered, 3 failed"
    assert [t.value for t in drawn.ticks] == [0, 2, 4] and drawn.ticks[-1].percent == 100
    assert [(label.text, label.column) for label in drawn.hour_labels] == [
        ("12:00", 1),
        ("18:00", 7),
        ("00:00", 13),
        ("06:00", 19),
    ]
    bar = drawn.bars[3]
    assert bar.label == "15:00 UTC: 3 delivered, 1 failed"
    assert bar.ok_height == pytest.approx(HEIGHT * 3 / 4) and bar.ok_y + bar.ok_height == HEIGHT
    assert bar.ko_y == pytest.approx(0) and bar.ko_height == pytest.approx(HEIGHT / 4)
    assert drawn.bars[23].label == "11:00 UTC: 0 delivered, 2 failed"
    assert drawn.bars[0].ok_height == drawn.bars[0].ko_height == 0
    assert [b.x for b in drawn.bars[:2]] == [1, 11]  # one slot of the width per hour
