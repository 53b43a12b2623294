"""Dispatch: claiming due deliveries under a lease, preparing and sending them signed,
recording every attempt, endpoint health, the retry policy."""
