"""The web pages: the agents' console, the clients' portal and the webhooks dashboard.

Server-rendered (Jinja2) with htmx for the parts that change without a reload. Pages call the
same services as the API, so every action emits the same events.
"""
