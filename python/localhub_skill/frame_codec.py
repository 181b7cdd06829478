"""JSON lines in and out: splitting reads into lines, and checking each line as a received frame."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, List, Optional, Tuple

from .frame_rules import ALL_KINDS, ENVELOPE_PROPERTIES, KINDS_BY_ROLE, kind_schema, schema_document
from .options import PROTOCOL_VERSION
from .validator import SchemaChecker, render


@dataclass
class FrameProblem:
    """Why a line is not an acceptable frame: the error frame's code, message and details."""

    code: str
    message: str
    details: dict
    correlation_id: Optional[str] = None


class LineSplitter:
    """Cuts a byte stream into lines of at most max_bytes (without the newline).

    A longer line is dropped up to its newline and reported as ("too_large", byte count), so one
    hostile line costs at most max_bytes of memory and the stream goes on.
    """

    def __init__(self, max_bytes: int):
        self._max_bytes = max_bytes
        self._buffer = bytearray()
        self._discarding = 0  # bytes of an oversized line dropped so far; 0 when not discarding

    def feed(self, chunk: bytes) -> List[Tuple[str, Any]]:
        out: List[Tuple[str, Any]] = []
        start = 0
        while start < len(chunk):
            newline = chunk.find(b"\n", start)
            end = len(chunk) if newline < 0 else newline
            piece = chunk[start:end]
            if self._discarding:
                self._discarding += len(piece)
            elif len(self._buffer) + len(piece) > self._max_bytes + 1:  # +1: room for a "\r"
                self._discarding = len(self._buffer) + len(piece)
                self._buffer.clear()
            else:
                self._buffer += piece
            if newline < 0:
                break
            if self._discarding:
                out.append(("too_large", self._discarding))
                self._discarding = 0
            else:
                line = bytes(self._buffer)
                self._buffer.clear()
                if line.endswith(b"\r"):
                    line = line[:-1]
                if len(line) > self._max_bytes:
                    out.append(("too_large", len(line)))
                elif line.strip():
                    out.append(("line", line))
            start = newline + 1
        return out

    @property
    def pending_bytes(self) -> int:
        """Bytes of an unfinished line (what a dropped pipe would cut off)."""
        return len(self._buffer) + self._discarding


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


_CHECKER = SchemaChecker(schema_document())


def decode_frame(line: bytes, peer_role: str) -> Tuple[Optional[dict], Optional[FrameProblem]]:
    """The frame on one line from a peer of peer_role, or the problem to answer with an error frame."""
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError as error:
        return None, FrameProblem("invalid_frame", "the line is not UTF-8", {"path": "", "expected": "UTF-8 text", "got": f"byte 0x{line[error.start]:02x} at offset {error.start}"})
    try:
        frame = json.loads(text, parse_constant=_reject_constant)
    except ValueError as error:
        return None, FrameProblem("invalid_frame", f"the line is not JSON: {error}", {"path": "", "expected": "a JSON object", "got": render(text, 60)})
    except RecursionError:
        # Python's parser recurses per nesting level; a hostile line nests deeper than the stack.
        return None, FrameProblem("invalid_frame", "the line nests JSON deeper than this host reads", {"path": "", "expected": "a JSON object nested less deeply", "got": render(text, 60)})
    if not isinstance(frame, dict):
        return None, FrameProblem("invalid_frame", "a frame is a JSON object", {"path": "", "expected": "object", "got": render(frame, 60)})
    correlation = frame.get("correlation_id") if isinstance(frame.get("correlation_id"), str) else None
    kind = frame.get("kind")
    if not isinstance(kind, str) or kind not in ALL_KINDS:
        expected = "one of " + ", ".join(sorted(ALL_KINDS))
        return None, FrameProblem("invalid_frame", "unknown frame kind", {"path": "/kind", "expected": expected, "got": render(kind)}, correlation)
    version = frame.get("version", PROTOCOL_VERSION)
    if version != PROTOCOL_VERSION:
        return None, FrameProblem("protocol_mismatch", f"this host speaks frame version {PROTOCOL_VERSION}", {"path": "/version", "expected": PROTOCOL_VERSION, "got": render(version)}, correlation)
    role = frame.get("role")
    roles = ENVELOPE_PROPERTIES["role"]["enum"]
    if role not in roles:
        # Not a role at all is a schema problem, as the TypeScript side reports it.
        expected = "a value (required)" if "role" not in frame else "one of " + ", ".join(roles)
        return None, FrameProblem("invalid_frame", f"{kind} frame has no valid role", {"path": "/role", "expected": expected, "got": render(role) if "role" in frame else "nothing"}, correlation)
    if role != peer_role or kind not in KINDS_BY_ROLE.get(peer_role, ()):
        return None, FrameProblem(
            "role_not_allowed",
            f"a {render(role)} frame of kind {kind} is not accepted here (the peer is {peer_role})",
            {"path": "/role" if role != peer_role else "/kind", "expected": f"role {peer_role} with one of its kinds", "got": render(role) if role != peer_role else render(kind)},
            correlation,
        )
    issue = _CHECKER.first_issue(kind_schema(kind), frame)
    if issue:
        return None, FrameProblem("invalid_frame", f"{kind} frame is invalid at {issue.path or '/'}: expected {issue.expected}", issue.as_details(), correlation)
    return frame, None


def timestamp() -> str:
    """ISO-8601 UTC with milliseconds, as JavaScript's toISOString writes it."""
    now = datetime.now(timezone.utc)
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"


def encode_frame(frame: dict) -> bytes:
    """One line: compact JSON, UTF-8, newline-terminated. Non-ASCII stays as UTF-8."""
    text = json.dumps(frame, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    try:
        return (text + "\n").encode("utf-8")
    except UnicodeEncodeError:
        # A lone surrogate has no UTF-8 form: write that frame with \u escapes instead.
        return (json.dumps(frame, ensure_ascii=True, separators=(",", ":"), allow_nan=False) + "\n").encode("ascii")


@dataclass
class SequenceCheck:
    """The receiver's view of one direction's frame_seq: last + 1 expected, gaps reported, never fatal."""

    last: int = 0

    def accept(self, got: int) -> Optional[int]:
        """Returns the expected number when got is not it (the caller reports frame_seq_gap)."""
        expected = self.last + 1
        self.last = got
        return None if got == expected else expected
