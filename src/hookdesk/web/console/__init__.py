"""The agents' console: sign-in, the inbox, tickets, account settings."""
