"""Writes on time slots. Every scheduling rule is here, once; models.py holds the constraints
that back them.

- ``slot_create`` / ``slot_bulk_create``: whole minutes (``slot_times_whole_minutes``: a
  fraction of a second kept in the database made false overlaps), start before end
  (``slot_starts_before_end``), not in
  the past, not more than ``SLOT_MAX_DAYS_AHEAD`` ahead (``core.policy``), no overlap with the
  doctor's other slots (``slot_no_overlap_per_doctor``).
- ``slot_delete``: only a slot that was never booked (``on_delete=PROTECT`` on appointments).
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.users.models import Role, User
from apps.users.services import user_acting_for
from core.exceptions import Conflict, InvalidInput
from core.policy import BookingPolicy, booking_policy

from .models import TimeSlot

MAX_SLOT_MINUTES = 8 * 60
MIN_SLOT_MINUTES = 5


def local_now() -> dt.datetime:
    """The clinic's wall-clock time now (``TIME_ZONE``), without tzinfo like slot times."""
    return timezone.localtime().replace(tzinfo=None)


def slot_starts_in_past(date: dt.date, start_time: dt.time) -> bool:
    """A slot is in the past once its start has come, in the clinic's time zone."""
    return dt.datetime.combine(date, start_time) <= local_now()


def _fmt(start: dt.time, end: dt.time) -> str:
    return f"{start:%H:%M}-{end:%H:%M}"


@dataclass(frozen=True)
class SlotTimes:
    start_time: dt.time
    end_time: dt.time


WHOLE_MINUTES = "Slot times are whole minutes: send HH:MM (seconds, if sent, must be 00)."


def is_whole_minute(value: dt.time) -> bool:
    return value.second == 0 and value.microsecond == 0


def _check_times(date: dt.date, slots: Iterable[SlotTimes], *, max_ahead: dt.timedelta) -> list[SlotTimes]:
    slots = list(slots)
    for slot in slots:
        for field in ("start_time", "end_time"):
            if not is_whole_minute(getattr(slot, field)):
                raise InvalidInput(WHOLE_MINUTES, field=field)
    last_day = local_now().date() + max_ahead
    if date > last_day:
        raise InvalidInput(
            f"Slots open at most {max_ahead.days} days ahead (until {last_day:%Y-%m-%d}).", field="date"
        )
    slots = sorted(slots, key=lambda s: s.start_time)
    for slot in slots:
        if slot.start_time >= slot.end_time:
            raise InvalidInput("The end time must be after the start time.", field="end_time")
    if slots and slot_starts_in_past(date, slots[0].start_time):
        raise InvalidInput("A time slot cannot start in the past.", field="start_time")
    for before, after in itertools.pairwise(slots):
        if after.start_time < before.end_time:
            raise InvalidInput(
                f"The slots {_fmt(before.start_time, before.end_time)} and "
                f"{_fmt(after.start_time, after.end_time)} overlap.",
                field="start_time",
            )
    return slots


def _overlapping(doctor: User, date: dt.date, slots: list[SlotTimes]) -> list[TimeSlot]:
    first, last = slots[0].start_time, max(s.end_time for s in slots)
    candidates = TimeSlot.objects.filter(
        doctor=doctor, date=date, start_time__lt=last, end_time__gt=first
    ).order_by("start_time")
    return [
        existing
        for existing in candidates
        if any(s.start_time < existing.end_time and existing.start_time < s.end_time for s in slots)
    ]


def _overlap_conflict(date: dt.date, existing: list[TimeSlot]) -> Conflict:
    times = ", ".join(_fmt(s.start_time, s.end_time) for s in existing) or "another slot"
    return Conflict(
        f"Overlaps the doctor's existing slots on {date:%Y-%m-%d}: {times}.",
        code="slot_overlap",
        field="start_time",
    )


