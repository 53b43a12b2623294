"""The clients' portal, under the account's brand: entered through a one-time link."""
