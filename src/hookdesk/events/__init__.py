"""Events: the catalog, the pure payload renderer, and the outbox rows written with each change."""
