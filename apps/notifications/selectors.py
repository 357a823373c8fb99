"""Reads for calendars and notifications; visibility comes from the appointments' selector."""

from __future__ import annotations

import datetime as dt
import hmac

from django.db.models import F, Q, QuerySet
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from apps.appointments.models import Appointment
from apps.appointments.selectors import appointment_list_for
from apps.users.models import User

from .models import CalendarFeed

FEED_PAST_DAYS = 30


def with_calendar_sequence(appointments: QuerySet[Appointment]) -> QuerySet[Appointment]:
    """Each appointment's iCalendar SEQUENCE, joined in the same query."""
    return appointments.annotate(calendar_sequence=Coalesce(F("calendar_version__sequence"), 0))


def appointment_for_calendar(*, user: User, pk: int) -> Appointment:
    """The appointment if ``user`` may see it (its doctor, its patient, an admin), else 404."""
    appointment = with_calendar_sequence(appointment_list_for(user)).filter(pk=pk).first()
    if appointment is None:
        raise Http404
    return appointment


def feed_appointments(user: User) -> QuerySet[Appointment]:
    """The user's own appointments (as doctor or patient) from 30 days ago onwards, by start."""
    since = timezone.localdate() - dt.timedelta(days=FEED_PAST_DAYS)
    return (
        with_calendar_sequence(appointment_list_for(user))
        .filter(Q(doctor=user) | Q(patient=user), timeslot__date__gte=since)
        .order_by("timeslot__date", "timeslot__start_time", "id")
    )


def feed_owner(*, selector: str, verifier: str) -> User:
    """The active owner of the feed address, else 404 (also for a rotated address)."""
    feed = CalendarFeed.objects.select_related("user").filter(selector=selector).first()
    if feed is None or not hmac.compare_digest(feed.verifier.encode(), verifier.encode()):
        raise Http404
    if not feed.user.is_active:
        raise Http404
    return feed.user
