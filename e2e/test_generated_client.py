"""The API as a client author meets it: a Python client generated from the live
``/api/schema/`` with openapi-python-client drives the README's walk.

If the schema says something the server does not do (a page where it answers a list, a
filter it does not list), the generated client crashes or cannot express the call, and
this test fails. Each step is one numbered block; new steps (reschedule, ...) go in order.
"""

from __future__ import annotations

import datetime as dt
import importlib
import secrets
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from tools import live

PASSWORD = "Walk-passw0rd-" + secrets.token_hex(4)
NEW_PASSWORD = "an0ther-Walk-passw0rd-" + secrets.token_hex(4)
PACKAGE = "clinic_client"


@pytest.fixture(scope="module")
def server() -> str:
    """Its own clinic (fresh database, one demo admin), so the fuzzing elsewhere cannot
    have changed what the walk starts from."""
    generate = [
        "--prefix",
        "walk",
        "--doctors",
        "1",
        "--patients",
        "1",
        "--days",
        "1",
        "--password",
        PASSWORD,
    ]
    with (
        live.clinic(live.base_env(GUNICORN_WORKERS="1"), "walk", *generate) as env,
        live.gunicorn(env) as url,
    ):
        yield url


@pytest.fixture(scope="module")
def api(server, tmp_path_factory):
    """The generated package, imported from a temporary directory."""
    where = tmp_path_factory.mktemp("generated")
    config = where / "config.yml"
    config.write_text("post_hooks: []\n")
    generator = Path(sys.executable).with_name("openapi-python-client")
    command = [
        str(generator), "generate",
        "--url", f"{server}/api/schema/?format=json",
        "--meta", "none",
        "--output-path", str(where / PACKAGE),
        "--config", str(config),
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, check=False, timeout=300)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "Warning" not in output, output  # every part of the schema was understood
    sys.path.insert(0, str(where))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(where))
        for name in [name for name in sys.modules if name.split(".")[0] == PACKAGE]:
            del sys.modules[name]


