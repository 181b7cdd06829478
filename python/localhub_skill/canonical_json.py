"""Canonical JSON as the TypeScript side writes it, so manifest_hash is the same in both languages.

Object keys are sorted by UTF-16 code unit (JavaScript's default sort), there is no whitespace, and
strings and numbers are written the way JSON.stringify writes them.
"""

from __future__ import annotations

import hashlib
import math
from decimal import Decimal
from typing import Any

_SHORT_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _utf16_key(text: str) -> bytes:
    # Big-endian UTF-16 bytes compare in code-unit order; "surrogatepass" keeps lone surrogates.
    return text.encode("utf-16-be", "surrogatepass")


def _string(text: str) -> str:
    parts = ['"']
    for char in text:
        code = ord(char)
        if char in _SHORT_ESCAPES:
            parts.append(_SHORT_ESCAPES[char])
        elif code < 0x20 or 0xD800 <= code <= 0xDFFF:
            # JSON.stringify escapes control characters and (since ES2019) lone surrogates.
            parts.append(f"\\u{code:04x}")
        else:
            parts.append(char)
    parts.append('"')
    return "".join(parts)


def _number(value: float) -> str:
    if isinstance(value, int):
        return str(value)
    if not math.isfinite(value):
        raise ValueError("canonical JSON has no NaN or Infinity")
    if value == 0:
        return "0"
    # repr gives the shortest digits that round-trip, as ECMAScript does; lay them out with the
    # rules of Number::toString (plain notation for exponents -7 < n <= 21, else d.ddde+n).
    _, digit_tuple, exponent = Decimal(repr(abs(value))).as_tuple()
    digits = "".join(str(digit) for digit in digit_tuple).rstrip("0")
    exponent += len(digit_tuple) - len(digits)
    k = len(digits)
    n = k + exponent
    sign = "-" if value < 0 else ""
    if k <= n <= 21:
        return sign + digits + "0" * (n - k)
    if 0 < n <= 21:
        return sign + digits[:n] + "." + digits[n:]
    if -6 < n <= 0:
        return sign + "0." + "0" * (-n) + digits
    shown = n - 1
    body = digits[0] + ("." + digits[1:] if k > 1 else "")
    return f"{sign}{body}e{'+' if shown >= 0 else '-'}{abs(shown)}"


def canonical_json(value: Any) -> str:
    """The canonical JSON text of value (dicts, lists, str, int, float, bool, None)."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, (int, float)):
        return _number(value)
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(canonical_json(item) for item in value) + "]"
    if isinstance(value, dict):
        for key in value:
            if not isinstance(key, str):
                raise TypeError(f"canonical JSON object keys must be strings, got {key!r}")
        keys = sorted(value, key=_utf16_key)
        return "{" + ",".join(_string(key) + ":" + canonical_json(value[key]) for key in keys) + "}"
    raise TypeError(f"cannot write {type(value).__name__} as canonical JSON")


def _tool_id_key(entry: Any) -> bytes:
    tool_id = entry.get("tool_id") if isinstance(entry, dict) else None
    return _utf16_key(tool_id) if isinstance(tool_id, str) else b""


def manifest_hash(entries: list) -> str:
    """Lowercase hex sha256 of the canonical JSON of the entries sorted by tool_id (seed 002's I3,
    UTF-16 code unit order, stable), so the order they are sent in does not change it (decision 1830)."""
    ordered = sorted(entries, key=_tool_id_key)
    return hashlib.sha256(canonical_json(ordered).encode("utf-8", "surrogatepass")).hexdigest()
