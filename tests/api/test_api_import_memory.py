"""What a batch leaves in memory once it is answered.

A batch of 100 groups carries ~5 MB of base64 and decodes to as much again. What the import builds
of it must be freed by reference counting as soon as the request ends: a cycle (a photo the batch
creates pointing back at its group's plan) kept every plan of a batch until the garbage
collector's next full pass, and with two batches in flight the server stayed past 300 MB.
"""

from __future__ import annotations

import gc
from collections import Counter

from imalink.resolvers.imports.plan import GroupFile, GroupPlan, PhotoTarget
from imalink.resolvers.imports.submission import ImageSubmission, PhotoGroupSubmission
from tests.api.importing import group, open_session, send
from tests.support.media import distinct_jpegs, exif_blob

IMPORT_OBJECTS = (GroupPlan, GroupFile, PhotoTarget, PhotoGroupSubmission, ImageSubmission)


def in_cycles() -> Counter[str]:
    """The import's own objects that only a collection would free (collected here, and counted)."""
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        gc.collect()
        return Counter(type(o).__name__ for o in gc.garbage if isinstance(o, IMPORT_OBJECTS))
    finally:
        gc.set_debug(0)
        gc.garbage.clear()


def test_a_batch_is_freed_when_its_request_ends(gql, collector_off):
    session = open_session(gql)
    exif = exif_blob()
    previews = distinct_jpegs(12, "freed")
    groups = [group(p, f"IMG_{i}.JPG", f"IMG_{i}.CR2", exif={f"IMG_{i}.JPG": exif}) for i, p in enumerate(previews[:10])]
    # Created, joined (a file added to a photo of this batch) and duplicate groups, and a failed one.
    groups += [group(previews[0], "IMG_0.xmp"), group(previews[1], "IMG_1.JPG"), group(None, "nothing.JPG")]
    result = send(gql, groups, session)
    assert [r["status"] for r in result["results"]].count("CREATED") == 10  # the batch did its work

    assert in_cycles() == Counter()
