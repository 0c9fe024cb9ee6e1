"""Alembic migrations of the service's schema (script location ``app:migrations``)."""
