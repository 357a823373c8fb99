import datetime as dt

import factory
from django.utils import timezone

from apps.doctors.models import TimeSlot
from apps.users.tests.factories import DoctorFactory


def tomorrow() -> dt.date:
    return timezone.localdate() + dt.timedelta(days=1)


class TimeSlotFactory(factory.django.DjangoModelFactory):
    """Consecutive 30-minute slots from 08:00 tomorrow, so factories never overlap."""

    class Meta:
        model = TimeSlot

    doctor = factory.SubFactory(DoctorFactory)
    date = factory.LazyFunction(tomorrow)
    start_time = factory.Sequence(lambda n: dt.time(8 + (n % 24) // 2, (n % 2) * 30))
    end_time = factory.LazyAttribute(
        lambda o: (dt.datetime.combine(o.date, o.start_time) + dt.timedelta(minutes=30)).time()
    )
