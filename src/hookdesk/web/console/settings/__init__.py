"""The account's settings, for its admins only, one page per tab: the brand, ticket categories,
teammates and API keys."""
