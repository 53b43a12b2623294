"""Notifications as their recipients read them: text and HTML parts from Jinja2 templates in the
ticket's language (Babel catalogs under locale/), in the agency's brand, with threading headers."""
