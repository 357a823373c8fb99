"""What a hostile or careless client can do: floods of logins, huge or deeply nested bodies."""

import io
import json
import re

import pytest
from rest_framework.throttling import ScopedRateThrottle

from apps.users.tests.factories import PASSWORD, PatientFactory

pytestmark = pytest.mark.django_db

MIB = 1024 * 1024


@pytest.fixture
def login_rate(monkeypatch):
    """Set the login and register rates (read from the environment once, at start-up)."""

    def set_rate(rate: str) -> None:
        monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"login": rate, "register": rate})

    return set_rate


def login(api, username, password, **extra):
    return api.post("/api/auth/login/", {"username": username, "password": password}, **extra)


# --- Throttles key on the real client address ------------------------------------------------


@pytest.mark.parametrize("vary_forwarded_for", [False, True])
def test_sixty_logins_from_one_client_meet_429_by_the_eleventh(api, login_rate, vary_forwarded_for):
    login_rate("10/minute")
    statuses = []
    for attempt in range(60):
        extra = {"HTTP_X_FORWARDED_FOR": f"198.51.100.{attempt}"} if vary_forwarded_for else {}
        statuses.append(login(api, f"nobody{attempt}", "wrong", **extra).status_code)
    assert statuses[:10] == [401] * 10
    assert statuses[10:] == [429] * 50


def test_forwarded_for_names_the_client_only_behind_the_configured_proxies(api, login_rate, settings):
    login_rate("2/minute")
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    # One trusted proxy: its X-Forwarded-For entry (the last) is the client, whatever came before.
    first = [login(api, "x", "y", HTTP_X_FORWARDED_FOR=f"evil{i}, 203.0.113.1") for i in range(3)]
    second = login(api, "x", "y", HTTP_X_FORWARDED_FOR="203.0.113.2")
    assert [r.status_code for r in first] == [401, 401, 429]
    assert second.status_code == 401


def test_registration_throttle_ignores_forwarded_for(api, login_rate):
    login_rate("2/minute")
    statuses = [
        api.post(
            "/api/auth/register/", {"username": f"u{i}"}, HTTP_X_FORWARDED_FOR=f"192.0.2.{i}"
        ).status_code
        for i in range(3)
    ]
    assert statuses == [400, 400, 429]


# --- Failed logins are limited per username (django-axes) ------------------------------------


def test_failed_logins_for_one_username_from_many_addresses_lock_it_out(api, settings):
    settings.AXES_FAILURE_LIMIT = 5
    patient = PatientFactory()
    statuses = [
        login(api, patient.username, "wrong", REMOTE_ADDR=f"10.0.0.{i}").status_code for i in range(7)
    ]
    assert statuses == [401] * 4 + [429] * 3
    locked = login(api, patient.username, PASSWORD, REMOTE_ADDR="10.0.1.1")
    assert locked.status_code == 429
    assert locked.json()["error"]["code"] == "locked_out"
    assert "try again in 15 minutes" in locked.json()["error"]["message"]
    assert locked["Retry-After"] == "900"


def test_lockout_counts_a_username_in_any_letter_case(api, settings):
    settings.AXES_FAILURE_LIMIT = 3
    PatientFactory(username="malika")
    for spelling in ["Malika", "MALIKA"]:
        assert login(api, spelling, "wrong").status_code == 401
    assert login(api, "malika", "wrong").status_code == 429
    assert login(api, "malika", PASSWORD).status_code == 429


def test_a_correct_login_is_not_blocked_by_other_users_failures(api, settings):
    settings.AXES_FAILURE_LIMIT = 3
    victim, bystander = PatientFactory(), PatientFactory()
    for _ in range(5):
        login(api, victim.username, "wrong")
    assert login(api, victim.username, PASSWORD).status_code == 429
    assert login(api, bystander.username, PASSWORD).status_code == 200


def test_a_lockout_ends_after_the_cool_off(api, settings):
    import time_machine
    from django.utils import timezone

    settings.AXES_FAILURE_LIMIT = 2
    patient = PatientFactory()
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for _ in range(2):
            login(api, patient.username, "wrong")
        assert login(api, patient.username, PASSWORD).status_code == 429
        clock.shift(16 * 60)
        assert login(api, patient.username, PASSWORD).status_code == 200


# --- Bodies: size and depth ------------------------------------------------------------------


def test_a_3_mib_registration_body_is_refused_with_413_before_parsing(api):
    body = json.dumps({"username": "x" * (3 * MIB)})
    response = api.post("/api/auth/register/", body, content_type="application/json")
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "request_too_large"


@pytest.mark.parametrize(
    "path", ["/api/auth/login/", "/api/auth/register/", "/api/appointments/", "/api/health/"]
)
def test_a_declared_length_over_1_mib_is_refused_on_any_endpoint_without_reading(client, path):
    # The stream holds nothing: the answer comes from Content-Length alone.
    response = client.generic("POST", path, b"", content_type="application/json", CONTENT_LENGTH=str(MIB + 1))
    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"


def test_a_body_of_exactly_1_mib_is_read(api):
    body = json.dumps({"username": "x", "password": "y", "pad": "p" * (MIB - 60)})
    body += " " * (MIB - len(body))
    response = api.post("/api/auth/login/", body, content_type="application/json")
    assert len(body) == MIB
    assert response.status_code == 401


def chunked(client, path, body: bytes):
    """A body sent without Content-Length (Transfer-Encoding: chunked, decoded by the server)."""
    return client.generic(
        "POST",
        path,
        CONTENT_TYPE="application/json",
        CONTENT_LENGTH="",
        HTTP_TRANSFER_ENCODING="chunked",
        **{"wsgi.input": io.BytesIO(body)},
    )


def test_a_body_without_length_over_1_mib_is_refused_with_413(client):
    response = chunked(client, "/api/auth/register/", b"[" + b" " * (2 * MIB) + b"]")
    assert response.status_code == 413


def test_a_body_without_length_within_the_limit_is_read(client):
    patient = PatientFactory()
    body = json.dumps({"username": patient.username, "password": PASSWORD}).encode()
    response = chunked(client, "/api/auth/login/", body)
    assert response.status_code == 200, response.content
    assert "access" in response.json()


@pytest.mark.parametrize(
    "body", ["[" * 100_000, "[" * 100_000 + "]" * 100_000, '{"a":' * 50_000 + "1" + "}" * 50_000]
)
def test_json_nested_100000_deep_is_a_400_naming_the_problem(api, body):
    response = api.post("/api/auth/login/", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {
        "error": {"code": "invalid", "message": "JSON parse error - nested too deeply."}
    }


# --- gunicorn's own refusals -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "reason", "code"),
    [
        (414, "URI Too Long", "uri_too_long"),
        (431, "Request Header Fields Too Large", "request_header_fields_too_large"),
        (400, "Bad Request", "invalid"),
        (500, "Internal Server Error", "server_error"),
    ],
)
def test_gunicorns_own_refusals_are_written_in_the_api_error_format(status, reason, code):
    import socket

    from core.gunicorn_worker import write_json_error

    server, client = socket.socketpair()
    with server, client:
        write_json_error(server, status, reason, "Invalid request line")
        server.shutdown(socket.SHUT_WR)
        answer = b""
        while chunk := client.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(f"HTTP/1.1 {status} {reason}\r\n".encode())
    assert b"Content-Type: application/json" in head
    assert f"Content-Length: {len(body)}".encode() in head
    assert json.loads(body)["error"]["code"] == code
    assert re.search(rb"\r\nX-Request-ID: [0-9a-f]{32}\r\n", head), head
