"""Email notifications: recorded in the change's transaction, delivered once by a real worker."""

import datetime as dt
import smtplib

import icalendar
import pytest
from django.core import mail
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from procrastinate.contrib.django.models import ProcrastinateJob

from apps.appointments.models import Appointment
from apps.appointments.services import appointment_book, appointment_reschedule, appointment_set_status
from apps.appointments.signals import appointment_changed
from apps.doctors.tests.factories import TimeSlotFactory
from apps.notifications import tasks
from apps.notifications.models import Notification
from apps.users.tests.factories import DoctorFactory, PatientFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def patient():
    return PatientFactory(email="malika@example.com")


@pytest.fixture
def doctor():
    return DoctorFactory(email="dr.karimov@example.com")


def book(patient, doctor, **slot) -> Appointment:
    return appointment_book(by=patient, timeslot_id=TimeSlotFactory(doctor=doctor, **slot).pk)


def sent(kind=None):
    return [m for m in mail.outbox if kind is None or m.extra_headers["X-Clinic-Notification"] == kind]


def jobs(task):
    return ProcrastinateJob.objects.filter(task_name=task.name)


def ics_of(message) -> icalendar.Event:
    (attachment, *_) = message.attachments
    assert attachment.mimetype == "text/calendar"
    (event,) = icalendar.Calendar.from_ical(attachment.content).events
    return event


def test_booking_records_one_job_with_one_statement_in_its_transaction(patient, doctor):
    slot = TimeSlotFactory(doctor=doctor)
    with CaptureQueriesContext(connection) as queries:
        appointment_book(by=patient, timeslot_id=slot.pk)
    procrastinate = [q["sql"] for q in queries.captured_queries if "procrastinate" in q["sql"]]
    assert len(procrastinate) == 1
    job = jobs(tasks.notify_change).get()
    assert job.status == "todo"
    assert job.args["event"] == "booked"


def test_a_change_that_rolls_back_records_nothing(patient, doctor):
    slot = TimeSlotFactory(doctor=doctor)
    with pytest.raises(RuntimeError), transaction.atomic():
        appointment_book(by=patient, timeslot_id=slot.pk)
        raise RuntimeError("the request failed after booking")
    assert not ProcrastinateJob.objects.exists()
    assert not Appointment.objects.exists()


def test_booking_mails_patient_and_doctor_with_the_ics_and_the_header(patient, doctor, run_worker):
    appointment = book(patient, doctor)
    assert mail.outbox == []  # nothing leaves before the worker runs
    run_worker()
    assert sorted(m.to[0] for m in sent("booked")) == ["dr.karimov@example.com", "malika@example.com"]
    to_patient = next(m for m in sent("booked") if m.to == ["malika@example.com"])
    assert "Dr. " + doctor.get_full_name() in to_patient.body
    (html, mimetype) = to_patient.alternatives[0]
    assert mimetype == "text/html"
    assert doctor.get_full_name() in html
    event = ics_of(to_patient)
    assert event["UID"] == f"appointment-{appointment.pk}@clinic.example"
    assert event["STATUS"] == "TENTATIVE"
    assert list(Notification.objects.values_list("kind", flat=True)) == ["booked", "booked"]
    assert not Notification.objects.filter(sent_at=None).exists()


def test_confirmation_mails_only_the_patient(patient, doctor, run_worker):
    appointment = book(patient, doctor)
    appointment_set_status(appointment=appointment, by=doctor, status="confirmed")
    run_worker()
    (confirmed,) = sent("confirmed")
    assert confirmed.to == ["malika@example.com"]
    assert ics_of(confirmed)["STATUS"] == "CONFIRMED"


def test_cancellation_mails_both_with_its_reason(patient, doctor, run_worker):
    appointment = book(patient, doctor)
    appointment_set_status(
        appointment=appointment, by=doctor, status="cancelled", reason="The doctor is ill."
    )
    run_worker()
    cancelled = sent("cancelled")
    assert sorted(m.to[0] for m in cancelled) == ["dr.karimov@example.com", "malika@example.com"]
    assert all("Reason: The doctor is ill." in m.body for m in cancelled)
    assert all("The doctor is ill." in m.alternatives[0][0] for m in cancelled)
    assert ics_of(cancelled[0])["STATUS"] == "CANCELLED"


