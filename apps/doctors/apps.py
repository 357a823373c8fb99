from django.apps import AppConfig


class DoctorsConfig(AppConfig):
    name = "apps.doctors"
    label = "doctors"
    verbose_name = "Doctors and time slots"
