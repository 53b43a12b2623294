"""The webhooks dashboard of the agency's developers, inside the console."""
