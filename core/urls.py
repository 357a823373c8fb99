from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerView

from core.schema import SchemaView, ServeAnyway
from core.views import health, live

api = [
    path("health/", health, name="health"),
    path("health/live/", live, name="health-live"),
    path("", include("apps.users.urls")),
    path("", include("apps.doctors.urls")),
    path("", include("apps.appointments.urls")),
    path("", include("apps.notifications.urls")),
    path("schema/", SchemaView.as_view(), name="schema"),
    path(
        "docs/",
        SpectacularSwaggerView.as_view(url_name="schema", content_negotiation_class=ServeAnyway),
        name="swagger-ui",
    ),
    path(
        "redoc/",
        SpectacularRedocView.as_view(url_name="schema", content_negotiation_class=ServeAnyway),
        name="redoc",
    ),
]

urlpatterns = [
    path("api/", include(api)),
    path("admin/", admin.site.urls),
]

handler400 = "core.views.bad_request"
handler403 = "core.views.permission_denied"
handler404 = "core.views.not_found"
handler500 = "core.views.server_error"
