"""Writes on appointments: booking, status changes, cancelling, rescheduling. Every booking
rule is here, once.

Lock order, the one every service that writes appointments, slots or people follows (so
concurrent requests queue instead of deadlocking):

1. People (``users_user`` rows).
   - booking, rescheduling: the patient FOR NO KEY UPDATE (one booking of a patient at a time:
     the cap and the overlap check see every earlier one) and the doctor FOR SHARE (other
     bookings of the doctor pass beside it), in one statement (``_lock_people``);
   - deactivation (``users.user_deactivate``): the user FOR NO KEY UPDATE, which conflicts
     with both, then this module's ``appointments_cancel_future_of`` reads the list to cancel
     only after that lock, so a booking either commits first (and is cancelled) or waits and
     finds the user inactive. Never FOR UPDATE on people: it blocks the foreign-key checks
     (FOR KEY SHARE) of rows naming them, such as the history row of a change the user makes
     while holding a slot deactivation waits for — a deadlock
     (``test_a_doctor_cancelling_while_being_deactivated_never_deadlocks``);
   - opening slots (``doctors._insert``): the doctor FOR NO KEY UPDATE (one schedule change
     per doctor; a booking of the doctor waits for it, foreign-key checks pass beside it).
2. Slots FOR UPDATE, several in id order (rescheduling: old and new; deactivation: by slot).
3. Appointment rows FOR UPDATE.

Status changes and cancels skip step 1 (they do not depend on anyone being active);
confirming and the visit's outcome touch only the appointment and lock only it.
``is_available`` changes only here, in the transaction that changes the appointment.

History: the database writes it (trigger ``appointment_record_history``); the services only
say who and why, in the statement that locks what they change (``_change_context``).
"""

from __future__ import annotations

from enum import StrEnum

from django.db import IntegrityError, connection, transaction
from django.db.models.expressions import RawSQL

from apps.doctors.models import TimeSlot
from apps.doctors.selectors import future_q
from apps.doctors.services import local_now, slot_starts_in_past
from apps.users.models import Role, User
from apps.users.services import user_acting_for
from core.exceptions import ApplicationError, Conflict, InvalidInput
from core.policy import BookingPolicy, booking_policy

from .models import ACTIVE_STATUSES, Appointment, Status
from .selectors import PERSON_FIELDS
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


# Who changes and why, for the history trigger: transaction-local settings, set from the select
# list of the statement that locks the row, so they cost no round trip of their own.
_SET_CONTEXT = "set_config('clinic.actor', %s, true) || set_config('clinic.reason', %s, true)"


def _context_params(*, by: User | None, reason: str = "") -> tuple[str, str]:
    return (str(by.pk) if by else "", reason)


def _change_context(*, by: User | None, reason: str = "") -> RawSQL:
    return RawSQL(_SET_CONTEXT, _context_params(by=by, reason=reason))  # noqa: S611 (constant SQL)


def _slot_taken() -> Conflict:
    return Conflict("This time slot is already booked.", code="slot_taken", field="timeslot")


def _patient_busy() -> Conflict:
    return Conflict("You already have an appointment at this time.", code="patient_busy", field="timeslot")


# Lock order step 1 (module docstring). One statement, two strengths: the patient FOR NO KEY
# UPDATE (one booking of a patient at a time, for the cap; deactivation's FOR NO KEY UPDATE
# waits for it and it for deactivation), the doctor FOR SHARE (other bookings of the doctor
# pass; deactivation waits). No other transaction holds one of the two rows in a conflicting
# mode while waiting for the other, so their order inside the statement cannot deadlock.
# The doctor's columns the booking rules and the answer read, in the model's field order (for
# Model.from_db): the people lock reads the doctor it locks, so the slot lock needs no join.
_DOCTOR_FIELDS = [
    f for f in User._meta.concrete_fields if f.attname in {*PERSON_FIELDS, "is_active", "is_approved"}
]
_DOCTOR_ATTNAMES = [f.attname for f in _DOCTOR_FIELDS]


def _lock_people_sql(doctor_id: str) -> str:
    return f"""
SELECT p.is_active, {", ".join(f'd."{f.column}"' for f in _DOCTOR_FIELDS)}
FROM users_user p, users_user d
WHERE p.id = %s AND d.id = {doctor_id}
FOR NO KEY UPDATE OF p FOR SHARE OF d
"""  # noqa: S608 (model column names and constant SQL, values as parameters)


