"""``make profile`` (``python -m bench.profile``): where a booking request spends its time.

Makes a fresh database with a small clinic, then, in one process, through Django's full
request path (middleware, JWT auth, DRF, service, serializer):

1. times 50 bookings and 50 reference inserts without a profiler (ms per request);
2. books 350 more under pyinstrument and writes the call tree to
   bench/results/profile-booking.txt (``--cprofile`` prints cProfile's table instead).

``PROFILE_EXTRA=script.py`` runs a script of your own against the same database afterwards
(how the per-statement figures in bench/README.md were taken).

``--cpu`` (``make profile-cpu``) runs ``bench/cpu.py`` instead: CPU per booking against CPU
per reference insert, Python and PostgreSQL apart.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from tools import live

RESULTS = Path(__file__).resolve().parent / "results"
WARM, TIMED, PROFILED = 50, 50, 350


def inner() -> None:
    import django

    django.setup()
    from pyinstrument import Profiler
    from rest_framework.test import APIClient
    from rest_framework_simplejwt.tokens import AccessToken

    from apps.doctors.models import TimeSlot
    from apps.users.models import User

    patient = User.objects.get(username="prof-patient-1")
    client = APIClient(SERVER_NAME="127.0.0.1")
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(patient)}")
    # One doctor's slots never overlap, so one patient may hold them all (bench/settings.py
    # lifts the cap); several doctors' slots at one time would be 409 patient_busy.
    doctor = TimeSlot.objects.values_list("doctor_id", flat=True).first()
    free = iter(
        TimeSlot.objects.filter(is_available=True, doctor_id=doctor).values_list("id", flat=True)[
            : WARM + TIMED + PROFILED
        ]
    )

    def book() -> None:
        response = client.post("/api/appointments/", {"timeslot": next(free)}, format="json")
        assert response.status_code == 201, response.content

    for _ in range(WARM):  # imports, connection, caches
        book()
    started = time.perf_counter()
    for _ in range(TIMED):
        book()
    print(f"unprofiled: {(time.perf_counter() - started) / TIMED * 1000:.2f} ms per booking")
    started = time.perf_counter()
    for i in range(TIMED):
        client.post("/bench/reference/items/create/", {"name": f"profile-{i}"}, format="json")
    print(f"unprofiled: {(time.perf_counter() - started) / TIMED * 1000:.2f} ms per reference insert")

    if "--cprofile" in sys.argv:
        import cProfile
        import pstats

        with cProfile.Profile() as cprofile:
            for _ in range(PROFILED):
                book()
        pstats.Stats(cprofile).sort_stats("cumulative").print_stats(45)
        return
    profiler = Profiler(interval=0.001)
    with profiler:
        for _ in range(PROFILED):
            book()
    RESULTS.mkdir(exist_ok=True)
    text = profiler.output_text(unicode=False, color=False, show_all=False)
    (RESULTS / "profile-booking.txt").write_text(text)
    print(text)


def main() -> None:
    env = live.base_env(DJANGO_SETTINGS_MODULE="bench.settings")
    booked = os.environ.get("PROFILE_BOOKED", "0")
    generate = "--prefix prof --doctors 20 --patients 10 --days 40 --booked".split()  # 640 slots a doctor
    with live.clinic(env, "profile", *generate, booked) as env:
        if "--cpu" in sys.argv:
            subprocess.run([sys.executable, "-m", "bench.cpu"], cwd=live.ROOT, env=env, check=True)
            return
        command = [sys.executable, "-m", "bench.profile", "--inner", *sys.argv[1:]]
        subprocess.run(command, cwd=live.ROOT, env=env, check=True)
        if os.environ.get("PROFILE_EXTRA"):
            subprocess.run([sys.executable, os.environ["PROFILE_EXTRA"]], cwd=live.ROOT, env=env, check=True)


if __name__ == "__main__":
    inner() if "--inner" in sys.argv else main()
