"""Building and sending photo groups in tests."""

from __future__ import annotations

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
