import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.appointments.models import Appointment, Status
from apps.doctors.models import TimeSlot
from apps.doctors.tests.factories import TimeSlotFactory, tomorrow
from apps.users.tests.factories import DoctorFactory, PatientFactory

pytestmark = pytest.mark.django_db


def slot_body(start="09:00", end="09:30", date=None, **extra):
    return {"date": str(date or tomorrow()), "start_time": start, "end_time": end, **extra}


def test_doctor_opens_own_slot(api, doctor):
    response = api.as_user(doctor).post("/api/timeslots/", slot_body())
    assert response.status_code == 201
    assert response.json() | {"id": 0} == {
        "id": 0,
        "doctor": doctor.id,
        "date": str(tomorrow()),
        "start_time": "09:00:00",
        "end_time": "09:30:00",
        "is_available": True,
    }


def test_overlapping_slot_is_a_409_naming_the_existing_times(api, doctor):
    api.as_user(doctor).post("/api/timeslots/", slot_body("09:00", "09:30"))
    response = api.as_user(doctor).post("/api/timeslots/", slot_body("09:15", "09:45"))
    assert response.status_code == 409
    assert "09:00-09:30" in response.json()["error"]["message"]


def test_touching_slots_are_fine(api, doctor):
    api.as_user(doctor).post("/api/timeslots/", slot_body("09:00", "09:30"))
    assert api.as_user(doctor).post("/api/timeslots/", slot_body("09:30", "10:00")).status_code == 201


def test_other_doctors_may_use_the_same_time(api, doctor, other_doctor):
    api.as_user(doctor).post("/api/timeslots/", slot_body())
    assert api.as_user(other_doctor).post("/api/timeslots/", slot_body()).status_code == 201


@pytest.mark.parametrize(("start", "end"), [("10:00", "10:00"), ("10:00", "09:00")])
def test_slot_must_end_after_it_starts(api, doctor, start, end):
    response = api.as_user(doctor).post("/api/timeslots/", slot_body(start, end))
    assert response.status_code == 400
    assert "end_time" in response.json()["error"]["fields"]


def test_slot_cannot_be_created_in_the_past(api, doctor):
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    response = api.as_user(doctor).post("/api/timeslots/", slot_body(date=yesterday))
    assert response.status_code == 400
    assert "start_time" in response.json()["error"]["fields"]


@pytest.mark.parametrize("clock", ["10:15", "00:20"])
def test_slot_earlier_today_is_in_the_past(api, doctor, clock):
    # The clinic's own clock, also just after its midnight (when "today" has barely begun).
    now = dt.datetime.combine(
        dt.date(2026, 12, 1), dt.time.fromisoformat(clock), timezone.get_current_timezone()
    )
    with time_machine.travel(now, tick=False):
        earlier = (now - dt.timedelta(minutes=20)).strftime("%H:%M")
        later = (now + dt.timedelta(minutes=10)).strftime("%H:%M")
        response = api.as_user(doctor).post("/api/timeslots/", slot_body(earlier, later, date=now.date()))
        assert response.status_code == 400
        assert "start_time" in response.json()["error"]["fields"]
        ahead = (now + dt.timedelta(minutes=40)).strftime("%H:%M")
        assert (
            api.as_user(doctor).post("/api/timeslots/", slot_body(later, ahead, date=now.date())).status_code
            == 201
        )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"date": "2026-02-30"}, "date"),
        ({"start_time": "25:00"}, "start_time"),
        ({"end_time": None}, "end_time"),
        ({"date": "x" * 10_000}, "date"),
    ],
)
def test_bad_slot_input_names_the_field(api, doctor, body, field):
    response = api.as_user(doctor).post("/api/timeslots/", {**slot_body(), **body})
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]


def test_doctor_cannot_open_slots_for_another_doctor(api, doctor, other_doctor):
    response = api.as_user(doctor).post("/api/timeslots/", slot_body(doctor=other_doctor.id))
    assert response.status_code == 400
    assert "doctor" in response.json()["error"]["fields"]
    assert not TimeSlot.objects.exists()


