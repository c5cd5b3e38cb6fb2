"""What an import reports back, group by group and for the batch."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class GroupStatus(Enum):
    """What became of one photo group."""

    CREATED = "CREATED"
    DUPLICATE = "DUPLICATE"
    IMAGES_ADDED = "IMAGES_ADDED"
    FAILED = "FAILED"


@dataclass(frozen=True, slots=True)
class ImportProblem:
    """An error or warning about a group or one of its files."""

    code: str
    message: str
    filename: str | None = None

    def line(self, hothash: str | None) -> str:
        """The one human-readable line the batch summary carries for this problem."""
        where = f"{self.filename}: " if self.filename else ""
        group = f" (photo group {hothash})" if hothash else ""
        return f"{where}{self.code}: {self.message}{group}"


@dataclass(slots=True)
class GroupOutcome:
    """The result of one photo group, in request order."""

    hothash: str | None
    status: GroupStatus
    photo_id: int | None = None
    images_created: int = 0
    errors: list[ImportProblem] = field(default_factory=list)
    warnings: list[ImportProblem] = field(default_factory=list)


@dataclass(slots=True)
class BatchOutcome:
    """Totals and per-group results of one batch."""

    results: list[GroupOutcome]
    processing_time_ms: float

    @property
    def photos_created(self) -> int:
        return sum(1 for r in self.results if r.status is GroupStatus.CREATED)

    @property
    def images_created(self) -> int:
        return sum(r.images_created for r in self.results)

    @property
    def duplicates_skipped(self) -> int:
        return sum(1 for r in self.results if r.status is GroupStatus.DUPLICATE)

    @property
    def errors(self) -> list[str]:
        return [problem.line(r.hothash) for r in self.results for problem in r.errors]
