"""Joining payload frames the hub sends (payload_start / payload_delta / payload_end), checked.

A payload is only handed out whole: deltas in order from 0, delta_count and the sha256 trailer
matching, status "ok". Anything else is a checksum_mismatch problem and the pieces are dropped.
"""

from __future__ import annotations

import hashlib
from typing import Dict, List, Optional, Tuple

# Payloads being received at once, and characters held per payload: a peer sending more is broken.
DEFAULT_MAX_OPEN_PAYLOADS = 64
DEFAULT_MAX_PAYLOAD_CHARS = 64 * 1024 * 1024


class PayloadAssembler:
    def __init__(self, max_open: int = DEFAULT_MAX_OPEN_PAYLOADS, max_chars: int = DEFAULT_MAX_PAYLOAD_CHARS):
        self._max_open = max_open
        self._max_chars = max_chars
        self._open: Dict[str, Tuple[List[str], int]] = {}  # correlation id -> (pieces, characters)
        self.finished: Dict[str, str] = {}

    def accept(self, frame: dict) -> Optional[dict]:
        """Takes one payload frame; returns error details ({path, expected, got}) when it breaks the payload."""
        key = frame["correlation_id"]
        kind = frame["kind"]
        if kind == "payload_start":
            if len(self._open) >= self._max_open:
                return {"path": "/correlation_id", "expected": f"at most {self._max_open} payloads at once", "got": f"payload {len(self._open) + 1}"}
            self._open[key] = ([], 0)
            return None
        if key not in self._open:
            return {"path": "/kind", "expected": "payload_start first", "got": kind}
        pieces, size = self._open[key]
        if kind == "payload_delta":
            if frame["delta_seq"] != len(pieces):
                del self._open[key]
                return {"path": "/delta_seq", "expected": str(len(pieces)), "got": str(frame["delta_seq"])}
            size += len(frame["payload"])
            if size > self._max_chars:
                del self._open[key]
                return {"path": "/payload", "expected": f"at most {self._max_chars} characters in all", "got": f"{size}"}
            pieces.append(frame["payload"])
            self._open[key] = (pieces, size)
            return None
        del self._open[key]
        text = "".join(pieces)
        checksum = ((frame.get("trailer") or {}).get("checksum_sha256")) or ""
        actual = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
        if frame["status"] != "ok":
            return {"path": "/status", "expected": "ok", "got": frame["status"]}
        if frame["delta_count"] != len(pieces):
            return {"path": "/delta_count", "expected": str(len(pieces)), "got": str(frame["delta_count"])}
        if checksum != actual:
            return {"path": "/trailer/checksum_sha256", "expected": actual, "got": checksum or "nothing"}
        self.finished[key] = text
        return None

    def take(self, correlation_id: str) -> Optional[str]:
        """The whole text of a finished payload, once."""
        return self.finished.pop(correlation_id, None)
