"""How long hookdesk keeps data, and how it removes it: the purge of old events, deliveries and
attempts (with unattached uploads), and the erasure of one client's data."""
