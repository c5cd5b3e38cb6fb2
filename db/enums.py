"""Closed sets of codes, each member with what it means (the schema shows it to clients)."""

from __future__ import annotations

from enum import StrEnum
from typing import Self


class DescribedEnum(StrEnum):
    """``NAME = "NAME", "what it means"``: the value (stored, sent) is the name; the description documents it."""

    description: str

    def __new__(cls, value: str, description: str) -> Self:
        member = str.__new__(cls, value)
        member._value_ = value
        member.description = description
        return member


class SessionStatus(DescribedEnum):
    """Where an import session is in its life."""

    IN_PROGRESS = "IN_PROGRESS", "Open: batches naming it are taken."
    COMPLETED = "COMPLETED", "Closed by completeImportSession: batches naming it are refused."
    INTERRUPTED = "INTERRUPTED", (
        "No batch came for the server's idle limit (its importer stopped, or the server was killed): "
        "no longer in progress; a batch naming it resumes it."
    )
