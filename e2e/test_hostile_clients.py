"""A hostile client against the production server (gunicorn, 4 workers, no REDIS_URL): the login
rate holds across workers whatever X-Forwarded-For says, and bodies are bounded on the wire."""

import http.client
import json
import urllib.error
import urllib.request

import pytest

from tools import live


@pytest.fixture(scope="module")
def server():
    env = live.base_env(GUNICORN_WORKERS="4", THROTTLE_RATE_LOGIN="10/minute")
    env.pop("REDIS_URL", None)
    generate = "--prefix hostile --doctors 1 --patients 1 --days 1".split()
    with live.clinic(env, "hostile", *generate) as env, live.gunicorn(env) as url:
        yield url


def login(url: str, username: str, forwarded_for: str) -> int:
    body = json.dumps({"username": username, "password": "wrong"}).encode()
    request = urllib.request.Request(f"{url}/api/auth/login/", data=body, method="POST")  # noqa: S310
    request.add_header("Content-Type", "application/json")
    request.add_header("X-Forwarded-For", forwarded_for)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_login_rate_holds_across_four_workers_and_forged_forwarded_for(server):
    # Every request on a new connection, so the four workers share them out.
    # Another username each time, so that only the address throttle can answer 429.
    statuses = [login(server, f"nobody{i}", f"198.51.100.{i}") for i in range(60)]
    assert statuses[:10] == [401] * 10, statuses
    assert statuses[10:] == [429] * 50, statuses


def raw_post(url: str, path: str, chunks: list[bytes]) -> tuple[int, dict]:
    """POST with Transfer-Encoding: chunked (no Content-Length)."""
    host, port = url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=60)
    try:
        connection.request(
            "POST", path, body=iter(chunks), headers={"Content-Type": "application/json"}, encode_chunked=True
        )
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    finally:
        connection.close()


def test_a_chunked_body_over_1_mib_is_refused_with_413(server):
    # Just over the limit: the server answers after reading 1 MiB + 1 bytes and closes; a much
    # larger body would still be in flight then, and the client's send would fail (EPIPE).
    status, body = raw_post(server, "/api/auth/register/", [b"[" + b" " * 65535] * 16 + [b" " * 64])
    assert status == 413, body
    assert body["error"]["code"] == "request_too_large"


def test_a_chunked_body_within_the_limit_is_read(server):
    status, body = raw_post(server, "/api/auth/register/", [b'{"username":', b' "x"}'])
    assert status == 400, body
    assert "password" in body["error"]["fields"]


def test_json_nested_100000_deep_is_a_400(server):
    # Registration: the login rate is spent by the first test.
    request = urllib.request.Request(  # noqa: S310
        f"{server}/api/auth/register/", data=b"[" * 100_000, method="POST"
    )
    request.add_header("Content-Type", "application/json")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=30)  # noqa: S310
    assert refused.value.code == 400
    assert json.load(refused.value)["error"]["message"] == "JSON parse error - nested too deeply."


def raw_get(url: str, path: str) -> http.client.HTTPResponse:
    host, port = url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    connection.request("GET", path)
    response = connection.getresponse()
    response.body = response.read()
    connection.close()
    return response


def test_an_over_long_url_is_a_json_414_as_documented(server):
    schema = json.load(urllib.request.urlopen(f"{server}/api/schema/?format=json", timeout=30))  # noqa: S310
    documented = schema["paths"]["/api/appointments/"]["get"]["responses"]["414"]
    example = next(iter(documented["content"]["application/json"]["examples"].values()))["value"]

    response = raw_get(server, "/api/appointments/?status=" + "x" * 5000)
    assert response.status == 414
    assert response.getheader("Content-Type") == "application/json"
    assert len(response.getheader("X-Request-ID")) == 32
    assert json.loads(response.body) == example


def test_a_long_url_within_the_limit_reaches_the_app(server):
    response = raw_get(server, "/api/appointments/?status=" + "x" * 4000)
    assert response.status == 401
    assert response.getheader("X-Request-ID")
