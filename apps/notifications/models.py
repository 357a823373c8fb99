"""Calendar feeds, calendar versions and the emails sent about appointments.

Database guards (migrations):

- ``calendar_version_bump``: trigger on ``appointments_appointment``: every status change adds
  one to the appointment's ``CalendarVersion.sequence`` (the iCalendar ``SEQUENCE``), whichever
  code path made it; a booking writes nothing here (sequence 0 is the absence of a row).
- ``notification_once``: one email of a kind about an appointment per recipient, so a retried
  or concurrently re-run task finds the row and never sends it twice.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from apps.appointments.models import Appointment


class CalendarFeed(models.Model):
    """A user's secret calendar address: ``/api/calendar/feed/<selector>/<verifier>.ics``.

    The selector finds the row (unique index); the verifier is compared in constant time, so
    the lookup's timing says nothing about it. 96 + 192 random bits; rotating replaces both.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    selector = models.CharField(max_length=32, unique=True)
    verifier = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"calendar feed of user {self.user_id}"


class CalendarVersion(models.Model):
    """How many times an appointment changed since it was booked (kept by a trigger)."""

    appointment = models.OneToOneField(
        Appointment, on_delete=models.CASCADE, primary_key=True, related_name="calendar_version"
    )
    sequence = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"appointment {self.appointment_id} sequence {self.sequence}"


class Kind(models.TextChoices):
    BOOKED = "booked", "Booked"
    CONFIRMED = "confirmed", "Confirmed"
    CANCELLED = "cancelled", "Cancelled"
    RESCHEDULED = "rescheduled", "Rescheduled"
    REMINDER = "reminder", "Reminder"


class Notification(models.Model):
    """One email to one person about one appointment; ``sent_at`` is set once it is sent."""

    appointment = models.ForeignKey(Appointment, on_delete=models.PROTECT, related_name="+")
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    reason = models.TextField(blank=True, default="")
    previous = models.ForeignKey(
        Appointment, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["appointment", "kind", "recipient"], name="notification_once"),
            models.CheckConstraint(condition=Q(kind__in=Kind.values), name="notification_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} of appointment {self.appointment_id} to user {self.recipient_id}"
