import hashlib
import json
import threading
import time
import unittest

from localhub_skill import EXIT_INVALID_MANIFEST, EXIT_PEER_LOST, Skill, StreamedResult, ToolError, manifest_hash

from .harness import Harness

TEXT = {"type": "object", "properties": {"text": {"type": "string"}}, "required": ["text"]}


def make_skill():
    skill = Skill("skill.unit")
    skill.received = []
    release = threading.Event()
    skill.release = release

    @skill.tool("echo", input_schema=TEXT)
    def echo(arguments, context):
        return {"text": arguments["text"]}

    @skill.tool("refuse")
    def refuse(arguments, context):
        raise ToolError("E_PERMISSION_REQUIRED", "not allowed", path="/x")

    @skill.tool("broken")
    def broken(arguments, context):
        raise KeyError("missing")

    @skill.tool("stream")
    def stream(arguments, context):
        return StreamedResult({"text": "é" * 25})

    @skill.tool("progress")
    def progress(arguments, context):
        context.progress("half way", "절반")
        return {}

    @skill.tool("wait")
    def wait(arguments, context):
        release.wait(5)
        return {}

    @skill.tool("ask", primitive="send")
    def ask(arguments, context):
        return {"decision": context.request_permission("do it")}

    @skill.tool("revoke")
    def revoke(arguments, context):
        return context.revoke_consent(arguments["receipt_id"], "once")

    @skill.on("note.*")
    def on_note(event, context):
        skill.received.append((event.event_guid, event.type, event.payload))

    return skill


