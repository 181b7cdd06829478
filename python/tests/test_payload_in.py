"""Payloads the hub sends are joined only when whole and checked; broken ones are checksum_mismatch."""

import hashlib
import unittest

from localhub_skill import Skill

from .harness import Harness


def skill():
    value = Skill("skill.payload")
    value.tool("echo")(lambda arguments, context: arguments)
    return value


class PayloadInTest(unittest.TestCase):
    def setUp(self):
        self.harness = Harness(skill()).start()
        self.addCleanup(self.harness.close)

    def send_payload(self, correlation, pieces, checksum=None, delta_count=None, order=None):
        self.harness.send("payload_start", correlation_id=correlation, content_type="application/json")
        for index in order or range(len(pieces)):
            self.harness.send("payload_delta", correlation_id=correlation, delta_seq=index, payload=pieces[index])
        text = "".join(pieces)
        digest = checksum or hashlib.sha256(text.encode()).hexdigest()
        self.harness.send("payload_end", correlation_id=correlation, delta_count=len(pieces) if delta_count is None else delta_count, status="ok", trailer={"final": True, "checksum_sha256": digest})

    def errors(self):
        self.harness.call("echo", {})  # everything before it has been handled
        return [frame for frame in self.harness.frames if frame["kind"] == "error"]

    def test_a_whole_payload_is_joined(self):
        self.send_payload("p1", ['{"a":', '"é"}'])
        self.assertEqual(self.errors(), [])
        self.assertEqual(self.harness.host.payloads.take("p1"), '{"a":"é"}')
        self.assertIsNone(self.harness.host.payloads.take("p1"), "handed out once")

    def test_wrong_checksum_count_or_order_is_checksum_mismatch(self):
        self.send_payload("bad-sum", ["x"], checksum="0" * 64)
        self.send_payload("bad-count", ["x"], delta_count=2)
        self.send_payload("bad-order", ["x", "y"], order=[1, 0])
        errors = self.errors()
        self.assertEqual({frame["correlation_id"] for frame in errors if frame["code"] == "checksum_mismatch"}, {"bad-sum", "bad-count", "bad-order"})
        for key in ("bad-sum", "bad-count", "bad-order"):
            self.assertIsNone(self.harness.host.payloads.take(key))


if __name__ == "__main__":
    unittest.main()
