"""Two app servers (gunicorn on two ports) over one PostgreSQL and one Redis, as production
runs behind a load balancer: a booking race split across both still has exactly one winner,
and login throttling counts across both."""

import json
import os
import socket
import statistics
import threading
import time

import pytest

from tools import live

REDIS = ("127.0.0.1", 6379)


def redis_answers() -> bool:
    try:
        with socket.create_connection(REDIS, timeout=1):
            return True
    except OSError:
        return False


pytestmark = pytest.mark.skipif(
    not redis_answers() and not os.environ.get("REQUIRE_REDIS"), reason="no Redis on 127.0.0.1:6379"
)


@pytest.fixture(scope="module")
def clinic():
    env = live.base_env(
        REDIS_URL=f"redis://{REDIS[0]}:{REDIS[1]}/0",
        CACHE_KEY_PREFIX=f"clinic-two-servers-{os.getpid()}-{time.time_ns()}",
        GUNICORN_WORKERS="2",
    )
    with live.clinic(env, "two", *"--prefix two --doctors 1 --patients 50 --booked 0".split()) as env:
        yield env


def test_fifty_bookings_of_one_slot_across_two_servers_have_one_winner(clinic, artifacts):
    names = [f"two-patient-{i}" for i in range(1, 51)]
    tokens = live.access_tokens(clinic, [*names, "two-admin"])
    with live.gunicorn(clinic) as first, live.gunicorn(clinic) as second:
        _, doctors = live.call("GET", f"{first}/api/doctors/", tokens[names[0]])
        doctor = doctors["results"][0]["id"]
        _, free = live.call("GET", f"{first}/api/doctors/{doctor}/timeslots/", tokens[names[0]])
        slot = free["results"][0]["id"]

        barrier = threading.Barrier(len(names))
        outcomes: list[tuple[int, float]] = [(0, 0.0)] * len(names)

        def book(index: int, name: str) -> None:
            server = first if index % 2 else second
            barrier.wait()
            started = time.perf_counter()
            status, _ = live.call("POST", f"{server}/api/appointments/", tokens[name], {"timeslot": slot})
            outcomes[index] = (status, time.perf_counter() - started)

        threads = [threading.Thread(target=book, args=(i, n)) for i, n in enumerate(names)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)

        statuses = sorted(status for status, _ in outcomes)
        _, active = live.call("GET", f"{second}/api/appointments/?status=pending", tokens["two-admin"])

    latencies = sorted(seconds for _, seconds in outcomes)
    figures = {
        "statuses": {str(s): statuses.count(s) for s in set(statuses)},
        "p50_ms": round(statistics.median(latencies) * 1000, 1),
        "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1] * 1000, 1),
        "max_ms": round(latencies[-1] * 1000, 1),
    }
    (artifacts / "two-servers-race.json").write_text(json.dumps(figures, indent=2))
    print("two servers, 50 bookings of one slot:", figures)
    assert statuses == [201] + [409] * 49, figures
    assert [a["timeslot"]["id"] for a in active["results"]] == [slot]


def test_login_throttling_counts_across_both_servers(clinic):
    env = {**clinic, "THROTTLE_RATE_LOGIN": "5/minute"}
    wrong = {"username": "two-patient-1", "password": "not-the-password"}
    with live.gunicorn(env) as first, live.gunicorn(env) as second:
        statuses = [
            live.call("POST", f"{server}/api/auth/login/", body=wrong)[0] for server in [first, second] * 3
        ]
    # Five attempts from this address are allowed in a minute, wherever they land; the sixth is not.
    assert statuses == [401] * 5 + [429]


def post_with_key(url: str, token: str, body: dict, key: str) -> tuple[int, dict, str]:
    """POST with an Idempotency-Key: (status, body, Idempotent-Replayed header)."""
    import urllib.error
    import urllib.request

    request = urllib.request.Request(url, method="POST", data=json.dumps(body).encode())  # noqa: S310
    request.add_header("Content-Type", "application/json")
    request.add_header("Authorization", f"Bearer {token}")
    request.add_header("Idempotency-Key", key)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status, json.load(response), response.headers.get("Idempotent-Replayed", "")
    except urllib.error.HTTPError as error:
        return error.code, json.load(error), error.headers.get("Idempotent-Replayed", "")


def test_one_idempotency_key_retried_on_both_servers_at_once_books_once(clinic):
    name = "two-patient-50"
    token = live.access_tokens(clinic, [name])[name]
    with live.gunicorn(clinic) as first, live.gunicorn(clinic) as second:
        _, doctors = live.call("GET", f"{first}/api/doctors/", token)
        doctor = doctors["results"][0]["id"]
        _, free = live.call("GET", f"{first}/api/doctors/{doctor}/timeslots/", token)
        slot = free["results"][-1]["id"]
        key = f"retry-{time.time_ns()}"

        barrier = threading.Barrier(10)
        answers: list = [None] * 10

        def book(index: int) -> None:
            barrier.wait()
            server = first if index % 2 else second
            answers[index] = post_with_key(f"{server}/api/appointments/", token, {"timeslot": slot}, key)

        threads = [threading.Thread(target=book, args=(i,)) for i in range(10)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        after = [
            post_with_key(f"{s}/api/appointments/", token, {"timeslot": slot}, key) for s in (first, second)
        ]
        _, mine = live.call("GET", f"{first}/api/appointments/me/", token)

    booked = [body for status, body, _ in answers + after if status == 201]
    assert booked, answers
    assert all(body == booked[0] for body in booked), answers
    for status, body, _ in answers:
        assert status == 201 or body["error"]["code"] == "idempotency_key_in_flight", answers
    assert [replayed for _, _, replayed in after] == ["true", "true"]
    assert [a["timeslot"]["id"] for a in mine["results"]].count(slot) == 1
