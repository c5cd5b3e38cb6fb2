"""What a credential may do. A signed-in user holds every scope of their role; a token holds
the scopes it was made with (never more than its maker's)."""

from __future__ import annotations

from collections.abc import Iterable

from imalink.db.enums import DescribedEnum


class Scope(DescribedEnum):
    """One kind of access; scopes are independent (``admin`` does not include ``read``)."""

    READ = "READ", "See the library: photos, the timeline, the map, facets, sessions, previews."
    IMPORT = "IMPORT", "Add photos: import sessions and batches, and asking which files the library has."
    EDIT = "EDIT", "Change or delete photos."
    ADMIN = "ADMIN", "Manage the server's users (admins only)."


USER_SCOPES = frozenset({Scope.READ, Scope.IMPORT, Scope.EDIT})
ALL_SCOPES = frozenset(Scope)


def scopes_of_user(is_admin: bool) -> frozenset[Scope]:
    """Everything a signed-in user may do."""
    return ALL_SCOPES if is_admin else USER_SCOPES


def stored(scopes: Iterable[Scope]) -> str:
    """The column form: ``IMPORT,READ`` (sorted, so equal sets store alike)."""
    return ",".join(sorted(scope.value for scope in scopes))


def parsed(column: str) -> frozenset[Scope]:
    return frozenset(Scope(name) for name in column.split(",") if name in Scope.__members__)


def ordered(scopes: Iterable[Scope]) -> list[Scope]:
    """In declaration order (read, import, edit, admin), as clients list them."""
    held = set(scopes)
    return [scope for scope in Scope if scope in held]
