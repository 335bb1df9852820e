"""Alembic migrations of the service database (run programmatically, no alembic.ini)."""
