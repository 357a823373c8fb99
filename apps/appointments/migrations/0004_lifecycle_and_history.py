"""Lifecycle (completed, no_show), one appointment per slot for every status but cancelled,
and the status history written by triggers. See apps/appointments/models.py."""

import django.db.models.deletion
import django.db.models.functions.datetime
from django.conf import settings
from django.db import migrations, models

# The pairs services.TRANSITIONS names, and nothing else (final states stay final, nothing
# goes back to pending). Who and when stay in Python: the database does not know the
# clinic's time zone.
STATUS_TRANSITION = """
CREATE OR REPLACE FUNCTION appointment_status_transition() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.timeslot_id <> OLD.timeslot_id OR NEW.doctor_id <> OLD.doctor_id
       OR NEW.patient_id <> OLD.patient_id THEN
        RAISE EXCEPTION 'an appointment''s slot, doctor and patient never change'
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

OLD_STATUS_TRANSITION = """
CREATE OR REPLACE FUNCTION appointment_status_transition() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.timeslot_id <> OLD.timeslot_id OR NEW.doctor_id <> OLD.doctor_id
       OR NEW.patient_id <> OLD.patient_id THEN
        RAISE EXCEPTION 'an appointment''s slot, doctor and patient never change'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'appointment_status_transition';
    END IF;
    IF NEW.status <> OLD.status AND (
        OLD.status = 'cancelled' OR NEW.status = 'pending'
    ) THEN
        RAISE EXCEPTION 'appointment status cannot change from % to %', OLD.status, NEW.status
            USING ERRCODE = 'check_violation', CONSTRAINT = 'appointment_status_transition';
    END IF;
    RETURN NEW;
END $$;
"""

SLOT_AVAILABILITY = """
CREATE OR REPLACE FUNCTION slot_availability_matches() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    slot bigint;
BEGIN
    IF TG_OP = 'DELETE' THEN
        slot := OLD.timeslot_id;
    ELSIF TG_TABLE_NAME = 'appointments_appointment' THEN
        slot := NEW.timeslot_id;
    ELSE
        slot := NEW.id;
    END IF;
    IF EXISTS (
        SELECT 1 FROM doctors_timeslot s
        WHERE s.id = slot
          AND s.is_available = EXISTS (
              SELECT 1 FROM appointments_appointment a
              WHERE a.timeslot_id = s.id AND a.status <> 'cancelled'
          )
    ) THEN
        RAISE EXCEPTION 'time slot %: is_available disagrees with its appointments', slot
            USING ERRCODE = 'check_violation', CONSTRAINT = 'slot_availability_matches';
    END IF;
    RETURN NULL;
END $$;
"""

OLD_SLOT_AVAILABILITY = SLOT_AVAILABILITY.replace(
    "a.status <> 'cancelled'", "a.status IN ('pending', 'confirmed')"
)

# Who and why come from transaction-local settings the services set in the statement that
# locks the row (services._change_context): no extra round trip, and a change made past the
# services is still recorded (by null).
HISTORY = """
CREATE FUNCTION appointment_record_history() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO appointments_statuschange (appointment_id, at, by_id, from_status, to_status, reason)
    VALUES (
        NEW.id,
        now(),
        nullif(current_setting('clinic.actor', true), '')::bigint,
        CASE WHEN TG_OP = 'UPDATE' THEN OLD.status END,
        NEW.status,
        coalesce(current_setting('clinic.reason', true), '')
    );
    RETURN NULL;
END $$;
CREATE TRIGGER appointment_record_history
    AFTER INSERT ON appointments_appointment
    FOR EACH ROW EXECUTE FUNCTION appointment_record_history();
CREATE TRIGGER appointment_record_history_change
    AFTER UPDATE OF status ON appointments_appointment
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status)
    EXECUTE FUNCTION appointment_record_history();

