"""The lifecycle table (SPEC section 9): every role x own/foreign x transition x moment.

The clock is moved with time-machine around one slot that starts tomorrow at 10:00 in the
clinic's zone: ``before`` is a day ahead, ``near`` an hour before the start (inside the
patient's 120-minute cutoff), ``after`` ten minutes into the visit.
"""

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.conf import settings

from apps.appointments.models import Appointment, StatusChange
from apps.doctors.models import TimeSlot
from apps.doctors.tests.factories import TimeSlotFactory, tomorrow
from apps.users.tests.factories import AdminFactory, DoctorFactory, PatientFactory

pytestmark = pytest.mark.django_db

START = dt.time(10)
MOMENTS = {
    "before": -dt.timedelta(days=1),
    "near": -dt.timedelta(minutes=60),
    "after": dt.timedelta(minutes=10),
}


def at(slot, moment):
    """Travel to ``moment`` relative to the slot's start, in the clinic's zone."""
    start = dt.datetime.combine(slot.date, slot.start_time, tzinfo=zoneinfo.ZoneInfo(settings.TIME_ZONE))
    return time_machine.travel(start + MOMENTS[moment], tick=False)


@pytest.fixture
def visit(api, doctor, patient):
    """A booked slot and a way to bring its appointment to any state, as the API would."""
    slot = TimeSlotFactory(doctor=doctor, date=tomorrow() + dt.timedelta(days=1), start_time=START)
    with at(slot, "before"):
        booked = api.as_user(patient).post("/api/appointments/", {"timeslot": slot.id}).json()
    url = f"/api/appointments/{booked['id']}/"

    def bring_to(state):
        steps = {
            "pending": [],
            "confirmed": [("before", "confirmed")],
            "cancelled": [("before", "cancelled")],
            "completed": [("before", "confirmed"), ("after", "completed")],
            "no_show": [("after", "no_show")],
        }[state]
        for moment, status in steps:
            with at(slot, moment):
                assert api.as_user(doctor).patch(url, {"status": status}).status_code == 200

    return {"slot": slot, "url": url, "id": booked["id"], "bring_to": bring_to}


# (caller, from, to, moment, expected status, expected error code)
LIFECYCLE = [
    # pending -> confirmed: the doctor or an admin, before the start
    ("doctor", "pending", "confirmed", "before", 200, None),
    ("admin", "pending", "confirmed", "near", 200, None),
    ("patient", "pending", "confirmed", "before", 403, "permission_denied"),
    ("doctor", "pending", "confirmed", "after", 409, "slot_started"),
    ("other_doctor", "pending", "confirmed", "before", 404, "not_found"),
    ("other_patient", "pending", "confirmed", "before", 404, "not_found"),
    # -> cancelled: the patient up to the cutoff; the doctor or an admin up to the start
    ("patient", "pending", "cancelled", "before", 200, None),
    ("patient", "confirmed", "cancelled", "before", 200, None),
    ("patient", "pending", "cancelled", "near", 409, "cancellation_cutoff"),
    ("patient", "confirmed", "cancelled", "after", 409, "slot_started"),
    ("doctor", "pending", "cancelled", "near", 200, None),
    ("doctor", "confirmed", "cancelled", "near", 200, None),
    ("admin", "confirmed", "cancelled", "near", 200, None),
    ("doctor", "pending", "cancelled", "after", 409, "slot_started"),
    ("admin", "confirmed", "cancelled", "after", 409, "slot_started"),
    ("other_patient", "pending", "cancelled", "before", 404, "not_found"),
    ("other_doctor", "confirmed", "cancelled", "before", 404, "not_found"),
    # confirmed -> completed: the doctor or an admin, once started
    ("doctor", "confirmed", "completed", "after", 200, None),
    ("admin", "confirmed", "completed", "after", 200, None),
    ("doctor", "confirmed", "completed", "near", 409, "slot_not_started"),
    ("doctor", "pending", "completed", "after", 409, "invalid_transition"),
    ("patient", "confirmed", "completed", "after", 403, "permission_denied"),
    ("other_doctor", "confirmed", "completed", "after", 404, "not_found"),
    # pending or confirmed -> no_show: the doctor or an admin, once started
    ("doctor", "pending", "no_show", "after", 200, None),
    ("admin", "confirmed", "no_show", "after", 200, None),
    ("doctor", "confirmed", "no_show", "near", 409, "slot_not_started"),
    ("patient", "pending", "no_show", "after", 403, "permission_denied"),
    ("other_patient", "pending", "no_show", "after", 404, "not_found"),
    # final states stay final
    ("doctor", "cancelled", "confirmed", "before", 409, "invalid_transition"),
    ("patient", "cancelled", "cancelled", "before", 409, "invalid_transition"),
    ("admin", "completed", "no_show", "after", 409, "invalid_transition"),
    ("doctor", "completed", "cancelled", "after", 409, "invalid_transition"),
    ("admin", "no_show", "completed", "after", 409, "invalid_transition"),
    ("patient", "no_show", "cancelled", "after", 409, "invalid_transition"),
]


@pytest.mark.parametrize(
    ("caller", "start", "to", "moment", "expected", "code"),
    LIFECYCLE,
    ids=[f"{c}-{s}-{t}-{m}" for c, s, t, m, *_ in LIFECYCLE],
)
def test_lifecycle_table(api, visit, doctor, patient, caller, start, to, moment, expected, code):
    people = {
        "doctor": doctor,
        "patient": patient,
        "admin": AdminFactory(),
        "other_doctor": DoctorFactory(),
        "other_patient": PatientFactory(),
    }
    visit["bring_to"](start)
    with at(visit["slot"], moment):
        response = api.as_user(people[caller]).patch(visit["url"], {"status": to, "reason": "why"})
    assert response.status_code == expected, response.content
    status_now = Appointment.objects.get(pk=visit["id"]).status
    if expected == 200:
        assert response.json()["status"] == to == status_now
    else:
        assert response.json()["error"]["code"] == code
        assert status_now == start  # a refusal changes nothing


@pytest.mark.parametrize(
    ("final", "slot_free"), [("cancelled", True), ("completed", False), ("no_show", False)]
)
def test_only_cancelling_frees_the_slot(visit, final, slot_free):
    visit["bring_to"](final)
    assert TimeSlot.objects.get(pk=visit["slot"].pk).is_available is slot_free


def test_patient_cancels_with_patch_or_delete_but_not_inside_the_cutoff(api, visit, patient):
    with at(visit["slot"], "near"):
        response = api.as_user(patient).delete(visit["url"])
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "cancellation_cutoff"
    with at(visit["slot"], "before"):
        assert api.as_user(patient).delete(visit["url"]).status_code == 200


def test_cutoff_comes_from_the_policy_setting(api, visit, patient, settings):
    settings.BOOKING_CANCEL_CUTOFF_MINUTES = 30
    with at(visit["slot"], "near"):  # 60 minutes ahead: outside a 30-minute cutoff
        response = api.as_user(patient).patch(visit["url"], {"status": "cancelled"})
    assert response.status_code == 200


@pytest.mark.parametrize("reason", ["x" * 501, ["a"], {"a": 1}])
def test_reason_longer_than_500_characters_or_not_text_is_a_400(api, visit, doctor, reason):
    with at(visit["slot"], "before"):
        response = api.as_user(doctor).patch(visit["url"], {"status": "confirmed", "reason": reason})
    assert response.status_code == 400
    assert "reason" in response.json()["error"]["fields"]
    assert not StatusChange.objects.filter(appointment_id=visit["id"], to_status="confirmed").exists()
