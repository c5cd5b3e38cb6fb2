"""The accounts service as the app reaches it without GraphQL: the one seam for HTTP
authentication (``imalink/auth.py``: a credential -> its viewer) and the ``imalink user`` command
(``imalink/users.py``). The app package wires; only the schema speaks to ``resolvers``
(docs/architecture.md), so a change behind this seam never reaches into the app."""

from imalink.resolvers.accounts.service import add_user, has_accounts, set_password, users, viewer_of_session, viewer_of_token
from imalink.resolvers.errors import UserError

__all__ = ["UserError", "add_user", "has_accounts", "set_password", "users", "viewer_of_session", "viewer_of_token"]
