"""What any client can make the server log: short lines, nothing at ERROR, no tracebacks."""

import logging

import pytest

pytestmark = pytest.mark.django_db


def test_a_bad_host_is_a_json_400_logged_as_a_warning_without_traceback(client, caplog):
    with caplog.at_level(logging.INFO):
        response = client.get("/api/health/live/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"
    records = [r for r in caplog.records if r.name == "django.security.DisallowedHost"]
    assert records, caplog.records
    assert all(r.levelno == logging.WARNING and not r.exc_info for r in records)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_a_huge_client_request_id_is_cut_in_the_log(client, caplog):
    with caplog.at_level(logging.INFO):
        response = client.get("/api/health/live/", HTTP_X_REQUEST_ID="a" * 8000)
    assert response.status_code == 200
    assert len(response["X-Request-ID"]) == 32  # replaced by a fresh id
    records = [r for r in caplog.records if r.name.startswith("django_guid")]
    assert records
    assert all(len(r.getMessage()) < 300 for r in records)
