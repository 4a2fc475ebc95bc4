"""Database fixtures: SQLite and PostgreSQL, migrated with alembic."""
