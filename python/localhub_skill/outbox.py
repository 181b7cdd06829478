"""The single writer of outbound frames: numbering, the resume ring, and honouring backpressure.

frame_seq is given when a frame is written, not when it is queued, so numbers on the wire are
always in order. Heartbeats carry their own counter. While the peer has paused us, every frame
except heartbeat, backpressure, error and resume frames waits (docs/frame-protocol.md).
"""

from __future__ import annotations

import math
import os
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Callable, Deque, List, Optional

from .frame_codec import encode_frame, timestamp
from .identifiers import uuid7
from .options import PROTOCOL_VERSION, HostOptions
from .resume_ring import ResumeRing

CONTROL_KINDS = frozenset({"heartbeat", "backpressure", "error", "resume_request", "resume_response", "resume_rejected"})
UNNUMBERED_KINDS = frozenset({"heartbeat", "resume_request", "resume_response", "resume_rejected"})


@dataclass
class _Pending:
    kind: str
    fields: dict
    correlation_id: str
    raw: Optional[bytes] = None  # a replayed line, written unchanged


class Outbox:
    def __init__(self, options: HostOptions, write: Callable[[bytes], None], on_write_error: Callable[[BaseException], None]):
        self._options = options
        self._write: Optional[Callable[[bytes], None]] = write
        self._resuming = False
        self._on_write_error = on_write_error
        self._condition = threading.Condition()
        self._queue: Deque[_Pending] = deque()
        self._paused_until = 0.0  # monotonic seconds
        self._throttle_seconds = 0.0
        self._next_allowed = 0.0
        self._closing = False
        self.frame_seq = 0
        self.heartbeat_seq = 0
        self.ring = ResumeRing(options.resume_ring_frames)
        self._writing = False
        self._thread = threading.Thread(target=self._run, name="frames-writer", daemon=True)
        self._thread.start()

    def send(self, kind: str, fields: dict, correlation_id: Optional[str] = None) -> str:
        correlation = correlation_id or uuid7()
        with self._condition:
            self._queue.append(_Pending(kind, fields, correlation))
            self._condition.notify_all()
        return correlation

    def replay(self, lines: List[bytes]) -> None:
        """Writes lines unchanged (a resume replay, keeping their numbers) before anything queued, then
        lets held frames go: they are numbered after the replayed ones."""
        with self._condition:
            for line in reversed(lines):
                self._queue.appendleft(_Pending("replay", {}, "", raw=line))
            self._resuming = False
            self._condition.notify_all()

    def hold(self) -> None:
        """A resume was asked for: numbered frames wait until replay() or restart_numbering()."""
        with self._condition:
            self._resuming = True

    def detach(self) -> None:
        """The connection dropped: nothing is written until attach(); numbered frames stay in the ring."""
        with self._condition:
            self._write = None

    def attach(self, write: Callable[[bytes], None], resuming: bool) -> None:
        """A new connection; while resuming, only control frames go until replay() or restart."""
        with self._condition:
            self._write = write
            self._resuming = resuming
            self._condition.notify_all()

    def pause(self, retry_after_ms: Optional[int]) -> None:
        """Holds frames until resume() or retry_after_ms (the default retry when the peer gave none,
        as the TypeScript side does), so a lost "resume" cannot stall the host for ever."""
        wait_ms = self._options.retry_after_ms if retry_after_ms is None else retry_after_ms
        with self._condition:
            self._paused_until = time.monotonic() + wait_ms / 1000
            self._condition.notify_all()

    def resume(self) -> None:
        with self._condition:
            self._paused_until = 0.0
            self._throttle_seconds = 0.0
            self._condition.notify_all()

    def throttle(self, retry_after_ms: Optional[int]) -> None:
        with self._condition:
            self._throttle_seconds = (retry_after_ms or self._options.retry_after_ms) / 1000
            self._condition.notify_all()

    def restart_numbering(self) -> None:
        """A new session after resume_rejected: numbering starts again at 1."""
        with self._condition:
            self.frame_seq = 0
            self.ring = ResumeRing(self._options.resume_ring_frames)
            self._resuming = False
            self._condition.notify_all()

    def drain(self, timeout_seconds: float) -> bool:
        """Waits until everything queued is written (or the timeout); True when empty."""
        deadline = time.monotonic() + timeout_seconds
        with self._condition:
            self._closing = True
            self._condition.notify_all()
            while (self._queue or self._writing) and time.monotonic() < deadline:
                self._condition.wait(min(0.05, max(0.0, deadline - time.monotonic())))
            return not self._queue and not self._writing

    def _next(self) -> Optional[_Pending]:
        """The next frame that may go now (called with the lock held); None to wait."""
        if not self._queue or self._write is None:
            return None
        now = time.monotonic()
        held = self._resuming or now < self._paused_until or now < self._next_allowed
        if not held:
            return self._queue.popleft()
        for index, pending in enumerate(self._queue):
            if pending.kind in CONTROL_KINDS:
                del self._queue[index]
                return pending
        return None

    def _wait_seconds(self) -> Optional[float]:
        deadline = max(self._paused_until, self._next_allowed)
        if not self._queue or deadline == math.inf or self._write is None or self._resuming:
            return None  # woken by notify: a new frame, attach, replay, resume
        return max(0.001, deadline - time.monotonic())

    def _build(self, pending: _Pending) -> bytes:
        frame = {
            "version": PROTOCOL_VERSION,
            "session_id": self._options.session_id,
            "correlation_id": pending.correlation_id,
            "ts": timestamp(),
            "role": "tool",
            "kind": pending.kind,
        }
        if pending.kind == "heartbeat":
            self.heartbeat_seq += 1
            frame["frame_seq"] = self.heartbeat_seq
            frame["peer_frame_seq"] = self.frame_seq
        elif pending.kind in UNNUMBERED_KINDS:
            frame["frame_seq"] = 0
        else:
            self.frame_seq += 1
            frame["frame_seq"] = self.frame_seq
        frame.update(pending.fields)
        line = encode_frame(frame)
        if pending.kind not in UNNUMBERED_KINDS:
            self.ring.add(frame["frame_seq"], line)
        return line

    def _run(self) -> None:
        while True:
            with self._condition:
                pending = self._next()
                while pending is None:
                    if self._closing and not self._queue:
                        self._condition.notify_all()
                    self._condition.wait(self._wait_seconds())
                    pending = self._next()
                line = pending.raw if pending.raw is not None else self._build(pending)
                write = self._write
                if pending.kind not in CONTROL_KINDS and self._throttle_seconds:
                    self._next_allowed = time.monotonic() + self._throttle_seconds
                self._writing = True
            try:
                write(line)  # type: ignore[misc]
            except (OSError, ValueError) as error:
                with self._condition:
                    self._writing = False
                    self._write = None  # a numbered line that failed is in the ring for a resume
                    self._condition.notify_all()
                self._on_write_error(error)
                continue
            with self._condition:
                self._writing = False
                self._condition.notify_all()


def fd_writer(fd: int) -> Callable[[bytes], None]:
    """Writes all of each line to a file descriptor (a pipe may take it in several pieces)."""

    def write(line: bytes) -> None:
        view = memoryview(line)
        while view:
            written = os.write(fd, view)
            view = view[written:]

    return write
