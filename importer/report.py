"""The summary of an import run: counted while it runs, shown to people or printed as JSON."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field, fields
from typing import Any

from rich.console import Console
from rich.markup import escape

from imalink.importer.names import api_name, display_name
from imalink.importer.problems import SKIP_CODES, Problem

MAX_LISTED_WARNINGS = 10
_SOURCE_NAMES = {
    "decoded": "decoded",
    "thumbnail": "from EXIF thumbnails",
    "embedded": "from JPEGs inside RAWs",
    "heic-thumbnail": "from HEIC thumbnails",
}


@dataclass(slots=True)
class Summary:
    """What an import run found, sent and got back."""

    dry_run: bool = False
    files_found: int = 0
    """Photo files seen (JPEG, HEIC, RAW)."""
    groups_found: int = 0
    """Photo groups formed from them."""
    groups_ready: int = 0
    """Groups with a hotpreview, i.e. that could be sent."""
    files_ready: int = 0
    """Files in those groups."""
    already_in_library: int = 0
    """Groups not sent because the library has all their files (by content hash; by hothash and
    file name on a server without file identity)."""
    files_already_in_library: int = 0
    """Files not sent because the library has them (skipped groups and known photos that got
    new files alike)."""
    groups_sent: int = 0
    photos_created: int = 0
    """Groups the server answered CREATED."""
    files_attached: int = 0
    """Files the server wrote (``imagesCreated``), including those added to known photos."""
    images_added: int = 0
    """Groups answered IMAGES_ADDED (new files attached to a photo the library had)."""
    duplicates: int = 0
    """Groups answered DUPLICATE."""
    groups_failed: int = 0
    """Groups that could not be sent, or that the server answered FAILED."""
    import_session_id: int | None = None
    elapsed_seconds: float = 0.0
    interrupted: bool = False
    preview_sources: dict[str, int] = field(default_factory=dict)
    """How the hotpreviews were made: ``decoded``, ``thumbnail``, ``embedded``, ``heic-thumbnail``."""
    failures: list[Problem] = field(default_factory=list)
    """Every error, with the file it concerns: failed groups, unreadable files and folders."""
    skipped: list[Problem] = field(default_factory=list)
    """Entries with nothing to import: empty files, dangling or looping symbolic links."""
    warnings: list[Problem] = field(default_factory=list)

    def add_problems(self, problems: list[Problem]) -> None:
        """File each problem under :attr:`skipped` or :attr:`failures` by its code."""
        for p in problems:
            (self.skipped if p.code in SKIP_CODES else self.failures).append(p)

    @property
    def exit_code(self) -> int:
        """130 when interrupted, 1 when anything failed, else 0."""
        if self.interrupted:
            return 130
        return 1 if self.failures or self.groups_failed else 0

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form: each field in camelCase (like the API), problems with their API file names."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, list):
                value = [{"code": p.code, "message": p.message, "filename": api_name(p.filename) if p.filename else None} for p in value]
            elif isinstance(value, dict):
                value = dict(sorted(value.items()))
            elif isinstance(value, float):
                value = round(value, 3)
            head, *rest = f.name.split("_")
            out[head + "".join(word.title() for word in rest)] = value
        return out

    def to_json(self) -> str:
        """The summary as one JSON document."""
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False)


def print_summary(summary: Summary, console: Console) -> None:
    """The human summary: counts, then every failure and a sample of the warnings."""
    s = summary
    rate = f" ({s.files_found / s.elapsed_seconds:.0f} files/s)" if s.elapsed_seconds > 0 else ""
    console.print(f"Found {s.files_found} photo files in {s.groups_found} photo groups in {s.elapsed_seconds:.1f} s{rate}.")
    if s.preview_sources:
        console.print("Hotpreviews: " + ", ".join(f"{n} {_SOURCE_NAMES.get(k, k)}" for k, n in sorted(s.preview_sources.items())))
    if s.dry_run:
        console.print(f"Dry run: would send {s.groups_ready} photo groups ({s.files_ready} files); nothing was sent.")
    else:
        if s.already_in_library or s.files_already_in_library:
            console.print(f"Already in the library (skipped): {s.already_in_library} photo groups, {s.files_already_in_library} files")
        console.print(f"Photos created: {s.photos_created}")
        console.print(f"Files attached: {s.files_attached}")
        if s.images_added:
            console.print(f"Known photos that got new files: {s.images_added}")
        console.print(f"Duplicates: {s.duplicates}")
        if s.import_session_id is not None:
            console.print(f"Import session: {s.import_session_id}")
    if s.failures or s.groups_failed:
        console.print(f"[bold red]Failed: {s.groups_failed} photo groups, {len(s.failures)} problems[/]")
        for p in s.failures:
            console.print(f"  [red]{_name(p)}[/]: {escape(p.message)} ({p.code})", highlight=False)
    if s.skipped:
        console.print(f"[yellow]Skipped: {len(s.skipped)}[/] (nothing to import)")
        for p in s.skipped:
            console.print(f"  {_name(p)}: {escape(p.message)} ({p.code})", highlight=False)
    if s.warnings:
        counts = Counter(p.code for p in s.warnings)
        console.print(f"[yellow]Warnings: {len(s.warnings)}[/] (" + ", ".join(f"{c} {code}" for code, c in counts.most_common()) + ")")
        for p in s.warnings[:MAX_LISTED_WARNINGS]:
            console.print(f"  {_name(p)}: {escape(p.message)} ({p.code})", highlight=False)
        if len(s.warnings) > MAX_LISTED_WARNINGS:
            console.print(f"  ... and {len(s.warnings) - MAX_LISTED_WARNINGS} more (--json lists them all)")


def _name(p: Problem) -> str:
    """The path a problem concerns, on one printable line, safe for rich markup."""
    return escape(display_name(p.filename)) if p.filename else "?"
