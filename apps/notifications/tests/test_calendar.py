"""Calendar files and the personal feed, read back with icalendar's own parser."""

import datetime as dt
import re

import icalendar
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.appointments.services import appointment_book, appointment_set_status
from apps.doctors.tests.factories import TimeSlotFactory
from apps.notifications.models import CalendarFeed
from apps.users.services import user_deactivate

pytestmark = pytest.mark.django_db

CALENDAR_TYPES = ["text/calendar", "*/*", "text/calendar, */*;q=0.5", None]


def book(patient, doctor, **slot):
    return appointment_book(by=patient, timeslot_id=TimeSlotFactory(doctor=doctor, **slot).pk)


def ics(api, user, appointment, accept="text/calendar"):
    headers = {"HTTP_ACCEPT": accept} if accept else {}
    return api.as_user(user).get(f"/api/appointments/{appointment.pk}/calendar.ics", **headers)


def event_of(response) -> icalendar.Event:
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/calendar")
    parsed = icalendar.Calendar.from_ical(response.content)
    (event,) = parsed.events
    return event


@pytest.mark.parametrize("accept", CALENDAR_TYPES)
def test_calendar_apps_get_the_file_whatever_they_accept(api, patient, doctor, accept):
    appointment = book(patient, doctor)
    event = event_of(ics(api, patient, appointment, accept))
    assert event["UID"] == f"appointment-{appointment.pk}@clinic.example"


def test_event_times_carry_the_clinic_zone_with_its_vtimezone(api, patient, doctor, settings):
    appointment = book(patient, doctor, start_time=dt.time(9, 0), end_time=dt.time(9, 30))
    response = ics(api, patient, appointment)
    parsed = icalendar.Calendar.from_ical(response.content)
    (event,) = parsed.events
    assert event["DTSTART"].params["TZID"] == settings.TIME_ZONE
    assert [tz["TZID"] for tz in parsed.timezones] == [settings.TIME_ZONE]
    slot = appointment.timeslot
    assert event.start == dt.datetime.combine(slot.date, dt.time(9, 0), tzinfo=event.start.tzinfo)
    assert event.start.utcoffset() == dt.timedelta(hours=5)  # Asia/Tashkent
    assert event.end - event.start == dt.timedelta(minutes=30)
    assert b"DTSTART;TZID=Asia/Tashkent:" in response.content


def test_summary_names_the_other_person(api, patient, doctor):
    appointment = book(patient, doctor)
    assert (
        event_of(ics(api, patient, appointment))["SUMMARY"]
        == f"Appointment with Dr. {doctor.get_full_name()}"
    )
    assert event_of(ics(api, doctor, appointment))["SUMMARY"] == f"Appointment with {patient.get_full_name()}"


def test_status_and_sequence_follow_every_change_under_the_same_uid(api, patient, doctor):
    appointment = book(patient, doctor)
    booked = event_of(ics(api, patient, appointment))
    assert (booked["STATUS"], booked["SEQUENCE"]) == ("TENTATIVE", 0)

    appointment_set_status(appointment=appointment, by=doctor, status="confirmed")
    confirmed = event_of(ics(api, patient, appointment))
    assert (confirmed["STATUS"], confirmed["SEQUENCE"]) == ("CONFIRMED", 1)

    appointment_set_status(appointment=appointment, by=patient, status="cancelled")
    cancelled = event_of(ics(api, patient, appointment))
    assert (cancelled["STATUS"], cancelled["SEQUENCE"]) == ("CANCELLED", 2)
    assert booked["UID"] == confirmed["UID"] == cancelled["UID"]


def test_sequence_grows_for_changes_made_outside_the_services(api, patient, doctor):
    """The trigger counts every status change, whichever code path wrote it."""
    appointment = book(patient, doctor)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE appointments_appointment SET status = 'confirmed' WHERE id = %s", [appointment.pk]
        )
    assert event_of(ics(api, patient, appointment))["SEQUENCE"] == 1


def test_admin_may_fetch_any_appointments_file(api, admin, patient, doctor):
    appointment = book(patient, doctor)
    assert "with Dr." in event_of(ics(api, admin, appointment))["SUMMARY"]


def test_foreign_or_unknown_appointment_answers_404_in_json(
    api, patient, other_patient, other_doctor, doctor
):
    appointment = book(patient, doctor)
    for stranger in (other_patient, other_doctor):
        response = ics(api, stranger, appointment)
        assert response.status_code == 404
        assert response["Content-Type"] == "application/json"
        assert response.json()["error"]["code"] == "not_found"
    assert api.as_user(patient).get("/api/appointments/999999999999999999/calendar.ics").status_code == 404


