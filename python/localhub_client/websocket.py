"""A minimal WebSocket client (RFC 6455) on the standard library's socket, for the live tail.

Python's standard library has no WebSocket client and this project installs no Python packages,
so this covers what /ws/events needs: the opening handshake (with headers, so the token need not
be in the URL), masked client frames, text messages (fragmented or not), ping/pong and the
closing handshake. No extensions (permessage-deflate is not offered), no subprotocols, no TLS
unless the URL is wss:// (then ssl wraps the socket).
"""

import base64
import hashlib
import os
import socket
import ssl
import struct
from typing import Dict, Optional, Tuple
from urllib.parse import urlsplit

# RFC 6455 section 1.3: the GUID the server appends to the key before hashing it.
_ACCEPT_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
# Largest message accepted, so a hostile server cannot make the client buffer without bound.
DEFAULT_MAX_MESSAGE_BYTES = 16 * 1024 * 1024
# Largest handshake answer read (status line and headers).
_MAX_HANDSHAKE_BYTES = 64 * 1024

_CONTINUATION, _TEXT, _BINARY, _CLOSE, _PING, _PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA


class WebSocketError(Exception):
    """The connection failed or the server broke the protocol."""


class HandshakeRefused(WebSocketError):
    """The server answered the upgrade with an HTTP status other than 101 (body kept)."""

    def __init__(self, status: int, body: bytes):
        super().__init__(f"the server refused the WebSocket upgrade with HTTP {status}")
        self.status = status
        self.body = body


def _read_exactly(sock: socket.socket, count: int) -> bytes:
    chunks = []
    remaining = count
    while remaining > 0:
        chunk = sock.recv(min(remaining, 65536))
        if not chunk:
            raise WebSocketError("the connection closed in the middle of a frame")
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def _read_handshake(sock: socket.socket) -> Tuple[int, Dict[str, str], bytes]:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            raise WebSocketError("the connection closed during the handshake")
        data += chunk
        if len(data) > _MAX_HANDSHAKE_BYTES:
            raise WebSocketError("the handshake answer is too large")
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ", 2)
    if len(parts) < 2 or not parts[1].isdigit():
        raise WebSocketError(f"not an HTTP answer: {lines[0][:80]!r}")
    headers: Dict[str, str] = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return int(parts[1]), headers, rest


