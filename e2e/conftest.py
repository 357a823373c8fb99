"""A live server for end-to-end checks: a fresh database, demo data, gunicorn on a free port.

Run with ``make e2e`` (pytest without the Django plugin: everything here talks HTTP).
"""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest

from tools import live

PASSWORD = "E2e-passw0rd-" + secrets.token_hex(4)
ARTIFACTS = live.ROOT / "artifacts"


@pytest.fixture(scope="session")
def live_server() -> str:
    generate = "--prefix e2e --doctors 3 --patients 5 --days 3 --password".split()
    with live.clinic(live.base_env(GUNICORN_WORKERS="2"), "e2e", *generate, PASSWORD) as env:
        live.manage(env, "collectstatic", "--noinput", "--verbosity", "0")
        with live.gunicorn(env) as url:
            yield url


@pytest.fixture(scope="session")
def tokens(live_server) -> dict[str, str]:
    """An access token for each role's demo user, through the login endpoint itself."""
    users = {"admin": "e2e-admin", "doctor": "e2e-doctor-1", "patient": "e2e-patient-1"}
    result = {}
    for role, username in users.items():
        status, body = live.call(
            "POST", f"{live_server}/api/auth/login/", body={"username": username, "password": PASSWORD}
        )
        assert status == 200, body
        result[role] = body["access"]
    return result


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
