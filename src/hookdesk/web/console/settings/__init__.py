"""The account's settings, for its admins only, one page per tab: the brand, ticket categories,
teammates, API keys and the client portal."""
