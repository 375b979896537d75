"""Storage: SQLAlchemy 2 async models, repositories returning dataclasses, Alembic migrations."""

from storage.db import Database

__all__ = ["Database"]
