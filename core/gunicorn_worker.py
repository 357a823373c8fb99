"""gunicorn's threaded worker, hardened against slow clients and answering its own errors as JSON.

gunicorn refuses some requests before the app sees them: a request line over
``limit_request_line`` (414), headers over ``limit_request_field_size`` or too many of them
(431), a malformed request (400). It writes those answers through ``gunicorn.util.write_error``
as HTML pages, which no client of a JSON API expects and the OpenAPI schema cannot describe.
This module (loaded only by gunicorn, through ``worker_class`` in ``gunicorn.conf.py``) makes
that one function write the API's error body instead.

Slow clients: gthread waits for a connection's first byte without holding a thread, but then
reads the headers and the body on a blocking socket with no timeout, so a dozen clients that
send ``Content-Length: 100`` and one byte (or never end their headers) hold every thread of
every worker, and ``GUNICORN_TIMEOUT`` does not end them (the worker still heartbeats). Here
each request (headers and body) must arrive within ``GUNICORN_REQUEST_READ_TIMEOUT`` seconds
of the worker seeing it: past that the worker answers 408 in the API's error format and closes
the connection. And gunicorn's graceful close (wait up to 2 s for the client's FIN) happens in
the poller instead of blocking the worker's main loop. Production should still sit behind a
buffering reverse proxy (README).
"""

from __future__ import annotations

import contextlib
import json
import os
import selectors
import socket
import time
import uuid
from collections import deque
from functools import partial

from gunicorn import util
from gunicorn.workers.gthread import TConn, ThreadWorker

_CODES = {
    400: "invalid",
    403: "permission_denied",
    408: "request_timeout",
    414: "uri_too_long",
    417: "expectation_failed",
    431: "request_header_fields_too_large",
    500: "server_error",
    501: "not_implemented",
}
_MESSAGES = {
    408: "The request (headers and body) did not arrive within {read_timeout:g} seconds.",
    414: "The request line (method, path and query) is longer than {limit} bytes.",
    431: "The request headers are too large.",
    500: "Something went wrong on our side.",
}

DEFAULT_REQUEST_READ_TIMEOUT = 10.0


def request_read_timeout() -> float:
    """``GUNICORN_REQUEST_READ_TIMEOUT`` in seconds (default 10)."""
    value = float(os.environ.get("GUNICORN_REQUEST_READ_TIMEOUT") or DEFAULT_REQUEST_READ_TIMEOUT)
    if value <= 0:
        raise ValueError("GUNICORN_REQUEST_READ_TIMEOUT must be a positive number of seconds")
    return value


def request_timeout_message() -> str:
    return _MESSAGES[408].format(read_timeout=JsonErrorThreadWorker.read_timeout)


class RequestReadTimeout(Exception):
    """The client did not send its whole request in time.

    Not an ``OSError``: gunicorn logs those with a traceback, and Django turns them into
    ``UnreadablePostError`` (a 500). The API's exception handler answers it with 408.
    """


