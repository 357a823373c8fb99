"""A live server for end-to-end checks: a fresh database, demo data, gunicorn on a free port.

Run with ``make e2e`` (pytest without the Django plugin: everything here talks HTTP).
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "E2e-passw0rd-" + secrets.token_hex(4)
ARTIFACTS = ROOT / "artifacts"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _manage(env: dict, *args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)


def _fresh_database(env: dict) -> tuple[dict, callable]:
    """Point ``env`` at a new, empty database; return it and a function that drops it."""
    name = f"clinic_e2e_{os.getpid()}"
    url = env.get("DATABASE_URL")
    if url:
        import psycopg

        base, _, _ = url.rpartition("/")
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        env = {**env, "DATABASE_URL": f"{base}/{name}"}

        def drop():
            with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

        return env, drop

    env = {**env, "EMBEDDED_PG_DATABASE": name}

    def drop_embedded():
        subprocess.run(
            [
                sys.executable,
                "-c",
                "import psycopg, sys; from core import embedded_db as e; "
                "c = psycopg.connect(e.start().get_uri('postgres'), autocommit=True); "
                "c.execute(f'DROP DATABASE IF EXISTS \"{sys.argv[1]}\" WITH (FORCE)')",
                name,
            ],
            cwd=ROOT,
            check=False,
        )

    return env, drop_embedded


@pytest.fixture(scope="session")
def live_server() -> str:
    env = {
        **os.environ,
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DEBUG": "False",
        "SECURE_SSL_REDIRECT": "False",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        # Fuzzing logs in and registers far more often than a person would.
        "THROTTLE_RATE_LOGIN": "100000/minute",
        "THROTTLE_RATE_REGISTER": "100000/minute",
        "GUNICORN_ACCESSLOG": "",
        "GUNICORN_WORKERS": "2",
    }
    env, drop = _fresh_database(env)
    _manage(env, "migrate", "--noinput", "--verbosity", "0")
    _manage(env, "collectstatic", "--noinput", "--verbosity", "0")
    _manage(
        env,
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
        PASSWORD,
    )
    port = _free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "core.wsgi:application",
            "--config",
            "gunicorn.conf.py",
            "--bind",
            f"127.0.0.1:{port}",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/api/health/", timeout=2) as response:  # noqa: S310
                    if response.status == 200:
                        break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("the live server did not start") from None
                time.sleep(0.3)
        yield url
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
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
