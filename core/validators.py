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

from django.core.validators import RegexValidator

# C0 controls, DEL, C1 controls, U+2028 LINE SEPARATOR, U+2029 PARAGRAPH SEPARATOR.
# (NUL is refused before this by DRF's CharField, and PostgreSQL cannot store it at all.)
SINGLE_LINE_FORBIDDEN = r"[\x01-\x1f\x7f-\x9f\u2028\u2029]"
# The same but LF (\x0a) and CR (\x0d).
MULTI_LINE_FORBIDDEN = r"[\x01-\x09\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029]"

SINGLE_LINE_MESSAGE = "Control characters (line breaks, tabs and the like) are not allowed here."
MULTI_LINE_MESSAGE = "Control characters other than line breaks are not allowed here."

single_line = RegexValidator(
    SINGLE_LINE_FORBIDDEN, message=SINGLE_LINE_MESSAGE, code="control_characters", inverse_match=True
)
multi_line = RegexValidator(
    MULTI_LINE_FORBIDDEN, message=MULTI_LINE_MESSAGE, code="control_characters", inverse_match=True
)
