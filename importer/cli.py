"""The ``import`` subcommand: arguments, progress bar, summary, exit codes.

``imalink.cli`` wires :func:`add_arguments` and :func:`run` in as ``imalink import``;
``python -m importer`` runs them on their own.

Exit codes: 0 all imported, 1 some group or file failed, 2 usage error or server unreachable,
130 interrupted (what was sent is kept; running again resumes), 141 stdout was closed early
(``imalink import --json ... | head``): the run itself completed, only its summary was cut off.
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings

from collections.abc import Callable

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, ProgressColumn, Task, TextColumn
from rich.text import Text

from imalink.importer.preview import clean_message
from imalink.importer.problems import Problem
from imalink.importer.report import Summary, print_summary
from imalink.importer.scan import count_files
from imalink.importer.transport import HttpTransport, LocalTransport, Transport, TransportError
from imalink.importer.upload import DEFAULT_BATCH_SIZE, DEFAULT_IN_FLIGHT, ApiError, ImportRun

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
EXIT_BROKEN_PIPE = 128 + 13
"""What a shell reports for a command killed by SIGPIPE; Python ignores SIGPIPE, so it is set here."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``import`` options to ``parser``."""
    parser.add_argument("paths", nargs="+", metavar="PATH", help="folders (searched recursively) or photo files")
    parser.add_argument("--server", metavar="URL", help="imalink server: its root or its GraphQL endpoint, e.g. http://127.0.0.1:8000 or http://127.0.0.1:8000/graphql (default: write to the local database)")
    parser.add_argument("--token", metavar="TOKEN", default=os.environ.get("IMALINK_TOKEN"), help="API token with the import scope, sent to --server (default: IMALINK_TOKEN)")
    parser.add_argument("--database-url", metavar="URL", help="SQLAlchemy URL of the local database (default: IMALINK_DATABASE_URL, else sqlite:///imalink.db); not with --server")
    parser.add_argument("--storage-directory", metavar="NAME", help="storage directory name recorded on the import session (default: the first PATH's folder name)")
    parser.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE, metavar="N", help=f"photo groups per request, at most the server's limit (default: {DEFAULT_BATCH_SIZE})")
    parser.add_argument("--dry-run", action="store_true", help="scan, group, make hotpreviews and hashes; send nothing")
    parser.add_argument("--json", action="store_true", help="print a machine-readable summary on stdout, no progress bar")
    parser.add_argument("--workers", type=int, default=None, metavar="N", help="decoding processes (default: one per CPU)")
    parser.add_argument("--concurrency", type=int, default=DEFAULT_IN_FLIGHT, metavar="N",
                        help=f"batches sent to --server and not yet answered at most, while the next are prepared (default: {DEFAULT_IN_FLIGHT}; 1 waits for each answer)")


def run(args: argparse.Namespace) -> int:
    """Run ``imalink import`` with parsed ``args``; returns the exit code."""
    out = _StdoutConsole(highlight=False, soft_wrap=True)
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    problem = _usage_problem(args)
    if problem:
        err.print(f"imalink import: error: {problem}")
        return EXIT_USAGE

    summary = Summary(dry_run=args.dry_run)  # replaced by the run's own as soon as it exists
    transport: Transport | None = None
    try:
        # Inside the try: opening the local database imports the whole server (a second or
        # two), and Ctrl-C during that must end as quietly as Ctrl-C later on.
        if not args.dry_run:
            transport = HttpTransport(args.server, token=args.token) if args.server else LocalTransport(args.database_url)
        importer = ImportRun(
            args.paths,
            transport,
            batch_size=args.batch_size,
            dry_run=args.dry_run,
            storage_directory=args.storage_directory,
            workers=args.workers,
            # In-process there is no upload to overlap, and the server's work shares this process.
            in_flight=args.concurrency if args.server else 1,
        )
        summary = importer.summary
        # A library's warning (Pillow's UserWarning, say) becomes a reported warning, never raw text.
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                if not args.json and err.is_terminal:
                    _run_with_progress(importer, args.paths, err)
                else:
                    importer.run()
            finally:
                summary.warnings.extend(Problem("WARNING", clean_message(str(w.message))) for w in caught)
    except KeyboardInterrupt:
        summary.interrupted = True
        err.print(f"\nInterrupted. {summary.groups_sent} photo groups were sent and are kept; run the same command again to resume.")
        if args.json and not _write_stdout(lambda: print(summary.to_json())):
            return EXIT_BROKEN_PIPE
        return EXIT_INTERRUPTED
    except (TransportError, ApiError) as exc:
        err.print(f"imalink import: error: {exc}")
        if summary.groups_sent:
            err.print(f"{summary.groups_sent} photo groups were sent before that and are kept; run again to resume.")
        return EXIT_USAGE
    finally:
        if transport is not None:
            transport.close()

    if args.json:
        written = _write_stdout(lambda: print(summary.to_json()))
    else:
        written = _write_stdout(lambda: print_summary(summary, out))
    return summary.exit_code if written else EXIT_BROKEN_PIPE


