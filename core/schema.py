"""The OpenAPI document, generated once per process and served from memory.

drf-spectacular's view generates the whole schema on every request (130-500 ms on this API),
and its generation is not thread-safe: two at once in one gthread worker crossed and failed
with ``AssertionError: Schema generation REQUIRES a view instance`` (a 500). Here it is
generated once, under a lock, without the caller's request (public, like
``manage.py spectacular``), and each format is rendered once. ``?version=`` and ``?lang=``,
which drf-spectacular put into the generation and into ``Content-Disposition`` (a newline
there was a 500), are ignored: this API has one version and one language.
"""

from __future__ import annotations

import threading

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import Http404, HttpResponse
from drf_spectacular.settings import spectacular_settings
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView
from rest_framework.exceptions import NotAcceptable
from rest_framework.negotiation import BaseContentNegotiation, DefaultContentNegotiation

_lock = threading.Lock()
_schema: dict | None = None
_rendered: dict[type, bytes] = {}


def openapi_schema() -> dict:
    """The schema of this process, generated on first use."""
    global _schema
    if _schema is None:
        with _lock:
            if _schema is None:
                generator = spectacular_settings.DEFAULT_GENERATOR_CLASS()
                _schema = generator.get_schema(request=None, public=True)
    return _schema


def _render(renderer) -> bytes:
    key = type(renderer)
    if key not in _rendered:
        schema = openapi_schema()
        with _lock:
            if key not in _rendered:
                _rendered[key] = renderer.render(schema, renderer.media_type, {})
    return _rendered[key]


@receiver(setting_changed)
def forget_schema(setting, **kwargs):
    """Tests that change what the schema says get a fresh one."""
    global _schema
    if setting in {"SPECTACULAR_SETTINGS", "REST_FRAMEWORK", "ROOT_URLCONF"}:
        with _lock:
            _schema = None
            _rendered.clear()


class ServeAnyway(BaseContentNegotiation):
    """The docs pages are HTML whatever the client accepts (``Accept: application/json`` was a
    bare-text "406 Not Acceptable")."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class PreferredFormatOrYaml(DefaultContentNegotiation):
    """The schema in the format asked for (``?format=json|yaml``, ``Accept``), else in YAML,
    the default (an ``Accept: text/html`` or ``?format=garbage`` was an error written in YAML)."""

    def select_renderer(self, request, renderers, format_suffix=None):
        try:
            return super().select_renderer(request, renderers, format_suffix)
        except (NotAcceptable, Http404):
            return renderers[0], renderers[0].media_type


class SchemaView(SpectacularAPIView):
    """``/api/schema/``: YAML by default, JSON with ``?format=json`` or ``Accept: application/json``."""

    content_negotiation_class = PreferredFormatOrYaml

    @extend_schema(exclude=True)
    def get(self, request, *args, **kwargs):
        renderer = request.accepted_renderer
        content_type = renderer.media_type
        if renderer.charset:
            content_type += f"; charset={renderer.charset}"
        title = spectacular_settings.TITLE or "schema"
        response = HttpResponse(_render(renderer), content_type=content_type)
        response["Content-Disposition"] = f'inline; filename="{title}.{renderer.format}"'
        return response
