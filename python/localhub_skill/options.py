"""Defaults of the skill host and the frozen options built from them and the environment."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from typing import Mapping, Optional

# Wire limits and timings agreed in docs/frame-protocol.md; the TypeScript side uses the same values.
DEFAULT_MAX_FRAME_BYTES = 1024 * 1024
DEFAULT_HEARTBEAT_INTERVAL_MS = 5000
DEFAULT_MISSED_HEARTBEATS = 3
DEFAULT_HIGH_WATER_MARK = 64
DEFAULT_RESUME_RING_FRAMES = 256
DEFAULT_RETRY_AFTER_MS = 200
# A payload_delta carries at most this many characters, so a delta line stays far below 1 MiB even
# when every character needs a six-byte JSON escape.
DEFAULT_PAYLOAD_CHUNK_CHARS = 64 * 1024
# Results whose JSON text is longer than this go as payload frames instead of inline.
DEFAULT_INLINE_RESULT_MAX_BYTES = 256 * 1024
DEFAULT_PERMISSION_TIMEOUT_MS = 120_000
DEFAULT_CONSENT_TIMEOUT_MS = 30_000
DEFAULT_MAX_CONCURRENT_CALLS = 8

PROTOCOL_VERSION = "1.0"
EXIT_INVALID_MANIFEST = 78  # EX_CONFIG, as seed 002 says
# docs/frame-protocol.md "Exit codes of a host": both are plain failures the hub restarts after.
EXIT_PROTOCOL_MISMATCH = 1
EXIT_PEER_LOST = 1  # the hub stopped answering heartbeats, or stdout broke


@dataclass(frozen=True)
class HostOptions:
    session_id: str
    skill_id: Optional[str] = None
    heartbeat_interval_ms: int = DEFAULT_HEARTBEAT_INTERVAL_MS
    missed_heartbeats: int = DEFAULT_MISSED_HEARTBEATS
    high_water_mark: int = DEFAULT_HIGH_WATER_MARK
    max_frame_bytes: int = DEFAULT_MAX_FRAME_BYTES
    resume_ring_frames: int = DEFAULT_RESUME_RING_FRAMES
    retry_after_ms: int = DEFAULT_RETRY_AFTER_MS
    payload_chunk_chars: int = DEFAULT_PAYLOAD_CHUNK_CHARS
    inline_result_max_bytes: int = DEFAULT_INLINE_RESULT_MAX_BYTES
    permission_timeout_ms: int = DEFAULT_PERMISSION_TIMEOUT_MS
    consent_timeout_ms: int = DEFAULT_CONSENT_TIMEOUT_MS
    max_concurrent_calls: int = DEFAULT_MAX_CONCURRENT_CALLS

    def __post_init__(self) -> None:
        for name in (
            "heartbeat_interval_ms",
            "missed_heartbeats",
            "high_water_mark",
            "max_frame_bytes",
            "resume_ring_frames",
            "payload_chunk_chars",
            "inline_result_max_bytes",
            "permission_timeout_ms",
            "consent_timeout_ms",
            "max_concurrent_calls",
        ):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"HostOptions.{name} must be a positive integer, got {value!r}")
        if not isinstance(self.retry_after_ms, int) or self.retry_after_ms < 0:
            raise ValueError(f"HostOptions.retry_after_ms must be >= 0, got {self.retry_after_ms!r}")
        if not self.session_id:
            raise ValueError("HostOptions.session_id must be a non-empty string")

    def with_changes(self, **changes: object) -> "HostOptions":
        return replace(self, **changes)  # type: ignore[arg-type]


def options_from_environment(environ: Mapping[str, str], **overrides: object) -> HostOptions:
    """Options from the env the hub sets (LOCALHUB_FRAME_SESSION, LOCALHUB_HEARTBEAT_MS, LOCALHUB_SKILL_ID)."""
    values: dict = {"session_id": environ.get("LOCALHUB_FRAME_SESSION") or f"local-{os.getpid()}"}
    if environ.get("LOCALHUB_SKILL_ID"):
        values["skill_id"] = environ["LOCALHUB_SKILL_ID"]
    heartbeat = environ.get("LOCALHUB_HEARTBEAT_MS")
    if heartbeat:
        try:
            values["heartbeat_interval_ms"] = int(heartbeat)
        except ValueError:
            raise ValueError(f"LOCALHUB_HEARTBEAT_MS must be an integer number of milliseconds, got {heartbeat!r}") from None
    values.update(overrides)
    return HostOptions(**values)
