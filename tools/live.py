"""Running the real app for end-to-end checks and benchmarks: a fresh database and gunicorn
on a free loopback port, exactly as production runs it (``gunicorn.conf.py``).

Used by ``e2e/`` and ``bench/``; nothing in the product imports it.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def base_env(**overrides: str) -> dict[str, str]:
    """Production settings on plain HTTP, with throttling opened up for machine traffic."""
    env = {
        **os.environ,
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DEBUG": "False",
        "SECURE_SSL_REDIRECT": "False",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "THROTTLE_RATE_LOGIN": "1000000/minute",
        "THROTTLE_RATE_REGISTER": "1000000/minute",
        "GUNICORN_ACCESSLOG": "",
        # Machine traffic: no line per successful request (4xx/5xx still log as warnings).
        "LOG_LEVEL": "WARNING",
    }
    env.update(overrides)
    return env


def fresh_database(env: dict[str, str], label: str) -> tuple[dict[str, str], Callable[[], None]]:
    """Point ``env`` at a new, empty database (on ``DATABASE_URL``'s server, or the embedded
    one); return the new env and a function that drops the database."""
    name = f"clinic_{label}_{os.getpid()}"
    url = env.get("DATABASE_URL")
    if url:
        import psycopg

        base, _, _ = url.rpartition("/")
        admin_url = f"{base}/postgres"
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        env = {**env, "DATABASE_URL": f"{base}/{name}"}
    else:
        from core import embedded_db

        admin_url = embedded_db.start().get_uri("postgres")
        env = {**env, "EMBEDDED_PG_DATABASE": name}

    def drop() -> None:
        import psycopg

        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return env, drop


@contextlib.contextmanager
def clinic(env: dict[str, str], label: str, *generate_args: str) -> Iterator[dict[str, str]]:
    """A fresh database, migrated and filled by ``generate_data`` (``generate_args`` are its
    command line); yields the env pointing at it and drops it on exit, whatever happens."""
    env, drop = fresh_database(env, label)
    try:
        manage(env, "migrate", "--noinput", "--verbosity", "0")
        manage(env, "generate_data", *generate_args)
        yield env
    finally:
        drop()


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)


def wait_healthy(url: str, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(f"{url}/api/health/", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline or process.poll() is not None:
            raise RuntimeError(f"the server at {url} did not start")
        time.sleep(0.2)


@contextlib.contextmanager
def gunicorn(env: dict[str, str], port: int | None = None) -> Iterator[str]:
    """Serve the app with the production gunicorn config; yield its base URL."""
    port = port or free_port()
    process = subprocess.Popen(
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
        wait_healthy(url, process)
        yield url
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)


def access_tokens(env: dict[str, str], usernames: list[str]) -> dict[str, str]:
    """Access tokens minted directly (no login request, so no login throttle), by username."""
    code = (
        "import json, sys, django; django.setup();"
        "from apps.users.models import User;"
        "from rest_framework_simplejwt.tokens import AccessToken;"
        "names = json.loads(sys.argv[1]);"
        "print(json.dumps({u.username: str(AccessToken.for_user(u)) "
        "for u in User.objects.filter(username__in=names)}))"
    )
    env = {"DJANGO_SETTINGS_MODULE": "core.settings", **env}
    result = subprocess.run(
        [sys.executable, "-c", code, json.dumps(usernames)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def call(method: str, url: str, token: str | None = None, body: dict | None = None) -> tuple[int, dict]:
    """One JSON request to a live server: (status, decoded body), errors included."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, method=method, data=data)  # noqa: S310
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)
