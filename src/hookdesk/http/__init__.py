"""What every route shares: the error handlers, the request body limit, the rate-limit headers."""