def test_calendar_file_needs_a_token(api, patient, doctor):
    appointment = book(patient, doctor)
    response = api.as_user(None).get(f"/api/appointments/{appointment.pk}/calendar.ics")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


# --- The personal feed ------------------------------------------------------------------------


def feed_url(api, user) -> str:
    response = api.as_user(user).get("/api/calendar/feed/")
    assert response.status_code == 200, response.content
    return response.json()["url"]


def fetch(api, url, accept="text/calendar"):
    path = re.sub(r"^https?://[^/]+", "", url)
    return api.as_user(None).get(path, HTTP_ACCEPT=accept)


def test_feed_address_is_absolute_stable_and_serves_without_a_token(api, patient, doctor):
    appointment = book(patient, doctor)
    url = feed_url(api, patient)
    assert url.startswith("http://testserver/api/calendar/feed/")
    assert feed_url(api, patient) == url
    for accept in ("text/calendar", "*/*"):
        parsed = icalendar.Calendar.from_ical(fetch(api, url, accept).content)
        assert [e["UID"] for e in parsed.events] == [f"appointment-{appointment.pk}@clinic.example"]
        assert parsed.timezones


def test_feed_token_is_unguessable_and_compared_in_constant_time(api, patient):
    url = feed_url(api, patient)
    feed = CalendarFeed.objects.get(user=patient)
    assert len(feed.selector) >= 16
    assert len(feed.verifier) >= 32
    assert fetch(api, url.replace(feed.verifier, "A" * len(feed.verifier))).status_code == 404
    assert fetch(api, url.replace(feed.verifier, feed.verifier[:-1])).status_code == 404
    assert fetch(api, url.replace(feed.selector, "B" * len(feed.selector))).status_code == 404
    assert fetch(api, url).status_code == 200


def test_feed_holds_own_appointments_from_30_days_ago_on(api, patient, other_patient, doctor):
    today = dt.date.today()
    mine = book(patient, doctor)
    book(other_patient, doctor)
    # Slots cannot be opened in the past: write old ones as they would have been.
    old_slot = TimeSlotFactory(doctor=doctor, date=today - dt.timedelta(days=31))
    recent_slot = TimeSlotFactory(doctor=doctor, date=today - dt.timedelta(days=29))
    from apps.appointments.models import Appointment

    old = Appointment.objects.create(doctor=doctor, patient=patient, timeslot=old_slot)
    recent = Appointment.objects.create(doctor=doctor, patient=patient, timeslot=recent_slot)
    old_slot.is_available = recent_slot.is_available = False
    old_slot.save()
    recent_slot.save()
    parsed = icalendar.Calendar.from_ical(fetch(api, feed_url(api, patient)).content)
    uids = [e["UID"] for e in parsed.events]
    assert uids == [f"appointment-{a.pk}@clinic.example" for a in (recent, mine)]
    assert f"appointment-{old.pk}@clinic.example" not in uids


def test_doctor_feed_names_the_patients(api, patient, doctor):
    book(patient, doctor)
    parsed = icalendar.Calendar.from_ical(fetch(api, feed_url(api, doctor)).content)
    assert [e["SUMMARY"] for e in parsed.events] == [f"Appointment with {patient.get_full_name()}"]


def test_rotating_kills_the_old_address(api, patient):
    old = feed_url(api, patient)
    response = api.as_user(patient).post("/api/calendar/feed/rotate/")
    assert response.status_code == 200
    new = response.json()["url"]
    assert new != old
    assert fetch(api, old).status_code == 404
    assert fetch(api, old).json()["error"]["code"] == "not_found"
    assert fetch(api, new).status_code == 200
    assert feed_url(api, patient) == new


def test_deactivated_users_feed_answers_404(api, admin, patient):
    url = feed_url(api, patient)
    user_deactivate(user=patient, by=admin)
    assert fetch(api, url).status_code == 404


def test_feed_endpoints_need_a_token(api):
    assert api.as_user(None).get("/api/calendar/feed/").status_code == 401
    assert api.as_user(None).post("/api/calendar/feed/rotate/").status_code == 401


def test_feed_runs_a_constant_number_of_queries(api, patient, django_assert_max_num_queries):
    url = feed_url(api, patient)
    for _ in range(3):
        slot = TimeSlotFactory()
        appointment_book(by=patient, timeslot_id=slot.pk)
    with CaptureQueriesContext(connection) as few:
        assert fetch(api, url).status_code == 200
    for _ in range(2):  # the cap: 5 active bookings
        appointment = appointment_book(by=patient, timeslot_id=TimeSlotFactory().pk)
        appointment_set_status(appointment=appointment, by=appointment.doctor, status="confirmed")
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = fetch(api, url)
    assert len(icalendar.Calendar.from_ical(response.content).events) == 5
