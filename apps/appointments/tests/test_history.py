"""History: written by the database for every change, whoever makes it; append-only."""

import datetime as dt

import pytest
from django.db import IntegrityError, connection, transaction

from apps.appointments.models import Appointment, StatusChange
from apps.doctors.models import TimeSlot
from apps.doctors.tests.factories import TimeSlotFactory, tomorrow

pytestmark = pytest.mark.django_db


@pytest.fixture
def booked(api, patient, doctor):
    slot = TimeSlotFactory(doctor=doctor, date=tomorrow() + dt.timedelta(days=2))
    return api.as_user(patient).post("/api/appointments/", {"timeslot": slot.id}).json()


def history(api, user, booked):
    return api.as_user(user).get(f"/api/appointments/{booked['id']}/history/")


def test_history_records_the_booking_and_every_change_with_who_and_why(api, booked, patient, doctor):
    url = f"/api/appointments/{booked['id']}/"
    api.as_user(doctor).patch(url, {"status": "confirmed", "reason": "See you then."})
    api.as_user(patient).patch(url, {"status": "cancelled", "reason": "I feel better."})

    response = history(api, patient, booked)
    assert response.status_code == 200
    assert [(h["by"], h["from_status"], h["to_status"], h["reason"]) for h in response.json()] == [
        (patient.id, None, "pending", ""),
        (doctor.id, "pending", "confirmed", "See you then."),
        (patient.id, "confirmed", "cancelled", "I feel better."),
    ]
    assert all(h["at"] for h in response.json())


def test_history_is_for_the_appointments_people_and_admins_only(
    api, booked, patient, doctor, admin, other_patient, other_doctor
):
    for user in (patient, doctor, admin):
        assert history(api, user, booked).status_code == 200
    for user in (other_patient, other_doctor):
        assert history(api, user, booked).status_code == 404
    assert history(api, None, booked).status_code == 401
    assert api.as_user(admin).get("/api/appointments/987654321/history/").status_code == 404


def test_deactivation_is_recorded_with_the_admin_and_a_reason(api, booked, patient, admin):
    api.as_user(admin).delete(f"/api/users/{patient.id}/")
    last = StatusChange.objects.filter(appointment_id=booked["id"]).last()
    assert (last.by_id, last.to_status) == (admin.id, "cancelled")
    assert last.reason


def test_a_refused_change_leaves_no_history(api, booked, patient):
    url = f"/api/appointments/{booked['id']}/"
    assert api.as_user(patient).patch(url, {"status": "confirmed"}).status_code == 403
    assert StatusChange.objects.filter(appointment_id=booked["id"]).count() == 1


def test_a_status_change_in_raw_sql_is_recorded_too(doctor, patient):
    slot = TimeSlotFactory(doctor=doctor, is_available=False)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO appointments_appointment (doctor_id, patient_id, timeslot_id, status, created_at,"
            " updated_at) VALUES (%s, %s, %s, 'pending', now(), now()) RETURNING id",
            [doctor.id, patient.id, slot.id],
        )
        appointment_id = cursor.fetchone()[0]
        cursor.execute(
            "UPDATE appointments_appointment SET status = 'confirmed' WHERE id = %s", [appointment_id]
        )
        cursor.execute(
            "UPDATE appointments_appointment SET updated_at = now() WHERE id = %s", [appointment_id]
        )
    changes = StatusChange.objects.filter(appointment_id=appointment_id).order_by("id")
    assert [(c.by_id, c.from_status, c.to_status) for c in changes] == [
        (None, None, "pending"),
        (None, "pending", "confirmed"),
    ]


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE appointments_statuschange SET reason = 'rewritten' WHERE appointment_id = %s",
        "UPDATE appointments_statuschange SET by_id = NULL WHERE appointment_id = %s",
        "DELETE FROM appointments_statuschange WHERE appointment_id = %s",
    ],
)
def test_database_refuses_to_rewrite_or_delete_history(booked, sql):
    with (
        pytest.raises(IntegrityError, match="status_change_append_only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, [booked["id"]])
    assert StatusChange.objects.filter(appointment_id=booked["id"]).count() == 1


def test_history_is_written_in_the_transaction_of_the_change(doctor, patient):
    slot = TimeSlotFactory(doctor=doctor, is_available=False)
    with pytest.raises(RuntimeError), transaction.atomic():
        Appointment.objects.create(doctor=doctor, patient=patient, timeslot=slot)
        raise RuntimeError("rolled back")
    assert not StatusChange.objects.exists()
    TimeSlot.objects.filter(pk=slot.pk).update(is_available=True)


def test_history_answers_in_constant_queries(api, booked, doctor, patient, django_assert_max_num_queries):
    url = f"/api/appointments/{booked['id']}/"
    api.as_user(doctor).patch(url, {"status": "confirmed"})
    api.as_user(doctor).patch(url, {"status": "cancelled"})
    client = api.as_user(patient)
    with django_assert_max_num_queries(3):  # user, appointment, history
        assert len(client.get(f"{url}history/").json()) == 3
