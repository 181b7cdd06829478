import json
import unittest

from localhub_skill import LineSplitter, decode_frame, encode_frame


def frame(**changes):
    value = {"version": "1.0", "session_id": "s", "correlation_id": "c", "ts": "t", "role": "backend", "frame_seq": 1, "kind": "tool_call", "call_id": "k", "name": "echo", "arguments": {}}
    value.update(changes)
    return json.dumps(value).encode()


class LineSplitterTest(unittest.TestCase):
    def test_lines_split_across_reads_and_batched_in_one_read(self):
        splitter = LineSplitter(100)
        self.assertEqual(splitter.feed(b'{"a"'), [])
        self.assertEqual(splitter.pending_bytes, 4)
        self.assertEqual(splitter.feed(b':1}\n{"b":2}\r\n\n  \n{"c"'), [("line", b'{"a":1}'), ("line", b'{"b":2}')])
        self.assertEqual(splitter.feed(b":3}\n"), [("line", b'{"c":3}')])

    def test_an_oversized_line_is_reported_once_and_the_stream_goes_on(self):
        splitter = LineSplitter(10)
        self.assertEqual(splitter.feed(b"x" * 8), [])
        self.assertEqual(splitter.feed(b"x" * 8), [])
        self.assertEqual(splitter.pending_bytes, 16)
        self.assertEqual(splitter.feed(b"xx\n{}\n"), [("too_large", 18), ("line", b"{}")])
        self.assertEqual(splitter.feed(b"y" * 10 + b"\n"), [("line", b"y" * 10)])  # exactly the limit is fine
        self.assertEqual(splitter.feed(b"z" * 10 + b"\r\n"), [("line", b"z" * 10)])  # and its "\r" ending
        self.assertEqual(splitter.feed(b"w" * 11 + b"\n"), [("too_large", 11)])


class DecodeFrameTest(unittest.TestCase):
    def problem(self, line, role="backend"):
        decoded, problem = decode_frame(line, role)
        self.assertIsNone(decoded)
        return problem

    def test_a_valid_frame_decodes(self):
        decoded, problem = decode_frame(frame(), "backend")
        self.assertIsNone(problem)
        self.assertEqual(decoded["name"], "echo")

    def test_not_utf8_not_json_not_an_object(self):
        self.assertEqual(self.problem(b"\xff\xfe").details["expected"], "UTF-8 text")
        self.assertEqual(self.problem(b"{nope").code, "invalid_frame")
        self.assertEqual(self.problem(b'{"a": NaN}').code, "invalid_frame")
        self.assertEqual(self.problem(b"[1]").details, {"path": "", "expected": "object", "got": "[1]"})
        self.assertEqual(self.problem(b"[" * 100_000 + b"]" * 100_000).code, "invalid_frame")  # no RecursionError

    def test_unknown_kind_version_and_role(self):
        self.assertEqual(self.problem(frame(kind="nope")).details["path"], "/kind")
        mismatch = self.problem(frame(version="2.0"))
        self.assertEqual((mismatch.code, mismatch.details["got"], mismatch.correlation_id), ("protocol_mismatch", '"2.0"', "c"))
        self.assertEqual(self.problem(frame(role="tui")).code, "role_not_allowed")
        self.assertEqual(self.problem(frame(role="admin")).details["path"], "/role")
        no_role = json.loads(frame())
        del no_role["role"]
        self.assertEqual(self.problem(json.dumps(no_role).encode()).details, {"path": "/role", "expected": "a value (required)", "got": "nothing"})
        self.assertEqual(self.problem(frame(kind="user_input", text="x")).code, "role_not_allowed")

    def test_schema_problems_name_the_field(self):
        missing = json.loads(frame())
        del missing["call_id"]
        self.assertEqual(self.problem(json.dumps(missing).encode()).details["path"], "/call_id")
        self.assertEqual(self.problem(frame(arguments=[])).details, {"path": "/arguments", "expected": "object", "got": "array []"})
        self.assertEqual(self.problem(frame(frame_seq=-1)).details["path"], "/frame_seq")
        self.assertEqual(self.problem(frame(extra=1)).details["path"], "/extra")
        self.assertEqual(self.problem(frame(trailer={"final": "yes"})).details["path"], "/trailer/final")

    def test_encode_writes_one_compact_utf8_line(self):
        line = encode_frame({"text": "é😀"})
        self.assertEqual(line, '{"text":"é😀"}\n'.encode())
        self.assertEqual(encode_frame({"text": "\ud800"}), b'{"text":"\\ud800"}\n')


if __name__ == "__main__":
    unittest.main()