def test_the_reason_and_previous_appointment_travel_in_the_recorded_job(patient, doctor):
    old, new = book(patient, doctor), book(patient, doctor)
    with transaction.atomic():
        appointment_changed.send(
            sender=Appointment, appointment=new, event="rescheduled", by=patient, reason="Late", previous=old
        )
    job = jobs(tasks.notify_change).filter(args__event="rescheduled").get()
    assert job.args == {
        "appointment_id": new.pk,
        "event": "rescheduled",
        "reason": "Late",
        "previous_id": old.pk,
    }


def test_completed_and_no_show_record_nothing(patient, doctor):
    appointment = book(patient, doctor)
    for event in ("completed", "no_show"):
        appointment_changed.send(sender=Appointment, appointment=appointment, event=event, by=doctor)
    assert jobs(tasks.notify_change).count() == 1  # the booking's


def test_reschedule_mails_both_with_the_new_and_the_old_event(patient, doctor, run_worker):
    old = book(patient, doctor)
    run_worker()
    mail.outbox.clear()
    new = appointment_reschedule(
        appointment=old, by=patient, timeslot_id=TimeSlotFactory(doctor=doctor).pk, reason="Work trip"
    )
    run_worker()
    moved = sent("rescheduled")
    assert sorted(m.to[0] for m in moved) == ["dr.karimov@example.com", "malika@example.com"]
    assert sent("cancelled") == []  # the move is one message, not a cancellation and a booking
    assert all("Reason: Work trip" in m.body for m in moved)
    events = [icalendar.Calendar.from_ical(a.content).events[0] for a in moved[0].attachments]
    assert [(e["UID"], e["STATUS"]) for e in events] == [
        (f"appointment-{new.pk}@clinic.example", "TENTATIVE"),
        (f"appointment-{old.pk}@clinic.example", "CANCELLED"),
    ]
    assert jobs(tasks.send_reminder).filter(args__appointment_id=new.pk).exists()


def test_users_without_an_email_address_get_none(doctor, run_worker):
    book(PatientFactory(email=""), doctor)
    run_worker()
    assert [m.to for m in sent()] == [["dr.karimov@example.com"]]


def test_reminder_is_scheduled_the_configured_hours_before_the_start(patient, doctor, run_worker, settings):
    settings.REMINDER_HOURS_BEFORE = 24
    start = timezone.localtime() + dt.timedelta(days=3)
    appointment = book(
        patient, doctor, date=start.date(), start_time=dt.time(10, 0), end_time=dt.time(10, 30)
    )
    run_worker()
    job = jobs(tasks.send_reminder).get()
    expected = dt.datetime.combine(start.date(), dt.time(10, 0), tzinfo=start.tzinfo) - dt.timedelta(hours=24)
    assert job.scheduled_at == expected
    assert job.args == {"appointment_id": appointment.pk}
    assert sent("reminder") == []  # not due yet


def test_reminder_goes_at_once_when_booked_later_than_that(patient, doctor, run_worker, settings):
    settings.REMINDER_HOURS_BEFORE = 24 * 3  # tomorrow's slot is sooner than that
    appointment = book(patient, doctor)
    run_worker()
    (reminder,) = sent("reminder")
    assert reminder.to == ["malika@example.com"]
    assert ics_of(reminder)["UID"] == f"appointment-{appointment.pk}@clinic.example"


def test_reminder_is_dropped_for_an_appointment_no_longer_active(patient, doctor, run_worker):
    appointment = book(patient, doctor)
    run_worker()
    appointment_set_status(appointment=appointment, by=patient, status="cancelled")
    tasks.send_reminder(appointment_id=appointment.pk)  # as when it comes due
    assert sent("reminder") == []
    assert not Notification.objects.filter(kind="reminder").exists()


