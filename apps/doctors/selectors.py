"""Reads on time slots: each selector decides who sees what."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from apps.users.models import Role, User

from .models import TimeSlot
from .services import local_now


def future_q(prefix: str = "") -> Q:
    """Slots whose start is still ahead in the clinic's time zone."""
    now = local_now()
    return Q(**{f"{prefix}date__gt": now.date()}) | Q(
        **{f"{prefix}date": now.date(), f"{prefix}start_time__gt": now.time()}
    )


def slot_list_for(user: User) -> QuerySet[TimeSlot]:
    """Admins see every slot, doctors their own; nobody else manages slots."""
    slots = TimeSlot.objects.order_by("date", "start_time", "id")
    role = getattr(user, "role", None)  # AnonymousUser has none
    if role == Role.ADMIN:
        return slots
    if role == Role.DOCTOR:
        return slots.filter(doctor=user)
    return slots.none()


def free_slots_of(doctor_id: int | str) -> QuerySet[TimeSlot]:
    """What a patient may book with this doctor: free slots that have not started, of an
    active, approved doctor (a deactivated or unapproved doctor's slots do not show)."""
    return TimeSlot.objects.filter(
        future_q(),
        doctor_id=doctor_id,
        doctor__role=Role.DOCTOR,
        doctor__is_active=True,
        doctor__is_approved=True,
        is_available=True,
    ).order_by("date", "start_time", "id")