CREATE FUNCTION status_change_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'appointment history is append-only'
        USING ERRCODE = 'check_violation', CONSTRAINT = 'status_change_append_only';
END $$;
CREATE TRIGGER status_change_append_only
    BEFORE UPDATE OR DELETE ON appointments_statuschange
    FOR EACH ROW EXECUTE FUNCTION status_change_append_only();
"""

DROP_HISTORY = """
DROP TRIGGER status_change_append_only ON appointments_statuschange;
DROP FUNCTION status_change_append_only();
DROP TRIGGER appointment_record_history ON appointments_appointment;
DROP TRIGGER appointment_record_history_change ON appointments_appointment;
DROP FUNCTION appointment_record_history();
"""

# Appointments made before history existed: their booking, and their status now if it moved.
BACKFILL = """
INSERT INTO appointments_statuschange (appointment_id, at, by_id, from_status, to_status, reason)
SELECT id, created_at, NULL::bigint, NULL::varchar, 'pending', '' FROM appointments_appointment
UNION ALL
SELECT id, updated_at, NULL::bigint, 'pending', status, '' FROM appointments_appointment
WHERE status <> 'pending'
ORDER BY 1, 2;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("appointments", "0003_drop_duplicate_people_indexes"),
        ("doctors", "0002_drop_duplicate_doctor_index"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="StatusChange",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("at", models.DateTimeField(db_default=django.db.models.functions.datetime.Now())),
                (
                    "from_status",
                    models.CharField(
                        choices=[
                            ("pending", "Pending"),
                            ("confirmed", "Confirmed"),
                            ("cancelled", "Cancelled"),
                            ("completed", "Completed"),
                            ("no_show", "No-show"),
                        ],
                        max_length=16,
                        null=True,
                    ),
                ),
                (
                    "to_status",
                    models.CharField(
                        choices=[
                            ("pending", "Pending"),
                            ("confirmed", "Confirmed"),
                            ("cancelled", "Cancelled"),
                            ("completed", "Completed"),
                            ("no_show", "No-show"),
                        ],
                        max_length=16,
                    ),
                ),
                ("reason", models.CharField(db_default="", max_length=500)),
            ],
            options={
                "ordering": ["appointment", "id"],
            },
        ),
        migrations.RemoveConstraint(
            model_name="appointment",
            name="appointment_one_active_per_slot",
        ),
        migrations.RemoveConstraint(
            model_name="appointment",
            name="appointment_status_valid",
        ),
        migrations.AlterField(
            model_name="appointment",
            name="status",
            field=models.CharField(
                choices=[
                    ("pending", "Pending"),
                    ("confirmed", "Confirmed"),
                    ("cancelled", "Cancelled"),
                    ("completed", "Completed"),
                    ("no_show", "No-show"),
                ],
                default="pending",
                max_length=16,
            ),
        ),
        migrations.AddConstraint(
            model_name="appointment",
            constraint=models.UniqueConstraint(
                condition=models.Q(("status", "cancelled"), _negated=True),
                fields=("timeslot",),
                name="appointment_one_per_slot",
                violation_error_message="This time slot is already booked.",
            ),
        ),
        migrations.AddConstraint(
            model_name="appointment",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("status__in", ["pending", "confirmed", "cancelled", "completed", "no_show"])
                ),
                name="appointment_status_valid",
            ),
        ),
        migrations.AddField(
            model_name="statuschange",
            name="appointment",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="history",
                to="appointments.appointment",
            ),
        ),
        migrations.AddField(
            model_name="statuschange",
            name="by",
            field=models.ForeignKey(
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.RunSQL(STATUS_TRANSITION, OLD_STATUS_TRANSITION),
        migrations.RunSQL(SLOT_AVAILABILITY, OLD_SLOT_AVAILABILITY),
        migrations.RunSQL(BACKFILL, migrations.RunSQL.noop),
        migrations.RunSQL(HISTORY, DROP_HISTORY),
    ]
