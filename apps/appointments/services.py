"""Writes on appointments: booking, status changes, cancelling. Every booking rule is here, once.

Locking: a service that changes a slot locks it first (``select_for_update``), then the
appointment, always in that order, so concurrent requests queue instead of deadlocking;
confirming touches only the appointment and locks only it.
``is_available`` changes only here, in the transaction that changes the appointment.

History: the database writes it (trigger ``appointment_record_history``); the services only
say who and why, in the statement that locks what they change (``_change_context``).
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from django.db import IntegrityError, transaction
from django.db.models.expressions import RawSQL

from apps.doctors.models import TimeSlot
from apps.doctors.selectors import future_q
from apps.doctors.services import local_now, slot_starts_in_past
from apps.users.models import Role, User
from apps.users.services import user_acting_for
from core.exceptions import ApplicationError, Conflict, InvalidInput
from core.policy import BookingPolicy, booking_policy

from .models import ACTIVE_STATUSES, Appointment, Status
from .signals import appointment_changed


class When(StrEnum):
    """When, relative to the slot's start, a change may be made."""

    BEFORE_CUTOFF = "before_cutoff"  # up to policy.cancel_cutoff before the start
    BEFORE_START = "before_start"
    AFTER_START = "after_start"


_STAFF_BEFORE_START = {Role.DOCTOR: When.BEFORE_START, Role.ADMIN: When.BEFORE_START}
_STAFF_AFTER_START = {Role.DOCTOR: When.AFTER_START, Role.ADMIN: When.AFTER_START}
_ANYONE_CANCELS = {Role.PATIENT: When.BEFORE_CUTOFF, **_STAFF_BEFORE_START}

# Rule 6 and SPEC section 9: (from, to) -> who may, and when. Nothing else is allowed; the
# trigger appointment_status_transition refuses the same (from, to) pairs in the database.
TRANSITIONS: dict[tuple[str, str], dict[str, When]] = {
    (Status.PENDING, Status.CONFIRMED): _STAFF_BEFORE_START,
    (Status.PENDING, Status.CANCELLED): _ANYONE_CANCELS,
    (Status.CONFIRMED, Status.CANCELLED): _ANYONE_CANCELS,
    (Status.CONFIRMED, Status.COMPLETED): _STAFF_AFTER_START,
    (Status.PENDING, Status.NO_SHOW): _STAFF_AFTER_START,
    (Status.CONFIRMED, Status.NO_SHOW): _STAFF_AFTER_START,
}


def _change_context(*, by: User | None, reason: str = "") -> RawSQL:
    """Tell the history trigger who changes and why: transaction-local settings, set from the
    select list of the statement that locks the row, so they cost no round trip of their own."""
    return RawSQL(
        "set_config('clinic.actor', %s, true) || set_config('clinic.reason', %s, true)",
        (str(by.pk) if by else "", reason),
    )


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
        .annotate(_context=_change_context(by=by))
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
        if "appointment_one_per_slot" in str(exc):
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


def _lock(appointment: Appointment, *, with_slot: bool, by: User | None, reason: str = "") -> Appointment:
    """Lock the appointment's slot (when the change touches it), then the appointment: the
    order every service uses. Refreshes the status decided on, keeping the loaded relations,
    and tells the history trigger who changes it and why.

    A slot, doctor and patient never change (trigger ``appointment_status_transition``), so
    ``timeslot_id`` needs no re-reading.
    """
    if with_slot:
        appointment.timeslot = TimeSlot.objects.select_for_update().get(pk=appointment.timeslot_id)
    appointment.status, _ = (
        Appointment.objects.select_for_update()
        .annotate(_context=_change_context(by=by, reason=reason))
        .values_list("status", "_context")
        .get(pk=appointment.pk)
    )
    return appointment


def _slot_start(appointment: Appointment) -> dt.datetime:
    slot = appointment.timeslot
    return dt.datetime.combine(slot.date, slot.start_time)


