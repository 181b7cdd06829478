"""The NATS protocol parser: operations split anywhere, byte-counted payloads, -ERR, PING, hostile input."""

import unittest

from localhub_skill.nats_protocol import (
    Info,
    Message,
    NatsParser,
    NatsProtocolError,
    Ok,
    Ping,
    Pong,
    ServerError,
    connect_command,
    pub_command,
    sub_command,
)

STREAM = (
    b'INFO {"server_id":"x","max_payload":1048576}\r\n'
    b"PING\r\n"
    b"MSG localhub.s.in.abc 1 12\r\nhello\r\nworld\r\n"
    b"+OK\r\n"
    b"MSG reply.case 2 _INBOX.r 0\r\n\r\n"
    b"-ERR 'Permissions Violation for Publish to \"x\"'\r\n"
    b"pong\r\n"
    b"HMSG h.s 3 12 17\r\nNATS/1.0\r\n\r\nabcde\r\n"
)
EXPECTED = [
    Info({"server_id": "x", "max_payload": 1048576}),
    Ping(),
    Message("localhub.s.in.abc", "1", None, b"hello\r\nworld"),
    Ok(),
    Message("reply.case", "2", "_INBOX.r", b""),
    ServerError('Permissions Violation for Publish to "x"'),
    Pong(),
    Message("h.s", "3", None, b"abcde"),
]


class ParserTest(unittest.TestCase):
    def test_whole_stream(self):
        self.assertEqual(NatsParser().feed(STREAM), EXPECTED)

    def test_split_at_every_byte(self):
        for cut in range(1, len(STREAM)):
            parser = NatsParser()
            got = parser.feed(STREAM[:cut]) + parser.feed(STREAM[cut:])
            self.assertEqual(got, EXPECTED, f"cut at {cut}")

    def test_one_byte_at_a_time(self):
        parser = NatsParser()
        got = []
        for index in range(len(STREAM)):
            got += parser.feed(STREAM[index : index + 1])
        self.assertEqual(got, EXPECTED)

    def test_payload_is_counted_not_scanned(self):
        # A payload holding what looks like protocol is data, taken by its byte count.
        payload = b"PING\r\nMSG a 1 3\r\n\xff\x00"
        got = NatsParser().feed(b"MSG a 1 %d\r\n" % len(payload) + payload + b"\r\nPING\r\n")
        self.assertEqual(got, [Message("a", "1", None, payload), Ping()])

    def test_tabs_and_case(self):
        self.assertEqual(NatsParser().feed(b"msg\ta.b\t7  2\r\nhi\r\n"), [Message("a.b", "7", None, b"hi")])

    def test_err_without_quotes(self):
        self.assertEqual(NatsParser().feed(b"-ERR Stale Connection\r\n"), [ServerError("Stale Connection")])

    def test_incomplete_payload_waits(self):
        parser = NatsParser()
        self.assertEqual(parser.feed(b"MSG a 1 5\r\nhel"), [])
        self.assertEqual(parser.feed(b"lo"), [])
        self.assertEqual(parser.feed(b"\r"), [])
        self.assertEqual(parser.feed(b"\n"), [Message("a", "1", None, b"hello")])


class HostileInputTest(unittest.TestCase):
    def assertRefused(self, data, pattern, **limits):
        with self.assertRaisesRegex(NatsProtocolError, pattern):
            NatsParser(**limits).feed(data)

    def test_payload_longer_than_its_count(self):
        self.assertRefused(b"MSG a 1 3\r\nhello\r\n", "not followed by CRLF")

    def test_count_not_a_number(self):
        self.assertRefused(b"MSG a 1 -3\r\n", "byte count")
        self.assertRefused(b"MSG a 1 x\r\n", "byte count")

    def test_count_over_the_limit(self):
        self.assertRefused(b"MSG a 1 2000\r\n", "over the 1000-byte limit", max_payload_bytes=1000)

    def test_header_count_over_total(self):
        self.assertRefused(b"HMSG a 1 9 5\r\n", "HMSG header")

    def test_wrong_field_count(self):
        self.assertRefused(b"MSG a\r\n", "needs subject")
        self.assertRefused(b"MSG a 1 r x 3\r\n", "needs subject")

    def test_unknown_operation(self):
        self.assertRefused(b"HELLO there\r\n", "unknown operation")

    def test_control_line_without_end(self):
        self.assertRefused(b"INFO " + b"x" * 200, "control line is over 100", max_control_line_bytes=100)
        self.assertRefused(b"INFO " + b"x" * 200 + b"\r\n", "control line is over 100", max_control_line_bytes=100)

    def test_info_not_json(self):
        self.assertRefused(b"INFO {nope\r\n", "JSON")
        self.assertRefused(b"INFO [1]\r\n", "JSON object")


class CommandsTest(unittest.TestCase):
    def test_pub_counts_bytes_not_characters(self):
        payload = "한국어\n".encode()
        self.assertEqual(pub_command("a.b", payload), b"PUB a.b 10\r\n" + payload + b"\r\n")

    def test_subjects_cannot_inject_commands(self):
        for subject in ("a b", "a\r\nPUB x 1", "", "a..b", "a."):
            with self.assertRaises(ValueError, msg=subject):
                pub_command(subject, b"x")
            with self.assertRaises(ValueError, msg=subject):
                sub_command(subject, "1")

    def test_connect_is_quiet(self):
        line = connect_command("host", "me", "secret")
        self.assertTrue(line.startswith(b"CONNECT {") and line.endswith(b"}\r\n"))
        self.assertIn(b'"verbose":false', line)
        self.assertIn(b'"pedantic":false', line)
        self.assertIn(b'"user":"me"', line)


if __name__ == "__main__":
    unittest.main()
