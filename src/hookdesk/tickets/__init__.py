"""Tickets and their replies; every change writes its event in the same transaction."""
