"""The ``imalink`` command: ``serve`` the API, ``import`` folders of photos, ``fingerprints backfill``."""

from __future__ import annotations

import argparse
import logging
import os
import sys

from imalink.settings import Settings


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``imalink`` command."""
    parser = argparse.ArgumentParser(prog="imalink", description="The imalink photo library backend.")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="Serve the GraphQL API (GraphiQL at /graphql).")
    serve.add_argument("--host", help="Interface to listen on (default 127.0.0.1, or IMALINK_HOST).")
    serve.add_argument("--port", type=int, help="Port (default 8000, or IMALINK_PORT).")
    serve.add_argument("--database-url", help="SQLAlchemy URL (default sqlite:///imalink.db, or IMALINK_DATABASE_URL).")
    serve.add_argument("--workers", type=int, help="Server processes (default 1, or IMALINK_WORKERS); more use more cores.")

    user = commands.add_parser("user", help="Manage users: add, password, list.")
    from imalink.users import add_arguments as add_user_arguments

    add_user_arguments(user)

    importer = commands.add_parser("import", help="Import folders of photos into a library.")
    from imalink.importer.cli import add_arguments, run

    add_arguments(importer)

    fingerprints = commands.add_parser("fingerprints", help="Near-duplicate fingerprints of the library's photos.")
    fingerprint_commands = fingerprints.add_subparsers(dest="action", required=True)
    backfill = fingerprint_commands.add_parser(
        "backfill",
        help="Fingerprint the photos imported before fingerprints existed (batched; safe beside a running server, "
        "safe to stop and run again).",
    )
    backfill.add_argument("--database-url", help="SQLAlchemy URL (default sqlite:///imalink.db, or IMALINK_DATABASE_URL).")
    backfill.add_argument("--batch-size", type=int, default=500, help="Photos per transaction (default 500).")

    args = parser.parse_args(argv)
    if args.command == "serve":
        return _serve(args)
    if args.command == "fingerprints":
        return _backfill_fingerprints(args)
    if args.command == "user":
        from imalink.users import run as run_user

        return run_user(args)
    return run(args)


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from imalink.app import create_app
    from imalink.serving import uvicorn_options

    overrides = {"host": args.host, "port": args.port, "database_url": args.database_url, "workers": args.workers}
    settings = Settings.with_overrides(**overrides)
    logging.basicConfig(level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    refusal = _serving_refusal(settings)
    if refusal is not None:
        print(f"imalink: {refusal}", file=sys.stderr)
        return 2
    print(f"imalink: GraphiQL at http://{settings.host}:{settings.port}/graphql ({settings.database_url})", file=sys.stderr)
    _announce_web_app(settings)
    if settings.workers == 1:
        uvicorn.run(create_app(settings), **uvicorn_options(settings))
        return 0
    # Worker processes build their app from the environment; migrate once here, before they start.
    os.environ.update({f"IMALINK_{name.upper()}": str(value) for name, value in overrides.items() if value is not None})
    from imalink.db.migrate import open_library

    with open_library(settings.database_url):
        pass
    uvicorn.run("imalink.app:create_app", factory=True, workers=settings.workers, **uvicorn_options(settings))
    return 0


def _backfill_fingerprints(args: argparse.Namespace) -> int:
    from imalink.db.maintenance import backfill_fingerprints
    from imalink.db.migrate import open_library

    settings = Settings.with_overrides(database_url=args.database_url)
    if args.batch_size < 1:
        print("imalink: --batch-size must be at least 1", file=sys.stderr)
        return 2

    def report(done: int, failed: int) -> None:
        print(f"\rimalink: {done} photos fingerprinted, {failed} hotpreviews undecodable", end="", file=sys.stderr)

    with open_library(settings.database_url) as engine:
        done, failed = backfill_fingerprints(engine, args.batch_size, report)
    print(f"\rimalink: {done} photos fingerprinted, {failed} hotpreviews undecodable; look-alikes recorded.", file=sys.stderr)
    return 0


def _serving_refusal(settings: Settings) -> str | None:
    """Why the server must not start as configured: no accounts on an address others can reach."""
    from imalink.auth import is_loopback
    from imalink.db.migrate import open_library
    from imalink.users import accounts_exist

    if is_loopback(settings.host):
        return None
    with open_library(settings.database_url) as engine:
        if accounts_exist(engine):
            return None
    return (
        f"refusing to listen on {settings.host}: this library has no users, so anyone who can reach the "
        "address could read and delete every photo. Add a user first (imalink user add NAME; the password "
        "is asked for), then start again; or serve on 127.0.0.1 (the default) for this computer only."
    )


def _announce_web_app(settings: Settings) -> None:
    from imalink.web import WEB_DIST, missing_message

    if (WEB_DIST / "index.html").is_file():
        print(f"imalink: the web app at http://{settings.host}:{settings.port}/", file=sys.stderr)
    else:
        print(f"imalink: {missing_message(WEB_DIST)}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
