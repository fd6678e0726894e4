"""Rows, not workflows: ORM models, connections and sessions, statements compiled once, schema revisions."""
