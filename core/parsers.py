"""The API's JSON parser: DRF's, refusing deep nesting before it parses (the JSON API's
other request rules are in core/api.py; the body size limit in core/middleware.py)."""

from __future__ import annotations

import io
import re

import numpy as np
from rest_framework import parsers
from rest_framework.exceptions import ParseError

# Far deeper than any request of this API (three levels at most); json recurses per level.
MAX_JSON_DEPTH = 32
_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')
_NOT_BRACKETS = bytes(sorted(set(range(256)) - set(b"[]{}")))


def json_depth(data: bytes) -> int:
    """How deep arrays and objects nest in a JSON text, without parsing it (brackets in
    strings do not count). Numpy keeps a 10 MB body of brackets to milliseconds."""
    brackets = np.frombuffer(_JSON_STRING.sub(b"", data).translate(None, _NOT_BRACKETS), np.uint8)
    if not len(brackets):
        return 0
    opens = (brackets == ord("[")) | (brackets == ord("{"))
    return int(np.cumsum(np.where(opens, 1, -1)).max())


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser (NaN and Infinity refused) that refuses deep nesting before
    parsing: json would recurse until RecursionError, a 500."""

    def parse(self, stream, media_type=None, parser_context=None):
        data = stream.read() if stream is not None else b""
        if json_depth(data) > MAX_JSON_DEPTH:
            raise ParseError(f"JSON parse error - nested deeper than {MAX_JSON_DEPTH} levels.")
        return super().parse(io.BytesIO(data), media_type, parser_context)
