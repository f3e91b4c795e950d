"""The accounts in the back office: users (users.py) and the security event log (security.py)."""

from . import security, users  # noqa: F401  (each module registers its ModelAdmins)
