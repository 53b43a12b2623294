"""The outbox: events written in the caller's transaction, fanned out to the endpoints
that subscribe; operational events; sample events; the live stream of events."""
