"""Reads on appointments: visibility is decided here (others' appointments answer 404)."""

from __future__ import annotations

from django.db.models import QuerySet

from apps.users.models import Role, User

from .models import Appointment, StatusChange

# What AppointmentSerializer shows of the people involved; loading whole user rows (password
# hashes included) for every listed appointment cost a third of the list's time.
PERSON_FIELDS = ("id", "username", "first_name", "last_name")


def _with_relations() -> QuerySet[Appointment]:
    people = [f"{who}__{field}" for who in ("doctor", "patient") for field in PERSON_FIELDS]
    return (
        Appointment.objects.select_related("timeslot", "doctor", "patient")
        .only(
            "id",
            "status",
            "rescheduled_from_id",
            "created_at",
            "updated_at",
            "doctor_id",
            "patient_id",
            "timeslot",
            *people,
        )
        # Newest slot first. slot_range is the slot's [start, end) copied onto the appointment,
        # so the order is the appointment's own and its indexes serve it (models.py).
        .order_by("-slot_range", "-id")
    )


def appointment_list_for(user: User) -> QuerySet[Appointment]:
    """Admins see all; a doctor or patient only their own."""
    appointments = _with_relations()
    role = getattr(user, "role", None)  # AnonymousUser has none
    if role == Role.ADMIN:
        return appointments
    if role == Role.DOCTOR:
        return appointments.filter(doctor=user)
    if role == Role.PATIENT:
        return appointments.filter(patient=user)
    return appointments.none()


def appointment_history(appointment: Appointment) -> QuerySet[StatusChange]:
    """The appointment's status changes, oldest first (ids follow the order of writing)."""
    return StatusChange.objects.filter(appointment=appointment).order_by("id")
