"""Idempotency keys of retried requests (SPEC 9, "Idempotent booking").

A row is claimed (inserted, committed at once) before the request's work starts and gets the
answer in the transaction that does the work, so every app server sees the same keys and a
booking never exists without its stored answer. Database guards:

- ``idempotency_key_once_per_user``: a user's key names one request (keys are per user);
- ``idempotency_key_not_empty`` and ``varchar(255)``: 1 to 255 characters;
- ``idempotency_answer_whole``: an answer is a status and a body, or neither (in flight).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Now

MAX_KEY_LENGTH = 255


class IdempotencyKey(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,  # idempotency_key_once_per_user leads with the user
    )
    key = models.CharField(max_length=MAX_KEY_LENGTH)
    # SHA-256 of the method, path and canonical JSON body: "the same request".
    fingerprint = models.CharField(max_length=64)
    created_at = models.DateTimeField(db_default=Now())
    # The first answer, replayed as it was; null while the first request is in flight.
    response_status = models.PositiveSmallIntegerField(null=True)
    response_body = models.TextField(null=True)  # noqa: DJ001  (null: no answer yet; "": empty body)

    class Meta:
        indexes = [models.Index(fields=["created_at"], name="idempotency_key_created_idx")]
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_once_per_user"),
            # varchar(255) caps the length; an empty key is no key.
            models.CheckConstraint(condition=~Q(key=""), name="idempotency_key_not_empty"),
            models.CheckConstraint(
                condition=Q(response_status__isnull=True, response_body__isnull=True)
                | Q(response_status__isnull=False, response_body__isnull=False),
                name="idempotency_answer_whole",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.key} -> {self.response_status or 'in flight'}"
