"""CPU per booking against CPU per reference insert, in-process, Python and PostgreSQL apart.

Run as ``make profile-cpu``, on a fresh clinic like ``make profile``'s: interleaved rounds of
bookings and reference inserts through Django's full request path, timing the process's own CPU
(``time.process_time``) and its PostgreSQL backend's (``/proc/<pid>/stat``, so the database must
run on this machine). Under ``make bench`` the machine's two cores are saturated, so the
throughput ratio follows the CPU ratio printed last; this measures it without a load run's noise.

``BENCH_CPU_VARIANTS`` (JSON ``[[name, sql_on, sql_off], ...]``) adds booking rounds run
between two SQL statements, e.g. with a trigger disabled, to price one piece of the database's work.
"""

from __future__ import annotations

import json
import os
import statistics
import time

import django

django.setup()

from django.db import connection  # noqa: E402
from rest_framework.test import APIClient  # noqa: E402
from rest_framework_simplejwt.tokens import AccessToken  # noqa: E402

from apps.doctors.models import TimeSlot  # noqa: E402
from apps.users.models import User  # noqa: E402

ROUNDS = int(os.environ.get("BENCH_CPU_ROUNDS", "6"))
PER_ROUND = int(os.environ.get("BENCH_CPU_PER_ROUND", "80"))
TICK = os.sysconf("SC_CLK_TCK")


def clients() -> list[tuple[APIClient, object]]:
    """One patient per doctor, each booking that doctor's free slots (never two at one time)."""
    patients = list(User.objects.filter(username__startswith="prof-patient-").order_by("id"))
    doctors = list(TimeSlot.objects.values_list("doctor_id", flat=True).distinct().order_by("doctor_id"))
    pairs = []
    for patient, doctor in zip(patients, doctors[-len(patients) :], strict=False):
        client = APIClient(SERVER_NAME="127.0.0.1")
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(patient)}")
        free = TimeSlot.objects.filter(is_available=True, doctor_id=doctor).values_list("id", flat=True)
        pairs.append((client, iter(free)))
    return pairs


def backend_cpu() -> float:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK  # utime + stime


def main() -> None:
    pairs = clients()
    turn = {"booking": 0, "insert": 0}

    def book() -> None:
        client, free = pairs[turn["booking"] % len(pairs)]
        turn["booking"] += 1
        response = client.post("/api/appointments/", {"timeslot": next(free)}, format="json")
        assert response.status_code == 201, response.content

    def insert() -> None:
        turn["insert"] += 1
        name = f"cpu-{os.getpid()}-{time.time_ns()}"
        response = pairs[0][0].post("/bench/reference/items/create/", {"name": name}, format="json")
        assert response.status_code == 201, response.content

    def measure(request) -> tuple[float, float]:
        python, database = time.process_time(), backend_cpu()
        for _ in range(PER_ROUND):
            request()
        return (
            (time.process_time() - python) / PER_ROUND * 1000,
            (backend_cpu() - database) / PER_ROUND * 1000,
        )

    def sql(statement: str) -> None:
        if statement:
            with connection.cursor() as cursor:
                cursor.execute(statement)

    variants = json.loads(os.environ.get("BENCH_CPU_VARIANTS", "[]"))
    for _ in range(30):  # warm up
        book()
        insert()
    rounds: dict[str, list[tuple[float, float]]] = {"reference insert": [], "booking": []}
    rounds.update({f"booking, {name}": [] for name, _, _ in variants})
    for _ in range(ROUNDS):
        rounds["reference insert"].append(measure(insert))
        rounds["booking"].append(measure(book))
        for name, on, off in variants:
            sql(on)
            rounds[f"booking, {name}"].append(measure(book))
            sql(off)
    print(f"CPU ms per request, median of {ROUNDS} interleaved rounds of {PER_ROUND}:")
    totals = {}
    for name, figures in rounds.items():
        python = statistics.median(f[0] for f in figures)
        database = statistics.median(f[1] for f in figures)
        totals[name] = statistics.median(f[0] + f[1] for f in figures)
        print(f"  {name:<28} Python {python:5.2f}  PostgreSQL {database:5.2f}  total {totals[name]:5.2f}")
    for name, total in totals.items():
        if name != "reference insert":
            print(f"CPU ratio reference insert / {name}: {totals['reference insert'] / total:.2f}")


if __name__ == "__main__":
    main()
