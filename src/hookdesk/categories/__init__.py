"""Ticket categories: title, language, automated reply, auto-assigned teammate, subcategories."""
