"""For those who receive hookdesk's webhooks: signing and verification (no server dependencies)."""
