"""Persistence: tables, engine, migrations and queries. Knows nothing of GraphQL."""
