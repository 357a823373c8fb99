"""OpenAPI descriptions and examples of the doctors and time slot endpoints."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
)

from apps.users.serializers import DoctorSerializer
from core.openapi import errors, field_error, list_errors, ok

from .serializers import TimeSlotBulkCreateSerializer, TimeSlotCreateSerializer, TimeSlotSerializer

DOCTOR = {
    "id": 7,
    "username": "dr.karimov",
    "first_name": "Aziz",
    "last_name": "Karimov",
    "specialization": "Cardiology",
    "experience_years": 12,
    "gender": "male",
    "is_approved": True,
}
SLOT = {
    "id": 31,
    "doctor": 7,
    "date": "2026-12-01",
    "start_time": "09:00:00",
    "end_time": "09:30:00",
    "is_available": True,
}

TOO_FAR_AHEAD = field_error("date", "Slots open at most 365 days ahead (until 2027-11-29).")


DATE = OpenApiParameter("date", OpenApiTypes.DATE, description="Only slots on this date (YYYY-MM-DD).")

doctors = extend_schema_view(
    list=extend_schema(
        tags=["doctors"],
        summary="Find a doctor",
        description="Patients and admins (doctors get 403). Active, approved doctors only (a "
        "self-registered doctor shows once an admin approves him). `?search=` "
        "matches first name, last name, username and specialization; `?specialization=` "
        "matches it exactly (case-insensitive).",
        responses={200: ok(DoctorSerializer, DOCTOR, "Doctors", many=True), **list_errors()},
    ),
    retrieve=extend_schema(
        tags=["doctors"],
        summary="One doctor",
        description="Patients and admins. `id` is the doctor's user id; deactivated doctors and "
        "doctors not yet approved answer 404.",
        responses={200: ok(DoctorSerializer, DOCTOR, "Doctor"), **errors(401, 403, 404)},
    ),
    timeslots=extend_schema(
        tags=["doctors"],
        summary="A doctor's free slots",
        description="Patients and admins. Free slots that have not started yet (in the clinic's "
        "time zone), ordered by date and time. `?date=` narrows to one day. Deactivated doctors "
        "and doctors not yet approved answer 404.",
        parameters=[DATE],
        responses={
            200: ok(TimeSlotSerializer, SLOT, "Free slots", many=True),
            **errors(400, 401, 403, 404),
        },
    ),
)

OVERLAP = field_error(
    "start_time", "Overlaps the doctor's existing slots on 2026-12-01: 09:00-09:30.", code="slot_overlap"
)

timeslots = extend_schema_view(
    list=extend_schema(
        tags=["timeslots"],
        summary="List time slots",
        description="Doctors see their own slots, admins everyone's. Filters: `?date=`, "
        "`?date_from=`, `?date_to=`, `?is_available=`, `?doctor=` (user id).",
        responses={200: ok(TimeSlotSerializer, SLOT, "Slots", many=True), **list_errors()},
    ),
    retrieve=extend_schema(
        tags=["timeslots"],
        summary="One time slot",
        description="The owning doctor or an admin; other doctors' slots answer 404.",
        responses={200: ok(TimeSlotSerializer, SLOT, "Slot"), **errors(401, 403, 404)},
    ),
    create=extend_schema(
        tags=["timeslots"],
        summary="Open a time slot",
        description="Doctors open their own slots (leave `doctor` out); admins name the `doctor`. "
        "`start_time` < `end_time`, not in the past (clinic time zone), no overlap with the "
        "doctor's other slots (touching is fine).",
        request=TimeSlotCreateSerializer,
        examples=[
            OpenApiExample(
                "Doctor opens a slot",
                request_only=True,
                value={"date": "2026-12-01", "start_time": "09:00", "end_time": "09:30"},
            )
        ],
        responses={
            201: ok(TimeSlotSerializer, SLOT, "Created", status="201"),
            **errors(
                400,
                401,
                403,
                409,
                examples={
                    400: [
                        field_error("end_time", "The end time must be after the start time."),
                        field_error("start_time", "A time slot cannot start in the past."),
                        TOO_FAR_AHEAD,
                    ],
                    409: [OVERLAP],
                },
            ),
        },
    ),
    bulk=extend_schema(
        tags=["timeslots"],
        summary="Open a day of slots at once",
        description="Slots of `slot_minutes` from `start_time` until `end_time`, skipping "
        "`breaks`. All or nothing: if any slot overlaps an existing one, none is created and "
        "the 409 names the offending times.",
        request=TimeSlotBulkCreateSerializer,
        examples=[
            OpenApiExample(
                "Morning with a break",
                request_only=True,
                value={
                    "date": "2026-12-01",
                    "start_time": "09:00",
                    "end_time": "12:00",
                    "slot_minutes": 30,
                    "breaks": [{"start_time": "10:30", "end_time": "11:00"}],
                },
            )
        ],
        responses={
            201: ok(TimeSlotSerializer, SLOT, "Created", status="201", many=True),
            **errors(400, 401, 403, 409, examples={400: [TOO_FAR_AHEAD], 409: [OVERLAP]}),
        },
    ),
    destroy=extend_schema(
        tags=["timeslots"],
        summary="Delete a time slot",
        description="The owning doctor or an admin. Only a slot that was never booked: one "
        "with any appointment, even cancelled, is history and answers 409.",
        responses={
            204: None,
            **errors(
                401,
                403,
                404,
                409,
                examples={
                    409: [
                        (
                            "slot_has_appointments",
                            "This time slot has appointments and is kept as history; it cannot be deleted.",
                            None,
                        )
                    ]
                },
            ),
        },
    ),
)
