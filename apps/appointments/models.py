"""Appointments: a patient's booking of a doctor's time slot.

The brief draws Appointment -> TimeSlot as one-to-one; here a slot keeps its cancelled
appointments as history and has at most one appointment that is not ``cancelled`` (pending,
confirmed, completed or no_show: only cancelling frees a slot), so a cancelled slot can be
booked again. Database guards, all in migrations:

- ``appointment_one_per_slot``: partial unique index on the slot for rows not cancelled;
- ``appointment_slot_doctor_fk``: composite foreign key (slot, doctor) -> the slot's doctor;
- ``appointment_status_valid``, ``appointment_not_with_self``: check constraints;
- ``appointment_status_transition``: trigger refusing every status change that
  ``services.TRANSITIONS`` does not name (final states stay final, nothing goes back to
  ``pending``), and changes of slot, doctor or patient;
- ``slot_availability_matches``: deferred constraint triggers: at commit, a slot's
  ``is_available`` is true exactly when it has no appointment that is not cancelled;
- ``appointment_record_history``: triggers writing a ``StatusChange`` row for the insert and
  for every status change, in the same transaction; ``status_change_append_only`` refuses
  UPDATE and DELETE on that table.
"""

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateTimeRangeField, RangeOperators
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Now

from apps.doctors.models import TimeSlot


class Status(models.TextChoices):
    PENDING = "pending", "Pending"
    CONFIRMED = "confirmed", "Confirmed"
    CANCELLED = "cancelled", "Cancelled"
    COMPLETED = "completed", "Completed"
    NO_SHOW = "no_show", "No-show"


# An upcoming visit: what patients hold, doctors confirm and deactivation cancels.
ACTIVE_STATUSES = (Status.PENDING, Status.CONFIRMED)
# Never change again.
FINAL_STATUSES = (Status.CANCELLED, Status.COMPLETED, Status.NO_SHOW)
# What PATCH may set (nothing goes back to pending).
SETTABLE_STATUS_CHOICES = [(s.value, s.label) for s in Status if s != Status.PENDING]


class LocalDateTimeRangeField(DateTimeRangeField):
    """``tsrange``: wall-clock times of the clinic, like the slots (no time zone)."""

    def db_type(self, connection) -> str:
        return "tsrange"


class Appointment(models.Model):
    # No single-column indexes on doctor and patient: appointment_doctor_idx and
    # appointment_patient_idx lead with them, and the planner preferred the narrower
    # duplicates while every insert paid for both.
    doctor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="doctor_appointments", db_index=False
    )
    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="patient_appointments",
        db_index=False,
    )
    timeslot = models.ForeignKey(TimeSlot, on_delete=models.PROTECT, related_name="appointments")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    # The slot's [start, end) copied by the database in the INSERT (trigger
    # appointment_copy_slot_range; whatever Python sends is replaced), for the patient's
    # overlap guard. Never changes (trigger appointment_status_transition).
    slot_range = LocalDateTimeRangeField(editable=False)
    # The appointment this one replaced (POST /appointments/{id}/reschedule/), else null.
    rescheduled_from = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="rescheduled_to"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # A person's list, newest slot first (selectors.appointment_list_for), read in
            # index order and stopped after a page, however many appointments the person has:
            # ordering by the slot's date in the slot table made PostgreSQL sort them all, or
            # walk every slot of the clinic backwards (bench/README.md, "my_appointments").
            models.Index(fields=["patient", "-slot_range", "-id"], name="appointment_patient_idx"),
            models.Index(fields=["doctor", "-slot_range", "-id"], name="appointment_doctor_idx"),
            models.Index(fields=["-slot_range", "-id"], name="appointment_slot_range_idx"),
            models.Index(fields=["status"], name="appointment_status_idx"),
        ]
        constraints = [
            # Only cancelling frees a slot: a completed or no-show visit keeps it taken.
            models.UniqueConstraint(
                fields=["timeslot"],
                condition=~Q(status=Status.CANCELLED),
                name="appointment_one_per_slot",
                violation_error_message="This time slot is already booked.",
            ),
            # A patient is never in two places at once, with any doctors (touching is fine).
            ExclusionConstraint(
                name="appointment_patient_no_overlap",
                expressions=[("patient", RangeOperators.EQUAL), ("slot_range", RangeOperators.OVERLAPS)],
                condition=Q(status__in=ACTIVE_STATUSES),
                violation_error_message="You already have an appointment at this time.",
            ),
            models.CheckConstraint(condition=Q(status__in=Status.values), name="appointment_status_valid"),
            models.CheckConstraint(condition=~Q(doctor=F("patient")), name="appointment_not_with_self"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.status} slot {self.timeslot_id}"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES


class StatusChange(models.Model):
    """One row per status change of an appointment, the booking included (``from_status``
    null). Written only by the ``appointment_record_history`` triggers, never by Python: no
    code path can skip it. ``by`` and ``reason`` come from the transaction-local settings
    ``clinic.actor`` and ``clinic.reason`` the services set (``by`` is null for a change
    made past them, e.g. raw SQL). Append-only: the database refuses UPDATE and DELETE.
    """

    appointment = models.ForeignKey(Appointment, on_delete=models.PROTECT, related_name="history")
    at = models.DateTimeField(db_default=Now())
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+", db_index=False
    )
    # null, not "", for the booking: the contract says so.
    from_status = models.CharField(max_length=16, choices=Status.choices, null=True)  # noqa: DJ001
    to_status = models.CharField(max_length=16, choices=Status.choices)
    reason = models.CharField(max_length=500, db_default="")

    class Meta:
        ordering = ["appointment", "id"]

    def __str__(self) -> str:
        return f"#{self.appointment_id} {self.from_status} -> {self.to_status}"
