"""What the import client reports about a file or a group, and the codes it uses.

Codes are named like the API's ``ImportProblemCode`` values; those the server sends back are
passed on as they are. The client's own:

Skipped (nothing that could be imported; reported, exit code stays 0):
``EMPTY_FILE``, ``DANGLING_SYMLINK``, ``SYMLINK_LOOP``.

Failed (a photo file that could not be imported; exit code 1):
``FOLDER_UNREADABLE``, ``FILE_UNREADABLE``, ``FILE_VANISHED``, ``FILE_CHANGED``,
``PREVIEW_FAILED``, ``NO_PREVIEW_SOURCE``, ``FILES_OF_DIFFERENT_PHOTOS``.

Warnings (imported, but something was off): ``EXIF_UNREADABLE``, ``EXIF_UNSUPPORTED_FORMAT``,
``EXIF_TRUNCATED``, ``IMAGE_TRUNCATED``, ``IMAGE_WARNING``.
"""

from __future__ import annotations

from dataclasses import dataclass

SKIP_CODES = frozenset({"EMPTY_FILE", "DANGLING_SYMLINK", "SYMLINK_LOOP"})


@dataclass(frozen=True, slots=True)
class Problem:
    """Something wrong with a file, folder or group, named like the API's ImportProblem."""

    code: str
    message: str
    filename: str | None = None
    """Path of the file (or folder) it concerns; a group's first file when it concerns the group."""


def reason(exc: BaseException) -> str:
    """A short human reason for an exception: ``strerror`` for OS errors, else its message."""
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc) or type(exc).__name__
