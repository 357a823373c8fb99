"""Text that goes into emails, calendars and logs: no control characters.

A name with CR/LF ("Evil\\r\\nBcc: spy@evil.example") lands as separate lines in the mails
the clinic sends; other control characters (ESC, NUL, C1, the Unicode line and paragraph
separators) garble mails, calendar feeds and terminals reading the logs. Single-line text
(names, specialization) refuses all of them; multi-line text (a cancellation ``reason``)
keeps line breaks (LF, CR) and refuses the rest.

The patterns are written so that both Python's ``re`` and PostgreSQL's regular expressions
read them alike: the models use them in check constraints too.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible

# C0 controls, DEL, C1 controls, U+2028 LINE SEPARATOR, U+2029 PARAGRAPH SEPARATOR.
# (NUL is refused before this by DRF's CharField, and PostgreSQL cannot store it at all.)
SINGLE_LINE_FORBIDDEN = r"[\x01-\x1f\x7f-\x9f\u2028\u2029]"
# The same but LF (\x0a) and CR (\x0d).
MULTI_LINE_FORBIDDEN = r"[\x01-\x09\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029]"

SINGLE_LINE_MESSAGE = "Control characters (line breaks, tabs and the like) are not allowed here."
MULTI_LINE_MESSAGE = "Control characters other than line breaks are not allowed here."


@deconstructible
class NoControlCharacters:
    """Refuses a value containing ``forbidden``.

    Not a ``RegexValidator(inverse_match=True)``: drf-spectacular turns a RegexValidator into
    the field's OpenAPI ``pattern`` and ignores ``inverse_match``, so the documented pattern
    would have required the very characters refused.
    """

    def __init__(self, forbidden: str, message: str):
        self.forbidden = forbidden
        self.message = message
        self._regex = re.compile(forbidden)

    def __call__(self, value) -> None:
        if self._regex.search(str(value)):
            raise ValidationError(self.message, code="control_characters")

    def __eq__(self, other) -> bool:
        return isinstance(other, NoControlCharacters) and (self.forbidden, self.message) == (
            other.forbidden,
            other.message,
        )

    def __hash__(self) -> int:
        return hash((self.forbidden, self.message))


single_line = NoControlCharacters(SINGLE_LINE_FORBIDDEN, SINGLE_LINE_MESSAGE)
multi_line = NoControlCharacters(MULTI_LINE_FORBIDDEN, MULTI_LINE_MESSAGE)
