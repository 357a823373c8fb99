"""HTTP for appointments; rules live in services.py, visibility in selectors.py."""

from __future__ import annotations

from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from apps.idempotency.decorators import idempotent
from apps.users.models import Role
from apps.users.permissions import IsAdmin, IsOwner, has_role
from core.policy import booking_policy
from core.viewsets import ApiViewSetMixin

from . import docs, selectors, services
from .filters import AppointmentFilter, MyAppointmentFilter
from .serializers import (
    AppointmentCreateSerializer,
    AppointmentRescheduleSerializer,
    AppointmentSerializer,
    AppointmentStatusSerializer,
    StatusChangeSerializer,
)


@docs.appointments
class AppointmentViewSet(
    ApiViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    lookup_value_regex = r"[0-9]{1,18}"
    serializer_class = AppointmentSerializer
    filterset_class = AppointmentFilter
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    owner_fields = ("doctor_id", "patient_id")

    # Who may call each action; visibility of objects is get_queryset's job.
    action_permissions = {
        "list": [IsAdmin],
        "me": [has_role(Role.DOCTOR, Role.PATIENT, Role.ADMIN)],
        "create": [has_role(Role.PATIENT, Role.ADMIN)],
        "retrieve": [IsOwner],
        # Which role may set which status, and when: services.TRANSITIONS.
        "partial_update": [has_role(Role.DOCTOR, Role.PATIENT, Role.ADMIN), IsOwner],
        "destroy": [has_role(Role.PATIENT, Role.ADMIN), IsOwner],
        "history": [IsOwner],
        "reschedule": [has_role(Role.DOCTOR, Role.PATIENT, Role.ADMIN), IsOwner],
    }

    def get_permissions(self):
        return [permission() for permission in self.action_permissions.get(self.action, [IsAdmin])]

    def get_queryset(self):
        return selectors.appointment_list_for(self.request.user)

    def get_serializer_class(self):
        return {
            "create": AppointmentCreateSerializer,
            "partial_update": AppointmentStatusSerializer,
            "reschedule": AppointmentRescheduleSerializer,
        }.get(self.action, AppointmentSerializer)

    @action(detail=False, methods=["get"], filterset_class=MyAppointmentFilter)
    def me(self, request):
        return self.list(request)

    @idempotent
    def create(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        appointment = services.appointment_book(
            by=request.user,
            timeslot_id=serializer.validated_data["timeslot"],
            patient=serializer.validated_data.get("patient"),
            policy=booking_policy(),
        )
        return Response(AppointmentSerializer(appointment).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        appointment = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        appointment = services.appointment_set_status(
            appointment=appointment,
            by=request.user,
            status=serializer.validated_data["status"],
            reason=serializer.validated_data["reason"],
            policy=booking_policy(),
        )
        return Response(AppointmentSerializer(appointment).data)

    def destroy(self, request, pk=None):
        appointment = services.appointment_cancel(
            appointment=self.get_object(), by=request.user, policy=booking_policy()
        )
        return Response(AppointmentSerializer(appointment).data)

    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def history(self, request, pk=None):
        changes = selectors.appointment_history(self.get_object())
        return Response(StatusChangeSerializer(changes, many=True).data)

    @action(detail=True, methods=["post"], filterset_class=None)
    @idempotent
    def reschedule(self, request, pk=None):
        appointment = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        new = services.appointment_reschedule(
            appointment=appointment,
            by=request.user,
            timeslot_id=serializer.validated_data["timeslot"],
            reason=serializer.validated_data["reason"],
            policy=booking_policy(),
        )
        return Response(AppointmentSerializer(new).data, status=status.HTTP_201_CREATED)
