"""Fill the database with a clinic's worth of data, fast (bulk inserts), for demos and benchmarks.

    manage.py generate_data --doctors 100 --patients 2000 --days 125 --booked 0.3   # 200k slots

Users are named ``<prefix>-admin``, ``<prefix>-doctor-<n>``, ``<prefix>-patient-<n>`` and share
``--password``. Slots start tomorrow, ``--slots-per-day`` of ``--slot-minutes`` from 08:00;
``--booked`` of them get an appointment (pending or confirmed), with ``is_available`` in step.
``--past-days`` adds days before today whose booked visits are over (completed or no_show).
A patient never gets two appointments at one time (the database's overlap guard); the
booking policy's cap is the API's rule, not the generator's. The history triggers record
every generated appointment (``by`` null).
"""

from __future__ import annotations

import datetime as dt
import random
import time

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from apps.appointments.models import Appointment, Status
from apps.doctors.models import TimeSlot
from apps.users.models import DoctorProfile, Gender, PatientProfile, Role, User

SPECIALIZATIONS = [
    "Cardiology",
    "Dermatology",
    "Neurology",
    "Pediatrics",
    "Orthopedics",
    "Ophthalmology",
    "Gynecology",
    "Urology",
    "Psychiatry",
    "Endocrinology",
]
FIRST_NAMES = [
    "Aziz",
    "Malika",
    "Jasur",
    "Dilnoza",
    "Bobur",
    "Nodira",
    "Sardor",
    "Gulnora",
    "Timur",
    "Zarina",
]
LAST_NAMES = ["Karimov", "Tosheva", "Rahimov", "Aliyeva", "Yusupov", "Nazarova", "Saidov", "Ergasheva"]
BATCH = 5000


