"""Slow clients against the production server (gunicorn, 2 workers x 2 threads): clients that
start a request and never finish it cannot take the server offline (core/gunicorn_worker.py)."""

from __future__ import annotations

import http.client
import json
import socket
import time
import urllib.request

import pytest

from tools import live

READ_TIMEOUT = 3  # GUNICORN_REQUEST_READ_TIMEOUT of this server
THREADS = 2 * 2  # GUNICORN_WORKERS x GUNICORN_THREADS

# A login whose body never comes (1 of 100 bytes), and headers that never end.
STALLED_BODY = (
    b"POST /api/auth/login/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
    b"Content-Length: 100\r\n\r\n{"
)
STALLED_HEADERS = b"GET /api/health/live/ HTTP/1.1\r\nHost: 127.0.0.1\r\nX-a: b"


@pytest.fixture(scope="module")
def server():
    env = live.base_env(
        GUNICORN_WORKERS="2", GUNICORN_THREADS="2", GUNICORN_REQUEST_READ_TIMEOUT=str(READ_TIMEOUT)
    )
    generate = "--prefix slow --doctors 1 --patients 1 --days 1".split()
    with live.clinic(env, "slow", *generate) as env, live.gunicorn(env) as url:
        yield url


def connect(url: str) -> socket.socket:
    host, port = url.removeprefix("http://").split(":")
    return socket.create_connection((host, int(port)), timeout=30)


def read_until_closed(sock: socket.socket) -> bytes:
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    return data


def test_slow_clients_holding_more_than_every_thread_do_not_stop_other_requests(server):
    slow = []
    for i in range(3 * THREADS):
        sock = connect(server)
        sock.sendall(STALLED_BODY if i % 2 else STALLED_HEADERS)
        slow.append(sock)
    try:
        time.sleep(0.5)  # every thread is now blocked on one of them
        started = time.monotonic()
        with urllib.request.urlopen(f"{server}/api/health/live/", timeout=READ_TIMEOUT + 5) as response:  # noqa: S310
            assert response.status == 200
        # The slow requests are cut at the read timeout, however many there are.
        assert time.monotonic() - started < READ_TIMEOUT + 2

        for i, sock in enumerate(slow):
            answer = read_until_closed(sock)  # the server closes the connection
            assert time.monotonic() - started < READ_TIMEOUT + 2, i
            head, _, body = answer.partition(b"\r\n\r\n")
            assert head.startswith(b"HTTP/1.1 408 "), answer
            assert json.loads(body)["error"]["code"] == "request_timeout", (i, answer)
    finally:
        for sock in slow:
            sock.close()


def test_a_request_trickled_byte_by_byte_is_cut_at_the_read_timeout(server):
    # Each byte within any per-read timeout, but the request as a whole too slow.
    sock = connect(server)
    try:
        started = time.monotonic()
        answer = b""
        for byte in STALLED_HEADERS:
            try:
                sock.sendall(bytes([byte]))
            except OSError:
                break
            sock.settimeout(0.5)
            try:
                answer = read_until_closed(sock)
                break
            except TimeoutError:
                pass
        assert answer.startswith(b"HTTP/1.1 408 "), answer
        assert READ_TIMEOUT - 0.5 < time.monotonic() - started < READ_TIMEOUT + 2
    finally:
        sock.close()


def test_a_kept_alive_connection_gets_a_new_read_timeout_for_each_request(server):
    host, port = server.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        sockets = []
        for _ in range(2):
            connection.request("GET", "/api/health/live/")
            response = connection.getresponse()
            assert response.status == 200
            assert json.loads(response.read()) == {"status": "ok"}
            sockets.append(connection.sock)
            # Idle on the kept-alive connection past the read timeout (within gunicorn's
            # keepalive of 5 s): the next request on it is served on the same connection.
            time.sleep(READ_TIMEOUT + 0.5)
        assert sockets[0] is sockets[1] is not None
    finally:
        connection.close()


def test_clients_that_never_close_after_their_answer_do_not_stall_the_server(server):
    # A complete request the server answers and closes; the client neither reads nor closes,
    # so gunicorn's graceful close waits for its FIN (up to 2 s each, on the main loop).
    idle = []
    request = b"GET /api/health/live/ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    for _ in range(3 * THREADS):
        sock = connect(server)
        sock.sendall(request)
        idle.append(sock)
    try:
        started = time.monotonic()
        for sock in idle:  # each gets its answer and the server's FIN at once, not 2 s apart
            assert read_until_closed(sock).startswith(b"HTTP/1.1 200 ")
        assert time.monotonic() - started < 1.5
        with urllib.request.urlopen(f"{server}/api/health/live/", timeout=30) as response:  # noqa: S310
            assert response.status == 200
        assert time.monotonic() - started < 2
    finally:
        for sock in idle:
            sock.close()
