"""Write the request lists the benchmark replays, from the data generate_data made.

Run inside the bench environment (``python -m bench.prepare OUTDIR``): it reads the database
with the ORM and mints access tokens for the users whose requests it lists.
"""

from __future__ import annotations

import json
import random
import sys
import uuid
from pathlib import Path

import django

django.setup()

from rest_framework_simplejwt.tokens import AccessToken  # noqa: E402

from apps.appointments import selectors as appointment_selectors  # noqa: E402
from apps.appointments.models import ACTIVE_STATUSES, Appointment, Status  # noqa: E402
from apps.doctors import selectors as slot_selectors  # noqa: E402
from apps.doctors.models import TimeSlot  # noqa: E402
from apps.users.models import Role, User  # noqa: E402
from bench.reference.models import Item  # noqa: E402

rng = random.Random(7)
_tokens: dict[int, str] = {}


def token(user_id: int) -> str:
    if user_id not in _tokens:
        # The real row: tokens carry a hash of the password hash (CHECK_REVOKE_TOKEN).
        _tokens[user_id] = str(AccessToken.for_user(User.objects.only("id", "password").get(pk=user_id)))
    return _tokens[user_id]


def line(method: str, path: str, user_id: int, body: dict | None = None) -> str:
    return f"{method}\t{path}\t{token(user_id)}\t{json.dumps(body) if body else ''}"


def write(out: Path, name: str, lines: list[str]) -> None:
    (out / f"{name}.tsv").write_text("\n".join(lines) + "\n")


def main(out: Path, per_write: int) -> None:
    out.mkdir(parents=True, exist_ok=True)
    patients = list(User.objects.filter(role=Role.PATIENT).values_list("id", flat=True))
    doctors = list(User.objects.filter(role=Role.DOCTOR).values_list("id", flat=True))
    dates = sorted({str(d) for d in TimeSlot.objects.values_list("date", flat=True).distinct()[:30]})
    specializations = ["cardio", "neuro", "Karimov", "derm", "Aliyeva", "pedia"]

    write(
        out,
        "search_doctors",
        [
            line("GET", f"/api/doctors/?search={rng.choice(specializations)}", rng.choice(patients))
            for _ in range(2000)
        ],
    )
    write(
        out,
        "free_slots",
        [
            line(
                "GET",
                f"/api/doctors/{rng.choice(doctors)}/timeslots/?date={rng.choice(dates)}",
                rng.choice(patients),
            )
            for _ in range(2000)
        ],
    )
    with_appointments = list(Appointment.objects.values_list("patient_id", flat=True).distinct()[:2000])
    write(
        out,
        "my_appointments",
        [line("GET", "/api/appointments/me/", rng.choice(with_appointments)) for _ in range(2000)],
    )
    free = list(
        TimeSlot.objects.filter(is_available=True).values_list("id", "date", "start_time")[:per_write]
    )
    rng.shuffle(free)
    # A patient is never in two places at once (409 patient_busy): nobody books a time they
    # hold already. Slots of one time never outnumber the patients in the generated clinics.
    busy = set(
        Appointment.objects.filter(status__in=ACTIVE_STATUSES).values_list(
            "patient_id", "timeslot__date", "timeslot__start_time"
        )
    )
    bookings = []
    for slot, date, start in free:
        # All generated slots have one length on one grid: same start = same time.
        patient = next(
            (p for p in (rng.choice(patients) for _ in range(100)) if (p, date, start) not in busy), None
        )
        if patient is not None:
            busy.add((patient, date, start))
            bookings.append(line("POST", "/api/appointments/", patient, {"timeslot": slot}))
    write(out, "booking", bookings)
    pending = list(
        Appointment.objects.filter(status=Status.PENDING).values_list("id", "doctor_id")[:per_write]
    )
    write(
        out,
        "confirm",
        [line("PATCH", f"/api/appointments/{a}/", doctor, {"status": "confirmed"}) for a, doctor in pending],
    )
    confirmed = list(
        Appointment.objects.filter(status=Status.CONFIRMED).values_list("id", "patient_id")[:per_write]
    )
    write(out, "cancel", [line("DELETE", f"/api/appointments/{a}/", patient) for a, patient in confirmed])

    Item.objects.bulk_create([Item(name=f"item-{i}") for i in range(40)], ignore_conflicts=True)
    write(out, "reference_list", [line("GET", "/bench/reference/items/", p) for p in patients[:2000]])
    write(
        out,
        "reference_insert",
        [
            line("POST", "/bench/reference/items/create/", rng.choice(patients), {"name": uuid.uuid4().hex})
            for _ in range(per_write)
        ],
    )

    # How the two list queries run on this data: each must use an index.
    doctor = User.objects.get(pk=doctors[0])
    patient = User.objects.get(pk=with_appointments[0])
    plans = {
        "free_slots": slot_selectors.free_slots_of(doctor.pk).filter(date=dates[0])[:20].explain(),
        "my_appointments": appointment_selectors.appointment_list_for(patient)[:20].explain(),
    }
    (out / "plans.json").write_text(json.dumps(plans, indent=2))

    # Settle the freshly loaded tables now, so autovacuum does not start in the middle of a run.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")


if __name__ == "__main__":
    main(Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 30000)
