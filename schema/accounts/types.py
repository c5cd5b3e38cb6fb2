"""Users and API tokens as clients see them (never a password hash or a token's stored hash)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry

from imalink.schema.enums import Scope
from imalink.resolvers.accounts.scopes import ordered
from imalink.resolvers.accounts.service import token_scopes
from imalink.schema.rows import object_from_row


@strawberry.type(description="Someone with a library on this server.")
class User:
    id: int = strawberry.field(description="The user's id.")
    username: str = strawberry.field(description="The name they sign in with (lower case).")
    is_admin: bool = strawberry.field(description="Admins may add users.")
    created_at: datetime = strawberry.field(description="When the user was made (for the first user: when the library was).")

    @classmethod
    def from_row(cls, row: Any) -> User:
        return object_from_row(cls, row)


@strawberry.type(description="The user this request acts for, and what its credential allows.")
class Viewer:
    user: User = strawberry.field(description="The user.")
    scopes: list[Scope] = strawberry.field(description="What this request's credential may do.")
    signed_in: bool = strawberry.field(
        description="True for a browser signed in with a password (it may manage API tokens and sign out); "
        "false for an API token, and on a server without accounts (the local owner)."
    )
    accounts: bool = strawberry.field(
        description="Whether the server has accounts; without, it serves its one library on this computer only, "
        "without signing in."
    )


@strawberry.type(description="An API token for scripts and the importer (its secret is shown once, when it is made).")
class ApiToken:
    id: int = strawberry.field(description="The token's id (revokeApiToken takes it).")
    name: str = strawberry.field(description="What the token is for, e.g. \"laptop importer\".")
    scopes: list[Scope] = strawberry.field(description="What the token may do.")
    created_at: datetime = strawberry.field(description="When it was made.")
    expires_at: datetime | None = strawberry.field(description="When it stops working; null: until revoked.")
    last_used_at: datetime | None = strawberry.field(
        description="When a request last carried it (to the minute); null: never used."
    )

    @classmethod
    def from_row(cls, row: Any) -> ApiToken:
        return object_from_row(cls, row, scopes=ordered(token_scopes(row)))


@strawberry.type(description="A token just made, with its secret.")
class CreatedApiToken:
    token: ApiToken = strawberry.field(description="The token.")
    secret: str = strawberry.field(
        description="Send it as Authorization: Bearer <secret> (imalink import --token). Shown this once: "
        "the server keeps only its hash."
    )


@strawberry.type(description="A successful sign-in; the session travels in an HttpOnly cookie, not in this answer.")
class SignInPayload:
    user: User = strawberry.field(description="Who signed in.")
    expires_at: datetime = strawberry.field(description="When the session ends (sign in again then).")


@strawberry.input(description="A user name and password.")
class SignInInput:
    username: str = strawberry.field(description="The user name (any case).")
    password: str = strawberry.field(description="The password.")


@strawberry.input(description="A new API token.")
class CreateApiTokenInput:
    name: str = strawberry.field(description="What the token is for (1-100 characters).")
    scopes: list[Scope] = strawberry.field(description="What it may do: at least one, none you do not have.")
    expires_at: datetime | None = strawberry.field(default=None, description="When it stops working; null: until revoked.")


@strawberry.input(description="A new user.")
class CreateUserInput:
    username: str = strawberry.field(description="1-64 letters, digits or . _ @ -, starting with a letter or digit.")
    password: str = strawberry.field(description="At least 8 characters.")
    is_admin: bool = strawberry.field(default=False, description="Whether the user may add users.")
