from django.urls import path, re_path

from . import views

urlpatterns = [
    re_path(
        r"^appointments/(?P<pk>[0-9]{1,18})/calendar\.ics$",
        views.AppointmentCalendarView.as_view(),
        name="appointment-calendar",
    ),
    path("calendar/feed/", views.CalendarFeedView.as_view(), name="calendar-feed"),
    path("calendar/feed/rotate/", views.CalendarFeedRotateView.as_view(), name="calendar-feed-rotate"),
    re_path(
        r"^calendar/feed/(?P<selector>[A-Za-z0-9_-]{1,32})/(?P<verifier>[A-Za-z0-9_-]{1,64})\.ics$",
        views.CalendarFeedIcsView.as_view(),
        name="calendar-feed-ics",
    ),
]
