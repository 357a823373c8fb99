import re
from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[2]


def test_openapi_schema_generates_without_warnings(tmp_path):
    # --fail-on-warn turns any drf-spectacular warning into an error; --validate checks OpenAPI 3.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yml"))
    assert "/api/appointments/" in (tmp_path / "schema.yml").read_text()


@pytest.mark.django_db
def test_schema_is_public_and_every_operation_documents_its_errors(client):
    schema = client.get("/api/schema/?format=json").json()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            assert operation.get("summary"), f"{method} {path} has no summary"
            assert operation.get("tags"), f"{method} {path} has no tag"
            codes = set(operation["responses"])
            if path != "/api/health/":
                assert codes - {"200", "201", "204"}, f"{method} {path} documents no error"


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["/api/docs/", "/api/redoc/"])
def test_docs_pages_load_every_asset_from_this_server(client, page):
    response = client.get(page)
    assert response.status_code == 200
    html = response.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets, html
    for asset in assets:
        assert not asset.startswith(("http://", "https://", "//")), asset
        if asset.startswith("/static/"):
            assert client.get(asset).status_code == 200, asset


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "parameters"),
    [
        ("/api/appointments/me/", {"status", "date", "page", "page_size"}),
        ("/api/appointments/", {"status", "date", "doctor", "patient", "page", "page_size"}),
        ("/api/doctors/{id}/timeslots/", {"date", "page", "page_size"}),
        ("/api/doctors/", {"specialization", "search", "page", "page_size"}),
        ("/api/timeslots/", {"date", "date_from", "date_to", "is_available", "doctor", "page", "page_size"}),
        ("/api/users/", {"role", "is_active", "search", "page", "page_size"}),
    ],
)
def test_every_list_documents_its_filters_and_paging(client, path, parameters):
    operation = client.get("/api/schema/?format=json").json()["paths"][path]["get"]
    documented = {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"}
    assert parameters <= documented, parameters - documented
    success = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert success["$ref"].startswith("#/components/schemas/Paginated"), success


@pytest.mark.django_db
def test_bulk_slot_creation_is_documented_as_the_plain_list_it_answers(client):
    operation = client.get("/api/schema/?format=json").json()["paths"]["/api/timeslots/bulk/"]["post"]
    success = operation["responses"]["201"]["content"]["application/json"]
    assert success["schema"] == {"type": "array", "items": {"$ref": "#/components/schemas/TimeSlot"}}
    assert all(isinstance(example["value"], list) for example in success["examples"].values())
    assert not [p for p in operation.get("parameters", []) if p["in"] == "query"]


@pytest.mark.django_db
def test_every_operation_documents_the_refusals_that_come_before_any_view(client):
    schema = client.get("/api/schema/?format=json").json()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for status in ("413", "414"):
                answer = operation["responses"].get(status)
                assert answer, f"{method} {path} does not document {status}"
                schema = answer["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/Error"}


@pytest.mark.django_db
def test_login_documents_both_kinds_of_429(client):
    schema = client.get("/api/schema/?format=json").json()
    examples = schema["paths"]["/api/auth/login/"]["post"]["responses"]["429"]["content"]["application/json"]
    codes = {example["value"]["error"]["code"] for example in examples["examples"].values()}
    assert codes == {"throttled", "locked_out"}


def test_the_documented_414_is_what_gunicorn_is_configured_to_refuse():
    from core.gunicorn_worker import _MESSAGES
    from core.openapi import _DEFAULT_ERRORS

    config: dict = {}
    config_file = ROOT / "gunicorn.conf.py"
    exec(config_file.read_text(), {"__file__": str(config_file)}, config)  # noqa: S102 (our own file)
    limit = config["limit_request_line"]
    assert config["worker_class"] == "core.gunicorn_worker.JsonErrorThreadWorker"
    assert _DEFAULT_ERRORS[414][1] == _MESSAGES[414].format(limit=limit)


@pytest.mark.django_db
def test_every_answer_of_the_app_documents_x_request_id(client):
    schema = client.get("/api/schema/?format=json").json()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for status, answer in operation["responses"].items():
                documented = "X-Request-ID" in answer.get("headers", {})
                assert documented, f"{method} {path} {status}"
