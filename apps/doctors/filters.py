import django_filters

from apps.users.models import User

from .models import TimeSlot


class DoctorFilter(django_filters.FilterSet):
    specialization = django_filters.CharFilter(
        field_name="doctor_profile__specialization", lookup_expr="iexact"
    )

    class Meta:
        model = User
        fields = ["specialization"]


class TimeSlotFilter(django_filters.FilterSet):
    date = django_filters.DateFilter()
    date_from = django_filters.DateFilter(field_name="date", lookup_expr="gte")
    date_to = django_filters.DateFilter(field_name="date", lookup_expr="lte")
    is_available = django_filters.BooleanFilter()
    doctor = django_filters.NumberFilter(field_name="doctor_id")

    class Meta:
        model = TimeSlot
        fields = ["date", "date_from", "date_to", "is_available", "doctor"]


class FreeSlotFilter(django_filters.FilterSet):
    date = django_filters.DateFilter()

    class Meta:
        model = TimeSlot
        fields = ["date"]
