"""Signing in and out, API tokens, adding users.

The session's secret never appears in an answer: the mutation leaves it in the request's
``session_cookie`` and the app sets it as an HttpOnly cookie.
"""

from __future__ import annotations

from typing import Annotated

import strawberry
from anyio import to_thread

from imalink.resolvers.accounts import service
from imalink.schema.enums import Scope
from imalink.schema.accounts.types import (
    CreateApiTokenInput,
    CreatedApiToken,
    ApiToken,
    CreateUserInput,
    SignInInput,
    SignInPayload,
    User,
)
from imalink.schema.permissions import PUBLIC, SIGNED_IN, needs


@strawberry.type
class AccountMutations:
    @strawberry.mutation(
        metadata=PUBLIC,
        description="Sign in with a user name and password: the answer sets an HttpOnly, SameSite=Strict session "
        "cookie (for browsers; scripts use API tokens). Wrong name or password: INVALID_CREDENTIALS.",
    )
    async def sign_in(
        self, info: strawberry.Info, input: Annotated[SignInInput, strawberry.argument(description="The credentials.")]
    ) -> SignInPayload:
        context = info.context
        issued = await to_thread.run_sync(
            service.sign_in, context.engine, input.username, input.password, context.settings.session_lifetime
        )
        context.session_cookie.issued = (issued.secret, issued.expires_at)
        return SignInPayload(user=User.from_row(issued.user), expires_at=issued.expires_at)

    @strawberry.mutation(
        metadata=PUBLIC,
        description="End this browser's session and clear its cookie; false when it had none.",
    )
    async def sign_out(self, info: strawberry.Info) -> bool:
        context = info.context
        context.session_cookie.ended = True
        session_id = context.viewer.session_id
        if session_id is None:
            return False
        return await to_thread.run_sync(service.sign_out, context.engine, session_id)

    @strawberry.mutation(
        metadata=SIGNED_IN,
        description="Make an API token with some of your scopes; its secret is in the answer, and only there.",
    )
    async def create_api_token(
        self, info: strawberry.Info, input: Annotated[CreateApiTokenInput, strawberry.argument(description="The token.")]
    ) -> CreatedApiToken:
        context = info.context
        created = await to_thread.run_sync(
            service.create_token, context.engine, context.viewer, input.name, input.scopes, input.expires_at
        )
        return CreatedApiToken(token=ApiToken.from_row(created.token), secret=created.secret)

    @strawberry.mutation(
        metadata=SIGNED_IN,
        description="Revoke one of your API tokens: it stops working at once. False when you have no such token.",
    )
    async def revoke_api_token(
        self, info: strawberry.Info, id: Annotated[int, strawberry.argument(description="The token's id.")]
    ) -> bool:
        return await to_thread.run_sync(service.revoke_token, info.context.engine, info.context.viewer.user_id, id)

    @strawberry.mutation(
        metadata=needs(Scope.ADMIN),
        description="Add a user with an empty library (admins only). A name in use: USERNAME_TAKEN.",
    )
    async def create_user(
        self, info: strawberry.Info, input: Annotated[CreateUserInput, strawberry.argument(description="The user.")]
    ) -> User:
        row = await to_thread.run_sync(
            lambda: service.add_user(info.context.engine, input.username, input.password, admin=input.is_admin)
        )
        return User.from_row(row)
