"""What the worker does: record the emails a change causes, send each exactly once.

``Notification`` rows are unique per (appointment, kind, recipient): a task that is retried,
re-run after a crash or run twice by two workers finds the row; the send locks it, checks
``sent_at``, sends and marks it in one transaction. The one window left is a worker dying
between the mail server's "250 OK" and that commit: the message then goes out again on the
retry (SMTP has no two-phase commit); its ``Message-ID`` is the same, so mail clients can
fold the two.
"""

from __future__ import annotations

import datetime as dt
import logging
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from apps.appointments.models import Appointment
from apps.users.models import User

from . import calendar
from .models import Kind, Notification

logger = logging.getLogger(__name__)

# Who hears of what (SPEC 11): the patient of every change, the doctor of bookings,
# cancellations and reschedules. completed / no_show mail nobody.
EVENT_RECIPIENTS: dict[str, tuple[str, ...]] = {
    Kind.BOOKED: ("patient", "doctor"),
    Kind.CONFIRMED: ("patient",),
    Kind.CANCELLED: ("patient", "doctor"),
    Kind.RESCHEDULED: ("patient", "doctor"),
}
REMINDED_EVENTS = frozenset({Kind.BOOKED, Kind.RESCHEDULED})
REMINDED_STATUSES = frozenset({"pending", "confirmed"})

SUBJECTS = {
    Kind.BOOKED: "Appointment booked: {when}",
    Kind.CONFIRMED: "Appointment confirmed: {when}",
    Kind.CANCELLED: "Appointment cancelled: {when}",
    Kind.RESCHEDULED: "Appointment moved to {when}",
    Kind.REMINDER: "Reminder: appointment {when}",
}


def _appointments():
    return Appointment.objects.select_related("timeslot", "doctor", "patient")


def _reachable(user: User) -> bool:
    return bool(user.email) and user.is_active


def starts_at(appointment: Appointment) -> dt.datetime:
    return appointment.timeslot.starts.replace(tzinfo=ZoneInfo(settings.TIME_ZONE))


@transaction.atomic
def change_record(
    *, appointment_id: int, event: str, reason: str = "", previous_id: int | None = None
) -> list[Notification]:
    """The emails one change causes, one row per recipient with an address (idempotent)."""
    appointment = _appointments().get(pk=appointment_id)
    rows = []
    for role in EVENT_RECIPIENTS.get(event, ()):
        recipient = getattr(appointment, role)
        if not _reachable(recipient):
            continue
        row, _ = Notification.objects.get_or_create(
            appointment=appointment,
            kind=event,
            recipient=recipient,
            defaults={"reason": reason, "previous_id": previous_id},
        )
        rows.append(row)
    return rows


def reminder_time(appointment_id: int) -> dt.datetime | None:
    """``REMINDER_HOURS_BEFORE`` before the start, or now when that is past; None once started."""
    appointment = _appointments().get(pk=appointment_id)
    start = starts_at(appointment)
    now = timezone.now()
    if start <= now:
        return None
    return max(now, start - dt.timedelta(hours=settings.REMINDER_HOURS_BEFORE))


def reminder_deliver(*, appointment_id: int) -> Notification | None:
    """The reminder, unless the appointment is no longer pending/confirmed or has started."""
    appointment = _appointments().get(pk=appointment_id)
    if appointment.status not in REMINDED_STATUSES or starts_at(appointment) <= timezone.now():
        logger.info("reminder of appointment %s dropped (%s)", appointment_id, appointment.status)
        return None
    if not _reachable(appointment.patient):
        return None
    row, _ = Notification.objects.get_or_create(
        appointment=appointment, kind=Kind.REMINDER, recipient=appointment.patient
    )
    send(row)
    return row


def send_all(notifications: list[Notification]) -> None:
    """Try every one, then raise the first failure (the job is retried): one recipient the
    mail server refuses never holds back the others' emails; sent ones are skipped on retry."""
    failure: Exception | None = None
    for notification in notifications:
        try:
            send(notification)
        except Exception as exc:  # any failure of one send; the first is re-raised below
            logger.warning("email %s not sent yet: %r", notification.pk, exc)
            failure = failure or exc
    if failure is not None:
        raise failure


def send(notification: Notification) -> bool:
    """Send unless already sent; True when this call sent it. Raises when the server refuses
    (the task is retried with back-off)."""
    with transaction.atomic():
        row = (
            Notification.objects.select_for_update(of=("self",))
            .select_related(
                "recipient", "appointment__timeslot", "appointment__doctor", "appointment__patient"
            )
            .get(pk=notification.pk)
        )
        if row.sent_at is not None:
            return False
        build_message(row).send()
        row.sent_at = timezone.now()
        row.save(update_fields=["sent_at"])
    logger.info("sent %s email of appointment %s to user %s", row.kind, row.appointment_id, row.recipient_id)
    return True


def build_message(notification: Notification) -> EmailMultiAlternatives:
    appointment, recipient = notification.appointment, notification.recipient
    previous = None
    if notification.previous_id:
        previous = _appointments().get(pk=notification.previous_id)
    local = starts_at(appointment)
    when = f"{local:%Y-%m-%d %H:%M}"
    context = {
        "kind": notification.kind,
        "recipient": recipient,
        "for_patient": recipient.pk == appointment.patient_id,
        "doctor": calendar.display_name(appointment.doctor),
        "patient": calendar.display_name(appointment.patient),
        "appointment": appointment,
        "when": when,
        "ends": f"{appointment.timeslot.end_time:%H:%M}",
        "timezone": settings.TIME_ZONE,
        "reason": notification.reason,
        "previous_when": f"{starts_at(previous):%Y-%m-%d %H:%M}" if previous else "",
        "reminder_hours": settings.REMINDER_HOURS_BEFORE,
    }
    message = EmailMultiAlternatives(
        subject=SUBJECTS[notification.kind].format(when=when),
        body=render_to_string("notifications/email/notification.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[recipient.email],
        headers={
            "X-Clinic-Notification": notification.kind,
            "Message-ID": f"<notification-{notification.pk}@{settings.CALENDAR_UID_DOMAIN}>",
        },
    )
    message.attach_alternative(
        render_to_string("notifications/email/notification.html", context), "text/html"
    )
    message.attach(
        f"appointment-{appointment.pk}.ics",
        calendar.calendar([appointment], recipient).decode(),
        "text/calendar",
    )
    if previous is not None:
        message.attach(
            f"appointment-{previous.pk}.ics",
            calendar.calendar([previous], recipient).decode(),
            "text/calendar",
        )
    return message
