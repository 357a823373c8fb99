"""Idempotency-Key on booking (SPEC 9): replay, 422 on another body, 409 while in flight,
per user, a 5xx releases the key, zero cost without the header."""

import datetime as dt
import threading
import types

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.appointments import services as booking_services
from apps.appointments.models import Appointment
from apps.appointments.tests.test_concurrency import client_for, race
from apps.doctors.tests.factories import TimeSlotFactory
from apps.idempotency.decorators import fingerprint
from apps.idempotency.models import IdempotencyKey
from apps.users.tests.factories import DoctorFactory, PatientFactory

pytestmark = pytest.mark.django_db

URL = "/api/appointments/"


def book(api, user, body, key="key-1"):
    headers = {} if key is None else {"HTTP_IDEMPOTENCY_KEY": key}
    return api.as_user(user).post(URL, body, **headers)


def print_of(body: dict) -> str:
    return fingerprint(types.SimpleNamespace(method="POST", data=body, get_full_path=lambda: URL))


def test_repeat_with_the_same_key_and_body_gets_the_first_answer_and_books_once(api, patient):
    slot = TimeSlotFactory()
    first = book(api, patient, {"timeslot": slot.id})
    again = book(api, patient, {"timeslot": slot.id})

    assert first.status_code == again.status_code == 201
    assert again.content == first.content
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert Appointment.objects.filter(patient=patient).count() == 1


def test_body_keys_in_another_order_are_the_same_request(api, admin, patient):
    slot = TimeSlotFactory()
    first = book(api, admin, {"timeslot": slot.id, "patient": patient.id})
    again = api.as_user(admin).post(
        URL,
        f'{{"patient": {patient.id}, "timeslot": {slot.id}}}',
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="key-1",
    )
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()


def test_same_key_with_another_body_is_422_and_books_nothing(api, patient):
    slot, other = TimeSlotFactory(), TimeSlotFactory()
    assert book(api, patient, {"timeslot": slot.id}).status_code == 201

    response = book(api, patient, {"timeslot": other.id})

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "idempotency_key_reused"
    assert not Appointment.objects.filter(timeslot=other).exists()


def test_keys_are_per_user(api, patient, other_patient):
    slot, other = TimeSlotFactory(), TimeSlotFactory()
    assert book(api, patient, {"timeslot": slot.id}, key="shared").status_code == 201

    response = book(api, other_patient, {"timeslot": other.id}, key="shared")

    assert response.status_code == 201
    assert response.json()["patient"]["id"] == other_patient.id


def test_another_users_answer_is_never_replayed(api, patient, other_patient):
    slot = TimeSlotFactory()
    book(api, patient, {"timeslot": slot.id}, key="shared")
    response = book(api, other_patient, {"timeslot": slot.id}, key="shared")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "slot_taken"


@pytest.mark.parametrize("key", ["", "k" * 256])
def test_a_key_that_is_empty_or_longer_than_255_is_400_naming_the_header(api, patient, key):
    slot = TimeSlotFactory()
    response = book(api, patient, {"timeslot": slot.id}, key=key)
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["Idempotency-Key"]
    assert not Appointment.objects.exists()
    assert not IdempotencyKey.objects.exists()


def test_a_key_with_control_characters_is_400_naming_the_header(api, patient):
    response = book(api, patient, {"timeslot": TimeSlotFactory().id}, key="abc\x00def")
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["Idempotency-Key"]
    assert not IdempotencyKey.objects.exists()


def test_a_key_of_255_characters_is_taken(api, patient):
    assert book(api, patient, {"timeslot": TimeSlotFactory().id}, key="k" * 255).status_code == 201


def test_a_refused_booking_is_answered_the_same_on_repeat(api, patient, other_patient):
    slot = TimeSlotFactory()
    taken = book(api, other_patient, {"timeslot": slot.id}, key=None).json()
    first = book(api, patient, {"timeslot": slot.id})
    api.as_user(other_patient).delete(f"{URL}{taken['id']}/")  # the slot is free again

    again = book(api, patient, {"timeslot": slot.id})

    assert first.status_code == again.status_code == 409
    assert again.content == first.content
    assert not Appointment.objects.filter(patient=patient).exists()


