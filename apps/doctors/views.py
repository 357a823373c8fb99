"""HTTP for the doctor directory and time slots; rules live in services.py."""

from __future__ import annotations

from django.http import Http404
from rest_framework import filters, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from apps.users import selectors as user_selectors
from apps.users.models import Role
from apps.users.permissions import has_role
from apps.users.serializers import DoctorSerializer
from core.policy import booking_policy
from core.viewsets import ApiViewSetMixin

from . import docs, selectors, services
from .filters import DoctorFilter, FreeSlotFilter, TimeSlotFilter
from .serializers import TimeSlotBulkCreateSerializer, TimeSlotCreateSerializer, TimeSlotSerializer


@docs.doctors
class DoctorViewSet(ApiViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """The directory patients (and admins) browse; ``id`` is the doctor's user id."""

    lookup_value_regex = r"[0-9]{1,18}"
    permission_classes = [has_role(Role.PATIENT, Role.ADMIN)]
    serializer_class = DoctorSerializer
    filterset_class = DoctorFilter
    filter_backends = [*viewsets.ReadOnlyModelViewSet.filter_backends, filters.SearchFilter]
    search_fields = ["first_name", "last_name", "username", "doctor_profile__specialization"]

    def get_queryset(self):
        if self.action == "timeslots":
            return selectors.free_slots_of(self.kwargs.get("pk"))
        return user_selectors.doctor_list()

    @action(
        detail=True,
        methods=["get"],
        serializer_class=TimeSlotSerializer,
        filterset_class=FreeSlotFilter,
        filter_backends=viewsets.ReadOnlyModelViewSet.filter_backends,
    )
    def timeslots(self, request, pk=None):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        # The doctor is checked in the slot query itself; only an empty page needs to tell
        # "no free slots" from "no such doctor" (one query saved on every call).
        if not page and not user_selectors.doctor_list().filter(pk=pk).exists():
            raise Http404
        return self.get_paginated_response(TimeSlotSerializer(page, many=True).data)


@docs.timeslots
class TimeSlotViewSet(
    ApiViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Doctors manage their own slots; admins every doctor's."""

    lookup_value_regex = r"[0-9]{1,18}"
    permission_classes = [has_role(Role.DOCTOR, Role.ADMIN)]
    serializer_class = TimeSlotSerializer
    filterset_class = TimeSlotFilter

    def get_queryset(self):
        return selectors.slot_list_for(self.request.user)

    def get_serializer_class(self):
        return {"create": TimeSlotCreateSerializer, "bulk": TimeSlotBulkCreateSerializer}.get(
            self.action, TimeSlotSerializer
        )

    def create(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        slot = services.slot_create(by=request.user, policy=booking_policy(), **serializer.validated_data)
        return Response(TimeSlotSerializer(slot).data, status=status.HTTP_201_CREATED)

    # Answers the created slots as a plain list: no page, no filters.
    @action(detail=False, methods=["post"], pagination_class=None, filter_backends=[])
    def bulk(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data["breaks"] = [services.SlotTimes(**b) for b in data.get("breaks", [])]
        slots = services.slot_bulk_create(by=request.user, policy=booking_policy(), **data)
        return Response(TimeSlotSerializer(slots, many=True).data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance):
        services.slot_delete(slot=instance)
