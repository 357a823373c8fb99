"""HTTP for calendar files and feeds; reads in selectors.py, writes in services.py."""

from __future__ import annotations

from django.urls import reverse
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from . import calendar, docs, selectors, services
from .renderers import ICalendarRenderer
from .serializers import FeedSerializer


class CalendarResponseMixin:
    """Calendars for ``Accept: text/calendar``, ``*/*`` or none; errors always in the API's JSON."""

    renderer_classes = [ICalendarRenderer]  # JSONRenderer serves the errors (finalize_response)

    def perform_content_negotiation(self, request, force=False):
        # Never 406: calendar apps send text/calendar, */* or nothing, and get the calendar.
        return ICalendarRenderer(), ICalendarRenderer.media_type

    def finalize_response(self, request, response, *args, **kwargs):
        if isinstance(response, Response):
            # Whatever the client accepts: a calendar app may send anything or nothing.
            renderer = JSONRenderer() if response.status_code >= 400 else ICalendarRenderer()
            request.accepted_renderer, request.accepted_media_type = renderer, renderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)

    @staticmethod
    def calendar_response(body: bytes, filename: str) -> Response:
        response = Response(body, content_type=f"{calendar.MEDIA_TYPE}; charset=utf-8")
        response["Content-Disposition"] = f'inline; filename="{filename}"'
        response["Cache-Control"] = "private, no-cache"
        return response


class AppointmentCalendarView(CalendarResponseMixin, APIView):
    @docs.appointment_calendar
    def get(self, request, pk: int):
        appointment = selectors.appointment_for_calendar(user=request.user, pk=pk)
        body = calendar.calendar([appointment], request.user)
        return self.calendar_response(body, f"appointment-{appointment.pk}.ics")


def _feed_url(request, feed) -> str:
    path = reverse("calendar-feed-ics", kwargs={"selector": feed.selector, "verifier": feed.verifier})
    return request.build_absolute_uri(path)


class CalendarFeedView(APIView):
    @docs.calendar_feed
    def get(self, request):
        feed = services.calendar_feed_get_or_create(user=request.user)
        return Response(FeedSerializer({"url": _feed_url(request, feed)}).data)


class CalendarFeedRotateView(APIView):
    @docs.calendar_feed_rotate
    def post(self, request):
        feed = services.calendar_feed_rotate(user=request.user)
        return Response(FeedSerializer({"url": _feed_url(request, feed)}).data)


class CalendarFeedIcsView(CalendarResponseMixin, APIView):
    """The secret address: no token (calendar apps cannot send one); the address is the secret."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @docs.calendar_feed_ics
    def get(self, request, selector: str, verifier: str):
        user = selectors.feed_owner(selector=selector, verifier=verifier)
        body = calendar.calendar(selectors.feed_appointments(user), user, name="Clinic appointments")
        return self.calendar_response(body, "clinic.ics")
