"""An import run: walk, group, read, skip what the library has, preview, send batches, one session.

The GraphQL documents below are the whole of what the client asks of the API; they go through a
:class:`~importer.transport.Transport`, so HTTP and local imports run the same operations.

What the library has is asked by content hash (``existingFiles``) before any hotpreview is made.
A server without ``existingFiles`` (older than file identity) is asked by hothash
(``existingPhotos``) after the previews, as before, and is sent no ``contentHash``.
"""

from __future__ import annotations

import base64
import os
import queue
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future
from contextlib import closing
from dataclasses import dataclass
from typing import Any

from imalink.importer.grouping import FileGroup, group_folder
from imalink.importer.names import api_name
from imalink.importer.process import InspectedGroup, KnownFile, ProcessedGroup, process_groups
from imalink.importer.problems import Problem
from imalink.importer.report import Summary
from imalink.importer.scan import Folder, iter_folders, storage_directory_name
from imalink.importer.transport import Transport

EXISTING_PHOTOS = """
query ExistingPhotos($hothashes: [String!]!) {
  existingPhotos(hothashes: $hothashes) { hothash filenames }
}"""

EXISTING_FILES = """
query ExistingFiles($contentHashes: [String!]!) {
  existingFiles(contentHashes: $contentHashes) { contentHash hothash filename }
}"""

CREATE_IMPORT_SESSION = """
mutation CreateImportSession($input: ImportSessionInput!) {
  createImportSession(input: $input) { id }
}"""

COMPLETE_IMPORT_SESSION = """
mutation CompleteImportSession($id: Int!) {
  completeImportSession(id: $id) { id status }
}"""

IMPORT_BATCH = """
mutation ImportBatch($input: BatchImportInput!) {
  importBatch(input: $input) {
    results {
      hothash
      status
      imagesCreated
      errors { code message filename }
      warnings { code message filename }
    }
  }
}"""

IMPORT_LIMITS = """
query ImportLimits {
  importLimits { maxGroupsPerBatch maxHashesPerLookup maxRequestBytes }
}"""

DEFAULT_BATCH_SIZE = 100
# Batches sent and not yet answered while the next ones are prepared: the upload and the server's
# work on one batch overlap the files' work on the next, and on PostgreSQL the server checks one
# batch while the database writes the other. Two keep both busy; more only queue at the server.
DEFAULT_IN_FLIGHT = 2


@dataclass(frozen=True, slots=True)
class ServerLimits:
    """What one request to the server may carry: asked of the server (``importLimits``), whose
    administrator may have changed its defaults, never copied from them."""

    groups_per_batch: int
    hashes_per_lookup: int
    request_bytes: int

    @property
    def batch_bytes(self) -> int:
        """Where a batch is cut: half the body limit, since its size is an estimate (EXIF can be large)."""
        return self.request_bytes // 2


OLDER_SERVER = ServerLimits(groups_per_batch=1000, hashes_per_lookup=10_000, request_bytes=64 * 1024 * 1024)
"""A server from before ``importLimits``: the limits every such server had."""


class BatchSender:
    """``threads`` daemon threads that run ``execute`` for each submitted batch.

    Not a ``ThreadPoolExecutor``: the interpreter waits for its threads at exit, so Ctrl-C would
    wait for an answer still on its way (up to the transport's timeout); these threads are dropped
    at exit, and with them a request the server has not answered (it keeps all or none of it).
    """

    def __init__(self, execute: Callable[[str, dict[str, Any]], dict[str, Any]], threads: int) -> None:
        self._execute = execute
        self._jobs: queue.SimpleQueue[tuple[Future[dict[str, Any]], dict[str, Any]] | None] = queue.SimpleQueue()
        self._threads = [threading.Thread(target=self._work, name="imalink-send", daemon=True) for _ in range(threads)]
        for thread in self._threads:
            thread.start()

    def submit(self, variables: dict[str, Any]) -> Future[dict[str, Any]]:
        """Send ``importBatch`` with ``variables``; its answer (or error) arrives in the future."""
        future: Future[dict[str, Any]] = Future()
        self._jobs.put((future, variables))
        return future

    def close(self) -> None:
        """Let each thread end after the batch it is sending; nothing submitted later is sent."""
        for _ in self._threads:
            self._jobs.put(None)

    def _work(self) -> None:
        while (job := self._jobs.get()) is not None:
            future, variables = job
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(self._execute(IMPORT_BATCH, variables))
            except BaseException as exc:  # noqa: BLE001 - handed to the run, which raises it
                future.set_exception(exc)


class ApiError(Exception):
    """The API answered an operation the run depends on with GraphQL errors."""


