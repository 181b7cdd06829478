"""Resuming a frame session (docs/frame-protocol.md "Resume"): after a reconnect, and — over a carrier
that loses frames without closing, core NATS (decision 1851) — whenever frames went missing.

A mixin of FrameHost: it uses the host's outbox, inbound SequenceCheck, resume_token and skill.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from typing import Callable, Optional

from .canonical_json import manifest_hash
from .frame_codec import SequenceCheck


def _log(message: str) -> None:
    sys.stderr.write(f"[localhub_skill] {message}\n")
    sys.stderr.flush()


class ResumeMixin:
    """Requester side of a resume. resume_on_gap turns a gap into a resume instead of accepting the loss."""

    resume_on_gap: bool = False
    _resuming_since: Optional[float] = None
    _resume_lock: threading.Lock

    def _init_resume(self, resume_on_gap: bool) -> None:
        self.resume_on_gap = resume_on_gap
        self._resuming_since = None
        self._resume_lock = threading.Lock()

    def reattach(self, read_fd: int, write: Callable[[bytes], None]) -> None:
        """Goes on over a new connection: asks the hub to resume after the last frame seen here
        (resume_request, frame_seq 0) and holds numbered frames until it answers."""
        self._read_fd = read_fd
        self._last_received = time.monotonic()
        if self.resume_token is None:
            self.outbox.attach(write, resuming=False)
            self._new_session()
            return
        self.outbox.attach(write, resuming=True)
        self.request_resume(force=True)

    def request_resume(self, force: bool = False) -> None:
        """Sends resume_request (numbered frames wait); again only after a heartbeat interval unanswered."""
        if self.resume_token is None:
            return
        now = time.monotonic()
        with self._resume_lock:
            if not force and self._resuming_since is not None and (now - self._resuming_since) * 1000 < self.heartbeat_interval_ms:
                return
            self._resuming_since = now
        self.outbox.hold()
        self.outbox.send("resume_request", {"last_seen_frame_seq": self.inbound.last, "tui_session_token": self.resume_token})

    def retry_resume(self) -> None:
        """Each heartbeat: a resume_request unanswered for an interval may have been lost; send it again."""
        if self._resuming_since is not None:
            self.request_resume()

    def in_order(self, frame: dict) -> bool:
        """With resume_on_gap: False (drop the frame) for a duplicate, or after a gap, which starts a resume."""
        got = frame.get("frame_seq", 0)
        expected = self.inbound.last + 1
        if got == expected:
            return True
        if got > expected:
            _log(f"frame_seq {got} where {expected} was expected: frames were lost; resuming")
            self.request_resume()
        return False

    def heard_peer_seq(self, peer_frame_seq: object) -> None:
        """A heartbeat saying the hub sent more than arrived: the lost frames were its last ones."""
        if isinstance(peer_frame_seq, int) and not isinstance(peer_frame_seq, bool) and peer_frame_seq > self.inbound.last:
            _log(f"the hub sent up to {peer_frame_seq}, {self.inbound.last} arrived; resuming")
            self.request_resume()

    def _on_resume_response(self, frame: dict) -> None:
        with self._resume_lock:
            answered = self._resuming_since is not None
            self._resuming_since = None
        if self.resume_on_gap and not answered:
            return  # a second answer to a retried request: its replay already went out once
        # After a reconnect: replay what the hub did not get, then go on numbering.
        lines = self.outbox.ring.after(frame["resumed_from_frame_seq"], self.outbox.frame_seq)
        if lines is None:
            _log("the hub resumed after frames this host no longer holds; starting a new session")
            self._new_session()
        else:
            self.outbox.replay(lines)

    def _on_resume_rejected(self, frame: dict) -> None:
        with self._resume_lock:
            self._resuming_since = None
        _log(f"resume rejected ({frame['reason']}): {frame['detail']}; starting a new session")
        self._new_session()

    def _new_session(self) -> None:
        self.inbound = SequenceCheck()
        self.outbox.restart_numbering()
        entries = self.skill.entries()
        self.outbox.send("adapter_manifest_sync", {"entries": entries, "manifest_hash": manifest_hash(entries), "emitter_pid": os.getpid()})
