"""A FrameHost on in-memory pipes, with a hub side that writes frames and collects what comes back."""

from __future__ import annotations

import json
import os
import queue
import threading
import time
from typing import Any, Callable, List, Optional

from localhub_skill import FrameHost, HostOptions, Skill
from localhub_skill.outbox import fd_writer


class Harness:
    def __init__(self, skill: Skill, reconnectable: bool = False, **options: Any):
        self.exit_codes: "queue.Queue[int]" = queue.Queue()
        self.frames: List[dict] = []
        self.connections = 0
        self._arrived = threading.Condition()
        self.seq = 0
        self.options = HostOptions(session_id="unit", **options)
        host_read, host_write = self._connect()
        self.host = FrameHost(skill, self.options, host_read, fd_writer(host_write), self.exit_codes.put, self._reconnect if reconnectable else None)

    def _connect(self):
        """A fresh pair of pipes: the hub's ends are kept here, the host's returned."""
        self.hub_read, host_write = os.pipe()
        host_read, self.hub_write = os.pipe()
        self.connections += 1
        threading.Thread(target=self._collect, args=(self.hub_read,), daemon=True).start()
        return host_read, host_write

    def _reconnect(self):
        host_read, host_write = self._connect()
        return host_read, fd_writer(host_write)

    def drop(self) -> None:
        """Cuts the connection: the host reads end-of-file (and may reconnect)."""
        os.close(self.hub_write)

    def start(self, serve: bool = True) -> "Harness":
        if self.host.start() and serve:
            threading.Thread(target=self.host.serve, daemon=True).start()
        return self

    def _collect(self, fd: int) -> None:
        buffer = b""
        while True:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                return
            if not chunk:
                return
            buffer += chunk
            *lines, buffer = buffer.split(b"\n")
            with self._arrived:
                self.frames.extend(dict(json.loads(line), _connection=self.connections, _line=line) for line in lines)
                self._arrived.notify_all()

    def wait_for(self, match: Callable[[dict], bool], timeout: float = 5.0, start: int = 0) -> dict:
        deadline = time.monotonic() + timeout
        with self._arrived:
            while True:
                for frame in self.frames[start:]:
                    if match(frame):
                        return frame
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"no matching frame in {timeout}s; got {[f['kind'] for f in self.frames]}")
                self._arrived.wait(remaining)

    def write(self, data: bytes) -> None:
        os.write(self.hub_write, data)

    def send(self, kind: str, frame_seq: Optional[int] = None, correlation_id: Optional[str] = None, **fields: Any) -> str:
        if frame_seq is None and kind not in ("heartbeat", "resume_response", "resume_rejected"):
            self.seq += 1
            frame_seq = self.seq
        correlation = correlation_id or f"hub-{self.seq}-{kind}"
        frame = {"version": "1.0", "session_id": "unit", "correlation_id": correlation, "ts": "2026-12-05T00:00:00.000Z", "role": "backend", "frame_seq": frame_seq or 0, "kind": kind, **fields}
        self.write((json.dumps(frame) + "\n").encode())
        return correlation

    def call(self, name: str, arguments: dict, timeout: float = 5.0) -> dict:
        call_id = f"call-{self.connections}-{self.seq + 1}"
        self.send("tool_call", call_id=call_id, name=name, arguments=arguments)
        return self.wait_for(lambda frame: frame["kind"] == "tool_result" and frame["call_id"] == call_id, timeout)

    def close(self) -> None:
        for fd in (self.hub_write,):
            try:
                os.close(fd)
            except OSError:
                pass
