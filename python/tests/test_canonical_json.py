import hashlib
import json
import unittest

from localhub_skill import canonical_json, manifest_hash


class CanonicalJsonTest(unittest.TestCase):
    def test_keys_sorted_by_utf16_code_unit_at_every_depth(self):
        # U+1F600 is the surrogate pair D83D DE00, which sorts before U+FFFF in UTF-16 (not in code points).
        value = {"b": 1, "a": {"z": [3, {"y": None, "x": True}], "\uffff": 1, "\U0001F600": 2}}
        self.assertEqual(canonical_json(value), '{"a":{"z":[3,{"x":true,"y":null}],"\U0001F600":2,"\uffff":1},"b":1}')

    def test_strings_written_as_json_stringify_writes_them(self):
        self.assertEqual(canonical_json('q"\\\n\t\x01\x7f\u2028é'), '"q\\"\\\\\\n\\t\\u0001\x7f\u2028é"')
        self.assertEqual(canonical_json("\ud800"), '"\\ud800"')  # a lone surrogate is escaped

    def test_numbers_written_as_json_stringify_writes_them(self):
        cases = {1.0: "1", -0.0: "0", 0.1: "0.1", 1e21: "1e+21", 1e-7: "1e-7", 1.5e-6: "0.0000015", 123456789012345680000.0: "123456789012345680000", 5e-324: "5e-324", 2**53: "9007199254740992"}
        for value, text in cases.items():
            self.assertEqual(canonical_json(value), text, value)
        with self.assertRaises(ValueError):
            canonical_json(float("nan"))

    def test_no_whitespace_and_hash_is_sha256_of_the_text(self):
        entries = [{"tool_id": "echo", "name": "Echo", "input_schema_json": {"type": "object"}}]
        text = canonical_json(entries)
        self.assertNotIn(" ", text)
        self.assertEqual(json.loads(text), entries)
        self.assertEqual(manifest_hash(entries), hashlib.sha256(text.encode()).hexdigest())

    def test_manifest_hash_sorts_entries_by_tool_id(self):
        # Same vector as src/frames/canonical-json.test.ts: the order sent does not change the hash.
        first = {"tool_id": "zeta", "name": "Z", "primitive": "check", "source_mode": "internal"}
        second = {"tool_id": "alpha", "name": "A", "primitive": "find", "source_mode": "internal"}
        self.assertEqual(manifest_hash([first, second]), manifest_hash([second, first]))
        self.assertEqual(manifest_hash([first, second]), hashlib.sha256(canonical_json([second, first]).encode()).hexdigest())
        self.assertEqual(manifest_hash([first, second]), "74827c7a407adebdfcbfc535982139ec556ee4116c996ae653f7f2ca462d8e9c")

    def test_json_dumps_sort_keys_is_not_canonical_json(self):
        # Why docs/frame-protocol.md points Python at canonical_json, not json.dumps(sort_keys=True).
        value = {"n": 1.0, "\uffff": 1, "\U0001F600": 2}
        self.assertNotEqual(json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False), canonical_json(value))

    def test_refuses_what_json_cannot_hold(self):
        with self.assertRaises(TypeError):
            canonical_json({1: "x"})
        with self.assertRaises(TypeError):
            canonical_json({"x": object()})


if __name__ == "__main__":
    unittest.main()
