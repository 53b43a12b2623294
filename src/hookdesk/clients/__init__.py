"""The agency's clients: the people who open tickets."""
