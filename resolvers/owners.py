"""Who owns a library: the users of a server (until accounts land, the local owner alone)."""

from imalink.db.tables import LOCAL_OWNER_ID

__all__ = ["LOCAL_OWNER_ID"]
