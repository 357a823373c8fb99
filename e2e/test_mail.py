"""Mail delivery against real parts: an SMTP server on loopback (aiosmtpd), gunicorn, and
``manage.py worker`` processes over one PostgreSQL. Booking → mail with its .ics and header;
mail server down while booking, then up → each mail once; worker SIGKILLed mid-send and
restarted → nothing lost, nothing twice."""

from __future__ import annotations

import contextlib
import email
import email.policy
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter

import icalendar
import pytest
from aiosmtpd.controller import Controller

from tools import live

STALLED_SECONDS = 3


class Inbox:
    """Records each message the server accepted. With ``delay``, the server waits before
    answering the DATA and drops the message if the client is gone by then (as a real server
    does: a message counts once the server said 250)."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.delay = 0.0
        self.dropped = 0  # messages whose client vanished before the server's answer
        self.receiving = threading.Event()
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        import asyncio

        self.receiving.set()
        if self.delay:
            try:
                await asyncio.sleep(self.delay)
            except asyncio.CancelledError:  # aiosmtpd cancels the handler when the client goes
                self.dropped += 1
                raise
            if server.transport is None or server.transport.is_closing():
                self.dropped += 1
                return "451 client gone"
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append(message)
        return "250 OK"

    def of(self, kind: str) -> list[email.message.EmailMessage]:
        with self.lock:
            return [m for m in self.messages if m["X-Clinic-Notification"] == kind]


class MailServer:
    def __init__(self, inbox: Inbox, port: int) -> None:
        self.inbox, self.port, self.controller = inbox, port, None

    def start(self) -> None:
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller:
            self.controller.stop()
            self.controller = None


def wait_for(condition, timeout: float = 40, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


@contextlib.contextmanager
def worker(env: dict[str, str], name: str):
    process = subprocess.Popen(
        [sys.executable, "manage.py", "worker", "--name", name],
        cwd=live.ROOT,
        env=env,
        start_new_session=True,
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)


@pytest.fixture(scope="module")
def mail_clinic():
    inbox = Inbox()
    server = MailServer(inbox, live.free_port())
    server.start()
    env = live.base_env(
        EMAIL_URL=f"smtp://127.0.0.1:{server.port}",
        EMAIL_TIMEOUT="10",
        NOTIFICATION_RETRY_BASE_SECONDS="1",
        NOTIFICATION_RETRY_MAX_SECONDS="2",
        WORKER_HEARTBEAT_SECONDS="1",
        WORKER_STALLED_SECONDS=str(STALLED_SECONDS),
        GUNICORN_WORKERS="2",
    )
    args = "--prefix mail --doctors 1 --patients 3 --days 3 --booked 0".split()
    try:
        with live.clinic(env, "mail", *args) as env:
            code = (
                "from django.db.models import Value; from django.db.models.functions import Concat;"
                "from apps.users.models import User;"
                "User.objects.filter(username__startswith='mail-')"
                ".update(email=Concat('username', Value('@example.com')))"
            )
            live.manage(env, "shell", "-c", code)
            tokens = live.access_tokens(env, ["mail-admin", "mail-patient-1"])
            with live.gunicorn(env) as url:
                _, doctors = live.call("GET", f"{url}/api/doctors/", tokens["mail-patient-1"])
                doctor = doctors["results"][0]["id"]
                _, slots = live.call(
                    "GET", f"{url}/api/doctors/{doctor}/timeslots/?page_size=100", tokens["mail-patient-1"]
                )
                _, me = live.call("GET", f"{url}/api/auth/me/", tokens["mail-patient-1"])
                free = iter(slot["id"] for slot in slots["results"])

                def book() -> int:
                    # The reception desk books (exempt from notice and caps), for patient 1.
                    status, body = live.call(
                        "POST",
                        f"{url}/api/appointments/",
                        tokens["mail-admin"],
                        {"timeslot": next(free), "patient": me["id"]},
                    )
                    assert status == 201, body
                    return body["id"]

                yield env, inbox, server, book
    finally:
        server.stop()


def booked_mails_of(inbox: Inbox, appointment_id: int) -> list[email.message.EmailMessage]:
    return [m for m in inbox.of("booked") if f"appointment-{appointment_id}.ics" in _attachment_names(m)]


def _attachment_names(message) -> list[str]:
    return [part.get_filename() for part in message.iter_attachments()]


def test_booking_mails_patient_and_doctor_with_the_ics_attached(mail_clinic):
    env, inbox, _server, book = mail_clinic
    with worker(env, "first"):
        appointment = book()
        mails = wait_for(
            lambda: len(booked_mails_of(inbox, appointment)) == 2 and booked_mails_of(inbox, appointment),
            what="the booking mails",
        )
    assert sorted(m["To"] for m in mails) == ["mail-doctor-1@example.com", "mail-patient-1@example.com"]
    for message in mails:
        (attachment,) = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
        (event,) = icalendar.Calendar.from_ical(attachment.get_content()).events
        assert event["UID"].startswith(f"appointment-{appointment}@")
        assert event["STATUS"] == "TENTATIVE"
        assert message.get_body(("html",)) is not None
        assert message.get_body(("plain",)) is not None


def test_mail_server_down_while_booking_then_up_delivers_each_mail_once(mail_clinic):
    env, inbox, server, book = mail_clinic
    server.stop()
    with worker(env, "patient-one"):
        appointment = book()
        time.sleep(4)  # a few failed attempts
        assert booked_mails_of(inbox, appointment) == []
        server.start()
        wait_for(lambda: len(booked_mails_of(inbox, appointment)) == 2, what="the delayed mails")
        time.sleep(4)  # any duplicate would come by now (retries are 1-2 s apart)
    assert len(booked_mails_of(inbox, appointment)) == 2


def test_worker_killed_mid_send_and_restarted_loses_nothing_and_sends_nothing_twice(mail_clinic):
    env, inbox, _server, book = mail_clinic
    appointments = [book() for _ in range(3)]
    inbox.delay = 2.0
    inbox.receiving.clear()
    try:
        with worker(env, "doomed") as doomed:
            wait_for(inbox.receiving.is_set, what="the worker to start sending")
            os.killpg(doomed.pid, signal.SIGKILL)
            doomed.wait(timeout=10)
        inbox.delay = 0.0
        time.sleep(STALLED_SECONDS + 1)  # its heartbeat goes stale
        with worker(env, "successor"):
            wait_for(
                lambda: all(len(booked_mails_of(inbox, a)) == 2 for a in appointments),
                what="every booking mail after the restart",
            )
            time.sleep(3)
    finally:
        inbox.delay = 0.0
    assert inbox.dropped >= 1  # the kill did land in the middle of a send
    ids = Counter(m["Message-ID"] for m in inbox.messages)
    assert [mid for mid, n in ids.items() if n > 1] == []
    for appointment in appointments:
        assert len(booked_mails_of(inbox, appointment)) == 2
