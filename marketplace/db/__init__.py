"""The database layer: column types, ids, clock, dialect-specific SQL and transactions.

The only package that knows SQLite from PostgreSQL; every domain package sits above it.
"""
