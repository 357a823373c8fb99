from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Project-wide pieces that need the app registry: the shared cache table's migration and
    the request log's receivers."""

    name = "core"
    label = "core"
    verbose_name = "Core"

    def ready(self):
        from core import request_log  # noqa: F401  (connects its receivers)
