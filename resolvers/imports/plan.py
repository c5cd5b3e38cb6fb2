"""The import of a batch as one plan: each group in one shape, from what was sent to what became of it.

``checks.check_group`` fills a :class:`GroupPlan` from the request alone (``checks.describe_groups``
adds what its files say of the photo, which can fail no group); :func:`look_up` reads
what the library has for the whole batch at once (its sessions, and every photo named by a
hothash or holding one of the files by content hash); :func:`resolve` decides, in request order,
which photo each group creates or joins and which of its files are new. ``apply`` then writes it.

A photo is its files: a group is the photo its hothash names or the photo one of its files (by
content hash) belongs to, so two encoders' hotpreviews of one file still make one photo. A group
naming two different photos fails and writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection

from imalink.db import queries
from imalink.db.enums import SessionStatus
from imalink.resolvers.errors import ErrorCode, UserError
from imalink.resolvers.imports.outcome import GroupStatus, ImportProblem, ImportProblemCode
from imalink.resolvers.imports.submission import PhotoGroupSubmission


@dataclass(slots=True, eq=False)
class GroupFile:
    """One checked file of a group."""

    filename: str
    key: str
    """The file's identity within its photo when no content hash tells (see ``checks.filename_key``)."""
    file_size: int | None
    content_hash: str | None
    exif_data: bytes | None
    session_id: int | None


@dataclass(slots=True, eq=False)
class PhotoTarget:
    """A photo groups create or join: one the library has (``id`` set), or one this batch creates."""

    hothash: str
    id: int | None = None
    files: dict[str, str | None] = field(default_factory=dict)
    """Its files' keys and content hashes, those of this batch's plan included."""


@dataclass(slots=True, eq=False)
class GroupPlan:
    """One photo group: what was sent, what the checks made of it, where it goes, what was written."""

    sent: PhotoGroupSubmission
    session_id: int | None
    """The session the group counts into: its own, else the batch's."""
    hothash: str | None = None
    """The group's hothash; once resolved, the hothash of the photo it created or joined."""
    hotpreview: bytes | None = None
    coldpreview: bytes | None = None
    photo: dict[str, Any] = field(default_factory=dict)
    """Photo columns worked out from the group alone (EXIF, the client's values); values derived
    from the group (a hash of its preview, say) belong here too: a created photo gets them all."""
    tags: list[str] = field(default_factory=list)
    exif_sent: list[tuple[str, bytes]] = field(default_factory=list)
    """The EXIF of each file sent, a name-sake taken once included, for ``checks.describe_groups``."""
    files: list[GroupFile] = field(default_factory=list)
    errors: list[ImportProblem] = field(default_factory=list)
    warnings: list[ImportProblem] = field(default_factory=list)
    target: PhotoTarget | None = None
    new_files: list[GroupFile] = field(default_factory=list)
    """The files its photo does not have yet: the ones ``apply`` writes."""
    creates_photo: bool = False
    """Whether its target is a photo this group creates. A flag, not a link from the target back to
    the plan: that cycle kept every plan of a batch (its base64 and EXIF bytes, ~10 MB) alive until
    the garbage collector's next full pass, and two batches in flight took the server past 300 MB."""
    images_created: int = 0

    @property
    def status(self) -> GroupStatus:
        if self.errors or self.target is None:
            return GroupStatus.FAILED
        if self.creates_photo:
            return GroupStatus.CREATED
        return GroupStatus.IMAGES_ADDED if self.images_created else GroupStatus.DUPLICATE

    @property
    def photo_id(self) -> int | None:
        return self.target.id if self.target is not None and not self.errors else None

    def sessions_named(self) -> set[int]:
        """The sessions the group and its files name."""
        named = {file.session_id for file in self.files}
        named.add(self.session_id)
        named.discard(None)
        return named  # type: ignore[return-value]


@dataclass(slots=True)
class Library:
    """What the library had for a batch when it was looked up, extended by the plan as it goes."""

    sessions: dict[int, Any]
    by_hothash: dict[str, PhotoTarget]
    by_content: dict[str, PhotoTarget]
    learned: dict[int, str] = field(default_factory=dict)
    """Content hashes of files stored without one, recognised in this batch: image id → hash."""


def look_up(conn: Connection, owner_id: int, plans: list[GroupPlan], batch_session_id: int | None) -> Library:
    """One look-up for the whole batch: the sessions it names and the photos its groups may be."""
    valid = [plan for plan in plans if not plan.errors]
    named = {batch_session_id} | {s for plan in valid for s in plan.sessions_named()}
    sessions = queries.sessions_by_ids(conn, owner_id, sorted(named - {None}))
    hothashes = list(dict.fromkeys(plan.hothash for plan in valid if plan.hothash))
    contents = list(dict.fromkeys(f.content_hash for plan in valid for f in plan.files if f.content_hash))
    library = Library(sessions, {}, {})
    _add_photos(library, queries.photo_files(conn, owner_id, hothashes, contents))
    _recognise_unhashed_files(conn, owner_id, valid, library)
    return library


def _add_photos(library: Library, photos: list[queries.PhotoFiles]) -> None:
    for photo in photos:
        if photo.hothash in library.by_hothash:
            continue
        target = library.by_hothash[photo.hothash] = PhotoTarget(photo.hothash, photo.id)
        for file in photo.files:
            target.files[file.filename_key] = file.content_hash
            if file.content_hash:
                library.by_content[file.content_hash] = target