def test_malformed_json_claims_no_key(api, patient):
    response = api.as_user(patient).post(
        URL, '{"timeslot": ', content_type="application/json", HTTP_IDEMPOTENCY_KEY="key-1"
    )
    assert response.status_code == 400
    assert not IdempotencyKey.objects.exists()


def test_an_invalid_body_is_answered_the_same_on_repeat(api, patient):
    first = book(api, patient, {"timeslot": "soon"})
    again = book(api, patient, {"timeslot": "soon"})
    assert first.status_code == again.status_code == 400
    assert again.content == first.content


def test_a_failure_with_5xx_releases_the_key_and_the_retry_books(api, patient, monkeypatch):
    slot = TimeSlotFactory()
    real = booking_services.appointment_book

    def crash_after_booking(**kwargs):
        real(**kwargs)
        raise RuntimeError("the process died")

    monkeypatch.setattr(booking_services, "appointment_book", crash_after_booking)
    with pytest.raises(RuntimeError):
        book(api, patient, {"timeslot": slot.id})
    assert not IdempotencyKey.objects.exists()
    assert not Appointment.objects.exists()  # the booking rolled back with the failure

    monkeypatch.setattr(booking_services, "appointment_book", real)
    assert book(api, patient, {"timeslot": slot.id}).status_code == 201


def test_a_5xx_answer_after_booking_undoes_the_booking_as_it_releases_the_key(api, patient, monkeypatch):
    from rest_framework.exceptions import APIException

    class Unavailable(APIException):
        status_code = 503

    slot = TimeSlotFactory()
    real = booking_services.appointment_book

    def answer_503_after_booking(**kwargs):
        real(**kwargs)
        raise Unavailable("try again")  # answered by the view as a 503, not raised past it

    monkeypatch.setattr(booking_services, "appointment_book", answer_503_after_booking)
    assert book(api, patient, {"timeslot": slot.id}).status_code == 503
    assert not IdempotencyKey.objects.exists()
    assert not Appointment.objects.exists()  # nothing kept behind a released key


def test_a_repeat_while_the_first_is_in_flight_is_409(api, patient):
    slot = TimeSlotFactory()
    IdempotencyKey.objects.create(user=patient, key="key-1", fingerprint=print_of({"timeslot": slot.id}))

    response = book(api, patient, {"timeslot": slot.id})

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "idempotency_key_in_flight"
    assert not Appointment.objects.exists()


def test_a_claim_abandoned_by_a_dead_process_is_taken_over(api, patient):
    slot = TimeSlotFactory()
    IdempotencyKey.objects.create(
        user=patient,
        key="key-1",
        fingerprint=print_of({"timeslot": slot.id}),
        created_at=timezone.now() - dt.timedelta(minutes=6),
    )
    assert book(api, patient, {"timeslot": slot.id}).status_code == 201
    assert book(api, patient, {"timeslot": slot.id}).headers["Idempotent-Replayed"] == "true"


def test_without_the_header_booking_touches_no_key(api, patient):
    slot = TimeSlotFactory()
    client = api.as_user(patient)
    with CaptureQueriesContext(connection) as queries:
        assert client.post(URL, {"timeslot": slot.id}).status_code == 201
    assert not any(IdempotencyKey._meta.db_table in q["sql"] for q in queries.captured_queries)
    assert not IdempotencyKey.objects.exists()


def test_cleanup_deletes_keys_older_than_a_day_and_keeps_the_rest(patient):
    old = IdempotencyKey.objects.create(
        user=patient, key="old", fingerprint="x", created_at=timezone.now() - dt.timedelta(hours=25)
    )
    fresh = IdempotencyKey.objects.create(
        user=patient, key="fresh", fingerprint="x", created_at=timezone.now() - dt.timedelta(hours=23)
    )
    call_command("clear_idempotency_keys", verbosity=0)
    assert list(IdempotencyKey.objects.values_list("pk", flat=True)) == [fresh.pk]
    assert not IdempotencyKey.objects.filter(pk=old.pk).exists()


