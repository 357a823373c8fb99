"""OpenAPI descriptions and examples of the appointment endpoints."""

from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view

from core.openapi import errors, field_error, list_errors, ok

from .serializers import AppointmentCreateSerializer, AppointmentSerializer, AppointmentStatusSerializer

APPOINTMENT = {
    "id": 5,
    "doctor": {"id": 7, "username": "dr.karimov", "first_name": "Aziz", "last_name": "Karimov"},
    "patient": {"id": 12, "username": "malika", "first_name": "Malika", "last_name": "Tosheva"},
    "timeslot": {"id": 31, "date": "2026-12-01", "start_time": "09:00:00", "end_time": "09:30:00"},
    "status": "pending",
    "created_at": "2026-11-27T10:15:00+05:00",
}


TAKEN = field_error("timeslot", "This time slot is already booked.", code="slot_taken")
TRANSITION = field_error(
    "status", "An appointment cannot go from cancelled to confirmed.", code="invalid_transition"
)

appointments = extend_schema_view(
    list=extend_schema(
        tags=["appointments"],
        summary="All appointments",
        description="Admins only. Filters: `?doctor=` and `?patient=` (user ids), `?status=`, "
        "`?date=` (the slot's date). Newest slot first.",
        responses={200: ok(AppointmentSerializer, APPOINTMENT, "Appointments", many=True), **list_errors()},
    ),
    me=extend_schema(
        tags=["appointments"],
        summary="My appointments",
        description="A doctor's or a patient's own appointments (admins: all). Filters: "
        "`?status=`, `?date=`.",
        responses={200: ok(AppointmentSerializer, APPOINTMENT, "Mine", many=True), **list_errors()},
    ),
    create=extend_schema(
        tags=["appointments"],
        summary="Book a time slot",
        description="Patients book for themselves; admins name the `patient`; doctors get 403. "
        "The doctor comes from the slot. The slot must be free and not started; exactly one "
        "of many simultaneous bookings of a slot wins, the others get 409.",
        request=AppointmentCreateSerializer,
        examples=[
            OpenApiExample("Patient books", request_only=True, value={"timeslot": 31}),
            OpenApiExample(
                "Admin books for a patient", request_only=True, value={"timeslot": 31, "patient": 12}
            ),
        ],
        responses={
            201: ok(AppointmentSerializer, APPOINTMENT, "Booked", status="201"),
            **errors(
                400,
                401,
                403,
                409,
                examples={
                    400: [field_error("timeslot", "This time slot has already started.")],
                    409: [TAKEN],
                },
            ),
        },
    ),
    retrieve=extend_schema(
        tags=["appointments"],
        summary="One appointment",
        description="The appointment's doctor or patient, or an admin; anyone else gets 404.",
        responses={200: ok(AppointmentSerializer, APPOINTMENT, "Appointment"), **errors(401, 404)},
    ),
    partial_update=extend_schema(
        tags=["appointments"],
        summary="Confirm or cancel an appointment",
        description="The appointment's doctor or an admin (patients cancel with DELETE: 403 "
        "here). `pending → confirmed`, `pending → cancelled`, `confirmed → cancelled`; "
        "`cancelled` is final (409). Cancelling frees the slot at once.",
        request=AppointmentStatusSerializer,
        examples=[OpenApiExample("Confirm", request_only=True, value={"status": "confirmed"})],
        responses={
            200: ok(AppointmentSerializer, {**APPOINTMENT, "status": "confirmed"}, "Confirmed"),
            **errors(400, 401, 403, 404, 409, examples={409: [TRANSITION]}),
        },
    ),
    destroy=extend_schema(
        tags=["appointments"],
        summary="Cancel an appointment",
        description="The appointment's patient or an admin. The appointment is kept with status "
        "`cancelled` (and returned); its slot is free again at once. Cancelling twice is 409.",
        responses={
            200: ok(AppointmentSerializer, {**APPOINTMENT, "status": "cancelled"}, "Cancelled"),
            **errors(
                401,
                403,
                404,
                409,
                examples={
                    409: [
                        field_error(
                            "status",
                            "An appointment cannot go from cancelled to cancelled.",
                            code="invalid_transition",
                        )
                    ]
                },
            ),
        },
    ),
)
