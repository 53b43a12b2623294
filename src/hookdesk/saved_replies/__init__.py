"""Saved replies: texts agents reuse, with placeholders filled for a ticket."""
