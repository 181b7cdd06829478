"""Resume on gap (decision 1851): over NATS frames can be lost without the connection closing, so a
host with resume_on_gap drops a frame after a gap (and duplicates) and asks the hub to resume."""

import unittest

from localhub_skill import Skill

from .harness import Harness


def echo_skill():
    skill = Skill("skill.gaps")

    @skill.tool("echo")
    def echo(arguments, context):
        return {"text": arguments["text"]}

    return skill


class ResumeOnGapTest(unittest.TestCase):
    def connected(self):
        harness = Harness(echo_skill())
        harness.host.resume_on_gap = True
        harness.start()
        harness.wait_for(lambda frame: frame["kind"] == "adapter_manifest_sync")
        harness.send("session_event", event="new", payload={"skill_id": "skill.gaps", "resume_token": "tok-g", "high_water_mark": 64})
        self.addCleanup(harness.close)
        return harness

    def results(self, harness, call_id):
        return [frame for frame in harness.frames if frame["kind"] == "tool_result" and frame["call_id"] == call_id]

    def test_a_frame_after_a_gap_is_not_run_but_resumed_and_duplicates_are_dropped(self):
        harness = self.connected()  # hub frames so far: 1 (session_event)
        lost = {"frame_seq": 2, "correlation_id": "c-lost", "call_id": "lost", "name": "echo", "arguments": {"text": "lost"}}
        late = {"frame_seq": 3, "correlation_id": "c-late", "call_id": "late", "name": "echo", "arguments": {"text": "late"}}
        harness.send("tool_call", **late)  # frame 2 never came
        request = harness.wait_for(lambda frame: frame["kind"] == "resume_request")
        self.assertEqual((request["last_seen_frame_seq"], request["tui_session_token"]), (1, "tok-g"))
        self.assertEqual(self.results(harness, "late"), [], "not run out of order")
        harness.send("resume_response", resumed_from_frame_seq=1, replay_count=2, server_session_id="unit", heartbeat_interval_ms=5000)
        harness.send("tool_call", **lost)
        harness.send("tool_call", **late)
        harness.send("tool_call", **late)  # a duplicate (a replay overlapping): dropped
        harness.wait_for(lambda frame: frame["kind"] == "tool_result" and frame["call_id"] == "late")
        harness.seq = 3
        harness.call("echo", {"text": "after"})
        self.assertEqual(len(self.results(harness, "lost")), 1)
        self.assertEqual(len(self.results(harness, "late")), 1)
        self.assertFalse([frame for frame in harness.frames if frame["kind"] == "error" and frame["code"] == "frame_seq_gap"])

    def test_a_heartbeat_showing_lost_frames_or_the_hubs_gap_error_start_a_resume(self):
        harness = self.connected()
        harness.send("heartbeat", frame_seq=1, direction="ping", peer_frame_seq=4)
        request = harness.wait_for(lambda frame: frame["kind"] == "resume_request")
        self.assertEqual(request["last_seen_frame_seq"], 1)
        harness.send("resume_response", resumed_from_frame_seq=1, replay_count=0, server_session_id="unit", heartbeat_interval_ms=5000)
        count = len(harness.frames)
        harness.send("error", code="frame_seq_gap", message="expected 2, got 3", details={"path": "/frame_seq", "expected": 2, "got": 3})
        again = harness.wait_for(lambda frame: frame["kind"] == "resume_request", start=count)
        self.assertEqual(again["last_seen_frame_seq"], 2, "the error frame itself was numbered 2")


if __name__ == "__main__":
    unittest.main()
