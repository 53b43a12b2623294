"""The developer CLI: manage endpoints, events and tickets over the API; listen; trigger; demo."""
