"""OpenAPI pieces for a view that takes ``@idempotent``: the header and its refusals."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter

from .decorators import HEADER
from .models import MAX_KEY_LENGTH

IDEMPOTENCY_KEY = OpenApiParameter(
    HEADER,
    OpenApiTypes.STR,
    location=OpenApiParameter.HEADER,
    required=False,
    description=(
        f"Optional, 1-{MAX_KEY_LENGTH} characters without control characters (a UUID is a good "
        "choice), per user, kept at "
        "least 24 hours. Repeating the request with the same key and the same body returns the "
        "first answer again (same status and body, header `Idempotent-Replayed: true`) without "
        "doing it twice; the same key with another body is a 422 `idempotency_key_reused`; a "
        "repeat while the first is still running is a 409 `idempotency_key_in_flight`. A first "
        "attempt that failed with a 5xx is not kept: retrying it runs it again."
    ),
)

KEY_INVALID = (
    "invalid",
    f"The {HEADER} header must be 1 to {MAX_KEY_LENGTH} characters long.",
    {HEADER: [f"The {HEADER} header must be 1 to {MAX_KEY_LENGTH} characters long."]},
)
KEY_REUSED = (
    "idempotency_key_reused",
    f"This {HEADER} was used for another request; send a new key for a new request.",
    None,
)
KEY_IN_FLIGHT = (
    "idempotency_key_in_flight",
    f"A request with this {HEADER} is still being processed; retry in a moment.",
    None,
)
