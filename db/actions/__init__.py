"""Write operations: one transaction each, audited in the same transaction, optimistic locking.

Every function takes the caller's session (opened with ``Database.write()``) and the acting
employee; the caller's ``with`` block commits or rolls back the whole change.
"""
