"""Guards Django cannot declare: a composite foreign key and triggers.

See the docstring of apps/appointments/models.py for what each one holds.
"""

from django.db import migrations

COMPOSITE_FK = """
ALTER TABLE appointments_appointment
    ADD CONSTRAINT appointment_slot_doctor_fk
    FOREIGN KEY (timeslot_id, doctor_id) REFERENCES doctors_timeslot (id, doctor_id)
    DEFERRABLE INITIALLY DEFERRED;
"""

STATUS_TRANSITION = """
CREATE FUNCTION appointment_status_transition() RETURNS trigger LANGUAGE plpgsql AS $$
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
CREATE TRIGGER appointment_status_transition
    BEFORE UPDATE ON appointments_appointment
    FOR EACH ROW EXECUTE FUNCTION appointment_status_transition();
"""

SLOT_AVAILABILITY = """
CREATE FUNCTION slot_availability_matches() RETURNS trigger LANGUAGE plpgsql AS $$
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
              WHERE a.timeslot_id = s.id AND a.status IN ('pending', 'confirmed')
          )
    ) THEN
        RAISE EXCEPTION 'time slot %: is_available disagrees with its appointments', slot
            USING ERRCODE = 'check_violation', CONSTRAINT = 'slot_availability_matches';
    END IF;
    RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER slot_availability_matches
    AFTER INSERT OR UPDATE OR DELETE ON appointments_appointment
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION slot_availability_matches();
CREATE CONSTRAINT TRIGGER slot_availability_matches
    AFTER INSERT OR UPDATE OF is_available ON doctors_timeslot
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION slot_availability_matches();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("appointments", "0001_initial"),
        ("doctors", "0001_initial"),
    ]

    operations = [
        migrations.RunSQL(
            COMPOSITE_FK,
            "ALTER TABLE appointments_appointment DROP CONSTRAINT appointment_slot_doctor_fk;",
        ),
        migrations.RunSQL(
            STATUS_TRANSITION,
            "DROP TRIGGER appointment_status_transition ON appointments_appointment;"
            "DROP FUNCTION appointment_status_transition();",
        ),
        migrations.RunSQL(
            SLOT_AVAILABILITY,
            "DROP TRIGGER slot_availability_matches ON appointments_appointment;"
            "DROP TRIGGER slot_availability_matches ON doctors_timeslot;"
            "DROP FUNCTION slot_availability_matches();",
        ),
    ]
