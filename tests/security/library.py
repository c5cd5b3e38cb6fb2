"""A library like the one the outage was found on: 400 photos (JPEG + RAW each, real EXIF) in 4 sessions."""

from __future__ import annotations

from typing import Any

import httpx

from tests.support.media import b64, distinct_jpegs, exif_blob, sha256

IMPORT = """
mutation Import($input: BatchImportInput!) {
  importBatch(input: $input) { photosCreated errors }
}
"""
SESSION = "mutation($d: String!) { createImportSession(input: {storageDirectory: $d}) { id } }"


def build_library(
    client: httpx.Client, photos: int = 400, sessions: int = 4, prefix: str = "lib", headers: dict[str, str] | None = None
) -> list[str]:
    """Import ``photos`` groups over HTTP; their hothashes come back in import order."""
    previews = distinct_jpegs(photos, prefix=prefix)
    exif = b64(exif_blob(gps=(64.1, -21.9), lens="EF 24-70mm f/2.8L"))
    per_session = photos // sessions
    for s in range(sessions):
        answer = client.post("/graphql", json={"query": SESSION, "variables": {"d": f"{prefix}/{s}"}}, headers=headers)
        session_id = answer.json()["data"]["createImportSession"]["id"]
        chunk = previews[s * per_session : (s + 1) * per_session]
        groups: list[dict[str, Any]] = [
            {
                "hotpreview": b64(preview),
                "images": [
                    {"filename": f"IMG_{s}_{i:04}.JPG", "exifData": exif, "fileSize": 4_000_000},
                    {"filename": f"IMG_{s}_{i:04}.CR2", "exifData": exif, "fileSize": 25_000_000},
                ],
            }
            for i, preview in enumerate(chunk)
        ]
        variables = {"input": {"importSessionId": session_id, "photoGroups": groups}}
        result = client.post("/graphql", json={"query": IMPORT, "variables": variables}, headers=headers).json()
        assert result["data"]["importBatch"]["photosCreated"] == len(chunk), result
    return [sha256(p) for p in previews]
