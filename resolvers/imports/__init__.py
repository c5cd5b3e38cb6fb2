"""The import service: photo groups in, photos and images out, exactly once."""

from imalink.resolvers.imports.limits import ImportLimits
from imalink.resolvers.imports.outcome import GroupStatus, ImportProblem, ImportProblemCode
from imalink.resolvers.imports.plan import BatchOutcome, GroupPlan
from imalink.resolvers.imports.service import import_batch

__all__ = ["BatchOutcome", "GroupPlan", "GroupStatus", "ImportLimits", "ImportProblem", "ImportProblemCode", "import_batch"]
