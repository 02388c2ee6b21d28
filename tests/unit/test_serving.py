"""The gunicorn worker of `gunicorn.conf.py`: real gunicorn, one worker, over loopback.

With one sync worker, a connection the worker is still busy with delays every other
client. These tests watch that delay: a second client is answered at once when the first
request was read in full, and only after the first client closes when it was not."""

from __future__ import annotations

import runpy
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from marketplace.web.serving import can_close_at_once

ROOT = Path(__file__).resolve().parents[2]

_APP = '''
def app(environ, start_response):
    if environ["PATH_INFO"] == "/read":
        environ["wsgi.input"].read()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
    return [b"ok"]
'''


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    folder = tmp_path_factory.mktemp("serving")
    (folder / "tinyapp.py").write_text(_APP)
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", "1", "--bind", f"127.0.0.1:{port}",
         "--worker-class", "marketplace.web.serving.PromptCloseSyncWorker",
         "--pythonpath", f"{folder},{ROOT}", "tinyapp:app"],
        cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                _request(port, "/").close()
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise
                time.sleep(0.1)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=10)


def _request(port: int, path: str, body: bytes = b"x" * 100) -> socket.socket:
    """Send a POST and read its answer whole; the socket stays open (the caller closes)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    sock.sendall(f"POST {path} HTTP/1.1\r\nHost: t\r\nContent-Length: {len(body)}\r\n\r\n"
                 .encode() + body)
    answer = b""
    while chunk := sock.recv(4096):  # the server closes after answering
        answer += chunk
    assert answer.startswith(b"HTTP/1.1 200 OK") and answer.endswith(b"\r\n\r\nok")
    return sock


def _seconds_for_another_client(port: int) -> float:
    started = time.monotonic()
    _request(port, "/read").close()
    return time.monotonic() - started


def test_a_client_that_keeps_its_socket_open_does_not_hold_the_worker(server: int) -> None:
    idle = _request(server, "/read")  # answered; this client never closes
    try:
        # gunicorn's lingering close would keep the only worker for 2 s here.
        assert _seconds_for_another_client(server) < 1.0
    finally:
        idle.close()


def test_an_unread_body_keeps_the_lingering_close(server: int) -> None:
    unread = _request(server, "/ignore")  # the app answers without reading the body
    closer = None
    try:
        started = time.monotonic()
        closer = _close_later(unread, 0.5)
        # The worker waits for that client's close before it takes the next one.
        assert _seconds_for_another_client(server) >= 0.4
        assert time.monotonic() - started < 2.5
    finally:
        if closer is not None:
            closer.join()


def _close_later(sock: socket.socket, seconds: float) -> threading.Thread:
    thread = threading.Thread(target=lambda: (time.sleep(seconds), sock.close()))
    thread.start()
    return thread


class _Body:
    def __init__(self, reader: object) -> None:
        self.reader = reader


class _Request:
    def __init__(self, reader: object) -> None:
        self.body = _Body(reader)


def test_closing_at_once_needs_a_fully_read_body_and_nothing_more_sent() -> None:
    from gunicorn.http.body import ChunkedReader, LengthReader

    server_side, client_side = socket.socketpair()
    with server_side, client_side:
        read_in_full = _Request(LengthReader(None, 0))
        assert can_close_at_once(read_in_full, server_side)
        assert not can_close_at_once(_Request(LengthReader(None, 10)), server_side)
        assert not can_close_at_once(_Request(ChunkedReader.__new__(ChunkedReader)),
                                     server_side)
        client_side.sendall(b"GET / HTTP/1.1\r\n")  # a pipelined request, unread
        assert not can_close_at_once(read_in_full, server_side)
        assert server_side.recv(100) == b"GET / HTTP/1.1\r\n"  # only peeked at
        client_side.close()
        assert can_close_at_once(read_in_full, server_side)  # the client has closed


def test_gunicorn_conf_runs_this_worker() -> None:
    settings = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert settings["worker_class"] == "marketplace.web.serving.PromptCloseSyncWorker"
