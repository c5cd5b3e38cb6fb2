"""The import service: photo groups in, photos and images out, exactly once."""

from resolvers.imports.limits import ImportLimits
from resolvers.imports.outcome import BatchOutcome, GroupOutcome, GroupStatus, ImportProblem
from resolvers.imports.service import import_batch

__all__ = ["BatchOutcome", "GroupOutcome", "GroupStatus", "ImportLimits", "ImportProblem", "import_batch"]
