from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Project-wide pieces that need the app registry: the shared cache table's migration."""

    name = "core"
    label = "core"
    verbose_name = "Core"
