"""Writes on appointments: booking, confirming, cancelling. Every booking rule is here, once.

Locking: a service that changes a slot locks it first (``select_for_update``), then the
appointment, always in that order, so concurrent requests queue instead of deadlocking;
confirming touches only the appointment and locks only it.
``is_available`` changes only here, in the transaction that changes the appointment.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction

from apps.doctors.models import TimeSlot
from apps.doctors.selectors import future_q
from apps.doctors.services import slot_starts_in_past
from apps.users.models import Role, User
from apps.users.services import user_acting_for
from core.exceptions import ApplicationError, Conflict, InvalidInput

from .models import ACTIVE_STATUSES, Appointment, Status
from .signals import appointment_changed

# Rule 6: who may move an appointment from one status to another.
TRANSITIONS: dict[tuple[str, str], frozenset[str]] = {
    (Status.PENDING, Status.CONFIRMED): frozenset({Role.DOCTOR, Role.ADMIN}),
    (Status.PENDING, Status.CANCELLED): frozenset({Role.DOCTOR, Role.PATIENT, Role.ADMIN}),
    (Status.CONFIRMED, Status.CANCELLED): frozenset({Role.DOCTOR, Role.PATIENT, Role.ADMIN}),
}


def _slot_taken() -> Conflict:
    return Conflict("This time slot is already booked.", code="slot_taken", field="timeslot")


@transaction.atomic
def appointment_book(*, by: User, timeslot_id: int, patient: User | None = None) -> Appointment:
    """Book a free, future slot of an active doctor: exactly one booking wins a slot."""
    # Rule 5: patients book for themselves, admins name the patient, doctors never book.
    patient = user_acting_for(by=by, named=patient, role=Role.PATIENT, field="patient", action="book")
    slot = (
        TimeSlot.objects.select_for_update(of=("self",))
        .select_related("doctor")
        .filter(pk=timeslot_id, doctor__is_active=True, doctor__is_approved=True)
        .first()
    )
    if slot is None:
        raise InvalidInput("No such time slot.", field="timeslot")
    if slot_starts_in_past(slot.date, slot.start_time):
        raise InvalidInput("This time slot has already started.", field="timeslot")
    if not slot.is_available:
        raise _slot_taken()
    appointment = Appointment(doctor=slot.doctor, patient=patient, timeslot=slot)
    try:
        # No savepoint: on an IntegrityError nothing else runs and the whole transaction rolls back.
        appointment.save(force_insert=True)
    except IntegrityError as exc:  # the partial unique index, should the lock ever be bypassed
        if "appointment_one_active_per_slot" in str(exc):
            raise _slot_taken() from exc
        raise
    slot.is_available = False
    slot.save(update_fields=["is_available"])
    _changed(appointment, event="booked", by=by)
    return appointment


def _changed(appointment: Appointment, *, event: str, by: User, reason: str = "", previous=None) -> None:
    """Tell the apps to the right (signals.py names them), in this transaction."""
    appointment_changed.send(
        sender=Appointment, appointment=appointment, event=event, by=by, reason=reason, previous=previous
    )


def _lock(appointment: Appointment, *, with_slot: bool) -> Appointment:
    """Lock the appointment's slot (when the change touches it), then the appointment: the
    order every service uses. Refreshes the status decided on, keeping the loaded relations.

    A slot, doctor and patient never change (trigger ``appointment_status_transition``), so
    ``timeslot_id`` needs no re-reading.
    """
    if with_slot:
        appointment.timeslot = TimeSlot.objects.select_for_update().get(pk=appointment.timeslot_id)
    appointment.status = (
        Appointment.objects.select_for_update().values_list("status", flat=True).get(pk=appointment.pk)
    )
    return appointment


def _check_transition(appointment: Appointment, *, by: User, status: str) -> None:
    allowed = TRANSITIONS.get((appointment.status, status))
    if allowed is None:
        raise Conflict(
            f"An appointment cannot go from {appointment.status} to {status}.",
            code="invalid_transition",
            field="status",
        )
    if by.role not in allowed:
        raise ApplicationError(
            f"A {by.role} cannot set an appointment to {status}.",
            code="permission_denied",
            status_code=403,
        )


def _cancel_locked(appointment: Appointment) -> Appointment:
    appointment.status = Status.CANCELLED
    appointment.save(update_fields=["status", "updated_at"])
    slot = appointment.timeslot
    slot.is_available = True
    slot.save(update_fields=["is_available"])
    return appointment


@transaction.atomic
def appointment_set_status(*, appointment: Appointment, by: User, status: str) -> Appointment:
    """Move an appointment along rule 6; cancelling frees its slot in the same transaction."""
    locked = _lock(appointment, with_slot=status == Status.CANCELLED)
    _check_transition(locked, by=by, status=status)
    if status == Status.CANCELLED:
        _cancel_locked(locked)
    else:
        locked.status = status
        locked.save(update_fields=["status", "updated_at"])
    _changed(locked, event=status, by=by)
    return locked


def appointment_cancel(*, appointment: Appointment, by: User) -> Appointment:
    """Cancel (patient's DELETE, or doctor/admin): the slot can be booked again at once."""
    return appointment_set_status(appointment=appointment, by=by, status=Status.CANCELLED)


@transaction.atomic
def appointments_cancel_future_of(*, user: User, by: User | None = None) -> int:
    """Cancel a deactivated user's future active appointments and free their slots."""
    owner = {"doctor": user} if user.role == Role.DOCTOR else {"patient": user}
    appointments = list(
        Appointment.objects.filter(status__in=ACTIVE_STATUSES, **owner)
        .filter(future_q("timeslot__"))
        .order_by("timeslot_id")
    )
    cancelled = 0
    for appointment in appointments:
        locked = _lock(appointment, with_slot=True)
        if locked.status in ACTIVE_STATUSES:  # a concurrent cancel may have come first
            _cancel_locked(locked)
            _changed(locked, event=Status.CANCELLED, by=by or user, reason="The account was deactivated.")
            cancelled += 1
    return cancelled
