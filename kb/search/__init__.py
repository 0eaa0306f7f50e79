"""Full-text search: Whoosh schema and French analysis, outbox sync, queries, facets."""
