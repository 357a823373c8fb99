"""``text/calendar`` for DRF's content negotiation: without it, ``Accept: text/calendar`` is 406."""

from rest_framework.renderers import BaseRenderer


class ICalendarRenderer(BaseRenderer):
    media_type = "text/calendar"
    format = "ics"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        # Views answer with calendar bytes; errors are switched to JSON before rendering.
        return data if isinstance(data, bytes) else str(data).encode()
