"""Preview files on disk: coldpreviews (~1200 px JPEGs) are too large to keep in the database.

Each is stored once under its owner and its photo's hothash, in sharded folders
(``coldpreview/<owner>/<ab>/<cd>/<hothash>.jpg``), written to a temporary file and linked into
place, so a reader never sees half a file and a second writer never replaces the first (the
bytes behind a URL never change while the photo lives). The owner is part of the path: another
user sending the same hothash cannot put their bytes behind your photo.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

_HOTHASH = re.compile(r"[0-9a-f]{64}")


class MediaStore:
    """The media directory of one library."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def coldpreview_path(self, owner_id: int, hothash: str) -> Path:
        """Where the coldpreview of the owner's photo ``hothash`` (canonical form) lives."""
        if not _HOTHASH.fullmatch(hothash):
            raise ValueError("a hothash is 64 lowercase hexadecimal characters")  # never a path of its own
        return self.root / "coldpreview" / str(owner_id) / hothash[:2] / hothash[2:4] / f"{hothash}.jpg"

    def put_coldpreview(self, owner_id: int, hothash: str, data: bytes) -> bool:
        """Store the coldpreview unless the photo has one; ``True`` when these bytes were stored."""
        path = self.coldpreview_path(owner_id, hothash)
        if path.exists():
            return False
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".incoming-")
        try:
            with os.fdopen(handle, "wb") as file:
                file.write(data)
            os.link(temporary, path)  # fails if another writer was first: theirs stays
            return True
        except FileExistsError:
            return False
        finally:
            os.unlink(temporary)

    def coldpreview(self, owner_id: int, hothash: str) -> bytes | None:
        """The stored coldpreview bytes, or ``None``."""
        try:
            return self.coldpreview_path(owner_id, hothash).read_bytes()
        except (FileNotFoundError, NotADirectoryError):
            return None

    def has_coldpreview(self, owner_id: int, hothash: str) -> bool:
        return self.coldpreview_path(owner_id, hothash).is_file()

    def delete_coldpreview(self, owner_id: int, hothash: str) -> None:
        self.coldpreview_path(owner_id, hothash).unlink(missing_ok=True)
