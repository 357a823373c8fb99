"""Query-string filters narrow lists; they never hide or break a single object.

DRF's ``get_object`` looks the object up in ``filter_queryset(get_queryset())``, so a list
filter sent to a detail URL (``/api/appointments/1/?status=cancelled``) answered 404 for the
caller's own object, and a malformed one (``?date=garbage``) 400. Every viewset with filters
takes this mixin: one place, for every detail action (retrieve, update, delete, and detail
actions such as ``history`` or ``approve``). Detail actions that answer a list without
``get_object`` (``/api/doctors/{id}/timeslots/``) keep their filters.
"""

from __future__ import annotations


class ListFiltersOnlyMixin:
    _fetching_one = False

    def get_object(self):
        self._fetching_one = True
        try:
            return super().get_object()
        finally:
            self._fetching_one = False

    def filter_queryset(self, queryset):
        if self._fetching_one:
            return queryset
        return super().filter_queryset(queryset)