# What to do about a refusal of the server's accounts (its own message says what was wrong).
_ACCOUNT_HINTS = {
    "UNAUTHENTICATED": "this server needs an API token with the IMPORT scope: --token or IMALINK_TOKEN",
    "INSUFFICIENT_SCOPE": "make a token with the IMPORT scope (the web app's Account page)",
}


def _data(response: dict[str, Any], field: str) -> Any:
    data = response.get("data") or {}
    if data.get(field) is None:
        errors = response.get("errors") or []
        messages = "; ".join(_message(e) for e in errors) or "no data"
        raise ApiError(f"{field}: {messages}")
    return data[field]


def _message(error: Any) -> str:
    if not isinstance(error, dict):
        return str(error)
    code = (error.get("extensions") or {}).get("code")
    text = str(error.get("message", error))
    hint = _ACCOUNT_HINTS.get(code) if isinstance(code, str) else None
    return f"{code}: {text} ({hint})" if hint else text


def filename_key(name: str) -> str:
    """How file names of one photo are compared: case-insensitively, as the server does."""
    return name.lower()


def group_input(pg: ProcessedGroup, *, content_hashes: bool = True) -> dict[str, Any]:
    """The PhotoGroupInput of a processed group.

    A group that joins a photo the library has is sent with that photo's hothash and no
    hotpreview; a new one with its hotpreview and the picture's size.
    """
    hothash = pg.hothash
    assert hothash is not None
    group: dict[str, Any] = {"hothash": hothash}
    if pg.known_hothash is None and pg.preview is not None:
        group["hotpreview"] = base64.b64encode(pg.preview.data).decode("ascii")
        group["width"], group["height"] = pg.preview.width, pg.preview.height
    images = []
    for image in pg.images:
        item: dict[str, Any] = {
            "filename": api_name(image.name),
            "fileSize": image.size,
            "exifData": base64.b64encode(image.exif).decode("ascii") if image.exif is not None else None,
        }
        if content_hashes:
            item["contentHash"] = image.content_hash
        images.append(item)
    group["images"] = images
    return group


def _request_size(pg: ProcessedGroup) -> int:
    # base64 grows bytes by 4/3; a few hundred bytes of names, hashes and JSON around them.
    raw = len(pg.preview.data) if pg.preview else 0
    raw += sum(len(i.exif or b"") for i in pg.images)
    return raw * 4 // 3 + 400 * (1 + len(pg.images))