class Command(BaseCommand):
    help = "Generate doctors, patients, time slots and appointments with bulk inserts."

    def add_arguments(self, parser):
        parser.add_argument("--doctors", type=int, default=10)
        parser.add_argument("--patients", type=int, default=50)
        parser.add_argument("--days", type=int, default=14, help="days of slots, starting tomorrow")
        parser.add_argument("--past-days", type=int, default=0, help="days of finished visits before today")
        parser.add_argument("--slots-per-day", type=int, default=16)
        parser.add_argument("--slot-minutes", type=int, default=30)
        parser.add_argument("--booked", type=float, default=0.3, help="share of slots booked (0-1)")
        parser.add_argument("--password", default="Demo-passw0rd")
        parser.add_argument("--prefix", default="demo")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--skip-if-exists", action="store_true", help="do nothing when <prefix>-* users exist"
        )

    def handle(self, *args, **o):
        if not 0 <= o["booked"] <= 1:
            raise CommandError("--booked is a share between 0 and 1.")
        if o["slots_per_day"] * o["slot_minutes"] > 16 * 60:
            raise CommandError("The day's slots must fit between 08:00 and midnight.")
        if o["booked"] and not o["patients"]:
            raise CommandError("Booking needs at least one patient.")
        prefix = o["prefix"]
        if User.objects.filter(username__startswith=f"{prefix}-").exists():
            if o["skip_if_exists"]:
                self.stdout.write(f"Users named {prefix}-* exist already; nothing generated.")
                return
            raise CommandError(f"Users named {prefix}-* exist already; choose another --prefix.")
        rng = random.Random(o["seed"])
        started = time.monotonic()
        with transaction.atomic():
            admin, doctors, patients = self._users(o, rng)
            o["_patients"] = patients
            slots = self._slots(o, doctors, rng)
            appointments = self._appointments(o, slots, patients, rng)
        with connection.cursor() as cursor:  # fresh statistics, or the planner guesses from none
            for model in (User, DoctorProfile, PatientProfile, TimeSlot, Appointment):
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
        self.stdout.write(
            f"Created 1 admin, {len(doctors)} doctors, {len(patients)} patients, {len(slots)} slots, "
            f"{appointments} appointments in {time.monotonic() - started:.1f}s. "
            f"Log in as {admin.username} / {prefix}-doctor-1 / {prefix}-patient-1 with the password "
            f"'{o['password']}'."
        )

    def _users(self, o, rng):
        prefix, password = o["prefix"], make_password(o["password"])  # hashed once, shared

        def person(username, role, **extra):
            return User(
                username=username,
                role=role,
                password=password,
                first_name=rng.choice(FIRST_NAMES),
                last_name=rng.choice(LAST_NAMES),
                **extra,
            )

        admin = person(f"{prefix}-admin", Role.ADMIN, is_staff=True, is_superuser=True)
        # Approved, as if an admin had created them: listed and bookable at once.
        doctors = [
            person(f"{prefix}-doctor-{i}", Role.DOCTOR, is_approved=True) for i in range(1, o["doctors"] + 1)
        ]
        patients = [person(f"{prefix}-patient-{i}", Role.PATIENT) for i in range(1, o["patients"] + 1)]
        User.objects.bulk_create([admin, *doctors, *patients], batch_size=BATCH)
        DoctorProfile.objects.bulk_create(
            [
                DoctorProfile(
                    user=d,
                    specialization=rng.choice(SPECIALIZATIONS),
                    experience_years=rng.randint(0, 40),
                    gender=rng.choice(Gender.values),
                )
                for d in doctors
            ],
            batch_size=BATCH,
        )
        PatientProfile.objects.bulk_create(
            [
                PatientProfile(
                    user=p,
                    phone=f"+99890{i:07d}",
                    gender=rng.choice(Gender.values),
                    date_of_birth=dt.date(1950, 1, 1) + dt.timedelta(days=rng.randint(0, 25000)),
                )
                for i, p in enumerate(patients)
            ],
            batch_size=BATCH,
        )
        return admin, doctors, patients

    def _slots(self, o, doctors, rng):
        today = timezone.localdate()
        days = [today + dt.timedelta(days=d) for d in range(-o["past_days"], o["days"] + 1) if d]
        length = dt.timedelta(minutes=o["slot_minutes"])
        day_start = dt.datetime.combine(today, dt.time(8))
        times = [
            ((day_start + i * length).time(), (day_start + (i + 1) * length).time())
            for i in range(o["slots_per_day"])
        ]
        slots = [
            TimeSlot(
                doctor=doctor,
                date=day,
                start_time=start,
                end_time=end,
                is_available=rng.random() >= o["booked"],
            )
            for doctor in doctors
            for day in days
            for start, end in times
        ]
        # No more bookings at one time than there are patients to hold them.
        booked_at: dict[tuple, int] = {}
        for slot in slots:
            if not slot.is_available:
                key = (slot.date, slot.start_time)
                booked_at[key] = booked_at.get(key, 0) + 1
                slot.is_available = booked_at[key] > len(o["_patients"])
        return TimeSlot.objects.bulk_create(slots, batch_size=BATCH)

    def _appointments(self, o, slots, patients, rng):
        today = timezone.localdate()
        at_time: dict[tuple, list[TimeSlot]] = {}
        for slot in slots:
            if not slot.is_available:
                at_time.setdefault((slot.date, slot.start_time), []).append(slot)
        booked = []
        for (date, _), taken in at_time.items():
            over = date < today
            for slot, patient in zip(taken, rng.sample(patients, len(taken)), strict=True):
                status = (
                    rng.choice((Status.COMPLETED, Status.COMPLETED, Status.COMPLETED, Status.NO_SHOW))
                    if over
                    else rng.choice((Status.PENDING, Status.CONFIRMED))
                )
                booked.append(
                    Appointment(doctor_id=slot.doctor_id, patient=patient, timeslot=slot, status=status)
                )
        Appointment.objects.bulk_create(booked, batch_size=BATCH)
        return len(booked)
