"""The gunicorn worker the service runs with (`worker_class` in `gunicorn.conf.py`).

gunicorn's sync worker closes every connection "gracefully" (RFC 9112 section 9.6): it
half-closes, then reads until the client closes its side, for up to 2 s. That wait stops
unread request bytes from making the kernel answer with a reset, which can destroy the
response in flight. The wait has a cost, though: a sync worker serves one connection at a
time, so it serves nothing until the client (or the proxy in front) gets round to closing.
Under load the waits added up to about a sixth of the checkout throughput on 2 cores
(bench/README.md).

A reset can only come from bytes the server has not read. When the request was read to its
last byte and nothing more has arrived, closing at once sends a plain FIN and the response
arrives whole. This worker closes at once in exactly that case. Every other case keeps
gunicorn's lingering close: a body the application did not read, a chunked body, bytes sent
after the request, an error.
"""

from __future__ import annotations

import socket
from typing import Any

from gunicorn.http.body import LengthReader
from gunicorn.workers.sync import SyncWorker


class PromptCloseSyncWorker(SyncWorker):
    """gunicorn's sync worker, free for the next connection as soon as a fully read
    request has its answer."""

    def handle_request(self, listener: Any, req: Any, client: socket.socket,
                       addr: Any) -> None:
        super().handle_request(listener, req, client, addr)
        if can_close_at_once(req, client):
            # gunicorn's own graceful close then finds the socket closed and returns.
            client.close()


def can_close_at_once(req: Any, client: socket.socket) -> bool:
    """True when the request's body (if any) was read in full and the client has sent
    nothing since: closing then cannot make the kernel send a reset."""
    reader = getattr(getattr(req, "body", None), "reader", None)
    if not isinstance(reader, LengthReader) or reader.length:
        return False
    try:
        return not client.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT)
    except BlockingIOError:
        return True  # nothing waiting to be read
    except OSError:
        return False  # leave whatever went wrong to gunicorn's close
