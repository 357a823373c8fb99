"""A live server for end-to-end checks: a fresh database, demo data, gunicorn on a free port.

Run with ``make e2e`` (pytest without the Django plugin: everything here talks HTTP).
"""

from __future__ import annotations

import secrets
import urllib.request
from pathlib import Path

import pytest

from tools import live

PASSWORD = "E2e-passw0rd-" + secrets.token_hex(4)
ARTIFACTS = live.ROOT / "artifacts"


@pytest.fixture(scope="session")
def live_server() -> str:
    env, drop = live.fresh_database(live.base_env(GUNICORN_WORKERS="2"), "e2e")
    try:
        live.manage(env, "migrate", "--noinput", "--verbosity", "0")
        live.manage(env, "collectstatic", "--noinput", "--verbosity", "0")
        live.manage(
            env,
            *[
                "generate_data",
                "--prefix",
                "e2e",
                "--doctors",
                "3",
                "--patients",
                "5",
                "--days",
                "3",
                "--password",
            ],
            PASSWORD,
        )
        with live.gunicorn(env) as url:
            yield url
    finally:
        drop()


@pytest.fixture(scope="session")
def tokens(live_server) -> dict[str, str]:
    """An access token for each role's demo user (``e2e-admin``, ``e2e-doctor-1``, ``e2e-patient-1``)."""
    import json

    result = {}
    for role, username in [("admin", "e2e-admin"), ("doctor", "e2e-doctor-1"), ("patient", "e2e-patient-1")]:
        request = urllib.request.Request(  # noqa: S310
            f"{live_server}/api/auth/login/",
            data=json.dumps({"username": username, "password": PASSWORD}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            result[role] = json.load(response)["access"]
    return result


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