def _write_stdout(write: Callable[[], None]) -> bool:
    """Run ``write`` and flush stdout; False when the reader has gone (``... | head``).

    The recipe of the Python docs (signal module, "Note on SIGPIPE"): on BrokenPipeError, point
    stdout's descriptor at /dev/null so that the interpreter's own flush at exit cannot fail a
    second time and print "Exception ignored ... BrokenPipeError" to stderr.
    """
    try:
        write()
        sys.stdout.flush()
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
        return False
    return True


def progress_bar(console: Console) -> Progress:
    """The bar of ``imalink import``: files done of all, the run's true rate, time left at that rate."""
    return Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("files"),
        FilesPerSecond(),
        TimeLeft(),
        console=console,
        refresh_per_second=5,
    )


def _run_with_progress(importer: ImportRun, paths: list[str], console: Console) -> None:
    progress = progress_bar(console)
    # A quick count first (names only, no decoding) so the bar can show time left.
    task = progress.add_task("Importing", total=count_files(paths))
    # Groups come back one by one, in order: the bar moves by each group's files.
    importer.on_group = lambda pg: progress.advance(task, len(pg.group.files))
    with progress:
        importer.run()


def _usage_problem(args: argparse.Namespace) -> str | None:
    if args.batch_size < 1:
        return "--batch-size must be at least 1"
    if args.server and args.database_url:
        return "--server and --database-url exclude each other"
    if args.workers is not None and args.workers < 1:
        return "--workers must be at least 1"
    if args.concurrency < 1:
        return "--concurrency must be at least 1"
    missing = [p for p in args.paths if not os.path.exists(p)]
    if missing:
        return "no such file or folder: " + ", ".join(missing)
    return None


class _StdoutConsole(Console):
    """A Console whose broken pipe is handled by :func:`_write_stdout` (rich would exit 1 itself)."""

    def on_broken_pipe(self) -> None:
        self.quiet = True
        raise BrokenPipeError


def run_rate(task: Task) -> float | None:
    """Files per second over the whole run so far (not a burst at the end), or None before any."""
    elapsed = task.finished_time if task.finished else task.elapsed
    if not elapsed or not task.completed:
        return None
    return task.completed / elapsed


class FilesPerSecond(ProgressColumn):
    """The run's average rate: files done / seconds since the bar started."""

    def render(self, task: Task) -> Text:
        rate = run_rate(task)
        return Text(f"{rate:.0f} files/s" if rate else "- files/s", style="progress.data.speed")


class TimeLeft(ProgressColumn):
    """Files left / the run's average rate, as H:MM:SS ("-:--:--" before the first file)."""

    def render(self, task: Task) -> Text:
        rate = run_rate(task)
        if task.finished:
            return Text("done", style="progress.remaining")
        if not rate or task.total is None:
            return Text("-:--:--", style="progress.remaining")
        seconds = max(task.total - task.completed, 0) / rate
        minutes, secs = divmod(int(seconds + 0.5), 60)
        hours, minutes = divmod(minutes, 60)
        return Text(f"{hours}:{minutes:02d}:{secs:02d} left", style="progress.remaining")


def main(argv: list[str] | None = None) -> int:
    """``python -m importer``: the import subcommand on its own."""
    parser = argparse.ArgumentParser(prog="imalink import", description="Import photos into an imalink library.")
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
