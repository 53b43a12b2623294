"""What every route shares: the error handlers and the request body limit."""
