"""Sending a tool's result: inline, or as payload_start / payload_delta / payload_end with a sha256 trailer."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from .options import HostOptions
from .outbox import Outbox
from .skill import StreamedResult


def json_text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def send_payload(outbox: Outbox, options: HostOptions, text: str, correlation_id: str) -> None:
    """Streams text (JSON) in pieces of at most payload_chunk_chars characters.

    Pieces are cut on characters, never inside one, so each is valid UTF-8 on its own; the
    checksum is over the concatenated pieces as UTF-8 (docs/frame-protocol.md).
    """
    encoded = text.encode("utf-8", "surrogatepass")
    outbox.send("payload_start", {"content_type": "application/json", "estimated_bytes": len(encoded)}, correlation_id)
    size = options.payload_chunk_chars
    pieces = [text[start : start + size] for start in range(0, len(text), size)] or [""]
    for index, piece in enumerate(pieces):
        outbox.send("payload_delta", {"delta_seq": index, "payload": piece}, correlation_id)
    checksum = hashlib.sha256(encoded).hexdigest()
    outbox.send("payload_end", {"delta_count": len(pieces), "status": "ok", "trailer": {"final": True, "checksum_sha256": checksum}}, correlation_id)


def send_result(outbox: Outbox, options: HostOptions, call_id: str, primitive: str, result: Any, correlation_id: str) -> None:
    streamed = isinstance(result, StreamedResult)
    value = result.value if streamed else result
    text = json_text(value)
    if streamed or len(text.encode("utf-8", "surrogatepass")) > options.inline_result_max_bytes:
        send_payload(outbox, options, text, correlation_id)
        envelope = {"kind": primitive, "ok": True, "result_ref": "payload"}
    else:
        envelope = {"kind": primitive, "ok": True, "result": value}
    outbox.send("tool_result", {"call_id": call_id, "envelope": envelope, "trailer": {"final": True}}, correlation_id)
