"""Background refresh: workers that run read queries off the GUI thread (QtCore only)."""
