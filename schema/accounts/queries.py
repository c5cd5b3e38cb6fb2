"""Who is asking, their API tokens, and (for admins) the users."""

from __future__ import annotations

import strawberry
from anyio import to_thread

from imalink.resolvers.accounts import service
from imalink.schema.enums import Scope
from imalink.resolvers.accounts.scopes import ordered
from imalink.schema.accounts.types import ApiToken, User, Viewer
from imalink.schema.permissions import PUBLIC, SIGNED_IN, needs


@strawberry.type
class AccountQueries:
    @strawberry.field(
        metadata=PUBLIC,
        description="The user this request acts for; null when it carries no valid session or token (sign in).",
    )
    async def viewer(self, info: strawberry.Info) -> Viewer | None:
        viewer = info.context.viewer
        if not viewer.authenticated:
            return None
        engine = info.context.engine
        user = await to_thread.run_sync(service.user, engine, viewer.user_id)
        if user is None:
            return None
        accounts = viewer.session_id is not None or viewer.token_id is not None
        if not accounts:
            accounts = await to_thread.run_sync(service.has_accounts, engine)
        return Viewer(
            user=User.from_row(user),
            scopes=ordered(viewer.scopes),
            signed_in=viewer.session_id is not None,
            accounts=accounts,
        )

    @strawberry.field(metadata=SIGNED_IN, description="Your API tokens, newest first (never their secrets).")
    async def api_tokens(self, info: strawberry.Info) -> list[ApiToken]:
        rows = await to_thread.run_sync(service.tokens, info.context.engine, info.context.viewer.user_id)
        return [ApiToken.from_row(row) for row in rows]

    @strawberry.field(metadata=needs(Scope.ADMIN), description="The users who can sign in, by name (admins only).")
    async def users(self, info: strawberry.Info) -> list[User]:
        return [User.from_row(row) for row in await to_thread.run_sync(service.users, info.context.engine)]