class HostTest(unittest.TestCase):
    def start(self, skill=None, **options):
        harness = Harness(skill or make_skill(), **options).start()
        self.addCleanup(harness.close)
        return harness

    def test_manifest_sync_first_with_the_canonical_hash(self):
        harness = self.start()
        manifest = harness.wait_for(lambda frame: frame["kind"] == "adapter_manifest_sync")
        self.assertEqual(manifest["frame_seq"], 1)
        self.assertEqual(manifest["manifest_hash"], manifest_hash(manifest["entries"]))
        self.assertEqual([entry["tool_id"] for entry in manifest["entries"]], sorted(entry["tool_id"] for entry in manifest["entries"]))

    def test_an_invalid_manifest_writes_invalid_manifest_and_exits_78(self):
        skill = Skill("skill.bad")
        skill.tool("Bad Id")(lambda arguments, context: None)
        harness = Harness(skill)
        self.assertFalse(harness.host.start())
        self.assertEqual(harness.exit_codes.get(timeout=2), EXIT_INVALID_MANIFEST)
        error = harness.wait_for(lambda frame: frame["kind"] == "error")
        self.assertEqual((error["code"], error["frame_seq"], error["details"]["path"]), ("invalid_manifest", 1, "/entries/0/tool_id"))

    def test_results_errors_and_argument_validation(self):
        harness = self.start()
        self.assertEqual(harness.call("echo", {"text": "hi"})["envelope"], {"kind": "check", "ok": True, "result": {"text": "hi"}})
        invalid = harness.call("echo", {"text": 5})["envelope"]
        self.assertEqual((invalid["ok"], invalid["error"]["code"], invalid["error"]["path"]), (False, "E_VALIDATION", "/text"))
        self.assertEqual(harness.call("refuse", {})["envelope"]["error"], {"code": "E_PERMISSION_REQUIRED", "message": "not allowed", "path": "/x"})
        self.assertEqual(harness.call("broken", {})["envelope"]["error"]["code"], "E_UNKNOWN")
        self.assertEqual(harness.call("echo", {"text": "still"})["envelope"]["result"], {"text": "still"})

    def test_streamed_results_are_pieces_with_a_checksum_over_their_utf8(self):
        harness = self.start(payload_chunk_chars=7)
        result = harness.call("stream", {})
        self.assertEqual(result["envelope"]["result_ref"], "payload")
        mine = [frame for frame in harness.frames if frame.get("correlation_id") == result["correlation_id"]]
        deltas = [frame for frame in mine if frame["kind"] == "payload_delta"]
        text = "".join(frame["payload"] for frame in deltas)
        self.assertEqual(json.loads(text), {"text": "é" * 25})
        self.assertEqual([frame["delta_seq"] for frame in deltas], list(range(len(deltas))))
        end = next(frame for frame in mine if frame["kind"] == "payload_end")
        self.assertEqual(end["delta_count"], len(deltas))
        self.assertEqual(end["trailer"]["checksum_sha256"], hashlib.sha256(text.encode()).hexdigest())
        self.assertEqual([frame["kind"] for frame in mine][0], "payload_start")

    def test_large_results_go_as_payload_without_being_asked(self):
        harness = self.start(inline_result_max_bytes=64)
        self.assertEqual(harness.call("echo", {"text": "y" * 100})["envelope"]["result_ref"], "payload")

    def test_deeply_nested_arguments_are_an_error_not_a_crash(self):
        harness = self.start()
        nested = json.loads("[" * 900 + "]" * 900)
        self.assertEqual(harness.call("echo", {"text": nested})["envelope"]["error"]["code"], "E_VALIDATION")
        self.assertEqual(harness.call("echo", {"text": "alive"})["envelope"]["result"], {"text": "alive"})

    def test_gap_is_reported_and_numbering_follows_the_number_received(self):
        harness = self.start()
        harness.send("tool_call", frame_seq=5, call_id="g", name="echo", arguments={"text": "x"})
        gap = harness.wait_for(lambda frame: frame["kind"] == "error")
        self.assertEqual((gap["code"], gap["details"]), ("frame_seq_gap", {"expected": 1, "got": 5}))
        harness.wait_for(lambda frame: frame.get("call_id") == "g")
        harness.seq = 5
        before = len(harness.frames)
        harness.call("echo", {"text": "y"})
        self.assertFalse([frame for frame in harness.frames[before:] if frame["kind"] == "error"])

    def test_hub_pause_holds_frames_but_not_heartbeat_answers(self):
        harness = self.start()
        bp = {"source": "backend_writer", "queue_depth": 9, "hwm": 8, "hud_copy_ko": "k", "hud_copy_en": "e"}
        harness.send("backpressure", signal="pause", retry_after_ms=60_000, **bp)
        harness.send("tool_call", call_id="held", name="echo", arguments={"text": "x"})
        harness.send("heartbeat", frame_seq=1, direction="ping", peer_frame_seq=2, correlation_id="p1")
        harness.wait_for(lambda frame: frame["kind"] == "heartbeat" and frame["direction"] == "pong")
        time.sleep(0.1)
        self.assertFalse([frame for frame in harness.frames if frame["kind"] == "tool_result"])
        harness.send("backpressure", signal="resume", **bp)
        harness.wait_for(lambda frame: frame.get("call_id") == "held")

    def test_pause_without_retry_after_ends_after_the_default_retry(self):
        harness = self.start(retry_after_ms=300)
        bp = {"source": "backend_writer", "queue_depth": 9, "hwm": 8, "hud_copy_ko": "k", "hud_copy_en": "e"}
        harness.send("backpressure", signal="pause", retry_after_ms=None, **bp)
        started = time.monotonic()
        harness.call("echo", {"text": "x"})
        self.assertGreaterEqual(time.monotonic() - started, 0.25)

    def test_own_backpressure_over_the_high_water_mark(self):
        skill = make_skill()
        harness = self.start(skill, high_water_mark=3, max_concurrent_calls=2)
        for _ in range(5):
            harness.send("tool_call", call_id=f"w{harness.seq}", name="wait", arguments={})
        pause = harness.wait_for(lambda frame: frame["kind"] == "backpressure")
        self.assertEqual((pause["signal"], pause["source"], pause["hwm"], pause["queue_depth"]), ("pause", "tui_reader", 3, 4))
        skill.release.set()
        resume = harness.wait_for(lambda frame: frame["kind"] == "backpressure" and frame["signal"] == "resume")
        self.assertLessEqual(resume["queue_depth"], 1)

    def test_silence_for_three_intervals_ends_the_host(self):
        harness = self.start(heartbeat_interval_ms=50)
        self.assertEqual(harness.exit_codes.get(timeout=3), EXIT_PEER_LOST)
        pings = [frame for frame in harness.frames if frame["kind"] == "heartbeat"]
        self.assertEqual([frame["frame_seq"] for frame in pings], list(range(1, len(pings) + 1)))

    def test_permission_answered_and_timed_out(self):
        harness = self.start(permission_timeout_ms=300)
        harness.send("tool_call", call_id="a1", name="ask", arguments={})
        request = harness.wait_for(lambda frame: frame["kind"] == "permission_request")
        self.assertEqual((request["worker_id"], request["primitive_kind"], request["tool_id"]), ("skill.unit", "send", "ask"))
        harness.send("permission_response", request_id=request["request_id"], decision="allow_once", receipt_id="apr-1")
        self.assertEqual(harness.wait_for(lambda frame: frame.get("call_id") == "a1")["envelope"]["result"], {"decision": "allow_once"})
        self.assertEqual(harness.call("ask", {})["envelope"]["result"], {"decision": "denied"})

    def test_consent_revoke_round_trip(self):
        harness = self.start()
        harness.send("tool_call", call_id="r1", name="revoke", arguments={"receipt_id": "apr-9"})
        request = harness.wait_for(lambda frame: frame["kind"] == "consent_revoke_request")
        self.assertEqual((request["receipt_id"], request["scope"]), ("apr-9", "once"))
        harness.send("consent_revoke_response", request_id=request["request_id"], ok=True, revoked_at="2026-12-05T00:00:00Z", record_hash="ab" * 32)
        result = harness.wait_for(lambda frame: frame.get("call_id") == "r1")["envelope"]["result"]
        self.assertEqual((result["ok"], result["record_hash"]), (True, "ab" * 32))

    def test_events_reach_matching_handlers_and_publish_refusals_are_kept(self):
        skill = make_skill()
        harness = self.start(skill)
        for guid, event_type in (("e1", "note.created"), ("e2", "chat.message")):
            harness.send("notification_push", subscription_id="note.*", adapter_id="skill.unit", event_guid=guid, payload_content_type="application/json", payload=json.dumps({"type": event_type, "payload": {"n": guid}}))
        harness.call("echo", {"text": "sync"})
        deadline = time.monotonic() + 2
        while not skill.received and time.monotonic() < deadline:
            time.sleep(0.01)
        self.assertEqual(skill.received, [("e1", "note.created", {"n": "e1"})])
        self.assertEqual(harness.host.seen_event_guids, ["e1", "e2"])
        harness.send("error", code="E_PERMISSION_REQUIRED", message="no", details={"event_guid": "g", "path": "/type", "expected": "provides", "got": "x"})
        harness.call("echo", {"text": "sync"})
        self.assertEqual(harness.host.refusals[0]["details"]["event_guid"], "g")

    def test_resume_replays_after_the_hub_last_frame_and_rejection_starts_over(self):
        harness = self.start(resume_ring_frames=3)
        for n in range(4):
            harness.call("echo", {"text": str(n)})
        sent = harness.host.outbox.frame_seq
        self.assertEqual(sent, 5)
        before = len(harness.frames)
        harness.send("resume_response", resumed_from_frame_seq=3, replay_count=0, server_session_id="unit", heartbeat_interval_ms=5000, trailer={"final": True})
        replayed = harness.wait_for(lambda frame: frame["frame_seq"] == 5, start=before + 1)
        self.assertEqual(harness.frames[before]["frame_seq"], 4)
        self.assertEqual(replayed["kind"], "tool_result")
        self.assertEqual(harness.host.outbox.frame_seq, 5, "replayed frames keep their numbers")
        before = len(harness.frames)
        harness.send("resume_response", resumed_from_frame_seq=1, replay_count=0, server_session_id="unit", heartbeat_interval_ms=5000)
        fresh = harness.wait_for(lambda frame: frame["kind"] == "adapter_manifest_sync", start=before)
        self.assertEqual(fresh["frame_seq"], 1, "frames 2 and 3 were evicted: a new session")
        after_fresh = harness.frames.index(fresh) + 1
        harness.send("resume_rejected", reason="ring_evicted", detail="gone")
        again = harness.wait_for(lambda frame: frame["kind"] == "adapter_manifest_sync", start=after_fresh)
        self.assertEqual(again["frame_seq"], 1)

    def test_progress_frames_carry_the_call(self):
        harness = self.start()
        result = harness.call("progress", {})
        progress = harness.wait_for(lambda frame: frame["kind"] == "progress_event")
        self.assertEqual((progress["call_id"], progress["tool_id"], progress["message_en"], progress["message_ko"]), (result["call_id"], "progress", "half way", "절반"))
        self.assertLess(progress["frame_seq"], result["frame_seq"])

    def test_typed_events_say_when_pydantic_models_are_missing(self):
        import sys

        from localhub_skill import ReceivedEvent

        saved = sys.modules.get("localhub_events")
        sys.modules["localhub_events"] = None  # type: ignore[assignment]  # import now fails
        try:
            with self.assertRaisesRegex(ImportError, "pydantic"):
                ReceivedEvent("g", "x", {"type": "chat.message", "payload": {}}).typed_payload()
        finally:
            if saved is None:
                del sys.modules["localhub_events"]
            else:
                sys.modules["localhub_events"] = saved

    def test_typed_events_with_pydantic_when_present(self):
        try:
            import pydantic  # noqa: F401
        except ImportError:
            self.skipTest("pydantic is not installed; typed events are optional")
        from localhub_skill import ReceivedEvent

        envelope = {"id": "0190a0e0-0000-7000-8000-000000000000", "type": "chat.message", "version": 1, "ts": "2026-12-05T00:00:00Z", "source": "unit", "severity": "info", "traceId": "t", "tenant": "local", "payload": {}}
        event = ReceivedEvent("g", "chat.*", envelope)
        self.assertEqual(event.typed_envelope().type, "chat.message")


if __name__ == "__main__":
    unittest.main()
