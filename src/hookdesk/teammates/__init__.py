"""Teammates: the agency's agents, who answer and resolve tickets."""
