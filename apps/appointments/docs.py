"""OpenAPI descriptions and examples of the appointment endpoints."""

from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view

from apps.idempotency.docs import IDEMPOTENCY_KEY, KEY_IN_FLIGHT, KEY_INVALID, KEY_REUSED
from core.openapi import errors, field_error, list_errors, ok

from .serializers import (
    AppointmentCreateSerializer,
    AppointmentRescheduleSerializer,
    AppointmentSerializer,
    AppointmentStatusSerializer,
    StatusChangeSerializer,
)

APPOINTMENT = {
    "id": 5,
    "doctor": {"id": 7, "username": "dr.karimov", "first_name": "Aziz", "last_name": "Karimov"},
    "patient": {"id": 12, "username": "malika", "first_name": "Malika", "last_name": "Tosheva"},
    "timeslot": {"id": 31, "date": "2026-12-01", "start_time": "09:00:00", "end_time": "09:30:00"},
    "status": "pending",
    "rescheduled_from": None,
    "created_at": "2026-11-27T10:15:00+05:00",
}
RESCHEDULED = {
    **APPOINTMENT,
    "id": 9,
    "timeslot": {"id": 34, "date": "2026-12-01", "start_time": "10:30:00", "end_time": "11:00:00"},
    "rescheduled_from": 5,
}


TAKEN = field_error("timeslot", "This time slot is already booked.", code="slot_taken")
BUSY = field_error("timeslot", "You already have an appointment at this time.", code="patient_busy")
TOO_MANY = field_error(
    "timeslot", "A patient may hold at most 5 upcoming appointments.", code="too_many_bookings"
)
TOO_SOON = field_error(
    "timeslot", "Book at least 60 minutes ahead; this slot starts sooner.", code="too_soon"
)
TOO_FAR = field_error("timeslot", "Book at most 90 days ahead; this slot starts later.", code="too_far")
STARTED_SLOT = field_error("timeslot", "This time slot has already started.")
POLICY = (
    " Booking policy (admins booking on a patient's behalf are exempt from the first three): "
    "a slot starting sooner than `BOOKING_MIN_NOTICE_MINUTES` (60) → 400 `too_soon`; later "
    "than `BOOKING_HORIZON_DAYS` (90) → 400 `too_far`; a patient already holding "
    "`BOOKING_MAX_ACTIVE_PER_PATIENT` (5) upcoming pending or confirmed appointments → 409 "
    "`too_many_bookings`; a patient's pending or confirmed appointment overlapping the slot, "
    "with any doctor → 409 `patient_busy` (touching is fine)."
)
TRANSITION = field_error(
    "status", "An appointment cannot go from cancelled to confirmed.", code="invalid_transition"
)
STARTED = field_error(
    "status", "The visit has already started; it can no longer be set to cancelled.", code="slot_started"
)
NOT_STARTED = field_error(
    "status",
    "The visit has not started yet; it can be set to completed from its start.",
    code="slot_not_started",
)
CUTOFF = field_error(
    "status",
    "Patients can cancel up to 120 minutes before the start; call the clinic instead.",
    code="cancellation_cutoff",
)
# A reschedule's refusals about the old appointment name no field (its body has no status).
RESCHEDULE_CUTOFF = (
    "cancellation_cutoff",
    "Patients can reschedule up to 120 minutes before the start; call the clinic instead.",
    None,
)
RESCHEDULE_TRANSITION = ("invalid_transition", "An appointment cannot go from cancelled to cancelled.", None)
WRONG_ROLE = ("permission_denied", "A patient cannot set an appointment to confirmed.", None)

LIFECYCLE = """
| change | who | when |
|---|---|---|
| pending → confirmed | the doctor, admin | before the slot starts |
| pending or confirmed → cancelled | the patient | `BOOKING_CANCEL_CUTOFF_MINUTES` (120) before the start |
| pending or confirmed → cancelled | the doctor, admin | before the slot starts |
| confirmed → completed | the doctor, admin | once the slot has started |
| pending or confirmed → no_show | the doctor, admin | once the slot has started |

`cancelled`, `completed` and `no_show` are final. Only cancelling frees the slot."""

