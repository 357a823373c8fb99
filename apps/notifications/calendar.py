"""iCalendar (RFC 5545) files of appointments, made with the ``icalendar`` library.

Times are the clinic's wall-clock times (``settings.TIME_ZONE``) with a ``TZID`` and the zone's
``VTIMEZONE``. ``STATUS``: pending → ``TENTATIVE``; confirmed and completed → ``CONFIRMED``;
no_show → ``CONFIRMED`` too (the visit was held for the patient and its slot kept: marking it
``CANCELLED`` would tell a calendar the clinic called it off); cancelled → ``CANCELLED``.
``SEQUENCE`` is the number of status changes since the booking (``CalendarVersion``).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable
from zoneinfo import ZoneInfo

import icalendar
from django.conf import settings
from django.utils import timezone

from apps.appointments.models import Appointment
from apps.users.models import Role, User

from .models import CalendarVersion

PRODID = "-//Clinic Appointment Booking API//Calendar//EN"
MEDIA_TYPE = "text/calendar"

_STATUS = {
    "pending": "TENTATIVE",
    "confirmed": "CONFIRMED",
    "completed": "CONFIRMED",
    "no_show": "CONFIRMED",
    "cancelled": "CANCELLED",
}


def uid(appointment_id: int) -> str:
    """Never changes for an appointment (a reschedule books a new one, with its own UID)."""
    return f"appointment-{appointment_id}@{settings.CALENDAR_UID_DOMAIN}"


@functools.lru_cache(maxsize=8)
def _vtimezone(tzid: str, year: int) -> icalendar.Timezone:
    # The zone's rules from a year back to two years ahead: every slot a feed can show.
    return icalendar.Timezone.from_tzid(
        tzid, first_date=dt.date(year - 1, 1, 1), last_date=dt.date(year + 3, 1, 1)
    )


def display_name(user: User) -> str:
    return user.get_full_name() or user.username


def summary(appointment: Appointment, viewer: User) -> str:
    """The other person: the doctor for the patient, the patient for the doctor (both for admins)."""
    doctor, patient = display_name(appointment.doctor), display_name(appointment.patient)
    if viewer.pk == appointment.patient_id:
        return f"Appointment with Dr. {doctor}"
    if viewer.pk == appointment.doctor_id:
        return f"Appointment with {patient}"
    return f"{patient} with Dr. {doctor}" if viewer.role == Role.ADMIN else "Appointment"


def _event(appointment: Appointment, viewer: User, zone: ZoneInfo, stamp: dt.datetime) -> icalendar.Event:
    slot = appointment.timeslot
    event = icalendar.Event()
    event.add("uid", uid(appointment.pk))
    event.add("dtstamp", stamp)
    event.add("dtstart", slot.starts.replace(tzinfo=zone))
    event.add("dtend", slot.ends.replace(tzinfo=zone))
    event.add("summary", summary(appointment, viewer))
    event.add("status", _STATUS.get(appointment.status, "CONFIRMED"))
    event.add("sequence", sequence_of(appointment))
    event.add("last-modified", appointment.updated_at)
    return event


def sequence_of(appointment: Appointment) -> int:
    """From the ``calendar_sequence`` annotation of the selectors, else one query."""
    annotated = getattr(appointment, "calendar_sequence", None)
    if annotated is not None:
        return annotated
    return (
        CalendarVersion.objects.filter(appointment_id=appointment.pk)
        .values_list("sequence", flat=True)
        .first()
        or 0
    )


def calendar(appointments: Iterable[Appointment], viewer: User, *, name: str | None = None) -> bytes:
    """One VCALENDAR with a VEVENT per appointment, as seen by ``viewer``."""
    tzid = settings.TIME_ZONE
    zone = ZoneInfo(tzid)
    stamp = timezone.now().replace(microsecond=0)
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    if name:
        cal.add("x-wr-calname", name)
        cal.add("x-wr-timezone", tzid)
    cal.add_component(_vtimezone(tzid, stamp.astimezone(zone).year))
    for appointment in appointments:
        cal.add_component(_event(appointment, viewer, zone, stamp))
    return cal.to_ical()
