from django.apps import AppConfig


class AppointmentsConfig(AppConfig):
    name = "apps.appointments"
    label = "appointments"

    def ready(self) -> None:
        from . import receivers  # noqa: F401  (connects to users' signals)
