"""Time slots a doctor opens in the working day.

Times are the clinic's wall-clock time (``TIME_ZONE``); a slot never spans midnight.
"""

import datetime as dt

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateTimeRangeField, RangeOperators
from django.db import models
from django.db.models import F, Func, Q, Value
from django.db.models.expressions import CombinedExpression
from django.db.models.functions import TruncMinute


class SlotRange(Func):
    """``tsrange(date + start_time, date + end_time, '[)')``: the slot as a half-open range,
    so touching slots (09:00-09:30, 09:30-10:00) do not overlap."""

    function = "tsrange"
    output_field = DateTimeRangeField()

    def __init__(self):
        local = models.DateTimeField()
        super().__init__(
            CombinedExpression(F("date"), "+", F("start_time"), output_field=local),
            CombinedExpression(F("date"), "+", F("end_time"), output_field=local),
            Value("[)"),
        )


class TimeSlot(models.Model):
    doctor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="time_slots",
        limit_choices_to={"role": "doctor"},
        db_index=False,  # slot_doctor_date_idx leads with the doctor
    )
    date = models.DateField()
    start_time = models.TimeField()
    end_time = models.TimeField()
    # Changed only by the booking services, in the transaction that books or cancels.
    is_available = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["date", "start_time", "id"]
        indexes = [
            # A doctor's schedule and free-slot search: doctor + date (+ time order).
            models.Index(fields=["doctor", "date", "start_time"], name="slot_doctor_date_idx"),
            models.Index(
                fields=["doctor", "date", "start_time"],
                condition=Q(is_available=True),
                name="slot_free_doctor_date_idx",
            ),
            models.Index(fields=["date", "start_time"], name="slot_date_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(start_time__lt=F("end_time")), name="slot_starts_before_end"),
            # Whole minutes: 10:00:00.5 shown as "10:00:00" made false overlaps. Added NOT VALID
            # (doctors migration 0003): slots stored before it, booked ones unchangeable, stay.
            models.CheckConstraint(
                condition=Q(start_time=TruncMinute("start_time"), end_time=TruncMinute("end_time")),
                name="slot_times_whole_minutes",
            ),
            ExclusionConstraint(
                name="slot_no_overlap_per_doctor",
                expressions=[("doctor", RangeOperators.EQUAL), (SlotRange(), RangeOperators.OVERLAPS)],
                violation_error_message="This time overlaps another slot of the doctor.",
            ),
            # Target of the appointment's composite foreign key (slot, doctor): an
            # appointment's doctor is always its slot's doctor.
            models.UniqueConstraint(fields=["id", "doctor"], name="slot_id_doctor_key"),
        ]

    def __str__(self) -> str:
        return f"{self.doctor_id} {self.date} {self.start_time:%H:%M}-{self.end_time:%H:%M}"

    @property
    def starts(self) -> dt.datetime:
        """The start in the clinic's wall-clock time, naive like slot times (``local_now()``)."""
        return dt.datetime.combine(self.date, self.start_time)

    @property
    def ends(self) -> dt.datetime:
        return dt.datetime.combine(self.date, self.end_time)