def test_reminder_is_sent_once_however_often_it_runs(patient, doctor, run_worker):
    appointment = book(patient, doctor)
    for _ in range(3):
        tasks.send_reminder(appointment_id=appointment.pk)
    assert len(sent("reminder")) == 1


def test_rerunning_a_delivered_change_sends_nothing_again(patient, doctor, run_worker):
    appointment = book(patient, doctor)
    run_worker()
    assert len(sent("booked")) == 2
    tasks.notify_change(appointment_id=appointment.pk, event="booked")
    assert len(sent("booked")) == 2


class FlakyBackend:
    """A mail server that is down for the first ``failures`` messages."""

    failures = 0

    def __init__(self, **kwargs):
        pass

    def send_messages(self, messages):
        if FlakyBackend.failures > 0:
            FlakyBackend.failures -= 1
            raise smtplib.SMTPServerDisconnected("connection refused")
        mail.outbox.extend(messages)
        return len(messages)


def test_delivery_is_retried_with_capped_backoff_and_sent_once(patient, doctor, run_worker, settings):
    settings.EMAIL_BACKEND = f"{__name__}.FlakyBackend"
    settings.NOTIFICATION_RETRY_BASE_SECONDS = 0  # retry at once in the test
    FlakyBackend.failures = 3
    book(patient, doctor)
    run_worker()
    job = jobs(tasks.notify_change).get()
    assert job.status == "succeeded"
    # Each attempt tries both emails: 2 refused, then 1 refused and 1 sent, then the last sent.
    assert job.attempts == 3
    assert sorted(m.to[0] for m in sent("booked")) == ["dr.karimov@example.com", "malika@example.com"]


def test_retry_delays_grow_and_stay_at_most_a_minute(settings):
    settings.NOTIFICATION_RETRY_BASE_SECONDS = 2
    settings.NOTIFICATION_RETRY_MAX_SECONDS = 60
    assert [tasks.retry_delay(n) for n in range(8)] == [2, 4, 8, 16, 32, 60, 60, 60]


def test_a_failing_mail_server_leaves_the_job_waiting_for_its_retry(patient, doctor, run_worker, settings):
    settings.EMAIL_BACKEND = f"{__name__}.FlakyBackend"
    settings.NOTIFICATION_RETRY_BASE_SECONDS = 30
    FlakyBackend.failures = 1
    book(patient, doctor)
    run_worker()
    job = jobs(tasks.notify_change).get()
    assert job.status == "todo"
    assert job.attempts == 1
    assert (
        timezone.now() + dt.timedelta(seconds=20)
        < job.scheduled_at
        < timezone.now() + dt.timedelta(seconds=31)
    )
    # The first email met the outage; the second went, and is not sent again on the retry.
    assert len(sent()) == 1
    assert Notification.objects.filter(sent_at__isnull=True).count() == 1


def test_worker_command_delivers_what_is_due(patient, doctor, settings):
    from django.core.management import call_command

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    book(patient, doctor)
    call_command("worker", "--once")
    assert len(sent("booked")) == 2
    assert jobs(tasks.notify_change).get().status == "succeeded"


def test_jobs_of_a_dead_worker_run_again(patient, doctor, settings):
    """A worker killed mid-job leaves it 'doing'; once its heartbeat is old it is re-queued."""
    book(patient, doctor)
    _stall_every_job()
    from django.core.management import call_command

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    call_command("worker", "--once")  # a worker starting re-queues it and runs it
    assert len(sent("booked")) == 2


@pytest.mark.django_db
def test_daily_cleanup_flushes_expired_jwts(patient):
    from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

    def token(jti, expires_at):
        return OutstandingToken.objects.create(user=patient, jti=jti, token="t", expires_at=expires_at)

    expired = token("old", timezone.now() - dt.timedelta(days=1))
    current = token("new", timezone.now() + dt.timedelta(days=1))
    tasks.flush_expired_tokens(timestamp=0)
    assert list(OutstandingToken.objects.values_list("pk", flat=True)) == [current.pk]
    assert expired.pk != current.pk


