"""Resume after a dropped connection, with real pipes cut and made again (docs/frame-protocol.md)."""

import threading
import unittest

from localhub_skill import Skill

from .harness import Harness


def slow_skill():
    skill = Skill("skill.resume")
    gate = threading.Event()
    skill.gate = gate

    @skill.tool("echo")
    def echo(arguments, context):
        return {"text": arguments["text"]}

    @skill.tool("later")
    def later(arguments, context):
        gate.wait(5)
        return {"text": "finished while the pipe was down"}

    return skill


class ResumeTest(unittest.TestCase):
    def connected(self, skill, **options):
        harness = Harness(skill, reconnectable=True, **options).start()
        harness.wait_for(lambda frame: frame["kind"] == "adapter_manifest_sync")
        harness.send("session_event", event="new", payload={"skill_id": "skill.resume", "resume_token": "tok-1", "high_water_mark": 64})
        self.addCleanup(harness.close)
        return harness

    def test_frames_the_hub_missed_are_replayed_unchanged_and_numbering_goes_on(self):
        skill = slow_skill()
        harness = self.connected(skill)
        for text in ("a", "b", "c"):
            harness.call("echo", {"text": text})  # host frames 2, 3, 4
        harness.send("tool_call", call_id="late", name="later", arguments={})
        harness.drop()
        request = harness.wait_for(lambda frame: frame["kind"] == "resume_request")
        self.assertEqual(request["_connection"], 2)
        self.assertEqual((request["frame_seq"], request["last_seen_frame_seq"], request["tui_session_token"]), (0, harness.seq, "tok-1"))
        skill.gate.set()  # the call in flight finishes while the host waits for the hub's answer
        # The hub says it got the host's frames up to 2: frames 3 and 4 come again, byte for byte.
        harness.send("resume_response", resumed_from_frame_seq=2, replay_count=0, server_session_id="unit", heartbeat_interval_ms=5000, trailer={"final": True})
        late = harness.wait_for(lambda frame: frame.get("call_id") == "late")
        on_second = [frame for frame in harness.frames if frame["_connection"] == 2 and frame["kind"] != "heartbeat"]
        self.assertEqual([frame["frame_seq"] for frame in on_second], [0, 3, 4, 5])
        first_lines = {frame["frame_seq"]: frame["_line"] for frame in harness.frames if frame["_connection"] == 1}
        self.assertEqual(on_second[1]["_line"], first_lines[3])
        self.assertEqual(on_second[2]["_line"], first_lines[4])
        self.assertIs(late, on_second[3], "held until the replay, then numbered after it")
        self.assertEqual(harness.call("echo", {"text": "d"})["frame_seq"], 6)

    def test_evicted_frames_or_a_rejection_start_a_new_session(self):
        harness = self.connected(slow_skill(), resume_ring_frames=2)
        for text in ("a", "b", "c"):
            harness.call("echo", {"text": text})
        harness.drop()
        harness.wait_for(lambda frame: frame["kind"] == "resume_request")
        harness.send("resume_response", resumed_from_frame_seq=1, replay_count=0, server_session_id="unit", heartbeat_interval_ms=5000)
        fresh = harness.wait_for(lambda frame: frame["kind"] == "adapter_manifest_sync" and frame["_connection"] == 2)
        self.assertEqual(fresh["frame_seq"], 1, "frames 2 was evicted from a ring of 2: start again")

        harness.drop()
        harness.wait_for(lambda frame: frame["kind"] == "resume_request" and frame["_connection"] == 3)
        harness.send("resume_rejected", reason="ring_evicted", detail="the hub no longer has frames after 4")
        again = harness.wait_for(lambda frame: frame["kind"] == "adapter_manifest_sync" and frame["_connection"] == 3)
        self.assertEqual(again["frame_seq"], 1)
        harness.seq = 0
        harness.send("session_event", event="new", payload={"skill_id": "skill.resume", "resume_token": "tok-2"})
        result = harness.call("echo", {"text": "new session"})
        self.assertEqual((result["frame_seq"], result["envelope"]["result"]), (2, {"text": "new session"}))


if __name__ == "__main__":
    unittest.main()
