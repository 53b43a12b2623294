"""Ratings: after a ticket is resolved, its client rates it good or bad, once per resolution."""
