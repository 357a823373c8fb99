"""Reads on appointments: visibility is decided here (others' appointments answer 404)."""

from __future__ import annotations

from django.db.models import QuerySet

from apps.users.models import Role, User

from .models import Appointment


def _with_relations() -> QuerySet[Appointment]:
    return Appointment.objects.select_related("timeslot", "doctor", "patient").order_by(
        "-timeslot__date", "-timeslot__start_time", "-id"
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