def _stall_every_job() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO procrastinate_workers (last_heartbeat) "
            "VALUES (now() - interval '1 hour') RETURNING id"
        )
        (dead_worker,) = cursor.fetchone()
        cursor.execute("UPDATE procrastinate_jobs SET status = 'doing', worker_id = %s", [dead_worker])


def test_two_workers_starting_together_requeue_a_stalled_job_once(patient, doctor):
    import asyncio

    from procrastinate.contrib.django import app

    book(patient, doctor)
    _stall_every_job()

    async def two_workers_start():
        async with app.open_async():
            return await asyncio.gather(tasks.requeue_stalled_jobs(app), tasks.requeue_stalled_jobs(app))

    with app.replace_connector(app.connector.get_worker_connector()):
        requeued = asyncio.run(two_workers_start())
    assert sorted(requeued) == [0, 1]
    assert jobs(tasks.notify_change).get().status == "todo"


def test_recorded_job_is_the_one_procrastinate_defers(patient, doctor):
    """The booking path sends procrastinate's defer statement itself (receivers.DEFER_ONE_JOB):
    the row must be what the library's own defer() writes, so a worker runs it the same way."""
    from apps.notifications.receivers import defer_notify_change

    fields = ("queue_name", "task_name", "priority", "lock", "queueing_lock", "args", "status", "attempts")
    args = {"appointment_id": 7, "event": "cancelled", "reason": "Ill", "previous_id": None}
    with transaction.atomic():
        defer_notify_change(**args)
        ours = jobs(tasks.notify_change).values(*fields).get()
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM procrastinate_jobs")
        tasks.notify_change.defer(**args)
        theirs = jobs(tasks.notify_change).values(*fields).get()
    assert ours == theirs


@pytest.mark.django_db
def test_hourly_cleanup_deletes_idempotency_keys_older_than_a_day(patient):
    from apps.idempotency.models import IdempotencyKey

    def key(name, hours_ago):
        return IdempotencyKey.objects.create(
            user=patient, key=name, fingerprint="f", created_at=timezone.now() - dt.timedelta(hours=hours_ago)
        )

    key("old", 25)
    kept = key("recent", 23)
    tasks.clear_idempotency_keys(timestamp=0)
    assert list(IdempotencyKey.objects.values_list("pk", flat=True)) == [kept.pk]


class RefusesPatientBackend(FlakyBackend):
    """A mail server that refuses one address for ever and delivers the rest."""

    def send_messages(self, messages):
        if any("malika@example.com" in m.to for m in messages):
            raise smtplib.SMTPRecipientsRefused({"malika@example.com": (550, b"no such user")})
        mail.outbox.extend(messages)
        return len(messages)


def test_a_refused_recipient_does_not_hold_back_the_others_emails(patient, doctor, run_worker, settings):
    settings.EMAIL_BACKEND = f"{__name__}.RefusesPatientBackend"
    settings.NOTIFICATION_RETRY_BASE_SECONDS = 30
    book(patient, doctor)
    run_worker()
    assert [m.to[0] for m in sent("booked")] == ["dr.karimov@example.com"]
    job = jobs(tasks.notify_change).get()
    assert job.status == "todo"  # retried for the patient's email
    assert Notification.objects.filter(sent_at__isnull=True).get().recipient == patient


def test_delivery_never_gives_up_while_the_mail_server_is_down_unless_told_to(settings):
    job = type("Job", (), {"attempts": 100_000, "id": 1})()
    retry = tasks.NotificationRetry()
    settings.NOTIFICATION_RETRY_MAX_ATTEMPTS = 0  # the default (.env.example, settings.py)
    assert retry.get_retry_decision(exception=OSError("down"), job=job) is not None
    settings.NOTIFICATION_RETRY_MAX_ATTEMPTS = 1000
    assert retry.get_retry_decision(exception=OSError("down"), job=job) is None
