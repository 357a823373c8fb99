from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "apps.notifications"
    label = "notifications"
    verbose_name = "Calendar and notifications"

    def ready(self) -> None:
        from . import receivers  # noqa: F401  (connects appointment_changed)
