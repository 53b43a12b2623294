"""The event log: every event sent to an endpoint and its attempts; the dashboard's numbers
and alerts."""
