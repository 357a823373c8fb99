"""The docs as a person sees them: headless Chromium opens Swagger UI and Redoc from the live
server, the operations render, nothing is fetched from anywhere but this server, and a
screenshot of each page is kept in artifacts/."""

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import urlparse

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# CI sets REQUIRE_BROWSER=1: there a missing browser fails instead of skipping.
pytestmark = pytest.mark.skipif(
    CHROMIUM is None and not os.environ.get("REQUIRE_BROWSER"), reason="chromium is installed by `make e2e`"
)


def _chromium(url: str, *extra: str, workdir: Path) -> str:
    assert CHROMIUM, "chromium is not installed"
    command = [
        CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-default-apps", "--hide-scrollbars", "--no-default-browser-check",
        "--disable-client-side-phishing-detection", "--disable-domain-reliability",
        "--disable-features=AutofillServerCommunication,OptimizationHints,Translate,MediaRouter",
        f"--user-data-dir={workdir / 'profile'}",
        # Any host but this one resolves to nothing: a CDN request would fail the page, and the
        # net log below shows whether one was attempted.
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost",
        "--virtual-time-budget=20000",
        *extra, url,
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    return result.stdout


# Chromium's own services (sign-in, component updates, autofill), not the page's requests.
BROWSER_SERVICE_HOSTS = {
    "accounts.google.com",
    "clients2.google.com",
    "update.googleapis.com",
    "content-autofill.googleapis.com",
    "optimizationguide-pa.googleapis.com",
}


def _requested_hosts(net_log: Path) -> set[str]:
    text = net_log.read_text(errors="replace")  # JSON, searched as text: it may be unterminated
    urls = re.findall(r'"(?:url|original_url)":\s*"((?:https?|wss?)://[^"]+)"', text)
    return {urlparse(u).hostname for u in urls} - BROWSER_SERVICE_HOSTS


@pytest.mark.parametrize(
    ("page", "rendered"),
    [
        ("/api/docs/", r'class="opblock-summary-path"[^>]*data-path="/api/appointments/"'),
        ("/api/redoc/", r"Book a time slot"),
    ],
)
def test_docs_page_renders_from_this_server_only(live_server, artifacts, page, rendered):
    name = page.strip("/").replace("/", "-")
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        net_log = workdir / "net.json"
        dom = _chromium(live_server + page, "--dump-dom", f"--log-net-log={net_log}", workdir=workdir)
        _chromium(
            live_server + page,
            f"--screenshot={artifacts / f'{name}.png'}",
            "--window-size=1280,1600",
            workdir=workdir,
        )
        hosts = _requested_hosts(net_log)

    assert re.search(rendered, dom), dom[-3000:]
    if page == "/api/docs/":
        operations = re.findall(r'class="opblock-summary-path"', dom)
        assert len(operations) >= 25, len(operations)
    assert hosts <= {"127.0.0.1", "localhost"}, hosts
    assert (artifacts / f"{name}.png").stat().st_size > 10_000
