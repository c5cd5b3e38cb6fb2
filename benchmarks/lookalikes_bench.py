"""Near-duplicates: precision and recall of ``lookAlikes`` on generated photos, and the fingerprint's cost.

The set (tests/support/lookalikes.py): per scene, one photo and its copies (re-encoded at
quality 95/60/30, resized to 50 % and 25 %, stored rotated with EXIF orientation 6/8/3, cropped
3 % and 6 % a side, edited: levels and sharpening) and distinct photos of the same scene (panned
20 % and 25 %, zoomed 1.4x, the subject walked out of the frame). Every file is imported as its
own group (hotpreviews by the reference recipe) into a fresh SQLite library, and every photo's
``lookAlikes(maxDistance: d)`` is asked through GraphQL. A pair counts as a true positive when
both files show the same photo. Printed per distance: precision and recall over all pairs, then
recall per kind of copy and the share of distinct photos wrongly returned, per kind.

Also: the fingerprint per hotpreview against ``imagehash.phash`` (when installed) in the same run,
and what an exact search (no band index) would find, to show what the band index costs.
"""

from __future__ import annotations

import argparse
import itertools
import io
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from imalink.db import lookalikes  # noqa: E402
from imalink.local import LocalGraphQL  # noqa: E402
from imalink.settings import Settings  # noqa: E402
from tests.support.lookalikes import COPIES, SIBLINGS, Sample, build_set  # noqa: E402
from tests.support.media import b64  # noqa: E402

DISTANCES = (4, 6, 8, 10, 12)
QUERY = "query($h: String!, $d: Int!) { photo(hothash: $h) { lookAlikes(maxDistance: $d, first: 100) { photo { hothash } } } }"
IMPORT = "mutation($input: BatchImportInput!) { importBatch(input: $input) { results { hothash status } } }"


def import_set(gql: LocalGraphQL, samples: list[Sample]) -> dict[str, Sample]:
    by_hothash: dict[str, Sample] = {}
    for start in range(0, len(samples), 100):
        chunk = samples[start : start + 100]
        groups = [{"hotpreview": b64(s.hotpreview), "images": [{"filename": f"F{start + i}.JPG"}]} for i, s in enumerate(chunk)]
        results = gql.execute(IMPORT, {"input": {"photoGroups": groups}})["data"]["importBatch"]["results"]
        for result, sample in zip(results, chunk, strict=True):
            by_hothash.setdefault(result["hothash"], sample)
    return by_hothash


def figures(found: set[tuple[str, str]], by_hothash: dict[str, Sample]) -> tuple[float, float, dict[str, float], dict[str, float]]:
    """Pair precision and recall; recall per copy kind (against its original); false share per sibling kind."""
    photos = list(by_hothash)
    positives = {frozenset(p) for p in itertools.combinations(photos, 2) if by_hothash[p[0]].same_photo(by_hothash[p[1]])}
    returned = {frozenset(p) for p in found}
    true = returned & positives
    precision = len(true) / len(returned) if returned else 1.0
    recall = len(true) / len(positives) if positives else 1.0
    originals = {s.scene: h for h, s in by_hothash.items() if s.kind == "original"}
    per_copy: dict[str, list[bool]] = defaultdict(list)
    per_sibling: dict[str, list[bool]] = defaultdict(list)
    for h, s in by_hothash.items():
        if s.kind == "original":
            continue
        pair = frozenset((h, originals[s.scene]))
        (per_copy if s.photo == "original" else per_sibling)[s.kind].append(pair in returned)
    return (
        precision,
        recall,
        {k: sum(v) / len(v) for k, v in per_copy.items()},
        {k: sum(v) / len(v) for k, v in per_sibling.items()},
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenes", type=int, default=12, help="scenes (default 12: 12 x 16 files)")
    args = parser.parse_args()
    started = time.perf_counter()
    samples = build_set(args.scenes)
    print(f"{len(samples)} files of {args.scenes} scenes ({len(COPIES)} copies and {len(SIBLINGS)} other photos each), "
          f"made in {time.perf_counter() - started:.0f} s")

    previews = [s.hotpreview for s in samples]
    t0 = time.perf_counter()
    for p in previews:
        lookalikes.fingerprint(p)
    ours_us = (time.perf_counter() - t0) / len(previews) * 1e6
    line = f"fingerprint: {ours_us:.0f} µs per hotpreview"
    try:
        import imagehash
        from PIL import Image

        t0 = time.perf_counter()
        theirs = [int(str(imagehash.phash(Image.open(io.BytesIO(p)))), 16) for p in previews]
        theirs_us = (time.perf_counter() - t0) / len(previews) * 1e6
        line += f"; imagehash.phash {theirs_us:.0f} µs ({theirs_us / ours_us:.1f}x ours)"
    except ImportError:
        theirs = None
        line += "; imagehash not installed (pip install imagehash) for the comparison"
    print(line)

    with tempfile.TemporaryDirectory() as folder:
        gql = LocalGraphQL(settings=Settings(database_url=f"sqlite:///{folder}/library.db"))
        try:
            by_hothash = import_set(gql, samples)
            hashes = {h: lookalikes.fingerprint(s.hotpreview) for h, s in by_hothash.items()}
            print(f"\n{'maxDistance':>11} {'precision':>9} {'recall':>6}   exact search: {'precision':>9} {'recall':>6}"
                  + ("   imagehash exact: precision recall" if theirs else ""))
            per_kind = {}
            for d in DISTANCES:
                found: set[tuple[str, str]] = set()
                for h in by_hothash:
                    answer = gql.execute(QUERY, {"h": h, "d": d})["data"]["photo"]["lookAlikes"]
                    found.update((h, a["photo"]["hothash"]) for a in answer)
                precision, recall, copies, siblings = figures(found, by_hothash)
                per_kind[d] = (copies, siblings)
                exact = {(a, b) for a, b in itertools.combinations(hashes, 2)
                         if hashes[a] is not None and hashes[b] is not None and lookalikes.distance(hashes[a], hashes[b]) <= d}
                ep, er, _, _ = figures(exact, by_hothash)
                row = f"{d:>11} {precision:>9.3f} {recall:>6.3f}   {'':13} {ep:>9.3f} {er:>6.3f}"
                if theirs:
                    ih = dict(zip(previews, theirs, strict=True))
                    ih_by = {h: ih[s.hotpreview] for h, s in by_hothash.items()}
                    iexact = {(a, b) for a, b in itertools.combinations(ih_by, 2) if (ih_by[a] ^ ih_by[b]).bit_count() <= d}
                    ip, ir, _, _ = figures(iexact, by_hothash)
                    row += f"   {'':16}{ip:>9.3f} {ir:>6.3f}"
                print(row)
        finally:
            gql.close()

    print("\nlookAlikes of the original: share of copies found / of other photos wrongly returned, per kind")
    kinds = list(per_kind[DISTANCES[0]][0]) + list(per_kind[DISTANCES[0]][1])
    print(f"{'kind':32}" + "".join(f"{'d=' + str(d):>7}" for d in DISTANCES))
    for kind in kinds:
        side = 0 if kind in per_kind[DISTANCES[0]][0] else 1
        print(f"{kind + (' (distinct)' if side else ''):32}" + "".join(f"{per_kind[d][side][kind]:>7.2f}" for d in DISTANCES))


if __name__ == "__main__":
    main()
