"""Helpers for receiving apps: import the one of your framework (each needs that framework)."""