def write_json_error(sock, status_int: int, reason: str, mesg: str) -> None:
    template = _MESSAGES.get(status_int)
    limit = JsonErrorThreadWorker.limit_request_line
    read_timeout = JsonErrorThreadWorker.read_timeout
    if template:
        message = template.format(limit=limit, read_timeout=read_timeout)
    else:
        message = f"{reason}: {mesg}" if mesg else reason
    body = json.dumps({"error": {"code": _CODES.get(status_int, "error"), "message": message}}).encode()
    # Every answer carries an id (SPEC), these too: a fresh one (the request's own header may
    # be what was refused), in the same 32-hex form django-guid gives the app's answers.
    head = (
        f"HTTP/1.1 {status_int} {reason}\r\n"
        f"X-Request-ID: {uuid.uuid4().hex}\r\n"
        "Connection: close\r\n"
        "Content-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    util.write_nonblock(sock, head.encode("latin-1") + body)


class RequestDeadlineSocket(socket.socket):
    """A client socket whose blocking reads share one deadline per request.

    gthread calls ``setblocking(True)`` before each request (which drops any timeout), so the
    deadline is applied on every ``recv`` instead: the clock starts when the worker sees the
    request coming (a new connection accepted, a kept-alive one readable again), so time spent
    queued for a thread behind slow clients counts too, and each read may block only for what
    is left of it. Timeouts gunicorn sets itself (the
    drain of an unread body, the lingering close) still apply when they are shorter.
    """

    __slots__ = ("_armed", "_deadline", "_own_timeout", "_read_timeout", "expired")

    @classmethod
    def adopt(cls, sock: socket.socket, read_timeout: float) -> RequestDeadlineSocket:
        blocking = sock.gettimeout()
        new = cls(sock.family, sock.type, sock.proto, fileno=sock.detach())
        new._read_timeout = read_timeout
        new._deadline = None
        new._armed = False
        new.expired = False
        new.settimeout(blocking)
        return new

    def begin_request(self, started: float) -> None:
        self._deadline = started + self._read_timeout
        self._armed = True
        self.expired = False

    def end_request(self) -> None:
        self._deadline = None
        self._armed = False

    def settimeout(self, value):
        self._own_timeout = value
        super().settimeout(value)

    def setblocking(self, flag):
        self._own_timeout = None if flag else 0.0
        super().setblocking(flag)

    def _bound_read(self) -> bool:
        """Before a read: cap its timeout by the request's deadline; True when the deadline
        (not a timeout of gunicorn's own) is what bounds it."""
        if not self._armed or self._own_timeout == 0.0:
            return False
        # Past the deadline, bytes already received are still read (a request that waited
        # for a thread behind slow ones is served); only a read that would wait fails.
        remaining = max(self._deadline - time.monotonic(), 0.001)
        if self._own_timeout is not None and self._own_timeout < remaining:
            super().settimeout(self._own_timeout)
            return False
        super().settimeout(remaining)
        return True

    def recv(self, bufsize, flags=0):
        bounded = self._bound_read()
        try:
            return super().recv(bufsize, flags)
        except TimeoutError:
            if bounded:
                self.expired = True
                raise RequestReadTimeout() from None
            raise

    def recv_into(self, buffer, nbytes=0, flags=0):
        bounded = self._bound_read()
        try:
            return super().recv_into(buffer, nbytes, flags)
        except TimeoutError:
            if bounded:
                self.expired = True
                raise RequestReadTimeout() from None
            raise

    def sendall(self, data, flags=0):
        # A client that does not read its answer may hold a thread no longer than one that
        # does not send its request. (A blocking socket only: write_nonblock stays as it is.)
        if self._own_timeout != 0.0:
            super().settimeout(self._read_timeout)
        try:
            return super().sendall(data, flags)
        finally:
            super().settimeout(self._own_timeout)


# gunicorn's graceful close: wait this long at most for the client to close its side too.
LINGER_SECONDS = 2.0
LINGER_MAX_BYTES = 65536


class LingerInPollerTConn(TConn):
    """A connection whose graceful close does not block the worker's main loop.

    gunicorn closes a connection it will not keep alive "gracefully": it sends its FIN, then
    waits up to 2 s for the client's, on the main loop, which meanwhile accepts and dispatches
    nothing. A dozen clients that send a complete request with ``Connection: close`` and never
    close stalled every worker for 2 s each. Here the wait happens in the poller instead.
    """

    worker: JsonErrorThreadWorker | None = None

    def close(self, graceful=False):
        if graceful and self.worker is not None and self.worker.alive:
            self.worker.linger(self.sock)
        else:
            super().close(graceful)


class JsonErrorThreadWorker(ThreadWorker):
    """``gthread`` with a read deadline per request and gunicorn's own error answers in JSON."""

    limit_request_line = 4094
    read_timeout = DEFAULT_REQUEST_READ_TIMEOUT

    def init_process(self):
        JsonErrorThreadWorker.limit_request_line = self.cfg.limit_request_line
        JsonErrorThreadWorker.read_timeout = request_read_timeout()
        util.write_error = write_json_error
        self.lingering = deque()
        super().init_process()

    def linger(self, sock):
        """Close ``sock`` gracefully without blocking: FIN now, the rest when the client's FIN
        comes or after ``LINGER_SECONDS`` (``murder_pending``)."""
        try:
            sock.shutdown(socket.SHUT_WR)
            sock.setblocking(False)
            entry = [sock, time.monotonic() + LINGER_SECONDS, 0]
            self.poller.register(sock, selectors.EVENT_READ, partial(self._drain_lingering, entry))
        except (OSError, ValueError):
            util.close(sock)
            return
        self.lingering.append(entry)

    def _drain_lingering(self, entry, _sock):
        try:
            data = entry[0].recv(LINGER_MAX_BYTES)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        entry[2] += len(data)
        if not data or entry[2] >= LINGER_MAX_BYTES:
            self._end_linger(entry)

    def _end_linger(self, entry):
        with contextlib.suppress(KeyError, ValueError, OSError):
            self.poller.unregister(entry[0])
        with contextlib.suppress(ValueError):
            self.lingering.remove(entry)
        util.close(entry[0])

    def murder_pending(self):
        super().murder_pending()
        now = time.monotonic()
        while self.lingering and self.lingering[0][1] <= now:
            self._end_linger(self.lingering[0])

    def enqueue_req(self, conn):
        # The request's read clock starts here, on the main thread (see RequestDeadlineSocket).
        conn.read_started = time.monotonic()
        super().enqueue_req(conn)

    def handle(self, conn):
        # TLS terminated by gunicorn itself wraps the socket in init(): not covered (the
        # deployment terminates TLS at the proxy).
        if not self.cfg.is_ssl and not isinstance(conn.sock, RequestDeadlineSocket):
            conn.sock = RequestDeadlineSocket.adopt(conn.sock, self.read_timeout)
            if type(conn) is TConn:
                conn.__class__ = LingerInPollerTConn
                conn.worker = self
        sock = conn.sock
        if isinstance(sock, RequestDeadlineSocket):
            sock.begin_request(getattr(conn, "read_started", None) or time.monotonic())
        try:
            return super().handle(conn)
        finally:
            if isinstance(sock, RequestDeadlineSocket):
                sock.end_request()
                if sock.expired:
                    # Closed here, at once: no point waiting for this client's FIN.
                    util.close(sock)

    def _keepalive_after(self, conn, keepalive):
        sock = conn.sock
        if isinstance(sock, RequestDeadlineSocket) and sock.expired:
            return False  # the app answered 408: the rest of the request never came
        try:
            return super()._keepalive_after(conn, keepalive)
        except RequestReadTimeout:
            return False  # the unread rest of a body did not come in time: close

    def handle_error(self, req, client, addr, exc):
        if isinstance(exc, RequestReadTimeout):
            # Any client can cause this: one warning line, no traceback.
            ip = addr[0] if addr else ""
            self.log.warning(
                "Request from ip=%s not received within %gs: 408, closing", ip, self.read_timeout
            )
            try:
                util.write_error(client, 408, "Request Timeout", "")
            except Exception:
                self.log.debug("Failed to send the 408.")
            return
        super().handle_error(req, client, addr, exc)