_LOCK_PEOPLE = _lock_people_sql("%s")
# The slot's doctor as a subquery, not a join: both people are then read by primary key (a join
# was planned as a merge join walking users_user's index up to the doctor's id, and planned
# anew every time: 0.6 ms against 0.2).
_LOCK_PEOPLE_OF_SLOT = _lock_people_sql("(SELECT s.doctor_id FROM doctors_timeslot s WHERE s.id = %s)")


def _lock_people(
    *, patient: User, doctor_id: int | None = None, timeslot_id: int | None = None
) -> User | None:
    """Lock the patient and the doctor (named, or the slot's) and return the doctor, or None
    when the slot is unknown or its doctor inactive or not approved. Raises when the patient
    was deactivated meanwhile."""
    with connection.cursor() as cursor:
        if doctor_id is None:
            cursor.execute(_LOCK_PEOPLE_OF_SLOT, [patient.pk, timeslot_id])
        else:
            cursor.execute(_LOCK_PEOPLE, [patient.pk, doctor_id])
        row = cursor.fetchone()
    if row is None:
        return None
    if not row[0]:
        raise InvalidInput("No active patient with this id.", field="patient")
    doctor = User.from_db(connection.alias, _DOCTOR_ATTNAMES, row[1:])
    return doctor if doctor.is_active and doctor.is_approved else None


# The patient's pending or confirmed appointments overlapping the locked slot, and those still
# ahead (for the cap); both read the patient's few active rows through appointment_patient_idx
# (EXPLAIN: 0.06 ms with 20 of them). Evaluated in the statement that locks the slot, after the
# patient's row lock: no booking of this patient can commit in between. (The snapshot is taken
# before the slot lock is granted, so a cancellation committed while waiting for it may be
# missed: a rare false refusal, never a false acceptance; the exclusion constraint backs the
# overlap rule whatever happens.)
# ``%s::bigint``: the overlap test is answered by the exclusion constraint's GiST index on
# (patient_id, slot_range), whose btree_gist operator class knows only bigint = bigint. An
# integer parameter left the patient out of the index condition: the planner then scanned
# every active appointment overlapping the slot's time and ANDed them with the patient's rows,
# 8-10 ms at 60,000 appointments (0.2 ms with the cast; bench/README.md).
_PATIENT_BUSY = """EXISTS (
    SELECT 1 FROM appointments_appointment a
    WHERE a.patient_id = %s::bigint AND a.status IN ('pending', 'confirmed')
      AND a.slot_range && tsrange(s.date + s.start_time, s.date + s.end_time, '[)')
)"""
# Ranges order by their lower bound first, and a range starting at ``now`` ends below the
# unbounded end of ``tsrange(now, NULL)``: so ``> tsrange(now, NULL)`` is exactly "starts after
# now", and a btree condition on appointment_patient_idx (patient, slot_range): only the
# patient's upcoming rows are read, not a long-standing patient's whole history.
_PATIENT_AHEAD = """(
    SELECT count(*) FROM appointments_appointment a
    WHERE a.patient_id = %s AND a.status IN ('pending', 'confirmed')
      AND a.slot_range > tsrange(%s, NULL)
)"""


_SLOT_FIELDS = list(TimeSlot._meta.concrete_fields)
_SLOT_ATTNAMES = [f.attname for f in _SLOT_FIELDS]
_LOCK_SLOT = f"""
SELECT {", ".join(f's."{f.column}"' for f in _SLOT_FIELDS)}, {_SET_CONTEXT}, {_PATIENT_BUSY}, {_PATIENT_AHEAD}
FROM doctors_timeslot s
WHERE s.id = %s
FOR UPDATE
"""  # noqa: S608 (model column names, values as parameters)


