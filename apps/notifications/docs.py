"""OpenAPI descriptions and examples of the calendar endpoints."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema

from core.openapi import errors, ok

from .serializers import FeedSerializer

ICS_EXAMPLE = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Clinic Appointment Booking API//Calendar//EN
CALSCALE:GREGORIAN
METHOD:PUBLISH
BEGIN:VTIMEZONE
TZID:Asia/Tashkent
BEGIN:STANDARD
DTSTART:19910929T030000
TZNAME:+05
TZOFFSETFROM:+0600
TZOFFSETTO:+0500
END:STANDARD
END:VTIMEZONE
BEGIN:VEVENT
SUMMARY:Appointment with Dr. Aziz Karimov
DTSTART;TZID=Asia/Tashkent:20261201T090000
DTEND;TZID=Asia/Tashkent:20261201T093000
DTSTAMP:20261129T101500Z
UID:appointment-5@clinic.example
SEQUENCE:1
STATUS:CONFIRMED
LAST-MODIFIED:20261128T091000Z
END:VEVENT
END:VCALENDAR
""".replace("\n", "\r\n")

FEED = {
    "url": "https://clinic.example/api/calendar/feed/3q2-7wFhLk9aPx0c/Hc1V0bUQ2m9yq8Jm0kXz3w4e5r6t7y8u.ics"
}


def _calendar(name: str) -> OpenApiResponse:
    return OpenApiResponse(
        response=OpenApiTypes.BINARY,
        description="An iCalendar (RFC 5545) file, whatever the `Accept` header asks for.",
        examples=[OpenApiExample(name, value=ICS_EXAMPLE, response_only=True, status_codes=["200"])],
    )


def _json(responses: dict) -> dict:
    """Error answers of calendar views are JSON, not the calendar type the view renders."""
    return {(status, "application/json"): response for status, response in responses.items()}


appointment_calendar = extend_schema(
    operation_id="appointments_calendar_retrieve",
    tags=["calendar"],
    summary="An appointment as a calendar file",
    description="One `VEVENT` in the clinic's time zone (`TZID` with its `VTIMEZONE`). `UID` never "
    "changes for the appointment, `SEQUENCE` grows with every status change, `STATUS` is "
    "`TENTATIVE` (pending), `CONFIRMED` (confirmed, completed, no_show) or `CANCELLED`. "
    "The appointment's doctor or patient, or an admin; anyone else gets 404.",
    parameters=[
        OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH, description="Appointment id.")
    ],
    responses={(200, "text/calendar"): _calendar("Appointment"), **_json(errors(401, 404))},
)

calendar_feed = extend_schema(
    tags=["calendar"],
    summary="My calendar feed address",
    description="A secret address that serves your appointments (as doctor or patient) from 30 "
    "days ago onwards, without a token: subscribe to it from a calendar app. The first call makes "
    "it; later calls return the same address until you rotate it. Anyone holding it can read the "
    "calendar.",
    responses={200: ok(FeedSerializer, FEED, "Feed"), **errors(401)},
)

calendar_feed_rotate = extend_schema(
    tags=["calendar"],
    summary="Replace my calendar feed address",
    description="A new secret address; the old one answers 404 from now on.",
    request=None,
    responses={200: ok(FeedSerializer, FEED, "New feed"), **errors(401)},
)

calendar_feed_ics = extend_schema(
    operation_id="calendar_feed_ics_retrieve",
    tags=["calendar"],
    summary="A calendar feed (secret address)",
    description="No token: the address is the secret. A rotated address, a wrong one or a "
    "deactivated user's answers 404.",
    auth=[],
    parameters=[
        OpenApiParameter(
            "selector", OpenApiTypes.STR, OpenApiParameter.PATH, pattern=r"^[A-Za-z0-9_-]{1,32}$"
        ),
        OpenApiParameter(
            "verifier", OpenApiTypes.STR, OpenApiParameter.PATH, pattern=r"^[A-Za-z0-9_-]{1,64}$"
        ),
    ],
    responses={(200, "text/calendar"): _calendar("Feed"), **_json(errors(404))},
)
