"""Reading a JSON request body with its nesting bounded before the parser sees it.

Python's `json` parser recurses once per nested array or object: 8,000 nested arrays fit in
a 16 KB web form submission and raise `RecursionError` (a 500), and a deeper body in the
API's 2.5 MB costs a deep stack for nothing. No request the app takes nests more than a few
levels, so the depth is counted first (at C speed: strings removed by one regex, the
brackets kept by `bytes.translate`) and a deeper body is refused as unreadable.
"""

from __future__ import annotations

import json
import re
from itertools import accumulate
from typing import Any

from django.utils.translation import gettext as _

MAX_DEPTH = 32  # arrays and objects inside one another
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_STEP = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}


class BodyError(ValueError):
    """A body that is not JSON, or nests deeper than MAX_DEPTH; the message says which."""


def depth(body: bytes) -> int:
    """How deep arrays and objects nest in a JSON text (brackets inside strings ignored)."""
    brackets = _STRING.sub(b"", body).translate(None, _NOT_BRACKETS)
    return max(accumulate(_STEP[b] for b in brackets), default=0)


def load_json(body: bytes | str, *, max_depth: int = MAX_DEPTH) -> Any:
    """The parsed body; `BodyError` when it nests deeper than `max_depth` or is no JSON."""
    raw = body.encode("utf-8", "surrogatepass") if isinstance(body, str) else body
    if depth(raw) > max_depth:
        raise BodyError(
            _("The JSON nests deeper than %(n)s levels of arrays and objects.") % {"n": max_depth}
        )
    try:
        return json.loads(raw)
    except ValueError as exc:
        raise BodyError(_("The body is not valid JSON.")) from exc
