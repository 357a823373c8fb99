import django.db.models.functions.datetime
from django.conf import settings
from django.db import migrations, models

# NOT VALID: checked on every insert and update from now on, but rows stored before are not
# scanned (a booked slot's times can never change, trigger slot_times_fixed_once_booked, so
# an old slot with seconds could neither be fixed nor block this migration).
ADD = """
ALTER TABLE doctors_timeslot ADD CONSTRAINT slot_times_whole_minutes CHECK (
    end_time = DATE_TRUNC('minute', end_time)::time
    AND start_time = DATE_TRUNC('minute', start_time)::time
) NOT VALID
"""
DROP = "ALTER TABLE doctors_timeslot DROP CONSTRAINT slot_times_whole_minutes"


class Migration(migrations.Migration):
    dependencies = [
        ("doctors", "0002_drop_duplicate_doctor_index"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunSQL(ADD, DROP)],
            state_operations=[
                migrations.AddConstraint(
                    model_name="timeslot",
                    constraint=models.CheckConstraint(
                        condition=models.Q(
                            ("end_time", django.db.models.functions.datetime.TruncMinute("end_time")),
                            ("start_time", django.db.models.functions.datetime.TruncMinute("start_time")),
                        ),
                        name="slot_times_whole_minutes",
                    ),
                )
            ],
        )
    ]