def test_admin_opens_a_slot_for_a_named_doctor(api, admin, doctor):
    response = api.as_user(admin).post("/api/timeslots/", slot_body(doctor=doctor.id))
    assert response.status_code == 201
    assert response.json()["doctor"] == doctor.id


def test_admin_must_name_an_active_doctor(api, admin, patient):
    assert api.as_user(admin).post("/api/timeslots/", slot_body()).status_code == 400
    response = api.as_user(admin).post("/api/timeslots/", slot_body(doctor=patient.id))
    assert response.status_code == 400
    assert "doctor" in response.json()["error"]["fields"]


def test_patients_cannot_manage_slots(api, patient):
    assert api.as_user(patient).post("/api/timeslots/", slot_body()).status_code == 403
    assert api.as_user(patient).get("/api/timeslots/").status_code == 403


def test_doctor_sees_only_own_slots_and_others_are_404(api, doctor, other_doctor):
    mine = TimeSlotFactory(doctor=doctor)
    theirs = TimeSlotFactory(doctor=other_doctor)
    listed = api.as_user(doctor).get("/api/timeslots/").json()["results"]
    assert [s["id"] for s in listed] == [mine.id]
    assert api.as_user(doctor).get(f"/api/timeslots/{theirs.id}/").status_code == 404
    assert api.as_user(doctor).delete(f"/api/timeslots/{theirs.id}/").status_code == 404
    assert TimeSlot.objects.filter(pk=theirs.pk).exists()


def test_slot_list_filters_by_date_and_availability(api, doctor):
    day_after = tomorrow() + dt.timedelta(days=1)
    booked = TimeSlotFactory(doctor=doctor)
    later = TimeSlotFactory(doctor=doctor, date=day_after)
    assert (
        api.as_user(PatientFactory()).post("/api/appointments/", {"timeslot": booked.id}).status_code == 201
    )
    by_date = api.as_user(doctor).get(f"/api/timeslots/?date={day_after}").json()["results"]
    assert [s["id"] for s in by_date] == [later.id]
    taken = api.as_user(doctor).get("/api/timeslots/?is_available=false").json()["results"]
    assert [s["id"] for s in taken] == [booked.id]
    free = api.as_user(doctor).get("/api/timeslots/?is_available=true").json()["results"]
    assert [s["id"] for s in free] == [later.id]
    assert api.as_user(doctor).get("/api/timeslots/?date=notadate").status_code == 400


def test_never_booked_slot_can_be_deleted(api, doctor):
    slot = TimeSlotFactory(doctor=doctor)
    assert api.as_user(doctor).delete(f"/api/timeslots/{slot.id}/").status_code == 204
    assert not TimeSlot.objects.filter(pk=slot.pk).exists()


@pytest.mark.parametrize("status", [Status.PENDING, Status.CANCELLED])
def test_slot_with_any_appointment_cannot_be_deleted(api, doctor, patient, status):
    slot = TimeSlotFactory(doctor=doctor, is_available=status == Status.CANCELLED)
    Appointment.objects.create(doctor=doctor, patient=patient, timeslot=slot, status=status)
    response = api.as_user(doctor).delete(f"/api/timeslots/{slot.id}/")
    assert response.status_code == 409
    assert TimeSlot.objects.filter(pk=slot.pk).exists()


def test_bulk_creates_a_day_with_breaks(api, doctor):
    response = api.as_user(doctor).post(
        "/api/timeslots/bulk/",
        slot_body("09:00", "12:00", slot_minutes=30, breaks=[{"start_time": "10:30", "end_time": "11:00"}]),
    )
    assert response.status_code == 201
    starts = [s["start_time"][:5] for s in response.json()]
    assert starts == ["09:00", "09:30", "10:00", "11:00", "11:30"]


def test_bulk_is_all_or_nothing_and_names_the_overlap(api, doctor):
    api.as_user(doctor).post("/api/timeslots/", slot_body("10:00", "10:20"))
    response = api.as_user(doctor).post("/api/timeslots/bulk/", slot_body("09:00", "12:00", slot_minutes=30))
    assert response.status_code == 409
    assert "10:00-10:20" in response.json()["error"]["message"]
    assert TimeSlot.objects.count() == 1


