"""An endpoint's last 24 hours of attempts as a bar chart drawn on the server: bars in an inline
SVG stretched to the card's width, a count axis and hour labels beside it in HTML (so their text
keeps its size at any width), a tooltip per hour, and the same numbers as a table for screen
readers."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from hookdesk.webhooks.log.stats import HourCounts

# The SVG's own units: one slot of SLOT per hour, the bar inside it; stretched to the card.
SLOT, BAR, HEIGHT = 10, 8, 100
WIDTH = 24 * SLOT
LABEL_EVERY = 6  # hours between two hour labels under the bars
# The axis ends at the first of these (times a power of ten) that holds the tallest bar.
NICE = (1, 1.5, 2, 3, 4, 5, 6, 8)


@dataclass(frozen=True)
class Bar:
    x: int
    ok_y: float
    ok_height: float
    ko_y: float
    ko_height: float
    hour: str
    delivered: int
    failed: int

    @property
    def label(self) -> str:
        return f"{self.hour} UTC: {self.delivered} delivered, {self.failed} failed"


@dataclass(frozen=True)
class Tick:
    value: int
    percent: float  # from the bottom of the bars


@dataclass(frozen=True)
class HourLabel:
    text: str
    column: int  # the first of the 24 columns under the bars, from 1


@dataclass(frozen=True)
class Chart:
    bars: list[Bar]
    ticks: list[Tick]
    hour_labels: list[HourLabel]
    delivered: int
    failed: int
    width: int = WIDTH
    height: int = HEIGHT
    slot: int = SLOT
    bar_width: int = BAR

    @property
    def summary(self) -> str:
        return f"Attempts in the last 24 hours: {self.delivered} delivered, {self.failed} failed"


def chart(hours: Sequence[HourCounts]) -> Chart:
    """Delivered (succeeded) attempts at the bottom of each bar, failed ones stacked on top."""
    top = axis_top(max((h.succeeded + h.failed for h in hours), default=0))
    bars = [_bar(index, hour, HEIGHT / top) for index, hour in enumerate(hours)]
    labels = [HourLabel(b.hour, i + 1) for i, b in enumerate(bars) if i % LABEL_EVERY == 0]
    return Chart(
        bars,
        _ticks(top),
        labels,
        sum(h.succeeded for h in hours),
        sum(h.failed for h in hours),
    )


def axis_top(tallest: int) -> int:
    """The axis' end: a round number (1, 2, 3, 4, 5, 6, 8, 10, 15, 20, ...) at least `tallest`."""
    scale = 1
    while True:
        for nice in NICE:
            top = nice * scale
            if top >= max(tallest, 1) and float(top).is_integer():
                return int(top)
        scale *= 10


def _ticks(top: int) -> list[Tick]:
    values = [0, top // 2, top] if top % 2 == 0 else [0, top]
    return [Tick(value, 100 * value / top) for value in values]


def _bar(index: int, hour: HourCounts, scale: float) -> Bar:
    ok_height, ko_height = hour.succeeded * scale, hour.failed * scale
    ok_y = HEIGHT - ok_height
    start = datetime.fromtimestamp(hour.start, UTC).strftime("%H:00")
    x = index * SLOT + (SLOT - BAR) // 2
    return Bar(x, ok_y, ok_height, ok_y - ko_height, ko_height, start, hour.succeeded, hour.failed)
