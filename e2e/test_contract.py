"""Contract fuzzing: schemathesis against the live schema, as each role.

Checks: no 5xx, responses match the documented schema and content type, and every status
code is documented. Bounded per role in examples and time.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_schema_conformance",
    ]
)
MAX_EXAMPLES = os.environ.get("FUZZ_MAX_EXAMPLES", "15")
MAX_SECONDS = os.environ.get("FUZZ_MAX_SECONDS", "45")


# Order matters a little: the admin run last, as it may deactivate the demo doctor and patient.
@pytest.mark.parametrize("role", ["anonymous", "patient", "doctor", "admin"])
def test_api_honours_its_schema_for_any_input(live_server, tokens, artifacts, role):
    schemathesis = Path(sys.executable).with_name("schemathesis")
    command = [
        str(schemathesis), "run", f"{live_server}/api/schema/?format=json",
        "--url", live_server,
        "--checks", CHECKS,
        "--max-examples", MAX_EXAMPLES,
        "--max-time", MAX_SECONDS,
        "--phases", "examples,coverage,fuzzing",
        "--seed", "20261127",
        "--no-color",
        "--generation-database", "none",
        "--report", "junit",
        "--report-junit-path", str(artifacts / f"schemathesis-{role}.xml"),
    ]  # fmt: skip
    if role != "anonymous":
        command += ["--header", f"Authorization: Bearer {tokens[role]}"]
    result = subprocess.run(command, capture_output=True, text=True, check=False, timeout=600)
    (artifacts / f"schemathesis-{role}.txt").write_text(result.stdout + result.stderr)
    assert result.returncode == 0, result.stdout[-20000:] + result.stderr[-5000:]
