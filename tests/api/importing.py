"""Building and sending photo groups in tests."""

from __future__ import annotations

import threading
from typing import Any

from tests.support.graphql import data
from tests.support.media import b64

BATCH = """
mutation Import($input: BatchImportInput!) {
  importBatch(input: $input) {
    photosCreated imagesCreated duplicatesSkipped errors processingTimeMs
    results {
      hothash status imagesCreated
      errors { code message filename }
      warnings { code message filename }
      photo { id hothash width height takenAt takenAtOffset cameraMake cameraModel lensModel
              exposureTime orientation gpsLatitude gpsLongitude tags rating userRotation
              images { filename fileSize exifData } }
    }
  }
}
"""

SESSION = """
mutation Open($input: ImportSessionInput!) { createImportSession(input: $input) { id status storageDirectory } }
"""

SESSION_TOTALS = """
query Totals($id: Int!) {
  importSession(id: $id) {
    id status photosCreated imagesCreated duplicatesSkipped filesProcessed errorsCount completedAt
  }
}
"""


def group(preview: bytes | None, *files: str, exif: dict[str, bytes] | None = None, **fields: Any) -> dict[str, Any]:
    """A photo group input: the preview, file names, optional raw EXIF per file name."""
    exif = exif or {}
    images = [{"filename": name, **({"exifData": b64(exif[name])} if name in exif else {})} for name in files]
    result: dict[str, Any] = {"images": images, **fields}
    if preview is not None:
        result["hotpreview"] = b64(preview)
    return result


def send(gql: Any, groups: list[dict[str, Any]], session_id: int | None = None) -> dict[str, Any]:
    """Send one batch; the BatchImportResult."""
    variables = {"input": {"photoGroups": groups, **({"importSessionId": session_id} if session_id else {})}}
    return data(gql.execute(BATCH, variables))["importBatch"]


def open_session(gql: Any, directory: str = "Pictures/2024") -> int:
    return data(gql.execute(SESSION, {"input": {"storageDirectory": directory}}))["createImportSession"]["id"]


def totals(gql: Any, session_id: int) -> dict[str, Any]:
    return data(gql.execute(SESSION_TOTALS, {"id": session_id}))["importSession"]


def import_concurrently(database_url: str, batches_of: Any, importers: int = 4) -> list[dict[str, Any]]:
    """Run ``importers`` clients at once, each with a session of its own, all starting together;
    ``batches_of(n)`` gives importer ``n``'s batches (lists of groups). The BatchImportResults."""
    from imalink.local import LocalGraphQL
    from imalink.settings import Settings

    clients = [LocalGraphQL(settings=Settings(database_url=database_url)) for _ in range(importers)]
    sessions = [open_session(client, f"importer {n}") for n, client in enumerate(clients)]
    outcomes: list[dict[str, Any]] = []
    failures: list[BaseException] = []
    start = threading.Barrier(importers)

    def importer(n: int) -> None:
        try:
            start.wait()
            for groups in batches_of(n):
                outcomes.append(send(clients[n], groups, sessions[n]))
        except BaseException as error:  # noqa: BLE001 - reported below
            failures.append(error)

    threads = [threading.Thread(target=importer, args=(n,)) for n in range(importers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for client in clients:
        client.close()
    assert not failures, failures
    return outcomes
