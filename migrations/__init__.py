"""Alembic migrations of the schema, for SQLite and PostgreSQL."""
