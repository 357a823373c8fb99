"""Appointments: a patient's booking of a doctor's time slot.

The brief draws Appointment -> TimeSlot as one-to-one; here a slot keeps its cancelled
appointments as history and has at most one *active* (pending or confirmed) appointment,
so a cancelled slot can be booked again. Database guards, all in migrations:

- ``appointment_one_active_per_slot``: partial unique index on the slot for active rows;
- ``appointment_slot_doctor_fk``: composite foreign key (slot, doctor) -> the slot's doctor;
- ``appointment_status_valid``, ``appointment_not_with_self``: check constraints;
- ``appointment_status_transition``: trigger refusing changes out of ``cancelled`` or back
  to ``pending``, and changes of slot, doctor or patient;
- ``slot_availability_matches``: deferred constraint triggers: at commit, a slot's
  ``is_available`` is true exactly when it has no active appointment.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from apps.doctors.models import TimeSlot


class Status(models.TextChoices):
    PENDING = "pending", "Pending"
    CONFIRMED = "confirmed", "Confirmed"
    CANCELLED = "cancelled", "Cancelled"


ACTIVE_STATUSES = (Status.PENDING, Status.CONFIRMED)


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
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["patient", "status"], name="appointment_patient_idx"),
            models.Index(fields=["doctor", "status"], name="appointment_doctor_idx"),
            models.Index(fields=["status"], name="appointment_status_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["timeslot"],
                condition=Q(status__in=ACTIVE_STATUSES),
                name="appointment_one_active_per_slot",
                violation_error_message="This time slot is already booked.",
            ),
            models.CheckConstraint(condition=Q(status__in=Status.values), name="appointment_status_valid"),
            models.CheckConstraint(condition=~Q(doctor=F("patient")), name="appointment_not_with_self"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.status} slot {self.timeslot_id}"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES
