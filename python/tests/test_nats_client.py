"""NatsClient against a scripted loopback server speaking the NATS protocol, and the host's exit codes."""

import os
import queue
import socket
import subprocess
import sys
import threading
import time
import unittest

from localhub_skill.nats_client import NatsClient, NatsError, parse_server_url

EXAMPLE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "manifests", "examples", "python-skill", "echo_skill.py")


class ScriptedServer:
    """Accepts one client, sends INFO, answers the CONNECT's PING (or refuses), then does what the test says."""

    def __init__(self, refuse=None, info=b'{"server_id":"fake","max_payload":64}', after_pong=b""):
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"nats://127.0.0.1:{self.listener.getsockname()[1]}"
        self.received = b""
        self._arrived = threading.Condition()
        self.connection = None
        self._refuse = refuse
        self._info = info
        self._after_pong = after_pong  # sent in the same write as the handshake's PONG
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        self.connection, _ = self.listener.accept()
        self.connection.sendall(b"INFO " + self._info + b"\r\n")
        answered = False
        while True:
            try:
                chunk = self.connection.recv(65536)
            except OSError:
                return
            if not chunk:
                return
            with self._arrived:
                self.received += chunk
                self._arrived.notify_all()
            for _ in range(chunk.count(b"PING\r\n")):  # frames are JSON lines: no CRLF in them
                if not answered and self._refuse:
                    self.connection.sendall(f"-ERR '{self._refuse}'\r\n".encode())
                else:
                    self.connection.sendall(b"PONG\r\n" + (b"" if answered else self._after_pong))
                answered = True

    def wait_for(self, text, timeout=5.0):
        with self._arrived:
            if not self._arrived.wait_for(lambda: text in self.received, timeout):
                raise AssertionError(f"{text!r} never arrived; got {self.received!r}")

    def send(self, data):
        self.connection.sendall(data)

    def close(self):
        for sock in (self.connection, self.listener):
            if sock is not None:
                sock.close()


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class ClientTest(unittest.TestCase):
    def connect(self, server, **kwargs):
        client = NatsClient.connect([server.url], "test", **kwargs)
        self.addCleanup(client.close)
        self.addCleanup(server.close)
        return client

    def test_handshake_subscribe_publish_and_split_messages(self):
        server = ScriptedServer()
        messages = queue.Queue()
        client = self.connect(server)
        self.assertEqual(client.max_payload_bytes, 64, "max_payload taken from INFO")
        connect_line = server.received.split(b"\r\n")[0]
        self.assertIn(b'"verbose":false', connect_line)
        sid = client.subscribe("s.in.one", messages.put)
        client.publish("s.out.one", b'{"kind":"x"}\n')
        server.wait_for(f"SUB s.in.one {sid}\r\n".encode())
        server.wait_for(b'PUB s.out.one 13\r\n{"kind":"x"}\n\r\n')
        server.send(f"MSG s.in.one {sid} 6\r\nfr".encode())
        time.sleep(0.05)
        server.send(b"ame\n\r\n")
        self.assertEqual(messages.get(timeout=5).payload, b"frame\n")

    def test_server_ping_is_answered_with_pong(self):
        server = ScriptedServer()
        self.connect(server)
        server.send(b"PING\r\n")
        server.wait_for(b"PONG\r\n")

    def test_a_ping_in_the_same_read_as_the_handshake_pong_is_answered(self):
        server = ScriptedServer(after_pong=b"PING\r\n")
        self.connect(server)
        server.wait_for(b"PONG\r\n")

    def test_a_payload_over_max_payload_is_refused_before_sending(self):
        client = self.connect(ScriptedServer())
        with self.assertRaisesRegex(ValueError, "max_payload of 64"):
            client.publish("s.out.one", b"x" * 65)

    def test_err_at_connect_fails_with_the_server_text(self):
        server = ScriptedServer(refuse="Authorization Violation")
        self.addCleanup(server.close)
        with self.assertRaisesRegex(NatsError, "Authorization Violation"):
            NatsClient.connect([server.url], "test")

    def test_tls_required_starts_a_handshake_before_connect(self):
        # The scripted server speaks no TLS: the handshake the client starts after INFO fails, and
        # nothing (no CONNECT, no credentials) was sent in the clear.
        server = ScriptedServer(info=b'{"tls_required":true}')
        self.addCleanup(server.close)
        with self.assertRaises(NatsError):
            NatsClient.connect([server.url], "test", timeout_ms=1000)
        self.assertNotIn(b"CONNECT", server.received)

    def test_connection_lost_is_reported_once_with_the_last_err(self):
        server = ScriptedServer()
        reasons = queue.Queue()
        client = self.connect(server, on_close=reasons.put)
        server.send(b"-ERR 'Stale Connection'\r\n")
        server.connection.shutdown(socket.SHUT_RDWR)
        self.assertRegex(reasons.get(timeout=5), "closed the connection.*Stale Connection")
        with self.assertRaises(NatsError):
            client.publish("s.out.one", b"x")
        self.assertTrue(reasons.empty())

    def test_a_server_breaking_the_protocol_closes_the_connection(self):
        server = ScriptedServer()
        reasons = queue.Queue()
        self.connect(server, on_close=reasons.put)
        server.send(b"MSG a 1 3\r\nhello\r\n")
        self.assertRegex(reasons.get(timeout=5), "broke the protocol")

    def test_unreachable_and_bad_urls(self):
        with self.assertRaisesRegex(NatsError, "127.0.0.1"):
            NatsClient.connect([f"nats://127.0.0.1:{free_port()}"], "test", timeout_ms=2000)
        self.assertEqual(parse_server_url("tls://hub.lan:4222"), ("hub.lan", 4222, None, None))
        with self.assertRaisesRegex(NatsError, "expected nats://"):
            parse_server_url("http://hub.lan:4222")
        self.assertEqual(parse_server_url("nats://me:p%40ss@hub.lan:4333"), ("hub.lan", 4333, "me", "p@ss"))


class ExitCodesTest(unittest.TestCase):
    def run_example(self, *args, env=None):
        return subprocess.run([sys.executable, EXAMPLE, *args], capture_output=True, timeout=30, env={**os.environ, **(env or {})}, stdin=subprocess.DEVNULL)

    def test_nats_without_a_subject_exits_78(self):
        done = self.run_example("--nats", "nats://127.0.0.1:1")
        self.assertEqual(done.returncode, 78, done.stderr)
        self.assertIn(b"NATS mode needs --subject", done.stderr)

    def test_env_switches_and_unreachable_server_exits_1(self):
        url = f"nats://127.0.0.1:{free_port()}"
        done = self.run_example(env={"LOCALHUB_SKILL_NATS": url, "LOCALHUB_SKILL_SUBJECT": "localhub.test.none"})
        self.assertEqual(done.returncode, 1, done.stderr)
        self.assertIn(f"cannot reach NATS at {url}".encode(), done.stderr)


class HostOverScriptedServerTest(unittest.TestCase):
    """The example skill with --nats against the scripted server: what it publishes, how it ends."""

    def attach(self, heartbeat_ms="60000"):
        server = ScriptedServer(info=b'{"server_id":"fake","max_payload":1048576}')
        self.addCleanup(server.close)
        child = subprocess.Popen([sys.executable, EXAMPLE, "--nats", server.url, "--subject", "localhub.t.frames"], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env={**os.environ, "LOCALHUB_FRAME_SESSION": "sess-1", "LOCALHUB_HEARTBEAT_MS": heartbeat_ms})
        self.addCleanup(child.stderr.close)
        self.addCleanup(child.wait)
        self.addCleanup(lambda: child.poll() is None and child.kill())
        server.wait_for(b"SUB localhub.t.frames.in.sess-1 1\r\n")
        server.wait_for(b"PUB localhub.t.frames.out.sess-1 ")
        server.wait_for(b'"kind":"adapter_manifest_sync"')
        return server, child

    def test_an_empty_message_ends_the_stream_exit_0_and_the_host_says_goodbye(self):
        server, child = self.attach()
        server.send(b"MSG localhub.t.frames.in.sess-1 1 0\r\n\r\n")
        self.assertEqual(child.wait(timeout=10), 0, child.stderr.read())
        server.wait_for(b"PUB localhub.t.frames.out.sess-1 0\r\n\r\n")

    def test_a_lost_connection_is_tried_again_until_the_heartbeats_give_up_exit_1(self):
        server, child = self.attach(heartbeat_ms="300")
        server.connection.shutdown(socket.SHUT_RDWR)
        self.assertEqual(child.wait(timeout=10), 1)
        stderr = child.stderr.read()
        self.assertIn(b"NATS connection was lost", stderr)
        self.assertIn(b"connecting again", stderr)
        self.assertIn(b"heartbeat intervals); exiting", stderr)

    def test_frames_from_the_hub_are_answered_on_the_out_subject(self):
        server, child = self.attach()
        frame = b'{"version":"1.0","session_id":"sess-1","correlation_id":"c1","ts":"2026-12-05T00:00:00.000Z","role":"backend","frame_seq":1,"kind":"tool_call","call_id":"k1","name":"echo","arguments":{"text":"hi"}}\n'
        half = len(frame) // 2
        server.send(b"MSG localhub.t.frames.in.sess-1 1 %d\r\n" % len(frame) + frame[:half])
        time.sleep(0.05)
        server.send(frame[half:] + b"\r\n")
        server.wait_for(b'"call_id":"k1"')
        server.wait_for(b'"result":{"text":"hi"}')


if __name__ == "__main__":
    unittest.main()