def _insert(doctor: User, date: dt.date, slots: list[SlotTimes]) -> list[TimeSlot]:
    # One schedule change per doctor at a time: two bulk inserts racing on the exclusion
    # constraint would otherwise wait on each other's rows and deadlock. FOR NO KEY UPDATE
    # does not block foreign-key checks (bookings) on the doctor row.
    User.objects.select_for_update(no_key=True).filter(pk=doctor.pk).values_list("pk").get()
    existing = _overlapping(doctor, date, slots)
    if existing:
        raise _overlap_conflict(date, existing)
    rows = [TimeSlot(doctor=doctor, date=date, start_time=s.start_time, end_time=s.end_time) for s in slots]
    try:
        # A concurrent request may have inserted an overlapping slot since the check above;
        # the exclusion constraint refuses it and we answer as the check would have.
        with transaction.atomic():
            return TimeSlot.objects.bulk_create(rows)
    except IntegrityError as exc:
        if "slot_no_overlap_per_doctor" in str(exc):
            raise _overlap_conflict(date, _overlapping(doctor, date, slots)) from exc
        raise


@transaction.atomic
def slot_create(
    *,
    by: User,
    date: dt.date,
    start_time: dt.time,
    end_time: dt.time,
    doctor: User | None = None,
    policy: BookingPolicy | None = None,
) -> TimeSlot:
    doctor = user_acting_for(by=by, named=doctor, role=Role.DOCTOR, field="doctor", action="open slots")
    max_ahead = (policy or booking_policy()).slot_max_ahead
    slots = _check_times(date, [SlotTimes(start_time, end_time)], max_ahead=max_ahead)
    return _insert(doctor, date, slots)[0]


def day_plan(
    *,
    start_time: dt.time,
    end_time: dt.time,
    slot_minutes: int,
    breaks: Iterable[SlotTimes] = (),
) -> list[SlotTimes]:
    """Slots of ``slot_minutes`` from ``start_time`` to ``end_time``, skipping breaks.

    After a break the next slot starts when the break ends; a remainder shorter than a slot
    is left free.
    """
    if start_time >= end_time:
        raise InvalidInput("The end time must be after the start time.", field="end_time")
    breaks = list(breaks)
    if not all(is_whole_minute(t) for b in breaks for t in (b.start_time, b.end_time)):
        raise InvalidInput(WHOLE_MINUTES, field="breaks")
    if not MIN_SLOT_MINUTES <= slot_minutes <= MAX_SLOT_MINUTES:
        raise InvalidInput(
            f"Slot length must be between {MIN_SLOT_MINUTES} and {MAX_SLOT_MINUTES} minutes.",
            field="slot_minutes",
        )
    day = dt.date(2000, 1, 1)
    cursor, end = dt.datetime.combine(day, start_time), dt.datetime.combine(day, end_time)
    length = dt.timedelta(minutes=slot_minutes)
    pauses = sorted(
        (dt.datetime.combine(day, b.start_time), dt.datetime.combine(day, b.end_time)) for b in breaks
    )
    for pause_start, pause_end in pauses:
        if pause_start >= pause_end:
            raise InvalidInput("A break must end after it starts.", field="breaks")
    plan = []
    while cursor + length <= end:
        clash = next((p for p in pauses if cursor < p[1] and p[0] < cursor + length), None)
        if clash:
            cursor = clash[1]
            continue
        plan.append(SlotTimes(cursor.time(), (cursor + length).time()))
        cursor += length
    if not plan:
        raise InvalidInput("No slot fits between the start and end times.", field="slot_minutes")
    return plan


@transaction.atomic
def slot_bulk_create(
    *,
    by: User,
    date: dt.date,
    start_time: dt.time,
    end_time: dt.time,
    slot_minutes: int,
    breaks: Iterable[SlotTimes] = (),
    doctor: User | None = None,
    policy: BookingPolicy | None = None,
) -> list[TimeSlot]:
    """A day of slots at once: all or nothing; overlaps are refused with their times named."""
    doctor = user_acting_for(by=by, named=doctor, role=Role.DOCTOR, field="doctor", action="open slots")
    plan = day_plan(start_time=start_time, end_time=end_time, slot_minutes=slot_minutes, breaks=breaks)
    slots = _check_times(date, plan, max_ahead=(policy or booking_policy()).slot_max_ahead)
    return _insert(doctor, date, slots)


@transaction.atomic
def slot_delete(*, slot: TimeSlot) -> None:
    """Delete a slot that was never booked; one with any appointment (even cancelled) is history."""
    locked = TimeSlot.objects.select_for_update().get(pk=slot.pk)
    if locked.appointments.exists():
        raise Conflict(
            "This time slot has appointments and is kept as history; it cannot be deleted.",
            code="slot_has_appointments",
        )
    locked.delete()
