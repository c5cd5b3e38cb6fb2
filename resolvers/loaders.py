"""Per-request DataLoaders: every list a page asks for is fetched in one batched query.

A page of N photos with their images and sessions costs the same few statements for any N.
Loaders run the synchronous database calls in a worker thread so the event loop keeps serving.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from anyio import to_thread
from sqlalchemy import Connection, Engine, Row
from strawberry.dataloader import DataLoader

from imalink.db import queries
from imalink.db.filters import PhotoFilterSpec
from imalink.db.plans import PhotoSort
from imalink.resolvers.lookalikes import LookalikesKey, lookalikes_by_key
from imalink.resolvers.pagination import Page, PageRequest
from imalink.resolvers.photos import PageParts, encode_photo_cursor, photo_page

K = TypeVar("K")
V = TypeVar("V")


def _batched(
    engine: Engine,
    owner_id: int,
    fetch: Callable[[Connection, int, Sequence[K]], dict[K, V]],
    missing: Any = None,
) -> DataLoader[K, V]:
    """A loader answering each key from one call of ``fetch`` per batch of keys, within the owner's library."""

    def load(keys: Sequence[K]) -> list[V]:
        with engine.connect() as conn:
            found = fetch(conn, owner_id, list(dict.fromkeys(keys)))
        return [found.get(key, missing) for key in keys]

    async def load_fn(keys: list[K]) -> list[V]:
        return await to_thread.run_sync(load, keys)

    return DataLoader(load_fn=load_fn)


@dataclass(frozen=True, slots=True)
class SessionPhotosKey:
    """Which page of a session's photos is asked for."""

    session_id: int
    request: PageRequest


@dataclass(slots=True)
class Loaders:
    """The loaders of one request (never shared: their caches are the request's view)."""

    photo: DataLoader[int, Row[Any] | None]
    images_by_photo: DataLoader[int, list[Row[Any]]]
    session: DataLoader[int, Row[Any] | None]
    tags_by_photo: DataLoader[int, list[str]]
    hotpreview: DataLoader[int, bytes | None]
    exif_data: DataLoader[int, bytes | None]
    session_photos: DataLoader[SessionPhotosKey, Page]
    lookalikes: DataLoader[LookalikesKey, list[tuple[int, int]]]


def create_loaders(engine: Engine, owner_id: int) -> Loaders:
    """Fresh loaders for one request, seeing only ``owner_id``'s library."""

    def session_photos(keys: Sequence[SessionPhotosKey]) -> list[Page]:
        # First pages share one windowed query per page size; later pages are rare and go alone.
        pages: dict[SessionPhotosKey, Page] = {}
        first_pages: dict[int, list[SessionPhotosKey]] = {}
        for key in dict.fromkeys(keys):
            if key.request.cursor is None and not key.request.backward:
                first_pages.setdefault(key.request.size, []).append(key)
            else:
                spec = PhotoFilterSpec(owner_id, import_session_id=key.session_id)
                parts = PageParts(other_side=True)
                pages[key] = photo_page(engine, spec, PhotoSort.TAKEN_AT_DESC, key.request, parts)
        with engine.connect() as conn:
            for limit, group in first_pages.items():
                ids = [key.session_id for key in group]
                found = queries.first_photos_per_session(conn, owner_id, ids, limit)
                counts = queries.photo_counts_per_session(conn, owner_id, ids)
                for key in group:
                    page = found[key.session_id]
                    cursors = [encode_photo_cursor(PhotoSort.TAKEN_AT_DESC, row) for row in page.rows]
                    pages[key] = Page(page.rows, cursors, page.has_more, False, counts[key.session_id])
        return [pages[key] for key in keys]

    async def load_session_photos(keys: list[SessionPhotosKey]) -> list[Page]:
        return await to_thread.run_sync(session_photos, keys)

    return Loaders(
        photo=_batched(engine, owner_id, queries.photos_by_ids),
        images_by_photo=_batched(engine, owner_id, queries.images_by_photo_ids, missing=[]),
        session=_batched(engine, owner_id, queries.sessions_by_ids),
        tags_by_photo=_batched(engine, owner_id, queries.tags_by_photo_ids, missing=[]),
        hotpreview=_batched(engine, owner_id, queries.hotpreviews_by_photo_ids),
        exif_data=_batched(engine, owner_id, queries.exif_by_image_ids),
        session_photos=DataLoader(load_fn=load_session_photos),
        lookalikes=_batched(engine, owner_id, lookalikes_by_key, missing=[]),
    )
