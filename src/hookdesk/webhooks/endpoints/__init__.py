"""Webhook endpoints: where an account's events go, with their secrets and URL safety."""