def _lock_slot(
    *, timeslot_id: int, patient: User, doctor: User, by: User, reason: str = ""
) -> TimeSlot | None:
    """Lock order step 2: the slot, with what the booking rules need to know about the patient
    (``patient_busy``, ``patient_ahead``) and the history context, in one statement; its
    ``doctor`` is the one the people lock read, when it is the slot's.

    Raw SQL for the one statement every booking runs: composed by the ORM (select_related,
    three annotations, FOR UPDATE OF) it cost 1.5 ms of Python per booking, as much as all of
    PostgreSQL's work for it (bench/README.md). The row becomes a model through ``from_db``."""
    params = [
        *_context_params(by=by, reason=reason),
        patient.pk,  # busy
        patient.pk,  # ahead
        local_now(),
        timeslot_id,
    ]
    with connection.cursor() as cursor:
        cursor.execute(_LOCK_SLOT, params)
        row = cursor.fetchone()
    if row is None:
        return None
    slot_values, (_, busy, ahead) = row[: len(_SLOT_FIELDS)], row[len(_SLOT_FIELDS) :]
    slot = TimeSlot.from_db(connection.alias, _SLOT_ATTNAMES, slot_values)
    if slot.doctor_id == doctor.pk:
        slot.doctor = doctor
    slot.patient_busy, slot.patient_ahead = busy, ahead
    return slot