def test_readme_walk_through_a_generated_client(server, api):
    from clinic_client.api.appointments import (
        appointments_create,
        appointments_destroy,
        appointments_me_list,
        appointments_partial_update,
        appointments_reschedule_create,
    )
    from clinic_client.api.auth import auth_login_create, auth_password_change_create, auth_register_create
    from clinic_client.api.doctors import doctors_list, doctors_timeslots_list
    from clinic_client.api.timeslots import timeslots_bulk_create, timeslots_create
    from clinic_client.api.users import users_approve_create
    from clinic_client.models import (
        AppointmentCreateRequest,
        AppointmentRescheduleRequest,
        AppointmentsMeListStatus,
        AppointmentStatusEnum,
        Error,
        GenderEnum,
        NewAppointmentStatusEnum,
        PaginatedAppointmentList,
        PaginatedTimeSlotList,
        PasswordChangeRequest,
        PatchedAppointmentStatusRequest,
        RegisterRequest,
        RegistrationRoleEnum,
        TimeSlot,
        TimeSlotBulkCreateRequest,
        TimeSlotCreateRequest,
        TokenObtainPairRequest,
        TokenPair,
        User,
    )

    anonymous = api.Client(base_url=server, raise_on_unexpected_status=True)

    def signed_in(username: str, password: str = PASSWORD):
        body = TokenObtainPairRequest(username=username, password=password)
        tokens = expect(200, auth_login_create.sync_detailed(client=anonymous, body=body))
        assert isinstance(tokens, TokenPair)
        return api.AuthenticatedClient(base_url=server, token=tokens.access, raise_on_unexpected_status=True)

    # 1. A doctor and a patient register (public); profile fields go flat beside the user's.
    doctor_user = expect(
        201,
        auth_register_create.sync_detailed(
            client=anonymous,
            body=RegisterRequest(
                username="dr.karimov",
                password=PASSWORD,
                role=RegistrationRoleEnum.DOCTOR,
                first_name="Aziz",
                last_name="Karimov",
                specialization="Cardiology",
                experience_years=12,
                gender=GenderEnum.MALE,
            ),
        ),
    )
    assert isinstance(doctor_user, User)
    patient_user = expect(
        201,
        auth_register_create.sync_detailed(
            client=anonymous,
            body=RegisterRequest(
                username="malika",
                password=PASSWORD,
                role=RegistrationRoleEnum.PATIENT,
                first_name="Malika",
                phone="+998901234567",
                date_of_birth=dt.date(1994, 3, 18),
                gender=GenderEnum.FEMALE,
            ),
        ),
    )
    assert patient_user.profile.date_of_birth == dt.date(1994, 3, 18)

    # 2. An admin approves the self-registered doctor (patients cannot book him before).
    admin = signed_in("walk-admin")
    expect(200, users_approve_create.sync_detailed(id=str(doctor_user.id), client=admin))

    # 3. Both log in.
    doctor = signed_in("dr.karimov")
    patient = signed_in("malika")

    # 4. The doctor opens a morning of 30-minute slots at once: the answer is a plain list.
    day = dt.date.today() + dt.timedelta(days=3)
    body = TimeSlotBulkCreateRequest(date=day, start_time="09:00", end_time="10:30", slot_minutes=30)
    opened = expect(201, timeslots_bulk_create.sync_detailed(client=doctor, body=body))
    assert [(slot.start_time, slot.end_time) for slot in opened] == [
        ("09:00:00", "09:30:00"),
        ("09:30:00", "10:00:00"),
        ("10:00:00", "10:30:00"),
    ]
    assert all(isinstance(slot, TimeSlot) for slot in opened)
    clash = TimeSlotCreateRequest(date=day, start_time="09:15", end_time="09:45")
    refused = expect(409, timeslots_create.sync_detailed(client=doctor, body=clash))
    assert isinstance(refused, Error)
    assert refused.error.code == "slot_overlap"

    # 5. The patient finds the doctor and pages through his free slots.
    found = expect(200, doctors_list.sync_detailed(client=patient, search="cardio"))
    assert [d.id for d in found.results] == [doctor_user.id]
    first_page = expect(
        200,
        doctors_timeslots_list.sync_detailed(id=str(doctor_user.id), client=patient, date=day, page_size=2),
    )
    assert isinstance(first_page, PaginatedTimeSlotList)
    assert (first_page.count, len(first_page.results)) == (3, 2)
    second_page = expect(
        200,
        doctors_timeslots_list.sync_detailed(
            id=str(doctor_user.id), client=patient, date=day, page_size=2, page=2
        ),
    )
    assert [s.id for s in first_page.results + second_page.results] == [s.id for s in opened]

    # 6. The patient books the first slot with an Idempotency-Key: a retry gets the same
    #    answer; booking it again without the key is a conflict.
    first, second = first_page.results
    book = AppointmentCreateRequest(timeslot=first.id)
    key = str(uuid.uuid4())
    booked = expect(201, appointments_create.sync_detailed(client=patient, body=book, idempotency_key=key))
    assert booked.status == AppointmentStatusEnum.PENDING
    replayed = expect(201, appointments_create.sync_detailed(client=patient, body=book, idempotency_key=key))
    assert replayed.id == booked.id
    again = expect(409, appointments_create.sync_detailed(client=patient, body=book))
    assert again.error.code == "slot_taken"

    # 7. She moves it to the next slot: a new pending appointment, the old one cancelled.
    move = AppointmentRescheduleRequest(timeslot=second.id, reason="Stuck at work until ten.")
    moved = expect(
        201, appointments_reschedule_create.sync_detailed(id=str(booked.id), client=patient, body=move)
    )
    assert (moved.rescheduled_from, moved.timeslot.id) == (booked.id, second.id)

    # 8. The doctor finds it among his pending appointments and confirms it.
    pending = expect(
        200, appointments_me_list.sync_detailed(client=doctor, status=AppointmentsMeListStatus.PENDING)
    )
    assert [a.id for a in pending.results] == [moved.id]
    confirmed = expect(
        200,
        appointments_partial_update.sync_detailed(
            id=str(moved.id),
            client=doctor,
            body=PatchedAppointmentStatusRequest(status=NewAppointmentStatusEnum.CONFIRMED),
        ),
    )
    assert confirmed.status == AppointmentStatusEnum.CONFIRMED

    # 9. The patient lists her appointments with filters and paging.
    mine = expect(
        200,
        appointments_me_list.sync_detailed(
            client=patient, status=AppointmentsMeListStatus.CONFIRMED, date=day, page=1, page_size=1
        ),
    )
    assert isinstance(mine, PaginatedAppointmentList)
    assert (mine.count, [a.id for a in mine.results]) == (1, [moved.id])
    both = expect(200, appointments_me_list.sync_detailed(client=patient, date=day, page_size=1, page=2))
    assert both.count == 2  # the cancelled original and the moved one
    other_day = expect(
        200, appointments_me_list.sync_detailed(client=patient, date=day + dt.timedelta(days=1))
    )
    assert other_day.count == 0

    # 10. The patient cancels: the row stays, the slot is free again at once.
    cancelled = expect(200, appointments_destroy.sync_detailed(id=str(moved.id), client=patient))
    assert cancelled.status == AppointmentStatusEnum.CANCELLED
    free = expect(200, doctors_timeslots_list.sync_detailed(id=str(doctor_user.id), client=patient, date=day))
    assert free.count == 3

    # 11. The patient changes her password: a fresh pair, and the old token stops at once.
    change = PasswordChangeRequest(old_password=PASSWORD, new_password=NEW_PASSWORD)
    fresh = expect(200, auth_password_change_create.sync_detailed(client=patient, body=change))
    revoked = expect(401, appointments_me_list.sync_detailed(client=patient))
    assert revoked.error.code == "token_not_valid"
    renewed = api.AuthenticatedClient(base_url=server, token=fresh.access, raise_on_unexpected_status=True)
    assert expect(200, appointments_me_list.sync_detailed(client=renewed)).count == 2


def expect(status: int, response):
    """The parsed body of a response of the given status (the generated client parsed it
    with the schema's model for that status)."""
    assert response.status_code == status, (response.status_code, response.content[:2000])
    assert response.parsed is not None, response.content[:2000]
    return response.parsed