HISTORY = [
    {"at": "2026-11-27T10:15:00+05:00", "by": 12, "from_status": None, "to_status": "pending", "reason": ""},
    {
        "at": "2026-11-27T11:02:00+05:00",
        "by": 7,
        "from_status": "pending",
        "to_status": "confirmed",
        "reason": "See you then.",
    },
]

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
        "of many simultaneous bookings of a slot wins, the others get 409 `slot_taken`. Send an "
        "`Idempotency-Key` to retry safely after a dropped connection." + POLICY,
        parameters=[IDEMPOTENCY_KEY],
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
                422,
                examples={
                    400: [STARTED_SLOT, TOO_SOON, TOO_FAR, KEY_INVALID],
                    409: [TAKEN, BUSY, TOO_MANY, KEY_IN_FLIGHT],
                    422: [KEY_REUSED],
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
        summary="Change an appointment's status",
        description="The appointment's doctor or patient, or an admin, with an optional "
        "`reason` (kept in the history). A role the table does not name for the change gets "
        "403; a change the current status does not allow, 409 `invalid_transition`; too early "
        "or too late, 409 `slot_not_started`, `slot_started` or `cancellation_cutoff`." + LIFECYCLE,
        request=AppointmentStatusSerializer,
        examples=[
            OpenApiExample("Confirm", request_only=True, value={"status": "confirmed"}),
            OpenApiExample(
                "Cancel with a reason",
                request_only=True,
                value={"status": "cancelled", "reason": "The doctor is ill."},
            ),
            OpenApiExample("After the visit", request_only=True, value={"status": "completed"}),
            OpenApiExample("The patient never came", request_only=True, value={"status": "no_show"}),
        ],
        responses={
            200: ok(AppointmentSerializer, {**APPOINTMENT, "status": "confirmed"}, "Confirmed"),
            **errors(
                400,
                401,
                403,
                404,
                409,
                examples={
                    400: [field_error("reason", "Ensure this field has no more than 500 characters.")],
                    403: [WRONG_ROLE],
                    409: [TRANSITION, STARTED, NOT_STARTED, CUTOFF],
                },
            ),
        },
    ),
    destroy=extend_schema(
        tags=["appointments"],
        summary="Cancel an appointment",
        description="The appointment's patient (up to `BOOKING_CANCEL_CUTOFF_MINUTES` before the "
        "start) or an admin (before the start); the same as `PATCH {status: cancelled}`. The "
        "appointment is kept with status `cancelled` (and returned); its slot is free again at "
        "once. Cancelling twice is 409.",
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
                        ),
                        STARTED,
                        CUTOFF,
                    ]
                },
            ),
        },
    ),
    history=extend_schema(
        tags=["appointments"],
        summary="An appointment's history",
        description="Every status change, the booking included (`from_status` null), oldest "
        "first: when, by whom (a user id; null for a change made outside the API), and why. "
        "Whoever may see the appointment; anyone else gets 404. The database keeps it "
        "append-only.",
        responses={
            200: ok(StatusChangeSerializer, HISTORY, "History", many=True),
            **errors(401, 404),
        },
    ),
    reschedule=extend_schema(
        tags=["appointments"],
        summary="Move an appointment to another slot",
        description="The appointment's patient (up to `BOOKING_CANCEL_CUTOFF_MINUTES` before "
        "the old slot's start), its doctor or an admin (before the start) move it to another "
        "slot of the same doctor, in one transaction: a new `pending` appointment with "
        "`rescheduled_from` set to the old one's id (201), and the old one `cancelled` with "
        "its slot free. Another doctor's slot → 400; a taken slot → 409 `slot_taken`, and "
        "nothing changes. The new slot meets every booking rule. Send an `Idempotency-Key` "
        "to retry safely after a dropped connection." + POLICY,
        parameters=[IDEMPOTENCY_KEY],
        request=AppointmentRescheduleSerializer,
        examples=[
            OpenApiExample(
                "Move", request_only=True, value={"timeslot": 34, "reason": "Stuck at work until ten."}
            )
        ],
        responses={
            201: ok(AppointmentSerializer, RESCHEDULED, "Rescheduled", status="201"),
            **errors(
                400,
                401,
                403,
                404,
                409,
                422,
                examples={
                    400: [
                        field_error("timeslot", "Choose another time slot of the same doctor."),
                        TOO_SOON,
                        TOO_FAR,
                        KEY_INVALID,
                    ],
                    403: [("permission_denied", "Only doctors and patients and admins may do this.", None)],
                    409: [TAKEN, BUSY, TOO_MANY, RESCHEDULE_CUTOFF, RESCHEDULE_TRANSITION, KEY_IN_FLIGHT],
                    422: [KEY_REUSED],
                },
            ),
        },
    ),
)
