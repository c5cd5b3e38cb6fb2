"""How stored values are written in the API's strings (one place for each format)."""

from __future__ import annotations

from datetime import datetime


def taken_at_text(taken_at: datetime | None, subsec: str | None) -> str | None:
    """``YYYY-MM-DDTHH:MM:SS``, with ``.fff`` when the camera recorded sub-seconds."""
    if taken_at is None:
        return None
    text = taken_at.strftime("%Y-%m-%dT%H:%M:%S")
    if subsec and subsec.isdigit():
        text += "." + subsec[:3].ljust(3, "0")
    return text
