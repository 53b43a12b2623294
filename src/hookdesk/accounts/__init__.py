"""Accounts (agencies) and their API keys."""
