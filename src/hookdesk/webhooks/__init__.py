"""Webhooks: the outbox, its dispatch to endpoints, the endpoints, the event log.

The modules at this level are the bottom layer every stage shares: the event catalog, the pure
payload renderer, ids, the tables, the API objects. Then, in the order a change travels:
outbox/ (emit, fan-out), dispatch/ (claim, prepare, send, record, health, retry), endpoints/
(the API, secrets, URL safety) and log/ (the event log API, stats, alerts)."""
