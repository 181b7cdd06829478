"""The skill host: reads frames from the hub, runs tools and event handlers, writes frames back."""

from __future__ import annotations

import json
import os
import queue
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Dict, List, Optional, Tuple

from .context import CallContext, EventContext, ReceivedEvent, _Waiter
from .canonical_json import manifest_hash
from .frame_codec import LineSplitter, SequenceCheck, decode_frame
from .options import EXIT_INVALID_MANIFEST, EXIT_PEER_LOST, EXIT_PROTOCOL_MISMATCH, HostOptions, options_from_environment
from .outbox import Outbox, fd_writer
from .payload import send_result
from .payload_assembler import PayloadAssembler
from .resume import ResumeMixin
from .skill import Skill, ToolError, pattern_matches
from .validator import SchemaChecker

_READ_BYTES = 64 * 1024


def _log(message: str) -> None:
    sys.stderr.write(f"[localhub_skill] {message}\n")
    sys.stderr.flush()


class FrameHost(ResumeMixin):
    """One connection to the hub. exit(code) is called when the host must end (os._exit by default)."""

    def __init__(
        self,
        skill: Skill,
        options: HostOptions,
        read_fd: int,
        write: Callable[[bytes], None],
        exit: Callable[[int], None],
        reconnect: Optional[Callable[[], Optional[Tuple[int, Callable[[bytes], None]]]]] = None,
        resume_on_gap: bool = False,
    ):
        """reconnect, when given, is called after the connection drops and returns a new (read fd,
        writer) or None to give up; the host then resumes (resume_request) instead of ending.
        resume_on_gap: the carrier loses frames without closing (NATS); gaps are resumed."""
        self._init_resume(resume_on_gap)
        self.skill = skill
        self._reconnect = reconnect
        self.options = options
        self.skill_id = options.skill_id or skill.skill_id
        self._read_fd = read_fd
        self._exit = exit
        self.outbox = Outbox(options, write, self._on_write_error)
        self.inbound = SequenceCheck()
        self.heartbeat_interval_ms = options.heartbeat_interval_ms
        self.high_water_mark = options.high_water_mark
        self.subscriptions: List[str] = []
        self.resume_token: Optional[str] = None
        self.ready = threading.Event()
        self.seen_event_guids: List[str] = []
        self.refusals: List[dict] = []
        self._lock = threading.Lock()
        self._waiters: Dict[str, _Waiter] = {}
        self._depth = 0
        self._paused_peer = False
        self._last_received = time.monotonic()
        self._stopping = threading.Event()
        self._calls = ThreadPoolExecutor(max_workers=options.max_concurrent_calls, thread_name_prefix="tool-call")
        self._events: "queue.Queue[Optional[ReceivedEvent]]" = queue.Queue()
        self.payloads = PayloadAssembler()

    # ---- start-up -------------------------------------------------------------------------

    def start(self) -> bool:
        """Checks the manifest and sends adapter_manifest_sync; False (after exit(78)) when invalid."""
        issue = self.skill.validate_manifest()
        if issue:
            self.outbox.send("error", {"code": "invalid_manifest", "message": f"the skill's manifest is invalid at {issue.path}: expected {issue.expected}", "details": issue.as_details()})
            self.stop(EXIT_INVALID_MANIFEST)
            return False
        entries = self.skill.entries()
        self.outbox.send("adapter_manifest_sync", {"entries": entries, "manifest_hash": manifest_hash(entries), "emitter_pid": os.getpid()})
        threading.Thread(target=self._heartbeats, name="frames-heartbeat", daemon=True).start()
        threading.Thread(target=self._deliver_events, name="frames-events", daemon=True).start()
        return True

    def serve(self) -> None:
        """Reads until the hub closes stdin, then finishes calls in flight and exits 0."""
        splitter = LineSplitter(self.options.max_frame_bytes)
        while not self._stopping.is_set():
            try:
                chunk = os.read(self._read_fd, _READ_BYTES)
            except OSError as error:
                _log(f"reading frames failed: {error}")
                chunk = b""
            if not chunk:
                if self._reconnect is None or self._stopping.is_set():
                    break
                self.outbox.detach()
                connection = self._reconnect()
                if connection is None:
                    _log("the connection to the hub dropped and could not be made again; exiting")
                    self.stop(EXIT_PEER_LOST)
                    return
                splitter = LineSplitter(self.options.max_frame_bytes)  # a cut line is not a frame
                self.reattach(*connection)
                continue
            self._last_received = time.monotonic()
            for what, value in splitter.feed(chunk):
                if what == "too_large":
                    self.outbox.send("error", {"code": "frame_too_large", "message": f"a line of {value} bytes is over the {self.options.max_frame_bytes}-byte limit; it was discarded", "details": {"path": "", "expected": f"at most {self.options.max_frame_bytes} bytes", "got": f"{value} bytes"}})
                else:
                    try:
                        self.handle_line(value)
                    except Exception as error:  # noqa: BLE001 - one line must never end the reader
                        _log(f"a received line could not be handled: {type(error).__name__}: {error}")
        if not self._stopping.is_set():
            with self._lock:
                for waiter in self._waiters.values():
                    waiter.event.set()  # no hub to answer: permissions are denied, requests end
            self._calls.shutdown(wait=True)
            self._events.put(None)
            self.stop(0)

    def stop(self, code: int) -> None:
        self._stopping.set()
        self.outbox.drain(2.0)
        self._exit(code)

    def _on_write_error(self, error: BaseException) -> None:
        if self._reconnect is not None or self.resume_on_gap:
            _log(f"writing frames failed ({error}); waiting for the connection to come back")
            return
        _log(f"writing frames failed ({error}); the hub is gone")
        self._stopping.set()
        self._exit(EXIT_PEER_LOST)

    # ---- received frames ------------------------------------------------------------------

    def handle_line(self, line: bytes) -> None:
        frame, problem = decode_frame(line, "backend")
        if problem:
            self.outbox.send("error", {"code": problem.code, "message": problem.message, "details": problem.details}, problem.correlation_id)
            if problem.code == "protocol_mismatch":
                self.stop(EXIT_PROTOCOL_MISMATCH)
            return
        assert frame is not None
        kind = frame["kind"]
        if kind not in ("heartbeat", "resume_response", "resume_rejected"):
            if self.resume_on_gap and not self.in_order(frame):
                return  # a duplicate of a replay, or after a gap: the resume brings it in order
            expected = self.inbound.accept(frame.get("frame_seq", 0))
            if expected is not None:
                got = frame.get("frame_seq", 0)
                self.outbox.send("error", {"code": "frame_seq_gap", "message": f"frame_seq {got} where {expected} was expected", "details": {"expected": expected, "got": got}}, frame["correlation_id"])
        handler = getattr(self, f"_on_{kind}", None)
        if handler is not None:
            handler(frame)

    def _on_heartbeat(self, frame: dict) -> None:
        if self.resume_on_gap:
            self.heard_peer_seq(frame.get("peer_frame_seq"))
        if frame["direction"] == "ping":
            self.outbox.send("heartbeat", {"direction": "pong"}, frame["correlation_id"])

    def _on_session_event(self, frame: dict) -> None:
        if frame["event"] != "new":
            return
        payload = frame["payload"]
        interval = payload.get("heartbeat_interval_ms")
        if isinstance(interval, int) and not isinstance(interval, bool) and interval > 0:
            self.heartbeat_interval_ms = interval
        mark = payload.get("high_water_mark")
        if isinstance(mark, int) and not isinstance(mark, bool) and mark > 0:
            self.high_water_mark = mark
        if isinstance(payload.get("subscriptions"), list):
            self.subscriptions = [item for item in payload["subscriptions"] if isinstance(item, str)]
        if isinstance(payload.get("resume_token"), str):
            self.resume_token = payload["resume_token"]
        self.ready.set()

    def _on_tool_call(self, frame: dict) -> None:
        tool = self.skill.find_tool(frame["name"])
        if tool is None:
            known = ", ".join(sorted(entry["tool_id"] for entry in self.skill.entries()))
            self.outbox.send("error", {"code": "unknown_tool", "message": f"this host serves no tool {frame['name']!r}", "details": {"call_id": frame["call_id"], "path": "/name", "expected": f"one of {known}", "got": json.dumps(frame["name"])}}, frame["correlation_id"])
            return
        self._enter()
        self._calls.submit(self._run_call, tool, frame)

    def _on_notification_push(self, frame: dict) -> None:
        with self._lock:
            self.seen_event_guids.append(frame["event_guid"])
        envelope: Any = frame["payload"]
        if frame["payload_content_type"] == "application/json":
            try:
                envelope = json.loads(frame["payload"])
            except (ValueError, RecursionError):
                self.outbox.send("error", {"code": "invalid_frame", "message": "notification_push payload is not JSON text", "details": {"path": "/payload", "expected": "JSON text of the event envelope", "got": frame["payload"][:60]}}, frame["correlation_id"])
                return
        if not isinstance(envelope, dict):
            envelope = {"payload": envelope}
        self._enter()
        self._events.put(ReceivedEvent(frame["event_guid"], frame["subscription_id"], envelope))

    def _on_payload_start(self, frame: dict) -> None:
        self._on_payload_piece(frame)

    def _on_payload_delta(self, frame: dict) -> None:
        self._on_payload_piece(frame)

    def _on_payload_end(self, frame: dict) -> None:
        self._on_payload_piece(frame)

    def _on_payload_piece(self, frame: dict) -> None:
        problem = self.payloads.accept(frame)
        if problem:
            self.outbox.send("error", {"code": "checksum_mismatch", "message": f"payload {frame['correlation_id']} is broken at {problem['path']}", "details": problem}, frame["correlation_id"])

    def _on_permission_response(self, frame: dict) -> None:
        self._answer(frame["request_id"], frame)

    def _on_consent_revoke_response(self, frame: dict) -> None:
        self._answer(frame["request_id"], frame)

    def _on_backpressure(self, frame: dict) -> None:
        signal = frame["signal"]
        if signal == "pause":
            self.outbox.pause(frame.get("retry_after_ms"))
        elif signal == "resume":
            self.outbox.resume()
        else:
            self.outbox.throttle(frame.get("retry_after_ms"))

    def _on_error(self, frame: dict) -> None:
        if self.resume_on_gap and frame["code"] == "frame_seq_gap":
            self.request_resume()  # the hub lost frames of ours
        if frame["code"] in ("E_PERMISSION_REQUIRED", "E_VALIDATION"):
            with self._lock:
                self.refusals.append({"code": frame["code"], "message": frame["message"], "details": frame["details"]})
        _log(f"hub reported {frame['code']}: {frame['message']}")

    # ---- requests that wait for an answer -------------------------------------------------

    def ask(self, kind: str, fields: dict, request_id: str, timeout_ms: int) -> Optional[dict]:
        waiter = _Waiter()
        with self._lock:
            self._waiters[request_id] = waiter
        self.outbox.send(kind, fields)
        answered = waiter.event.wait(timeout_ms / 1000)
        with self._lock:
            self._waiters.pop(request_id, None)
        return waiter.frame if answered else None

    def _answer(self, request_id: str, frame: dict) -> None:
        with self._lock:
            waiter = self._waiters.get(request_id)
        if waiter is None:
            _log(f"an answer to unknown request {request_id!r} was ignored")
            return
        waiter.frame = frame
        waiter.event.set()

    # ---- calls and events -----------------------------------------------------------------

    def _run_call(self, tool: Any, frame: dict) -> None:
        correlation = frame["correlation_id"]
        context = CallContext(self, correlation, call_id=frame["call_id"], tool_id=tool.tool_id, primitive=tool.primitive)
        try:
            issue = SchemaChecker(tool.input_schema).first_issue(tool.input_schema, frame["arguments"])
            if issue:
                raise ToolError("E_VALIDATION", f"arguments of {tool.tool_id} are invalid at {issue.path or '/'}: expected {issue.expected}", **issue.as_details())
            result = tool.handler(frame["arguments"], context)
            send_result(self.outbox, self.options, frame["call_id"], tool.primitive, result, correlation)
        except ToolError as error:
            self._fail(frame, tool.primitive, {"code": error.code, "message": error.message, **error.details})
        except Exception as error:  # noqa: BLE001 - a tool's bug becomes its call's error, not the host's end
            self._fail(frame, tool.primitive, {"code": "E_UNKNOWN", "message": f"{type(error).__name__}: {error}"})
        finally:
            self._leave()

    def _fail(self, frame: dict, primitive: str, error: dict) -> None:
        envelope = {"kind": primitive, "ok": False, "error": error}
        self.outbox.send("tool_result", {"call_id": frame["call_id"], "envelope": envelope, "trailer": {"final": True}}, frame["correlation_id"])

    def _deliver_events(self) -> None:
        while True:
            event = self._events.get()
            if event is None:
                return
            try:
                for pattern, handler in self.skill.handlers:
                    if pattern_matches(pattern, event.type):
                        handler(event, EventContext(self))
            except Exception as error:  # noqa: BLE001 - one bad event must not stop the next
                _log(f"event handler failed on {event.event_guid}: {type(error).__name__}: {error}")
            finally:
                self._leave()

    # ---- inbound queue depth and our own backpressure signals -----------------------------

    def _enter(self) -> None:
        with self._lock:
            self._depth += 1
            depth = self._depth
            crossed = depth > self.high_water_mark and not self._paused_peer
            if crossed:
                self._paused_peer = True
        if crossed:
            self._signal("pause", depth)

    def _leave(self) -> None:
        with self._lock:
            self._depth -= 1
            depth = self._depth
            drained = self._paused_peer and depth <= self.high_water_mark // 2
            if drained:
                self._paused_peer = False
        if drained:
            self._signal("resume", depth)

    def _signal(self, signal: str, depth: int) -> None:
        busy = signal == "pause"
        self.outbox.send("backpressure", {
            "signal": signal,
            "source": "tui_reader",
            "queue_depth": depth,
            "hwm": self.high_water_mark,
            "retry_after_ms": self.options.retry_after_ms if busy else None,
            "hud_copy_ko": "스킬이 바쁩니다" if busy else "스킬이 다시 받습니다",
            "hud_copy_en": "skill host is busy" if busy else "skill host is accepting again",
        })

    @property
    def depth(self) -> int:
        with self._lock:
            return self._depth

    # ---- liveness -------------------------------------------------------------------------

    def _heartbeats(self) -> None:
        while not self._stopping.wait(self.heartbeat_interval_ms / 1000):
            silent_ms = (time.monotonic() - self._last_received) * 1000
            if silent_ms > self.options.missed_heartbeats * self.heartbeat_interval_ms:
                _log(f"nothing from the hub for {silent_ms:.0f} ms ({self.options.missed_heartbeats} heartbeat intervals); exiting")
                self.stop(EXIT_PEER_LOST)
                return
            self.retry_resume()
            self.outbox.send("heartbeat", {"direction": "ping"})


def run_stdio(skill: Skill, environ: Optional[Dict[str, str]] = None, **overrides: Any) -> None:
    """Serves skill on stdin/stdout. Anything the skill prints goes to stderr, never into the frames."""
    options = options_from_environment(environ if environ is not None else os.environ, **overrides)
    frames_fd = os.dup(1)
    os.dup2(2, 1)  # print() and child processes now write to stderr; frames keep the real stdout
    sys.stdout = sys.stderr

    def leave(code: int) -> None:
        sys.stderr.flush()
        os._exit(code)

    host = FrameHost(skill, options, 0, fd_writer(frames_fd), leave)
    if host.start():
        host.serve()
