"""Addresses and URLs, below every other package: which addresses are public, mail server URLs."""
