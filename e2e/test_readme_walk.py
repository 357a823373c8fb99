"""The README's curl walk, run as a new user would: twice in a row against a live server on a
fresh database, each call answering the status code the README quotes below it."""

from __future__ import annotations

import re
import subprocess

import pytest

from tools import live

README = live.ROOT / "README.md"
STATUS_COMMENT = re.compile(r"^# (\d{3}) ", re.MULTILINE)
PRINTED_STATUS = re.compile(r"^(\d{3}) ", re.MULTILINE)


def walk_script() -> str:
    text = README.read_text()
    section = text[text.index("## A walk through the API with curl") :]
    return section[section.index("```sh\n") + len("```sh\n") : section.index("\n```\n")]


@pytest.fixture(scope="module")
def walk_server():
    """A server on an empty, migrated database, as `make run` leaves it on a fresh clone."""
    env, drop = live.fresh_database(live.base_env(), "walk")
    try:
        live.manage(env, "migrate", "--noinput", "--verbosity", "0")
        with live.gunicorn(env) as url:
            yield env, url
    finally:
        drop()


def test_every_call_of_the_walk_is_followed_by_the_status_it_answers():
    script = walk_script()
    calls = [line for line in script.splitlines() if line.startswith("call ")]
    assert calls
    assert len(STATUS_COMMENT.findall(script)) == len(calls)


@pytest.mark.parametrize("run", [1, 2])
def test_the_readme_walk_runs_again_and_again_with_the_quoted_status_codes(walk_server, run):
    env, url = walk_server
    result = subprocess.run(
        ["bash", "-c", walk_script()],
        cwd=live.ROOT,
        env={**env, "API": f"{url}/api"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    expected = STATUS_COMMENT.findall(walk_script())
    assert PRINTED_STATUS.findall(result.stdout) == expected, result.stdout