@pytest.mark.parametrize("minutes", [0, 4, 481, "x"])
def test_bulk_slot_length_is_validated(api, doctor, minutes):
    response = api.as_user(doctor).post(
        "/api/timeslots/bulk/", slot_body("09:00", "12:00", slot_minutes=minutes)
    )
    assert response.status_code == 400
    assert "slot_minutes" in response.json()["error"]["fields"]


def test_free_slots_show_only_free_future_slots_of_the_doctor(api, patient, doctor, other_doctor):
    free = TimeSlotFactory(doctor=doctor)
    TimeSlotFactory(doctor=doctor, is_available=False).appointments.create(
        doctor=doctor, patient=patient, status=Status.PENDING
    )
    TimeSlotFactory(doctor=other_doctor)
    past = TimeSlot.objects.create(
        doctor=doctor,
        date=timezone.localdate() - dt.timedelta(days=1),
        start_time=dt.time(9),
        end_time=dt.time(10),
    )
    listed = api.as_user(patient).get(f"/api/doctors/{doctor.id}/timeslots/").json()["results"]
    assert [s["id"] for s in listed] == [free.id]
    assert past.id not in [s["id"] for s in listed]


def test_free_slots_filter_by_date(api, patient, doctor):
    TimeSlotFactory(doctor=doctor)
    later = TimeSlotFactory(doctor=doctor, date=tomorrow() + dt.timedelta(days=3))
    listed = api.as_user(patient).get(f"/api/doctors/{doctor.id}/timeslots/?date={later.date}").json()
    assert [s["id"] for s in listed["results"]] == [later.id]


def test_free_slots_of_unknown_doctor_are_404(api, patient):
    assert api.as_user(patient).get("/api/doctors/987654/timeslots/").status_code == 404


def test_database_refuses_overlapping_slots():
    doctor = DoctorFactory()
    TimeSlot.objects.create(doctor=doctor, date=tomorrow(), start_time=dt.time(9), end_time=dt.time(10))
    with pytest.raises(IntegrityError, match="slot_no_overlap_per_doctor"), transaction.atomic():
        TimeSlot.objects.create(
            doctor=doctor, date=tomorrow(), start_time=dt.time(9, 30), end_time=dt.time(11)
        )


def test_database_refuses_slot_ending_before_start():
    with pytest.raises(IntegrityError, match="slot_starts_before_end"), transaction.atomic():
        TimeSlot.objects.create(
            doctor=DoctorFactory(), date=tomorrow(), start_time=dt.time(10), end_time=dt.time(9)
        )


def test_model_validation_reports_overlap():
    doctor = DoctorFactory()
    TimeSlot.objects.create(doctor=doctor, date=tomorrow(), start_time=dt.time(9), end_time=dt.time(10))
    clash = TimeSlot(doctor=doctor, date=tomorrow(), start_time=dt.time(9, 30), end_time=dt.time(11))
    with pytest.raises(ValidationError, match="overlaps another slot"):
        clash.full_clean()


@pytest.mark.parametrize(
    "path", ["/api/timeslots/?page_size=100", "/api/doctors/{id}/timeslots/?page_size=100"]
)
def test_slot_lists_run_constant_queries(api, doctor, admin, django_assert_max_num_queries, path):
    TimeSlotFactory.create_batch(24, doctor=doctor)
    TimeSlotFactory.create_batch(24, doctor=doctor, date=tomorrow() + dt.timedelta(days=1))
    TimeSlotFactory.create_batch(24, doctor=doctor, date=tomorrow() + dt.timedelta(days=2))
    client = api.as_user(admin)
    with django_assert_max_num_queries(3):  # user, count, page (the doctor is checked in the page query)
        response = client.get(path.format(id=doctor.id))
    assert response.json()["count"] == 72


def test_deactivated_doctors_free_slots_disappear_from_patients(api, admin, patient, doctor):
    TimeSlotFactory(doctor=doctor)
    assert api.as_user(patient).get(f"/api/doctors/{doctor.id}/timeslots/").json()["count"] == 1
    api.as_user(admin).delete(f"/api/users/{doctor.id}/")
    assert api.as_user(patient).get(f"/api/doctors/{doctor.id}/timeslots/").status_code == 404
