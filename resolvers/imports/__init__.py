"""The import service: photo groups in, photos and images out, exactly once."""

from imalink.resolvers.imports.limits import ImportLimits
from imalink.resolvers.imports.outcome import BatchOutcome, GroupOutcome, GroupStatus, ImportProblem
from imalink.resolvers.imports.service import import_batch

__all__ = ["BatchOutcome", "GroupOutcome", "GroupStatus", "ImportLimits", "ImportProblem", "import_batch"]
