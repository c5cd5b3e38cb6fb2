"""Accounts: users, sessions, API tokens and their scopes (the rules; statements are db/accounts.py)."""

from imalink.resolvers.accounts.scopes import ALL_SCOPES, Scope
from imalink.resolvers.accounts.viewer import LOCAL_OWNER, NOBODY, Viewer, nobody

__all__ = ["ALL_SCOPES", "LOCAL_OWNER", "NOBODY", "Scope", "Viewer", "nobody"]
