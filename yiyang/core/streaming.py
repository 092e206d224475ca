"""Streamed answers (CSV exports, file downloads) that stay streamed under ASGI.

Under ASGI, which is how `yiyang serve` runs, Django serves a StreamingHttpResponse
built on a synchronous iterator by reading the whole iterator into a list first (it
warns "must consume synchronous iterators"): a million-row CSV export would sit in
memory before its first byte left, and so would every large download (WhiteNoise's
static files too). The outermost middleware, `stream_under_asgi`, hands Django an
asynchronous iterator instead, which pulls the synchronous one a slice at a time on
the request's own thread (thread-sensitive, so a database cursor the view opened is
read on the connection that opened it). Views return plain streaming responses."""

from __future__ import annotations

import itertools

from asgiref.sync import iscoroutinefunction, sync_to_async
from django.core.handlers.asgi import ASGIRequest
from django.http.response import HttpResponseBase
from django.utils.decorators import sync_and_async_middleware

# Parts pulled per hop to the request's thread: CSV lines, or the file's 4 KB blocks.
SLICE = 256


@sync_and_async_middleware
def stream_under_asgi(get_response):
    """Async-capable, so it adds no hop to a thread of its own under ASGI."""
    if iscoroutinefunction(get_response):
        async def middleware(request):
            return streamed(request, await get_response(request))
    else:
        def middleware(request):
            return streamed(request, get_response(request))
    return middleware


def streamed(request, response: HttpResponseBase) -> HttpResponseBase:
    """A synchronous stream under ASGI, pulled slice by slice; anything else as it is."""
    if response.streaming and not response.is_async and isinstance(request, ASGIRequest):
        response.streaming_content = _pulled(response.streaming_content)
    return response


async def _pulled(parts):
    take = sync_to_async(lambda: list(itertools.islice(parts, SLICE)), thread_sensitive=True)
    while chunk := await take():
        for part in chunk:
            yield part