def test_cleanup_refuses_to_keep_keys_less_than_a_day():
    with pytest.raises(CommandError):
        call_command("clear_idempotency_keys", "--hours", "1")


@pytest.mark.parametrize(
    ("fields", "constraint"),
    [
        ({"key": ""}, "idempotency_key_not_empty"),
        ({"key": "k", "response_status": 201}, "idempotency_answer_whole"),
        ({"key": "k", "response_body": "{}"}, "idempotency_answer_whole"),
    ],
)
def test_database_refuses_an_empty_key_or_half_an_answer(patient, fields, constraint):
    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        IdempotencyKey.objects.create(user=patient, fingerprint="x", **fields)


def test_database_refuses_a_users_key_twice(patient):
    IdempotencyKey.objects.create(user=patient, key="k", fingerprint="x")
    with pytest.raises(IntegrityError, match="idempotency_key_once_per_user"), transaction.atomic():
        IdempotencyKey.objects.create(user=patient, key="k", fingerprint="y")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("round_", range(3))
def test_two_identical_requests_racing_book_once(round_):
    slot = TimeSlotFactory(doctor=DoctorFactory())
    patient = PatientFactory()
    body = {"timeslot": slot.id}

    responses = race(
        [lambda: client_for(patient).post(URL, body, HTTP_IDEMPOTENCY_KEY="race") for _ in range(2)]
    )

    assert all(not isinstance(r, Exception) for r in responses), responses
    winners = [r for r in responses if r.status_code == 201]
    assert winners, [r.content for r in responses]
    for response in responses:
        if response.status_code == 201:
            assert response.json() == winners[0].json()
        else:
            assert response.status_code == 409
            assert response.json()["error"]["code"] == "idempotency_key_in_flight"
    assert Appointment.objects.filter(patient=patient).count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_repeat_arriving_while_the_first_books_gets_409_then_the_replay(monkeypatch):
    slot = TimeSlotFactory(doctor=DoctorFactory())
    patient = PatientFactory()
    entered, release = threading.Event(), threading.Event()
    real = booking_services.appointment_book

    def slow_book(**kwargs):
        entered.set()
        assert release.wait(timeout=30)
        return real(**kwargs)

    monkeypatch.setattr(booking_services, "appointment_book", slow_book)
    outcome = {}

    def first():
        try:
            outcome["first"] = client_for(patient).post(URL, {"timeslot": slot.id}, HTTP_IDEMPOTENCY_KEY="k")
        finally:
            connection.close()

    thread = threading.Thread(target=first)
    thread.start()
    assert entered.wait(timeout=30)
    during = client_for(patient).post(URL, {"timeslot": slot.id}, HTTP_IDEMPOTENCY_KEY="k")
    release.set()
    thread.join(timeout=30)
    after = client_for(patient).post(URL, {"timeslot": slot.id}, HTTP_IDEMPOTENCY_KEY="k")

    assert during.status_code == 409
    assert during.json()["error"]["code"] == "idempotency_key_in_flight"
    assert outcome["first"].status_code == 201
    assert (after.status_code, after.content) == (201, outcome["first"].content)
    assert Appointment.objects.filter(patient=patient).count() == 1


def test_a_repeated_reschedule_moves_once_and_gets_the_first_answer(api, patient, doctor):
    old, new, other = (TimeSlotFactory(doctor=doctor) for _ in range(3))
    booked = book(api, patient, {"timeslot": old.id}, key=None).json()
    url = f"{URL}{booked['id']}/reschedule/"
    client = api.as_user(patient)

    first = client.post(url, {"timeslot": new.id}, HTTP_IDEMPOTENCY_KEY="move-1")
    again = client.post(url, {"timeslot": new.id}, HTTP_IDEMPOTENCY_KEY="move-1")
    elsewhere = client.post(url, {"timeslot": other.id}, HTTP_IDEMPOTENCY_KEY="move-1")

    assert first.status_code == again.status_code == 201
    assert again.content == first.content
    assert again.headers["Idempotent-Replayed"] == "true"
    assert elsewhere.status_code == 422
    assert Appointment.objects.filter(rescheduled_from_id=booked["id"]).count() == 1
    assert not Appointment.objects.filter(timeslot=other).exists()