def _check_transition(appointment: Appointment, *, by: User, status: str, policy: BookingPolicy) -> None:
    """Who, from which status, and when (TRANSITIONS): 403, 409 invalid_transition, or 409
    slot_started / slot_not_started / cancellation_cutoff."""
    if not any(by.role in who for (_, to), who in TRANSITIONS.items() if to == status):
        raise ApplicationError(
            f"A {by.role} cannot set an appointment to {status}.", code="permission_denied", status_code=403
        )
    who = TRANSITIONS.get((appointment.status, status))
    if who is None:
        raise Conflict(
            f"An appointment cannot go from {appointment.status} to {status}.",
            code="invalid_transition",
            field="status",
        )
    when = who.get(by.role)
    if when is None:
        raise ApplicationError(
            f"A {by.role} cannot set a {appointment.status} appointment to {status}.",
            code="permission_denied",
            status_code=403,
        )
    start, now = _slot_start(appointment), local_now()
    if when is When.AFTER_START:
        if start > now:
            raise Conflict(
                f"The visit has not started yet; it can be set to {status} from its start.",
                code="slot_not_started",
                field="status",
            )
    elif start <= now:
        raise Conflict(
            f"The visit has already started; it can no longer be set to {status}.",
            code="slot_started",
            field="status",
        )
    elif when is When.BEFORE_CUTOFF and start - policy.cancel_cutoff <= now:
        minutes = int(policy.cancel_cutoff.total_seconds() // 60)
        raise Conflict(
            f"Patients can cancel up to {minutes} minutes before the start; call the clinic instead.",
            code="cancellation_cutoff",
            field="status",
        )


def _cancel_locked(appointment: Appointment) -> Appointment:
    appointment.status = Status.CANCELLED
    appointment.save(update_fields=["status", "updated_at"])
    slot = appointment.timeslot
    slot.is_available = True
    slot.save(update_fields=["is_available"])
    return appointment


@transaction.atomic
def appointment_set_status(
    *,
    appointment: Appointment,
    by: User,
    status: str,
    reason: str = "",
    policy: BookingPolicy | None = None,
) -> Appointment:
    """Move an appointment along TRANSITIONS; cancelling frees its slot in the same transaction.

    ``appointment`` comes with its slot loaded (the timing rules read its start).
    """
    policy = policy or booking_policy()
    locked = _lock(appointment, with_slot=status == Status.CANCELLED, by=by, reason=reason)
    _check_transition(locked, by=by, status=status, policy=policy)
    if status == Status.CANCELLED:
        _cancel_locked(locked)
    else:
        locked.status = status
        locked.save(update_fields=["status", "updated_at"])
    _changed(locked, event=status, by=by, reason=reason)
    return locked


def appointment_cancel(
    *, appointment: Appointment, by: User, reason: str = "", policy: BookingPolicy | None = None
) -> Appointment:
    """Cancel (DELETE, or PATCH status=cancelled): the slot can be booked again at once."""
    return appointment_set_status(
        appointment=appointment, by=by, status=Status.CANCELLED, reason=reason, policy=policy
    )


DEACTIVATED = "The account was deactivated."


@transaction.atomic
def appointments_cancel_future_of(*, user: User, by: User | None = None) -> int:
    """Cancel a deactivated user's future active appointments and free their slots.

    The clinic's own act, not a request: neither the transition roles nor the patient's
    cutoff apply.
    """
    owner = {"doctor": user} if user.role == Role.DOCTOR else {"patient": user}
    appointments = list(
        Appointment.objects.filter(status__in=ACTIVE_STATUSES, **owner)
        .filter(future_q("timeslot__"))
        .order_by("timeslot_id")
    )
    cancelled = 0
    for appointment in appointments:
        locked = _lock(appointment, with_slot=True, by=by or user, reason=DEACTIVATED)
        if locked.status in ACTIVE_STATUSES:  # a concurrent cancel may have come first
            _cancel_locked(locked)
            _changed(locked, event=Status.CANCELLED, by=by or user, reason=DEACTIVATED)
            cancelled += 1
    return cancelled
