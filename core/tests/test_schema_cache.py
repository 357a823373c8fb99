"""/api/schema/ is generated once per process and served the same to concurrent callers."""

import threading
from unittest import mock

import pytest
from django.test import Client
from drf_spectacular.generators import SchemaGenerator

from core import schema


@pytest.fixture
def fresh_schema():
    schema.forget_schema(setting="SPECTACULAR_SETTINGS")
    yield
    schema.forget_schema(setting="SPECTACULAR_SETTINGS")


@pytest.mark.django_db(transaction=True)
def test_concurrent_schema_requests_all_get_the_same_document_generated_once(fresh_schema):
    answers, barrier = [], threading.Barrier(16)
    generate = SchemaGenerator.get_schema

    def get_schema(*args, **kwargs):
        return generate(*args, **kwargs)

    def fetch():
        client = Client()
        barrier.wait()
        for _ in range(4):
            response = client.get("/api/schema/?format=json")
            answers.append((response.status_code, response.content))

    with mock.patch.object(SchemaGenerator, "get_schema", autospec=True, side_effect=get_schema) as spy:
        threads = [threading.Thread(target=fetch) for _ in range(16)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    assert len(answers) == 64
    assert {status for status, _ in answers} == {200}
    assert len({content for _, content in answers}) == 1
    assert spy.call_count == 1


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["?version=x%0Ay", "?version=%00", "?version=2", "?lang=de", "?lang=%0A"])
def test_schema_query_parameters_do_not_reach_the_document_or_its_headers(client, query):
    response = client.get(f"/api/schema/{query}")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'inline; filename="Clinic Appointment Booking API.yaml"'
    assert response.content == client.get("/api/schema/").content


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("accept", "query", "media_type"),
    [
        ("", "", "application/vnd.oai.openapi"),
        ("", "?format=json", "application/vnd.oai.openapi+json"),
        ("application/json", "", "application/json"),
        ("application/yaml", "", "application/yaml"),
        # Not a format of the schema: the default rather than an error written in YAML.
        ("text/html", "", "application/vnd.oai.openapi"),
        ("", "?format=garbage", "application/vnd.oai.openapi"),
    ],
)
def test_schema_is_served_in_the_negotiated_format(client, accept, query, media_type):
    response = client.get(f"/api/schema/{query}", HTTP_ACCEPT=accept or "*/*")
    assert response.status_code == 200
    assert response["Content-Type"].split(";")[0] == media_type


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["/api/docs/", "/api/redoc/"])
@pytest.mark.parametrize("accept", ["application/json", "text/html", "*/*"])
def test_docs_pages_are_html_whatever_the_client_accepts(client, page, accept):
    response = client.get(page, HTTP_ACCEPT=accept)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert b"/api/schema/" in response.content
