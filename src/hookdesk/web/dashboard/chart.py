"""An endpoint's last 24 hours of attempts as bars for an inline SVG, drawn on the server."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from hookdesk.webhooks.log.stats import HourCounts

WIDTH, HEIGHT = 240, 60
SLOT = WIDTH // 24
BAR = SLOT - 2


@dataclass(frozen=True)
class Bar:
    x: int
    ok_y: float
    ok_height: float
    ko_y: float
    ko_height: float
    label: str


@dataclass(frozen=True)
class Chart:
    bars: list[Bar]
    succeeded: int
    failed: int
    width: int = WIDTH
    height: int = HEIGHT

    @property
    def summary(self) -> str:
        return f"Attempts in the last 24 hours: {self.succeeded} succeeded, {self.failed} failed"


def chart(hours: Sequence[HourCounts]) -> Chart:
    """Succeeded attempts at the bottom of each bar, failed ones stacked on top."""
    tallest = max((h.succeeded + h.failed for h in hours), default=0) or 1
    bars = [_bar(index, hour, HEIGHT / tallest) for index, hour in enumerate(hours)]
    return Chart(bars, sum(h.succeeded for h in hours), sum(h.failed for h in hours))


def _bar(index: int, hour: HourCounts, scale: float) -> Bar:
    ok_height, ko_height = hour.succeeded * scale, hour.failed * scale
    ok_y = HEIGHT - ok_height
    start = datetime.fromtimestamp(hour.start, UTC).strftime("%H:00 UTC")
    label = f"{start}: {hour.succeeded} succeeded, {hour.failed} failed"
    return Bar(index * SLOT + 1, ok_y, ok_height, ok_y - ko_height, ko_height, label)