def _recognise_unhashed_files(conn: Connection, owner_id: int, plans: list[GroupPlan], library: Library) -> None:
    """Files stored without a content hash (sent by an older client) that come back with one.

    Such a file is the stored one when its name, size and raw EXIF bytes are all the same: EXIF
    holds the capture time and mostly a camera serial number, so two different files agreeing on
    all three do not occur in practice, while the hotpreview (and so the hothash) of the same file
    may differ between clients. Files without EXIF or size are never matched this way. The stored
    file learns its content hash and its photo is the one the group names through it.
    """
    waiting = [
        file
        for plan in plans
        for file in plan.files
        if file.content_hash and file.exif_data and file.file_size is not None and file.content_hash not in library.by_content
    ]
    if not waiting:
        return
    # By name and size first, oldest first; the EXIF bytes are compared only where those agree
    # (hashing each file's ~19 KB of EXIF as part of a key cost a fresh library 2-3 ms a batch).
    stored: dict[tuple[str, int], list[Any]] = {}
    for row in queries.unhashed_files(conn, owner_id, sorted({file.key for file in waiting})):
        if row.exif_data and row.file_size is not None:
            stored.setdefault((row.filename_key, row.file_size), []).append(row)
    recognised = [
        (file, row)
        for file in waiting
        if (row := next((row for row in stored.get((file.key, file.file_size), ()) if row.exif_data == file.exif_data), None))
    ]
    if not recognised:
        return
    _add_photos(library, queries.photo_files(conn, owner_id, sorted({row.hothash for _, row in recognised})))
    for file, row in recognised:
        if row.id in library.learned or file.content_hash in library.by_content:
            continue  # the same file twice in the batch: the first copy teaches the hash
        target = library.by_hothash[row.hothash]
        library.learned[row.id] = file.content_hash  # type: ignore[assignment]
        library.by_content[file.content_hash] = target  # type: ignore[index]
        if target.files.get(file.key) is None:
            target.files[file.key] = file.content_hash


def session_problem(sessions: dict[int, Any], session_id: int) -> ImportProblem | None:
    """Why a batch or group cannot go to ``session_id`` (another user's session is unknown)."""
    session = sessions.get(session_id)
    if session is None:
        return ImportProblem(ImportProblemCode.UNKNOWN_IMPORT_SESSION, f"There is no import session {session_id}.")
    if session.status == SessionStatus.COMPLETED:  # an interrupted session resumes
        return ImportProblem(
            ImportProblemCode.IMPORT_SESSION_COMPLETED, f"Import session {session_id} is completed; start a new one."
        )
    return None


def resolve(plans: list[GroupPlan], library: Library, batch_session_id: int | None) -> None:
    """Decide, in request order, the photo each group creates or joins and its new files.

    The first group of an unknown photo creates it; every later one (in this batch or after) only
    brings the files the photo does not have yet. Raises :class:`UserError` for a batch naming an
    unknown or completed session.
    """
    if batch_session_id is not None and (problem := session_problem(library.sessions, batch_session_id)):
        raise UserError(ErrorCode(problem.code), problem.message)
    for plan in plans:
        if plan.errors:
            continue
        plan.errors = [p for p in (session_problem(library.sessions, s) for s in sorted(plan.sessions_named())) if p]
        if plan.errors:
            continue
        found: dict[int, tuple[PhotoTarget, str]] = {}
        for why, named_target in _photos_named(plan, library):
            found.setdefault(id(named_target), (named_target, why))
        if len(found) > 1:
            named = "; ".join(f"{why} is photo {target.hothash}" for target, why in found.values())
            plan.errors.append(
                ImportProblem(ImportProblemCode.FILES_OF_DIFFERENT_PHOTOS, f"The group is two photos: {named}.")
            )
            continue
        if found:
            target = next(iter(found.values()))[0]
        else:
            target = library.by_hothash[plan.hothash] = PhotoTarget(plan.hothash)  # type: ignore[index]
            plan.creates_photo = True
        plan.target, plan.hothash = target, target.hothash
        for file in plan.files:
            if file.content_hash and library.by_content.get(file.content_hash) is target:
                continue  # this very file is there (under whatever name)
            if file.key in target.files:
                known = target.files[file.key]
                if known and file.content_hash and known != file.content_hash:
                    plan.warnings.append(
                        ImportProblem(
                            ImportProblemCode.FILENAME_TAKEN,
                            "The photo has another file of this name; this one was not attached.",
                            file.filename,
                        )
                    )
                continue
            plan.new_files.append(file)
            target.files[file.key] = file.content_hash
            if file.content_hash:
                library.by_content[file.content_hash] = target


def _photos_named(plan: GroupPlan, library: Library) -> list[tuple[str, PhotoTarget]]:
    """Each photo the group names, with what names it: its hothash or one of its files."""
    named = [("its hothash", library.by_hothash.get(plan.hothash))] if plan.hothash else []  # type: ignore[arg-type]
    named += [(file.filename, library.by_content.get(file.content_hash)) for file in plan.files if file.content_hash]
    return [(why, target) for why, target in named if target is not None]


@dataclass(slots=True)
class BatchOutcome:
    """Totals and per-group results of one batch (the groups' plans, in request order)."""

    results: list[GroupPlan]
    processing_time_ms: float

    def count(self, status: GroupStatus) -> int:
        return sum(1 for r in self.results if r.status is status)

    @property
    def images_created(self) -> int:
        return sum(r.images_created for r in self.results)

    @property
    def errors(self) -> list[str]:
        return [problem.line(r.hothash) for r in self.results for problem in r.errors]
