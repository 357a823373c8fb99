"""What operations need to follow a request and run the app: request ids, one JSON log line per
request, liveness without the database, CORS for listed origins only, a loud embedded database."""

import io
import json
import logging
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.test import override_settings
from structlog.stdlib import ProcessorFormatter

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


# --- X-Request-ID ------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/health/live/", "/api/doctors/", "/api/nothing-here/"])
def test_every_response_carries_a_fresh_request_id(client, path):
    first, second = client.get(path)["X-Request-ID"], client.get(path)["X-Request-ID"]
    assert len(first) == 32
    assert int(first, 16) >= 0
    assert first != second


def test_a_refusal_before_any_view_carries_a_request_id_too(client):
    response = client.generic("POST", "/api/auth/login/", b"", CONTENT_LENGTH=str(2 * 1024 * 1024))
    assert response.status_code == 413
    assert len(response["X-Request-ID"]) == 32


def test_the_clients_own_request_id_is_answered_back(client):
    mine = str(uuid.uuid4())
    assert client.get("/api/health/live/", HTTP_X_REQUEST_ID=mine)["X-Request-ID"] == mine


@pytest.mark.parametrize("sent", ["not-a-uuid", "x" * 500, "a\u00e9b", "1; DROP TABLE"])
def test_a_request_id_that_is_not_a_uuid_is_replaced(client, sent):
    answered = client.get("/api/health/live/", HTTP_X_REQUEST_ID=sent)["X-Request-ID"]
    assert answered != sent
    assert len(answered) == 32


# --- One JSON log line per request -------------------------------------------------------------


@pytest.fixture
def log_lines():
    """Lines written by the project's log formatter, as production writes them."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    [formatter] = [
        h.formatter for h in logging.getLogger().handlers if isinstance(h.formatter, ProcessorFormatter)
    ]
    handler.setFormatter(formatter)
    logger = logging.getLogger("django_structlog.middlewares.request")
    logger.addHandler(handler)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        logger.removeHandler(handler)


def test_each_request_is_one_json_log_line_with_who_what_and_how_long(api, patient, log_lines):
    mine = uuid.uuid4().hex
    response = api.as_user(patient).get("/api/appointments/me/?status=pending", HTTP_X_REQUEST_ID=mine)
    assert response.status_code == 200
    [line] = log_lines()
    assert line["event"] == "request_finished"
    assert line["level"] == "info"
    assert line["request_id"] == mine
    assert line["user_id"] == patient.pk
    assert line["method"] == "GET"
    assert line["path"] == "/api/appointments/me/"
    assert line["status"] == 200
    assert line["duration_ms"] >= 0
    assert line["ip"] == "127.0.0.1"
    assert line["timestamp"].endswith("Z")


def test_a_refused_request_is_logged_as_a_warning_once(api, log_lines):
    api.get("/api/auth/me/")
    [line] = log_lines()
    assert (line["level"], line["status"], line["user_id"]) == ("warning", 401, None)


# --- Liveness -------------------------------------------------------------------------------


def test_liveness_answers_without_touching_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/api/health/live/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_both_health_checks_are_documented(client):
    paths = client.get("/api/schema/?format=json").json()["paths"]
    assert "200" in paths["/api/health/live/"]["get"]["responses"]
    assert {"200", "503"} <= set(paths["/api/health/"]["get"]["responses"])


# --- CORS -----------------------------------------------------------------------------------


def preflight(client, origin):
    return client.options(
        "/api/auth/login/",
        HTTP_ORIGIN=origin,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="content-type, authorization",
    )


@override_settings(CORS_ALLOWED_ORIGINS=["https://app.clinic.example"])
def test_a_listed_origins_preflight_succeeds(client):
    response = preflight(client, "https://app.clinic.example")
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "https://app.clinic.example"
    assert "authorization" in response["Access-Control-Allow-Headers"]
    answer = client.get("/api/health/live/", HTTP_ORIGIN="https://app.clinic.example")
    assert "X-Request-ID" in answer["Access-Control-Expose-Headers"]


@override_settings(CORS_ALLOWED_ORIGINS=["https://app.clinic.example"])
def test_an_unlisted_origin_gets_no_cors_headers(client):
    for response in [
        preflight(client, "https://evil.example"),
        client.get("/api/health/live/", HTTP_ORIGIN="https://evil.example"),
    ]:
        assert not [h for h in response.headers if h.lower().startswith("access-control-")]


def test_no_origin_is_allowed_by_default(client, settings):
    assert settings.CORS_ALLOWED_ORIGINS == []
    assert "Access-Control-Allow-Origin" not in preflight(client, "http://localhost:3000")


# --- The embedded database in production ------------------------------------------------------


def start_wsgi(**overrides) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(SECRET_KEY="s" * 50, **overrides)
    return subprocess.run(
        [sys.executable, "-c", "import core.wsgi"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize(
    ("overrides", "warned"),
    [
        ({"DEBUG": "False"}, True),
        ({"DEBUG": "True"}, False),
        ({"DEBUG": "False", "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"}, False),
    ],
)
def test_serving_from_the_embedded_database_in_production_warns_loudly(overrides, warned):
    result = start_wsgi(**overrides)
    assert result.returncode == 0, result.stderr
    assert ("EMBEDDED PostgreSQL" in result.stderr) is warned, result.stderr
