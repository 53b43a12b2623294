"""An endpoint's success rate over the dashboard's 24 hours."""

from hookdesk.webhooks.log.stats import HourCounts, SuccessRate, success_rate


def test_the_rate_sums_the_hours_and_is_rounded_down() -> None:
    hours = [HourCounts(0, succeeded=199, failed=0), HourCounts(3600, succeeded=0, failed=1)]
    rate = success_rate(hours)
    assert rate == SuccessRate(succeeded=199, attempts=200)
    assert rate.percent == 99  # never a clean 100% while an attempt failed


def test_no_attempts_have_no_rate() -> None:
    assert success_rate([HourCounts(0)]).percent is None
    assert success_rate([HourCounts(0, failed=3)]).percent == 0
