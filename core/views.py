from django.db import DatabaseError, connection
from django.http import JsonResponse
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import (
    api_view,
    authentication_classes,
    permission_classes,
    throttle_classes,
)
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from core.exceptions import error_body

Health = inline_serializer(
    name="Health", fields={"status": serializers.CharField(), "database": serializers.CharField()}
)


@extend_schema(
    tags=["health"],
    summary="Readiness: the app and its database",
    description="Public. 200 when the app can query its database, 503 when it cannot "
    "(`/api/health/live/` checks the process alone).",
    responses={
        200: OpenApiResponse(
            Health,
            examples=[
                OpenApiExample("Healthy", value={"status": "ok", "database": "ok"}, response_only=True)
            ],
        ),
        503: OpenApiResponse(
            Health,
            examples=[
                OpenApiExample(
                    "Database down",
                    value={"status": "error", "database": "unavailable"},
                    response_only=True,
                    status_codes=["503"],
                )
            ],
        ),
    },
)
@api_view(["GET"])
@authentication_classes([])
@permission_classes([AllowAny])
def health(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return Response({"status": "error", "database": "unavailable"}, status=503)
    return Response({"status": "ok", "database": "ok"})


Live = inline_serializer(name="Live", fields={"status": serializers.CharField()})


@extend_schema(
    tags=["health"],
    summary="Liveness: the process answers",
    description="Public. 200 whenever the process can answer; touches no database, so a "
    "database outage does not get healthy processes restarted. `/api/health/` is the readiness "
    "check (database included).",
    responses={
        200: OpenApiResponse(
            Live, examples=[OpenApiExample("Alive", value={"status": "ok"}, response_only=True)]
        )
    },
)
@api_view(["GET"])
@authentication_classes([])
@permission_classes([AllowAny])
@throttle_classes([])
def live(request):
    return Response({"status": "ok"})


# Errors raised before a DRF view runs (no URL matched, a crash) answer in the API's JSON
# format too, never Django's HTML pages.
def bad_request(request, exception=None):
    return JsonResponse(error_body("invalid", "Bad request."), status=400)


def permission_denied(request, exception=None):
    return JsonResponse(error_body("permission_denied", "You may not do this."), status=403)


def not_found(request, exception=None):
    return JsonResponse(error_body("not_found", "Not found."), status=404)


def server_error(request):
    return JsonResponse(error_body("server_error", "Something went wrong on our side."), status=500)
