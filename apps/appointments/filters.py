import django_filters

from .models import Appointment, Status


class AppointmentFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Status.choices)
    date = django_filters.DateFilter(field_name="timeslot__date")
    doctor = django_filters.NumberFilter(field_name="doctor_id")
    patient = django_filters.NumberFilter(field_name="patient_id")

    class Meta:
        model = Appointment
        fields = ["status", "date", "doctor", "patient"]


class MyAppointmentFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Status.choices)
    date = django_filters.DateFilter(field_name="timeslot__date")

    class Meta:
        model = Appointment
        fields = ["status", "date"]
