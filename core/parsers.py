"""The API's JSON parser: DRF's, with two kinds of body JSON allows but this API cannot take.

- Nesting too deep for Python's decoder is answered as 400 (not a RecursionError).
- A string with a lone surrogate (the JSON escape ``\\ud800`` without its pair) is answered as
  400 naming the field. Such a string is valid JSON but is no Unicode text: it cannot be encoded
  as UTF-8, so it can be neither stored nor answered. Refusing it here, where every body enters,
  covers every field of every endpoint at once, keys included; left in, any error message that
  repeats the value (DRF's "is not a valid choice") broke the JSON renderer with a 500.
"""

from __future__ import annotations

import re

from rest_framework import parsers
from rest_framework.exceptions import ParseError, ValidationError

_SURROGATE = re.compile("[\ud800-\udfff]")
LONE_SURROGATE_MESSAGE = "Contains a lone surrogate (\\ud800-\\udfff), which is not valid Unicode text."


def _printable(key: str) -> str:
    """A key as it can be shown in an error: a surrogate as its escape."""
    return key.encode("utf-8", "backslashreplace").decode("utf-8")


def _find_surrogate(value, path: str) -> str | None:
    """The path ("address.lines[1]") of the first string or key with a lone surrogate, if any.

    "" stands for the whole body (a bare string)."""
    if isinstance(value, str):
        return path if _SURROGATE.search(value) else None
    if isinstance(value, dict):
        for key, item in value.items():
            key_path = f"{path}.{key}" if path else key
            if _SURROGATE.search(key):
                return key_path
            found = _find_surrogate(item, key_path)
            if found is not None:
                return found
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found = _find_surrogate(item, f"{path}[{index}]")
            if found is not None:
                return found
    return None


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            # json.load recurses once per nesting level and gives up near the interpreter's
            # recursion limit (about 1,000 levels); no request of this API nests beyond 3.
            raise ParseError("JSON parse error - nested too deeply.") from None
        path = _find_surrogate(data, "")
        if path is not None:
            field = _printable(path) or "non_field_errors"
            raise ValidationError({field: [LONE_SURROGATE_MESSAGE]})
        return data
