"""Delivery: claiming due deliveries, sending them signed, retrying, recording every attempt."""