class WebSocket:
    """One client connection; recv() returns text messages, None once the connection closed."""

    def __init__(self, sock: socket.socket, leftover: bytes, max_message_bytes: int):
        self._sock = sock
        self._buffer = leftover
        self._max = max_message_bytes
        self.closed = False
        self.close_code: Optional[int] = None

    def settimeout(self, seconds: Optional[float]) -> None:
        """How long recv() may wait for data (None: for ever); socket.timeout when exceeded."""
        self._sock.settimeout(seconds)

    def _read(self, count: int) -> bytes:
        if len(self._buffer) >= count:
            data, self._buffer = self._buffer[:count], self._buffer[count:]
            return data
        data, self._buffer = self._buffer, b""
        return data + _read_exactly(self._sock, count - len(data))

    def _send_frame(self, opcode: int, payload: bytes) -> None:
        header = bytearray([0x80 | opcode])
        length = len(payload)
        if length < 126:
            header.append(0x80 | length)
        elif length < 65536:
            header.append(0x80 | 126)
            header += struct.pack("!H", length)
        else:
            header.append(0x80 | 127)
            header += struct.pack("!Q", length)
        # Section 5.3: every client frame is masked with a fresh key.
        mask = os.urandom(4)
        masked = bytes(byte ^ mask[index % 4] for index, byte in enumerate(payload))
        self._sock.sendall(bytes(header) + mask + masked)

    def _read_frame(self) -> Tuple[bool, int, bytes]:
        first, second = self._read(2)
        fin = bool(first & 0x80)
        if first & 0x70:
            raise WebSocketError("the server set reserved bits (no extension was agreed)")
        opcode = first & 0x0F
        if second & 0x80:
            raise WebSocketError("the server masked a frame (section 5.1 forbids it)")
        length = second & 0x7F
        if length == 126:
            (length,) = struct.unpack("!H", self._read(2))
        elif length == 127:
            (length,) = struct.unpack("!Q", self._read(8))
        if length > self._max:
            raise WebSocketError(f"a frame of {length} bytes is larger than {self._max}")
        if opcode >= 0x8 and (length > 125 or not fin):
            raise WebSocketError("a control frame is fragmented or longer than 125 bytes")
        return fin, opcode, self._read(length)

    def recv(self) -> Optional[str]:
        """The next text message; answers pings; None when the server closed the connection."""
        if self.closed:
            return None
        pieces = []
        size = 0
        message_opcode: Optional[int] = None
        while True:
            fin, opcode, payload = self._read_frame()
            if opcode == _PING:
                self._send_frame(_PONG, payload)
                continue
            if opcode == _PONG:
                continue
            if opcode == _CLOSE:
                self.close_code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else 1005
                self._finish(payload[:2])
                return None
            if opcode == _CONTINUATION:
                if message_opcode is None:
                    raise WebSocketError("a continuation frame without a message to continue")
            elif opcode in (_TEXT, _BINARY):
                if message_opcode is not None:
                    raise WebSocketError("a new message began before the last one ended")
                message_opcode = opcode
            else:
                raise WebSocketError(f"unknown opcode {opcode}")
            size += len(payload)
            if size > self._max:
                raise WebSocketError(f"a message larger than {self._max} bytes")
            pieces.append(payload)
            if fin:
                data = b"".join(pieces)
                return data.decode("utf-8") if message_opcode == _TEXT else data.decode("latin-1")

    def _finish(self, code: bytes) -> None:
        try:
            self._send_frame(_CLOSE, code)
        except OSError:
            pass
        self.closed = True
        self._sock.close()

    def close(self, code: int = 1000) -> None:
        """Sends a close frame and closes the socket (without waiting for the server's answer)."""
        if not self.closed:
            self._finish(struct.pack("!H", code))


def connect(
    url: str,
    headers: Optional[Dict[str, str]] = None,
    timeout: Optional[float] = 30.0,
    max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES,
) -> WebSocket:
    """Opens ws:// or wss:// `url`, sending `headers` with the upgrade request."""
    parts = urlsplit(url)
    if parts.scheme not in ("ws", "wss"):
        raise ValueError(f"not a ws:// or wss:// URL: {url}")
    host = parts.hostname or "localhost"
    port = parts.port or (443 if parts.scheme == "wss" else 80)
    sock = socket.create_connection((host, port), timeout=timeout)
    try:
        if parts.scheme == "wss":
            sock = ssl.create_default_context().wrap_socket(sock, server_hostname=host)
        key = base64.b64encode(os.urandom(16)).decode("ascii")
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        host_header = parts.netloc.rpartition("@")[2]
        lines = [
            f"GET {path} HTTP/1.1",
            f"Host: {host_header}",
            "Upgrade: websocket",
            "Connection: Upgrade",
            f"Sec-WebSocket-Key: {key}",
            "Sec-WebSocket-Version: 13",
        ]
        lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
        status, answer, rest = _read_handshake(sock)
        if status != 101:
            length = int(answer.get("content-length", "0") or "0")
            body = rest
            while len(body) < min(length, _MAX_HANDSHAKE_BYTES):
                chunk = sock.recv(4096)
                if not chunk:
                    break
                body += chunk
            raise HandshakeRefused(status, body)
        expected = base64.b64encode(hashlib.sha1((key + _ACCEPT_GUID).encode("ascii")).digest()).decode("ascii")
        if answer.get("sec-websocket-accept") != expected:
            raise WebSocketError("the server's Sec-WebSocket-Accept does not match the key")
        if answer.get("upgrade", "").lower() != "websocket":
            raise WebSocketError("the server did not upgrade to websocket")
        return WebSocket(sock, rest, max_message_bytes)
    except BaseException:
        sock.close()
        raise
