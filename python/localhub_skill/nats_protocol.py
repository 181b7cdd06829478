"""The NATS core client protocol as bytes: a parser of what a server sends, and the commands a client sends.

Written from the published protocol description (docs.nats.io, "Client protocol"): control lines end
with CRLF, fields are separated by spaces or tabs, operation names are case-insensitive, and MSG /
HMSG give the payload's byte count, followed by the payload and CRLF. The parser keeps no socket, so
it is tested with any split of the bytes (docs/python-skills.md "Attaching over NATS").
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import List, Optional, Tuple, Union

# INFO lines carry the server's JSON (a few hundred bytes, more with many cluster URLs); anything
# longer than this without a CRLF is not a NATS server talking.
DEFAULT_MAX_CONTROL_LINE_BYTES = 64 * 1024
# nats-server's own default max_payload; the INFO's max_payload lowers or raises it per connection.
DEFAULT_MAX_PAYLOAD_BYTES = 1024 * 1024

_CRLF = b"\r\n"
_FIELDS = re.compile(rb"[ \t]+")
# A subject a client may publish to or subscribe on: no whitespace, no empty tokens.
_SUBJECT = re.compile(r"^[^\s.]+(\.[^\s.]+)*$")


class NatsProtocolError(Exception):
    """The server sent something that is not the NATS protocol; the connection must be closed."""


@dataclass(frozen=True)
class Info:
    fields: dict


@dataclass(frozen=True)
class Message:
    subject: str
    sid: str
    reply: Optional[str]
    payload: bytes


@dataclass(frozen=True)
class Ping:
    pass


@dataclass(frozen=True)
class Pong:
    pass


@dataclass(frozen=True)
class Ok:
    pass


@dataclass(frozen=True)
class ServerError:
    message: str


Operation = Union[Info, Message, Ping, Pong, Ok, ServerError]


def _count(text: bytes, what: str, limit: int) -> int:
    if not text.isdigit():
        raise NatsProtocolError(f"{what} must be a byte count, got {text[:40]!r}")
    value = int(text)
    if value > limit:
        raise NatsProtocolError(f"{what} of {value} bytes is over the {limit}-byte limit")
    return value


class NatsParser:
    """Feed it bytes as they arrive; it returns the whole operations they complete, in order."""

    def __init__(self, max_control_line_bytes: int = DEFAULT_MAX_CONTROL_LINE_BYTES, max_payload_bytes: int = DEFAULT_MAX_PAYLOAD_BYTES):
        self.max_control_line_bytes = max_control_line_bytes
        self.max_payload_bytes = max_payload_bytes
        self._buffer = bytearray()
        # A MSG/HMSG whose control line was read: (subject, sid, reply, header bytes, total bytes).
        self._pending: Optional[Tuple[str, str, Optional[str], int, int]] = None

    def feed(self, data: bytes) -> List[Operation]:
        self._buffer += data
        operations: List[Operation] = []
        while True:
            if self._pending is not None:
                subject, sid, reply, header_bytes, total_bytes = self._pending
                if len(self._buffer) < total_bytes + 2:
                    return operations
                if self._buffer[total_bytes : total_bytes + 2] != _CRLF:
                    raise NatsProtocolError(f"the payload of a message on {subject} is not followed by CRLF after its {total_bytes} bytes")
                payload = bytes(self._buffer[header_bytes:total_bytes])
                del self._buffer[: total_bytes + 2]
                self._pending = None
                operations.append(Message(subject, sid, reply, payload))
                continue
            end = self._buffer.find(_CRLF)
            if end < 0:
                if len(self._buffer) > self.max_control_line_bytes:
                    raise NatsProtocolError(f"a control line is over {self.max_control_line_bytes} bytes")
                return operations
            if end > self.max_control_line_bytes:
                raise NatsProtocolError(f"a control line is over {self.max_control_line_bytes} bytes")
            line = bytes(self._buffer[:end])
            del self._buffer[: end + 2]
            operation = self._control(line)
            if operation is not None:
                operations.append(operation)

    def _control(self, line: bytes) -> Optional[Operation]:
        parts = _FIELDS.split(line.strip(b" \t"), maxsplit=1)
        name = parts[0].upper()
        rest = parts[1] if len(parts) > 1 else b""
        if name == b"PING":
            return Ping()
        if name == b"PONG":
            return Pong()
        if name == b"+OK":
            return Ok()
        if name == b"-ERR":
            return ServerError(rest.strip(b" \t").strip(b"'").decode("utf-8", "replace"))
        if name == b"INFO":
            try:
                fields = json.loads(rest)
            except (ValueError, RecursionError):
                raise NatsProtocolError(f"INFO does not carry JSON: {rest[:60]!r}") from None
            if not isinstance(fields, dict):
                raise NatsProtocolError("INFO does not carry a JSON object")
            return Info(fields)
        if name in (b"MSG", b"HMSG"):
            self._pending = self._message_header(name, _FIELDS.split(rest.strip(b" \t")))
            return None
        raise NatsProtocolError(f"unknown operation {line[:40]!r}")

    def _message_header(self, name: bytes, fields: List[bytes]) -> Tuple[str, str, Optional[str], int, int]:
        counts = 2 if name == b"HMSG" else 1
        if len(fields) not in (2 + counts, 3 + counts):
            raise NatsProtocolError(f"{name.decode()} needs subject, sid, [reply-to] and {counts} byte count(s), got {len(fields)} fields")
        subject, sid = fields[0].decode("utf-8", "replace"), fields[1].decode("utf-8", "replace")
        reply = fields[2].decode("utf-8", "replace") if len(fields) == 3 + counts else None
        total = _count(fields[-1], f"{name.decode()} payload", self.max_payload_bytes)
        header = _count(fields[-2], "HMSG header", total) if counts == 2 else 0
        return subject, sid, reply, header, total


def check_subject(subject: str) -> None:
    """A subject sent in PUB/SUB must be one field: a space or CRLF in it would inject commands."""
    if not _SUBJECT.match(subject):
        raise ValueError(f"not a NATS subject (dot-separated tokens without whitespace): {subject[:80]!r}")


def connect_command(name: str, user: Optional[str] = None, password: Optional[str] = None, token: Optional[str] = None, tls: bool = False) -> bytes:
    """CONNECT with verbose/pedantic off (no +OK per command) and headers off (no HMSG sent to us)."""
    options: dict = {"verbose": False, "pedantic": False, "tls_required": tls, "name": name, "lang": "python", "version": "localhub_skill", "protocol": 1, "headers": False}
    if user is not None:
        options["user"] = user
        options["pass"] = password or ""
    if token is not None:
        options["auth_token"] = token
    return b"CONNECT " + json.dumps(options, separators=(",", ":")).encode() + _CRLF


def pub_command(subject: str, payload: bytes) -> bytes:
    check_subject(subject)
    return f"PUB {subject} {len(payload)}\r\n".encode() + payload + _CRLF


def sub_command(subject: str, sid: str) -> bytes:
    check_subject(subject)
    return f"SUB {subject} {sid}\r\n".encode()


PING_COMMAND = b"PING\r\n"
PONG_COMMAND = b"PONG\r\n"
