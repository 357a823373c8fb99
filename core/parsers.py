"""The API's JSON parser: DRF's, with nesting too deep for Python's decoder answered as 400."""

from rest_framework import parsers
from rest_framework.exceptions import ParseError


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            # json.load recurses once per nesting level and gives up near the interpreter's
            # recursion limit (about 1,000 levels); no request of this API nests beyond 3.
            raise ParseError("JSON parse error - nested too deeply.") from None
