"""skill.run() in a real child process: stdout carries only frames, options reach the host, exit codes."""

import json
import os
import subprocess
import sys
import textwrap
import time
import unittest

PYTHON_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")

SCRIPT = textwrap.dedent(
    """
    import os, sys, time
    sys.path.insert(0, sys.argv[1])
    from localhub_skill import Skill
    skill = Skill("skill.child")

    @skill.tool("noisy")
    def noisy(arguments, context):
        print("printed by the tool")
        os.system("echo written by a child process")
        time.sleep(arguments.get("sleep", 0))
        return {"ok": True}

    skill.run(max_concurrent_calls=1)
    """
)


def frame(seq, call_id, **arguments):
    return json.dumps({"version": "1.0", "session_id": "s", "correlation_id": f"c{seq}", "ts": "t", "role": "backend", "frame_seq": seq, "kind": "tool_call", "call_id": call_id, "name": "noisy", "arguments": arguments}) + "\n"


class RunStdioTest(unittest.TestCase):
    def run_child(self, stdin_text, timeout=20):
        return subprocess.run(
            [sys.executable, "-c", SCRIPT, PYTHON_DIR],
            input=stdin_text.encode(),
            capture_output=True,
            timeout=timeout,
            env={**os.environ, "LOCALHUB_FRAME_SESSION": "s", "LOCALHUB_HEARTBEAT_MS": "60000"},
        )

    def test_prints_and_child_processes_go_to_stderr_and_stdin_close_exits_0(self):
        started = time.monotonic()
        done = self.run_child(frame(1, "a", sleep=0.3) + frame(2, "b", sleep=0.3))
        elapsed = time.monotonic() - started
        self.assertEqual(done.returncode, 0, done.stderr.decode())
        frames = [json.loads(line) for line in done.stdout.decode().splitlines()]
        self.assertEqual([f["kind"] for f in frames], ["adapter_manifest_sync", "tool_result", "tool_result"])
        self.assertIn(b"printed by the tool", done.stderr)
        self.assertIn(b"written by a child process", done.stderr)
        self.assertGreaterEqual(elapsed, 0.6, "max_concurrent_calls=1 given to skill.run ran the calls one by one")

    def test_another_protocol_version_exits_1(self):
        line = json.loads(frame(1, "a"))
        line["version"] = "2.0"
        done = self.run_child(json.dumps(line) + "\n" + frame(2, "b"))
        self.assertEqual(done.returncode, 1)
        kinds = [json.loads(text)["kind"] for text in done.stdout.decode().splitlines()]
        self.assertEqual(kinds, ["adapter_manifest_sync", "error"])


if __name__ == "__main__":
    unittest.main()
