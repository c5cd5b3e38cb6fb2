"""``imalink user``: add users, list them, set a password, from the server's own machine.

Passwords come from a prompt (asked twice) or, when stdin is not a terminal, from its first
line (``printf '%s\\n' "$PW" | imalink user add anna``): never from the command line, where other
users of the machine could read them in the process list and the shell keeps them in history.
"""

from __future__ import annotations

import argparse
import getpass
import sys

from sqlalchemy import Engine

from imalink.db.migrate import open_library
from imalink.schema.accounts import service
from imalink.schema.accounts.service import UserError
from imalink.settings import Settings


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--database-url", help="SQLAlchemy URL (default sqlite:///imalink.db, or IMALINK_DATABASE_URL).")
    actions = parser.add_subparsers(dest="action", required=True)
    add = actions.add_parser(
        "add", help="Add a user (the password is asked for, or read from stdin). The first user becomes an admin "
        "and owns the library so far."
    )
    add.add_argument("username")
    add.add_argument("--admin", action="store_true", help="Let the user add users too (the first user always may).")
    password = actions.add_parser("password", help="Set a user's password (their sessions end).")
    password.add_argument("username")
    actions.add_parser("list", help="List the users.")


def run(args: argparse.Namespace) -> int:
    settings = Settings.with_overrides(database_url=args.database_url)
    with open_library(settings.database_url) as engine:
        try:
            if args.action == "list":
                for user in service.users(engine):
                    print(f"{user.username}{'  (admin)' if user.is_admin else ''}")
                return 0
            password = _read_password()
            if password is None:
                return 1
            if args.action == "add":
                first = not service.has_accounts(engine)
                user = service.add_user(engine, args.username, password, admin=args.admin)
                role = "an admin" if user.is_admin else "a user"
                owns = " It owns every photo imported so far." if first else ""
                print(f"imalink: added {user.username}, {role}.{owns} Signing in is now required.", file=sys.stderr)
                return 0
            if not service.set_password(engine, args.username, password):
                print(f"imalink: there is no user {args.username!r}.", file=sys.stderr)
                return 1
            print(f"imalink: new password set for {args.username}; their sessions have ended.", file=sys.stderr)
            return 0
        except UserError as error:
            print(f"imalink: {error.message}", file=sys.stderr)
            return 1


def _read_password() -> str | None:
    if not sys.stdin.isatty():
        line = sys.stdin.readline()
        return line.removesuffix("\n").removesuffix("\r")
    first = getpass.getpass("Password: ")
    if getpass.getpass("Again: ") != first:
        print("imalink: the passwords differ; nothing changed.", file=sys.stderr)
        return None
    return first


def accounts_exist(engine: Engine) -> bool:
    """Whether anyone can sign in (``imalink serve`` asks before listening beyond loopback)."""
    return service.has_accounts(engine)