class ImportRun:
    """One run of ``imalink import`` over ``paths``; :attr:`summary` is filled in as it goes.

    With ``transport=None`` (or ``dry_run``) nothing is sent: files are read, groups previewed
    and counted. Before any hotpreview is made, the library is asked which of the files it has
    (by content hash): a group whose files it all has is skipped, one with some of them is sent
    with only the new files, to the known photo. The import session is created only when there
    is something to send, so a run over photos the library already has costs nothing but the
    existence queries.
    """

    def __init__(
        self,
        paths: Sequence[str | os.PathLike[str]],
        transport: Transport | None,
        *,
        batch_size: int = DEFAULT_BATCH_SIZE,
        dry_run: bool = False,
        storage_directory: str | None = None,
        workers: int | None = None,
        on_group: Callable[[ProcessedGroup], None] | None = None,
        in_flight: int = 1,
    ) -> None:
        if batch_size < 1:
            raise ValueError("batch size must be at least 1")
        if in_flight < 1:
            raise ValueError("in_flight must be at least 1")
        self.paths = list(paths)
        self.transport = None if dry_run else transport
        self.batch_size = batch_size
        self.storage_directory = storage_directory or api_name(storage_directory_name(self.paths[0]))
        self.workers = workers
        self.on_group = on_group
        self.summary = Summary(dry_run=self.transport is None)
        self.by_content_hash: bool | None = None
        """Whether the server knows files by content hash (``existingFiles``); None until asked."""
        self.limits = OLDER_SERVER
        """The server's limits, asked when the run starts."""
        self.in_flight = in_flight
        """Batches sent and not yet answered at most (1: each answer is awaited before going on)."""
        self._pending: list[ProcessedGroup] = []
        # Content hashes of the groups not yet answered (waiting in _pending or in flight): a copy
        # of a file met again before the library has its batch joins that group's photo instead
        # of making a second one.
        self._queued: dict[str, KnownFile] = {}
        # Batches in flight, oldest first; answers are recorded in the order the batches went out.
        self._sending: deque[tuple[Future[dict[str, Any]], list[ProcessedGroup]]] = deque()
        self._sender: BatchSender | None = None

    def run(self) -> Summary:
        """Process and send everything; completes the session. Ctrl-C propagates (see cli)."""
        started = time.perf_counter()
        try:
            self._ask_limits()
            check = self._check if self._server_knows_content_hashes() else None
            groups = self._groups(iter_folders(self.paths))
            # closing(): on Ctrl-C or an API error the worker pool is shut down right away.
            with closing(process_groups(groups, self.workers, check)) as processed:
                for pg in processed:
                    self._take(pg)
                    if self.on_group is not None:
                        self.on_group(pg)
            self._flush()
            while self._sending:
                self._record_oldest()
            if self.summary.import_session_id is not None and self.transport is not None:
                _data(self.transport.execute(COMPLETE_IMPORT_SESSION, {"id": self.summary.import_session_id}), "completeImportSession")
        finally:
            if self._sender is not None:
                # On an error or Ctrl-C the answers already here still count; batches still in
                # flight are left to the server (what it takes is kept, and a second run skips
                # it), and none not yet started is sent.
                while self._sending and self._sending[0][0].done() and self._sending[0][0].exception() is None:
                    self._record_oldest()
                self._sender.close()
            self.summary.elapsed_seconds = time.perf_counter() - started
        return self.summary

    def _groups(self, folders: Iterable[Folder]) -> Iterator[FileGroup]:
        """The groups of each folder; what the walk could not take goes into the summary."""
        for folder in folders:
            self.summary.add_problems(folder.problems)
            yield from group_folder(folder)

    def _ask_limits(self) -> None:
        """The server's limits (an older server keeps ``OLDER_SERVER``); a batch size past them is refused."""
        if self.transport is None:
            return
        asked = (self.transport.execute(IMPORT_LIMITS, {}).get("data") or {}).get("importLimits")
        if isinstance(asked, dict):
            self.limits = ServerLimits(asked["maxGroupsPerBatch"], asked["maxHashesPerLookup"], asked["maxRequestBytes"])
        if self.batch_size > self.limits.groups_per_batch:
            raise ApiError(
                f"this server takes at most {self.limits.groups_per_batch} photo groups per batch: "
                f"--batch-size {self.limits.groups_per_batch} or less"
            )

    def _server_knows_content_hashes(self) -> bool:
        """Ask once whether the server has ``existingFiles`` (and so takes ``contentHash``)."""
        if self.by_content_hash is None:
            self.by_content_hash = False
            if self.transport is not None:
                response = self.transport.execute(EXISTING_FILES, {"contentHashes": []})
                self.by_content_hash = isinstance((response.get("data") or {}).get("existingFiles"), list)
        return self.by_content_hash

    def _check(self, groups: list[InspectedGroup]) -> Mapping[str, KnownFile]:
        """The known files among the content hashes of ``groups``: the library's, and this run's queue."""
        hashes = sorted({f.content_hash for g in groups for f in g.files})
        known = {h: self._queued[h] for h in hashes if h in self._queued}
        ask = [h for h in hashes if h not in known]
        for item in self._ask(EXISTING_FILES, "contentHashes", ask, "existingFiles"):
            known[item["contentHash"]] = KnownFile(item["hothash"], item["filename"])
        return known

    def _ask(self, query: str, variable: str, values: list[str], field: str) -> Iterator[Any]:
        """The items a look-up answers for ``values``, asked as many at a time as the server takes."""
        assert self.transport is not None
        chunk = self.limits.hashes_per_lookup
        for i in range(0, len(values), chunk):
            yield from _data(self.transport.execute(query, {variable: values[i : i + chunk]}), field)

    def _take(self, pg: ProcessedGroup) -> None:
        s = self.summary
        s.groups_found += 1
        s.files_found += len(pg.group.files)
        s.add_problems(pg.errors)
        s.add_problems(pg.skipped)
        s.warnings.extend(pg.warnings)
        if pg.preview is not None:
            s.preview_sources[pg.preview.source] = s.preview_sources.get(pg.preview.source, 0) + 1
        s.files_already_in_library += pg.known_files
        if pg.in_library:
            s.already_in_library += 1
            return
        if not pg.sendable:
            if pg.errors:
                s.groups_failed += 1
            return
        s.groups_ready += 1
        s.files_ready += len(pg.images)
        if self.transport is None:
            return
        self._pending.append(pg)
        hothash = pg.hothash
        if hothash is not None and self.by_content_hash:
            for image in pg.images:
                self._queued.setdefault(image.content_hash, KnownFile(hothash, image.name))
        if len(self._pending) >= self.batch_size:
            self._flush()
        elif self._sending and self._sending[0][0].done():
            self._record_oldest()  # keeps the summary (and Ctrl-C's count of sent groups) current

    def _flush(self) -> None:
        """Send the pending groups in batches (without content hashes: after an existingPhotos check)."""
        pending, self._pending = self._pending, []
        if not pending or self.transport is None:
            return
        to_send = pending if self.by_content_hash else self._not_in_library_by_hothash(pending)
        batch: list[ProcessedGroup] = []
        size = 0
        for pg in to_send:
            pg_size = _request_size(pg)
            if batch and size + pg_size > self.limits.batch_bytes:
                self._send(batch)
                batch, size = [], 0
            batch.append(pg)
            size += pg_size
        if batch:
            self._send(batch)

    def _not_in_library_by_hothash(self, pending: list[ProcessedGroup]) -> list[ProcessedGroup]:
        """For a server without file identity: drop the files its photos already have, by name."""
        known = self._existing({pg.hothash for pg in pending if pg.hothash})
        to_send: list[ProcessedGroup] = []
        for pg in pending:
            attached = known.get(pg.hothash or "")
            if attached is None:
                to_send.append(pg)
                continue
            new = [image for image in pg.images if filename_key(api_name(image.name)) not in attached]
            self.summary.files_already_in_library += len(pg.images) - len(new)
            if not new:
                self.summary.already_in_library += 1
            else:
                # The server attaches these to the known photo and answers IMAGES_ADDED.
                pg.images = new
                to_send.append(pg)
        return to_send

    def _existing(self, hothashes: set[str]) -> dict[str, set[str]]:
        """The known photos among ``hothashes``: hothash -> file name keys attached to it."""
        found: dict[str, set[str]] = {}
        for photo in self._ask(EXISTING_PHOTOS, "hothashes", sorted(hothashes), "existingPhotos"):
            found.setdefault(photo["hothash"], set()).update(filename_key(n) for n in photo["filenames"])
        return found

    def _session_id(self) -> int:
        if self.summary.import_session_id is None:
            assert self.transport is not None
            session = _data(
                self.transport.execute(CREATE_IMPORT_SESSION, {"input": {"storageDirectory": self.storage_directory}}),
                "createImportSession",
            )
            self.summary.import_session_id = int(session["id"])
        return self.summary.import_session_id

    def _send(self, batch: list[ProcessedGroup]) -> None:
        """Send ``batch``; with ``in_flight`` > 1 its answer is recorded later, in order."""
        assert self.transport is not None
        groups = [group_input(pg, content_hashes=bool(self.by_content_hash)) for pg in batch]
        variables = {"input": {"importSessionId": self._session_id(), "photoGroups": groups}}
        if self.in_flight == 1:
            self._record(batch, self.transport.execute(IMPORT_BATCH, variables))
            return
        while len(self._sending) >= self.in_flight:
            self._record_oldest()
        if self._sender is None:
            self._sender = BatchSender(self.transport.execute, self.in_flight)
        self._sending.append((self._sender.submit(variables), batch))

    def _record_oldest(self) -> None:
        """Wait for the oldest batch in flight and record its answer (a transport error is raised)."""
        future, batch = self._sending[0]
        response = future.result()
        self._sending.popleft()
        self._record(batch, response)

    def _record(self, batch: list[ProcessedGroup], response: dict[str, Any]) -> None:
        """Count the server's answer to ``batch``; its files are the library's business from now on."""
        for pg in batch:
            for image in pg.images:
                self._queued.pop(image.content_hash, None)
        s = self.summary
        s.groups_sent += len(batch)
        try:
            results = _data(response, "importBatch")["results"]
        except ApiError as exc:  # the whole batch was refused: each of its groups failed
            results = [{"status": "FAILED", "imagesCreated": 0, "errors": [{"code": "BATCH_REJECTED", "message": str(exc)}]}] * len(batch)
        for i, pg in enumerate(batch):
            result = results[i] if i < len(results) else {"status": "FAILED", "errors": [{"code": "NO_RESULT", "message": "the server returned no result for this group"}]}
            status = result.get("status")
            s.files_attached += result.get("imagesCreated") or 0
            if status == "CREATED":
                s.photos_created += 1
            elif status == "IMAGES_ADDED":
                s.images_added += 1
            elif status == "DUPLICATE":
                s.duplicates += 1
            else:
                s.groups_failed += 1
                errors = result.get("errors") or [{"code": "FAILED", "message": "the server did not import this group"}]
                s.failures.extend(self._problem(pg, e) for e in errors)
            s.warnings.extend(self._problem(pg, w) for w in result.get("warnings") or [])

    @staticmethod
    def _problem(pg: ProcessedGroup, item: dict[str, Any]) -> Problem:
        # The server names files by their API name; show the path the user knows.
        name = item.get("filename")
        path = next((f.path for f in pg.group.files if api_name(f.name) == name), None)
        if path is None:
            path = os.path.join(pg.group.folder, name) if name else pg.group.label
        return Problem(str(item.get("code") or "ERROR"), str(item.get("message") or ""), path)
