"""Freeing a large request's garbage once it is answered, not at the collector's next full pass.

An import batch of 100 groups arrives as ~5 MB of JSON and leaves ~10 MB of strings and bytes
behind. Part of it sits in a reference cycle inside graphql-core's execution context (its
variables), which only a full pass of the garbage collector frees, and full passes come rarely: the
objects a request makes while it runs are promoted to the oldest generation before they turn into
garbage. With two import batches in flight the server grew from 126 MB to 337-359 MB and stayed
there (benchmarks/import_bench.py --concurrency 2, peak VmRSS); collected after each batch, it
peaks at 205-218 MB (``import_bench.py`` no slower in interleaved pairs).

The pass is cheap because the app froze everything it made at start-up (``gc.freeze`` in
imalink/app.py): it walks only what requests left, 0.4-0.9 ms after a batch. Returning the freed
pages to the system as well (glibc's ``malloc_trim``) took the peak to 196 MB but made imports
10-15 % slower, every batch faulting its pages in again: not done.
"""

from __future__ import annotations

import gc
import threading

from anyio import to_thread
from starlette.types import ASGIApp, Receive, Scope, Send

from imalink.guard import declared_length

LARGE_BODY_BYTES = 256 * 1024
"""Bodies from this size on are followed by a collection: an import batch, a pre-check of 10,000 hashes."""


class MemoryReclaim:
    """ASGI middleware: after answering a request with a large body, a full garbage collection in a
    worker thread (the response has gone by then).

    One collection at a time: a request finishing while one runs skips its own (the next large one
    collects what it left), so batches in flight never queue behind it.
    """

    def __init__(self, app: ASGIApp, *, min_body_bytes: int = LARGE_BODY_BYTES) -> None:
        self.app = app
        self.min_body_bytes = min_body_bytes
        self._collecting = threading.Lock()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)
        if scope["type"] != "http" or (declared_length(scope) or 0) < self.min_body_bytes:
            return
        if self._collecting.acquire(blocking=False):
            try:
                await to_thread.run_sync(gc.collect)
            finally:
                self._collecting.release()
