"""Pure-Python domain logic: no Qt, no SQLAlchemy, no database."""
