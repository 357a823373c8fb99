"""Slow clients: a request must arrive within GUNICORN_REQUEST_READ_TIMEOUT (core/gunicorn_worker.py).

The live server's behaviour (threads freed, 408, keep-alive) is checked in e2e/test_slow_clients.py;
here the socket's deadline and the app's 408 when a body stalls while a view reads it.
"""

import socket
import threading
import time

import pytest

from core.gunicorn_worker import RequestDeadlineSocket, RequestReadTimeout


@pytest.fixture
def pair():
    server, client = socket.socketpair()
    server = RequestDeadlineSocket.adopt(server, read_timeout=0.3)
    server.setblocking(True)  # what gthread does before each request: drops any timeout
    with server, client:
        yield server, client


def test_a_read_that_would_wait_past_the_request_deadline_is_a_request_timeout(pair):
    server, client = pair
    server.begin_request(time.monotonic())
    client.sendall(b"GET / HTTP/1.1\r\n")
    assert server.recv(100) == b"GET / HTTP/1.1\r\n"
    started = time.monotonic()
    with pytest.raises(RequestReadTimeout):
        server.recv(100)
    assert time.monotonic() - started < 0.5
    assert server.expired


def test_a_request_trickled_within_each_read_still_ends_at_its_deadline(pair):
    server, client = pair

    def trickle():
        for _ in range(20):
            time.sleep(0.05)
            try:
                client.sendall(b"x")
            except OSError:
                return

    sender = threading.Thread(target=trickle)
    server.begin_request(time.monotonic())
    sender.start()
    started = time.monotonic()
    with pytest.raises(RequestReadTimeout):
        while True:
            server.recv(1)
    assert time.monotonic() - started < 0.5
    sender.join()


def test_bytes_already_received_are_read_after_the_deadline(pair):
    # A request that waited for a thread behind slow clients is still served.
    server, client = pair
    client.sendall(b"GET / HTTP/1.1\r\n\r\n")
    server.begin_request(time.monotonic() - 5)
    assert server.recv(100) == b"GET / HTTP/1.1\r\n\r\n"


def test_between_requests_reads_are_not_bounded_by_the_deadline(pair):
    server, client = pair
    server.begin_request(time.monotonic() - 5)
    server.end_request()
    client.sendall(b"late")
    assert server.recv(100) == b"late"


def test_a_shorter_timeout_of_gunicorns_own_still_raises_timeout_error(pair):
    # gunicorn's drain of an unread body and its lingering close handle TimeoutError.
    server, _client = pair
    server.begin_request(time.monotonic())
    server.settimeout(0.05)
    with pytest.raises(TimeoutError):
        server.recv(100)
    assert not server.expired


class StallingBody:
    """wsgi.input whose client stopped sending: the worker's socket raised RequestReadTimeout."""

    def read(self, *args):
        raise RequestReadTimeout()

    readline = read


@pytest.mark.django_db
def test_a_body_that_stalls_while_the_view_reads_it_is_a_408_in_the_api_format(client):
    response = client.generic(
        "POST",
        "/api/auth/login/",
        b"",
        CONTENT_TYPE="application/json",
        CONTENT_LENGTH="100",
        **{"wsgi.input": StallingBody()},
    )
    assert response.status_code == 408, response.content
    assert response.json()["error"]["code"] == "request_timeout"


@pytest.mark.django_db
def test_a_chunked_body_that_stalls_is_a_408_in_the_api_format(client):
    response = client.generic(
        "POST",
        "/api/auth/register/",
        b"",
        CONTENT_TYPE="application/json",
        CONTENT_LENGTH="",
        HTTP_TRANSFER_ENCODING="chunked",
        **{"wsgi.input": StallingBody()},
    )
    assert response.status_code == 408, response.content
    assert response.json()["error"]["code"] == "request_timeout"
