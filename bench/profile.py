"""``python -m bench.profile``: where a booking request spends its time.

Makes a fresh database with a small clinic, then books 400 free slots one after another
through Django's full request path (middleware, JWT auth, DRF, service, serializer) under
pyinstrument, and writes the call tree to bench/results/profile-booking.txt.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tools import live

RESULTS = Path(__file__).resolve().parent / "results"
REQUESTS = 400


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
    free = list(TimeSlot.objects.filter(is_available=True).values_list("id", flat=True)[: REQUESTS + 50])
    for slot in free[:50]:  # warm up: imports, connection, caches
        client.post("/api/appointments/", {"timeslot": slot}, format="json")
    import time

    started = time.perf_counter()
    for slot in free[50:100]:
        client.post("/api/appointments/", {"timeslot": slot}, format="json")
    print(f"unprofiled: {(time.perf_counter() - started) / 50 * 1000:.2f} ms per booking")
    started = time.perf_counter()
    for i in range(50):
        client.post("/bench/reference/items/create/", {"name": f"profile-{i}"}, format="json")
    print(f"unprofiled: {(time.perf_counter() - started) / 50 * 1000:.2f} ms per reference insert")
    if "--cprofile" in sys.argv:
        import cProfile
        import pstats

        with cProfile.Profile() as cprofile:
            for slot in free[100:200]:
                client.post("/api/appointments/", {"timeslot": slot}, format="json")
        pstats.Stats(cprofile).sort_stats(
            sys.argv[-1] if sys.argv[-1] in ("tottime", "cumulative") else "tottime"
        ).print_stats(45)
        return
    profiler = Profiler(interval=0.001)
    with profiler:
        for slot in free[100:]:
            response = client.post("/api/appointments/", {"timeslot": slot}, format="json")
            assert response.status_code == 201, response.content
    RESULTS.mkdir(exist_ok=True)
    text = profiler.output_text(unicode=False, color=False, show_all=False)
    (RESULTS / "profile-booking.txt").write_text(text)
    print(text)


def main() -> None:
    env = live.base_env(DJANGO_SETTINGS_MODULE="bench.settings")
    env, drop = live.fresh_database(env, "profile")
    try:
        live.manage(env, "migrate", "--noinput", "--verbosity", "0")
        live.manage(
            env,
            "generate_data",
            "--prefix",
            "prof",
            "--doctors",
            "20",
            "--patients",
            "10",
            "--booked",
            os.environ.get("PROFILE_BOOKED", "0"),
        )
        subprocess.run(
            [sys.executable, "-m", "bench.profile", "--inner", *sys.argv[1:]],
            cwd=live.ROOT,
            env=env,
            check=True,
        )
        if os.environ.get("PROFILE_EXTRA"):  # a script of your own, run against the same data
            subprocess.run([sys.executable, os.environ["PROFILE_EXTRA"]], cwd=live.ROOT, env=env, check=True)
    finally:
        drop()


if __name__ == "__main__":
    inner() if "--inner" in sys.argv else main()