def _check_policy(slot: TimeSlot, *, policy: BookingPolicy) -> None:
    """Notice and horizon: the reception desk (admins) is exempt."""
    start, now = slot.starts, local_now()
    if start < now + policy.min_notice:
        minutes = int(policy.min_notice.total_seconds() // 60)
        raise InvalidInput(
            f"Book at least {minutes} minutes ahead; this slot starts sooner.",
            code="too_soon",
            field="timeslot",
        )
    if start > now + policy.horizon:
        raise InvalidInput(
            f"Book at most {policy.horizon.days} days ahead; this slot starts later.",
            code="too_far",
            field="timeslot",
        )


def _book_locked(
    slot: TimeSlot | None,
    *,
    by: User,
    patient: User,
    policy: BookingPolicy,
    rescheduled_from: Appointment | None = None,
) -> Appointment:
    """Every booking rule, on a slot locked by ``_lock_slot`` with its people locked."""
    if slot is None or not (slot.doctor.is_active and slot.doctor.is_approved):
        raise InvalidInput("No such time slot.", field="timeslot")
    if slot_starts_in_past(slot.date, slot.start_time):
        raise InvalidInput("This time slot has already started.", field="timeslot")
    exempt = by.role == Role.ADMIN  # the reception desk books on a patient's behalf
    if not exempt:
        _check_policy(slot, policy=policy)
    if not slot.is_available:
        raise _slot_taken()
    if slot.patient_busy:
        raise _patient_busy()
    # A rescheduled appointment was still counted when the slot was locked.
    ahead = slot.patient_ahead - (1 if rescheduled_from is not None else 0)
    if not exempt and ahead >= policy.max_active_per_patient:
        raise Conflict(
            f"A patient may hold at most {policy.max_active_per_patient} upcoming appointments.",
            code="too_many_bookings",
            field="timeslot",
        )
    appointment = Appointment(
        doctor=slot.doctor, patient=patient, timeslot=slot, rescheduled_from=rescheduled_from
    )
    try:
        # No savepoint: on an IntegrityError nothing else runs and the whole transaction rolls back.
        appointment.save(force_insert=True)
    except IntegrityError as exc:  # the database's guards, should a lock ever be bypassed
        if "appointment_one_per_slot" in str(exc):
            raise _slot_taken() from exc
        if "appointment_patient_no_overlap" in str(exc):
            raise _patient_busy() from exc
        raise
    slot.is_available = False
    slot.save(update_fields=["is_available"])
    return appointment


@transaction.atomic
def appointment_book(
    *, by: User, timeslot_id: int, patient: User | None = None, policy: BookingPolicy | None = None
) -> Appointment:
    """Book a free, future slot of an active doctor: exactly one booking wins a slot, and a
    patient never holds two overlapping ones nor more than the policy's cap."""
    # Rule 5: patients book for themselves, admins name the patient, doctors never book.
    patient = user_acting_for(by=by, named=patient, role=Role.PATIENT, field="patient", action="book")
    doctor = _lock_people(patient=patient, timeslot_id=timeslot_id)
    if doctor is None:
        raise InvalidInput("No such time slot.", field="timeslot")
    slot = _lock_slot(timeslot_id=timeslot_id, patient=patient, doctor=doctor, by=by)
    appointment = _book_locked(slot, by=by, patient=patient, policy=policy or booking_policy())
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


def _check_transition(
    appointment: Appointment,
    *,
    by: User,
    status: str,
    policy: BookingPolicy,
    field: str | None = "status",
    action: str = "cancel",
) -> None:
    """Who, from which status, and when (TRANSITIONS): 403, 409 invalid_transition, or 409
    slot_started / slot_not_started / cancellation_cutoff.

    The 409s name ``field`` (the ``status`` of a PATCH; a reschedule, whose body has no
    status, passes None) and the cutoff message says ``action`` ("cancel", "reschedule")."""
    if not any(by.role in who for (_, to), who in TRANSITIONS.items() if to == status):
        raise ApplicationError(
            f"A {by.role} cannot set an appointment to {status}.", code="permission_denied", status_code=403
        )
    who = TRANSITIONS.get((appointment.status, status))
    if who is None:
        raise Conflict(
            f"An appointment cannot go from {appointment.status} to {status}.",
            code="invalid_transition",
            field=field,
        )
    when = who.get(by.role)
    if when is None:
        raise ApplicationError(
            f"A {by.role} cannot set a {appointment.status} appointment to {status}.",
            code="permission_denied",
            status_code=403,
        )
    start, now = appointment.timeslot.starts, local_now()
    if when is When.AFTER_START:
        if start > now:
            raise Conflict(
                f"The visit has not started yet; it can be set to {status} from its start.",
                code="slot_not_started",
                field=field,
            )
    elif start <= now:
        raise Conflict(
            f"The visit has already started; it can no longer be set to {status}.",
            code="slot_started",
            field=field,
        )
    elif when is When.BEFORE_CUTOFF and start - policy.cancel_cutoff < now:  # "up to": inclusive
        minutes = int(policy.cancel_cutoff.total_seconds() // 60)
        raise Conflict(
            f"Patients can {action} up to {minutes} minutes before the start; call the clinic instead.",
            code="cancellation_cutoff",
            field=field,
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


@transaction.atomic
def appointment_reschedule(
    *,
    appointment: Appointment,
    by: User,
    timeslot_id: int,
    reason: str = "",
    policy: BookingPolicy | None = None,
) -> Appointment:
    """Move a booking to another slot of the same doctor, in one transaction: a new pending
    appointment (``rescheduled_from`` the old one) and the old one cancelled, its slot free.

    Who may: whoever may cancel the old one now (the patient until the cutoff, the doctor or an
    admin until the start); the new slot meets every booking rule. Any refusal changes nothing.
    """
    policy = policy or booking_policy()
    patient = appointment.patient
    if timeslot_id == appointment.timeslot_id:
        raise Conflict("The appointment is already in this time slot.", code="slot_taken", field="timeslot")
    doctor = _lock_people(patient=patient, doctor_id=appointment.doctor_id)
    if doctor is None:
        raise InvalidInput("No such time slot.", field="timeslot")

    # Both slots, in id order (lock order step 2), then the old appointment (step 3).
    def lock_new() -> TimeSlot | None:
        return _lock_slot(timeslot_id=timeslot_id, patient=patient, doctor=doctor, by=by, reason=reason)

    def lock_old() -> TimeSlot:
        return TimeSlot.objects.select_for_update().get(pk=appointment.timeslot_id)

    if timeslot_id < appointment.timeslot_id:
        new_slot, old_slot = lock_new(), lock_old()
    else:
        old_slot, new_slot = lock_old(), lock_new()
    if new_slot is not None and new_slot.doctor_id != appointment.doctor_id:
        raise InvalidInput("Choose another time slot of the same doctor.", field="timeslot")
    appointment.timeslot = old_slot
    old = _lock(appointment, with_slot=False, by=by, reason=reason)
    # Refusals about the old appointment name no field: the body has only the new timeslot.
    _check_transition(old, by=by, status=Status.CANCELLED, policy=policy, field=None, action="reschedule")
    _cancel_locked(old)
    new = _book_locked(new_slot, by=by, patient=patient, policy=policy, rescheduled_from=old)
    _changed(new, event="rescheduled", by=by, reason=reason, previous=old)
    return new
