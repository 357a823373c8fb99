"""The slot's time range on every appointment (copied by the database), the patient's
overlap guard, and ``rescheduled_from``. See apps/appointments/models.py."""

import apps.appointments.models
import django.contrib.postgres.constraints
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

BACKFILL_RANGE = """
UPDATE appointments_appointment a
SET slot_range = tsrange(s.date + s.start_time, s.date + s.end_time, '[)')
FROM doctors_timeslot s WHERE s.id = a.timeslot_id;
"""

# Data written before the guard may hold a patient in two places at once: the later booking
# of each clash is cancelled (recorded in the history with this reason) and its slot freed.
CANCEL_CLASHES = """
SELECT set_config('clinic.reason', 'Overlapped an earlier booking of the patient.', true);
WITH clash AS (
    SELECT DISTINCT later.id
    FROM appointments_appointment earlier
    JOIN appointments_appointment later
      ON later.patient_id = earlier.patient_id AND later.id > earlier.id
     AND later.slot_range && earlier.slot_range
    WHERE earlier.status IN ('pending', 'confirmed') AND later.status IN ('pending', 'confirmed')
)
UPDATE appointments_appointment SET status = 'cancelled' WHERE id IN (SELECT id FROM clash);
UPDATE doctors_timeslot s SET is_available = true
WHERE NOT s.is_available AND NOT EXISTS (
    SELECT 1 FROM appointments_appointment a WHERE a.timeslot_id = s.id AND a.status <> 'cancelled'
);
SELECT set_config('clinic.reason', '', true);
SET CONSTRAINTS ALL IMMEDIATE;
"""

COPY_RANGE = """
CREATE FUNCTION appointment_copy_slot_range() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT tsrange(s.date + s.start_time, s.date + s.end_time, '[)') INTO NEW.slot_range
    FROM doctors_timeslot s WHERE s.id = NEW.timeslot_id;
    RETURN NEW;
END $$;
CREATE TRIGGER appointment_copy_slot_range
    BEFORE INSERT ON appointments_appointment
    FOR EACH ROW EXECUTE FUNCTION appointment_copy_slot_range();

CREATE FUNCTION slot_times_fixed_once_booked() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM appointments_appointment a WHERE a.timeslot_id = OLD.id) THEN
        RAISE EXCEPTION 'time slot %: its date and times never change once it was booked', OLD.id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'slot_times_fixed_once_booked';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER slot_times_fixed_once_booked
    BEFORE UPDATE OF date, start_time, end_time ON doctors_timeslot
    FOR EACH ROW WHEN ((OLD.date, OLD.start_time, OLD.end_time) IS DISTINCT FROM
                       (NEW.date, NEW.start_time, NEW.end_time))
    EXECUTE FUNCTION slot_times_fixed_once_booked();
"""

DROP_COPY_RANGE = """
DROP TRIGGER slot_times_fixed_once_booked ON doctors_timeslot;
DROP FUNCTION slot_times_fixed_once_booked();
DROP TRIGGER appointment_copy_slot_range ON appointments_appointment;
DROP FUNCTION appointment_copy_slot_range();
"""

STATUS_TRANSITION = """
CREATE OR REPLACE FUNCTION appointment_status_transition() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.timeslot_id <> OLD.timeslot_id OR NEW.doctor_id <> OLD.doctor_id
       OR NEW.patient_id <> OLD.patient_id OR NEW.slot_range IS DISTINCT FROM OLD.slot_range
       OR NEW.rescheduled_from_id IS DISTINCT FROM OLD.rescheduled_from_id THEN
        RAISE EXCEPTION 'an appointment''s slot, doctor, patient and origin never change'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'appointment_status_transition';
    END IF;
    IF NEW.status <> OLD.status AND (OLD.status, NEW.status) NOT IN (
        ('pending', 'confirmed'), ('pending', 'cancelled'), ('confirmed', 'cancelled'),
        ('confirmed', 'completed'), ('pending', 'no_show'), ('confirmed', 'no_show')
    ) THEN
        RAISE EXCEPTION 'appointment status cannot change from % to %', OLD.status, NEW.status
            USING ERRCODE = 'check_violation', CONSTRAINT = 'appointment_status_transition';
    END IF;
    RETURN NEW;
END $$;
"""

OLD_STATUS_TRANSITION = STATUS_TRANSITION.replace(
    """
       OR NEW.patient_id <> OLD.patient_id OR NEW.slot_range IS DISTINCT FROM OLD.slot_range
       OR NEW.rescheduled_from_id IS DISTINCT FROM OLD.rescheduled_from_id THEN""",
    """
       OR NEW.patient_id <> OLD.patient_id THEN""",
).replace("slot, doctor, patient and origin never change", "slot, doctor and patient never change")


class Migration(migrations.Migration):
    dependencies = [
        ("appointments", "0004_lifecycle_and_history"),
        ("doctors", "0002_drop_duplicate_doctor_index"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="appointment",
            name="rescheduled_from",
            field=models.OneToOneField(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="rescheduled_to",
                to="appointments.appointment",
            ),
        ),
        migrations.AddField(
            model_name="appointment",
            name="slot_range",
            field=apps.appointments.models.LocalDateTimeRangeField(editable=False, null=True),
        ),
        migrations.RunSQL(BACKFILL_RANGE, migrations.RunSQL.noop),
        migrations.RunSQL(CANCEL_CLASHES, migrations.RunSQL.noop),
        migrations.AlterField(
            model_name="appointment",
            name="slot_range",
            field=apps.appointments.models.LocalDateTimeRangeField(editable=False),
        ),
        migrations.RunSQL(COPY_RANGE, DROP_COPY_RANGE),
        migrations.RunSQL(STATUS_TRANSITION, OLD_STATUS_TRANSITION),
        migrations.AddConstraint(
            model_name="appointment",
            constraint=django.contrib.postgres.constraints.ExclusionConstraint(
                condition=models.Q(("status__in", ("pending", "confirmed"))),
                expressions=[("patient", "="), ("slot_range", "&&")],
                name="appointment_patient_no_overlap",
                violation_error_message="You already have an appointment at this time.",
            ),
        ),
    ]
