"""Slot times are whole minutes: "10:00:00.5" used to answer "10:00:00" while the database
kept the half second, and the hidden fraction made false overlaps."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from apps.doctors.models import TimeSlot
from apps.doctors.services import WHOLE_MINUTES, slot_create
from apps.doctors.tests.factories import TimeSlotFactory, tomorrow
from core.exceptions import InvalidInput

pytestmark = pytest.mark.django_db


def slot_body(start="09:00", end="09:30", **extra):
    return {"date": str(tomorrow()), "start_time": start, "end_time": end, **extra}


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        ("10:00:00.5", "10:30", "start_time"),
        ("10:00", "10:30:00.000001", "end_time"),
        ("10:00:30", "10:30", "start_time"),
        ("10:00", "10:30:59", "end_time"),
    ],
)
def test_a_slot_time_with_seconds_is_refused_naming_the_field(api, doctor, start, end, field):
    response = api.as_user(doctor).post("/api/timeslots/", slot_body(start, end))
    assert response.status_code == 400, response.content
    assert list(response.json()["error"]["fields"]) == [field]
    assert not TimeSlot.objects.exists()


def test_whole_minutes_with_or_without_zero_seconds_are_accepted(api, doctor):
    assert api.as_user(doctor).post("/api/timeslots/", slot_body("10:00:00", "10:30:00")).status_code == 201
    assert api.as_user(doctor).post("/api/timeslots/", slot_body("10:30", "11:00")).status_code == 201


@pytest.mark.parametrize("field", ["start_time", "end_time"])
def test_bulk_creation_refuses_seconds_in_its_times(api, doctor, field):
    body = slot_body("09:00", "12:00", slot_minutes=30) | {field: "10:00:00.5"}
    response = api.as_user(doctor).post("/api/timeslots/bulk/", body)
    assert response.status_code == 400, response.content
    assert list(response.json()["error"]["fields"]) == [field]
    assert not TimeSlot.objects.exists()


def test_bulk_creation_refuses_seconds_in_a_break(api, doctor):
    body = slot_body(
        "09:00", "12:00", slot_minutes=30, breaks=[{"start_time": "10:00", "end_time": "10:15:30"}]
    )
    response = api.as_user(doctor).post("/api/timeslots/bulk/", body)
    assert response.status_code == 400, response.content
    assert response.json()["error"]["fields"]["breaks"] == {"0": {"end_time": [WHOLE_MINUTES]}}
    assert not TimeSlot.objects.exists()


def test_service_refuses_seconds_whoever_calls_it(doctor):
    with pytest.raises(InvalidInput) as refused:
        slot_create(
            by=doctor, date=tomorrow(), start_time=dt.time(10, 0, 0, 500_000), end_time=dt.time(10, 30)
        )
    assert refused.value.field == "start_time"


@pytest.mark.parametrize(
    ("start", "end"), [(dt.time(10, 0, 0, 500_000), dt.time(10, 30)), (dt.time(10), dt.time(10, 30, 1))]
)
def test_database_refuses_slot_times_with_seconds(doctor, start, end):
    with pytest.raises(IntegrityError, match="slot_times_whole_minutes"), transaction.atomic():
        TimeSlotFactory(doctor=doctor, start_time=start, end_time=end)
