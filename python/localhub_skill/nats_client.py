"""A minimal core-NATS client on a socket (stdlib only): connect, subscribe, publish, flush.

Enough for a skill host's subject pair (decision 1840): no JetStream, no headers. TLS (with a CA
file, or the system's CAs) and user/password or token authentication (decision 1852). One client is
one connection: a lost connection is reported once through on_close, and nats_host.py connects again
with a new client and resumes the frame session (decision 1851).
"""

from __future__ import annotations

import socket
import ssl
import threading
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Sequence, Tuple
from urllib.parse import unquote, urlsplit

from .nats_protocol import (
    DEFAULT_MAX_PAYLOAD_BYTES,
    PING_COMMAND,
    PONG_COMMAND,
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

DEFAULT_NATS_CONNECT_TIMEOUT_MS = 5000
DEFAULT_NATS_FLUSH_TIMEOUT_MS = 5000
_READ_BYTES = 64 * 1024


class NatsError(Exception):
    """The server could not be reached, refused us, or the connection is gone."""


@dataclass(frozen=True)
class NatsAuth:
    """How to prove who we are and whom we talk to. Secrets come from the environment, never argv."""

    user: Optional[str] = None
    password: Optional[str] = None
    token: Optional[str] = None
    ca_file: Optional[str] = None


def parse_server_url(url: str) -> Tuple[str, int, Optional[str], Optional[str]]:
    """nats:// or tls://[user:pass@]HOST[:PORT] -> (host, port, user, password); port 4222 only when the URL says nothing."""
    parts = urlsplit(url.strip() if "://" in url else f"nats://{url.strip()}")
    if parts.scheme not in ("nats", "tls") or not parts.hostname:
        raise NatsError(f"{url}: expected nats://HOST:PORT or tls://HOST:PORT")
    try:
        port = parts.port or 4222
    except ValueError:
        raise NatsError(f"{url}: the port is not a number in 1..65535") from None
    user = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password else None
    return parts.hostname, port, user, password


class NatsClient:
    """One connection. Handlers run on the reader thread, in the order messages arrived."""

    def __init__(self, sock: socket.socket, parser: NatsParser, info: dict, on_close: Callable[[str], None], early: Sequence[object] = ()):
        self._socket = sock
        self._parser = parser
        self.info = info
        self.max_payload_bytes = int(info.get("max_payload") or DEFAULT_MAX_PAYLOAD_BYTES)
        self._on_close = on_close
        self._write_lock = threading.Lock()
        self._state = threading.Condition()
        self._pongs_received = 0
        self._pings_sent = 0
        self._closed: Optional[str] = None
        self._handlers: Dict[str, Callable[[Message], None]] = {}
        self._next_sid = 0
        self.last_error: Optional[str] = None
        self._early = list(early)  # read with the handshake's last chunk, dispatched first
        threading.Thread(target=self._read, name="nats-reader", daemon=True).start()

    @classmethod
    def connect(cls, servers: Sequence[str], name: str, on_close: Callable[[str], None] = lambda reason: None, timeout_ms: int = DEFAULT_NATS_CONNECT_TIMEOUT_MS, auth: NatsAuth = NatsAuth()) -> "NatsClient":
        """Tries each server in turn; raises NatsError naming why each failed."""
        failures: List[str] = []
        for url in servers:
            try:
                return cls._connect_one(url, name, on_close, timeout_ms, auth)
            except (NatsError, NatsProtocolError, OSError, ssl.SSLError) as error:
                failures.append(f"{url}: {error}" if not str(error).startswith(url) else str(error))
        raise NatsError("; ".join(failures) or "no server URL given (nats://HOST:PORT)")

    @classmethod
    def _connect_one(cls, url: str, name: str, on_close: Callable[[str], None], timeout_ms: int, auth: NatsAuth) -> "NatsClient":
        host, port, user, password = parse_server_url(url)
        wants_tls = url.strip().startswith("tls://") or auth.ca_file is not None
        plain = socket.create_connection((host, port), timeout=timeout_ms / 1000)
        sock: socket.socket = plain
        try:
            parser = NatsParser()
            info, _ = _expect(sock, parser, Info, "INFO")
            assert isinstance(info, Info)
            tls = wants_tls or bool(info.fields.get("tls_required"))
            if tls:
                # The server sends INFO in the clear, then expects the TLS handshake (NATS client protocol).
                context = ssl.create_default_context(cafile=auth.ca_file)
                sock = context.wrap_socket(plain, server_hostname=host)
                parser = NatsParser()
            sock.sendall(connect_command(name, user or auth.user, password if user else auth.password, auth.token, tls) + PING_COMMAND)
            # With verbose off the server answers CONNECT only with -ERR; the PONG says it was accepted.
            _, early = _expect(sock, parser, Pong, "PONG after CONNECT")
            sock.settimeout(None)
            return cls(sock, parser, info.fields, on_close, early)
        except BaseException:
            sock.close()
            raise

    # ---- commands -------------------------------------------------------------------------

    def subscribe(self, subject: str, handler: Callable[[Message], None]) -> str:
        with self._state:
            self._next_sid += 1
            sid = str(self._next_sid)
            self._handlers[sid] = handler
        self._send(sub_command(subject, sid))
        return sid

    def publish(self, subject: str, payload: bytes) -> None:
        if len(payload) > self.max_payload_bytes:
            raise ValueError(f"a message of {len(payload)} bytes is over the server's max_payload of {self.max_payload_bytes}")
        self._send(pub_command(subject, payload))

    def flush(self, timeout_ms: int = DEFAULT_NATS_FLUSH_TIMEOUT_MS) -> None:
        """Waits until the server has processed everything sent so far (a PING answered by PONG)."""
        with self._state:
            self._pings_sent += 1
            wanted = self._pings_sent
        self._send(PING_COMMAND)
        with self._state:
            if not self._state.wait_for(lambda: self._pongs_received >= wanted or self._closed is not None, timeout_ms / 1000):
                raise NatsError(f"the server did not answer PING within {timeout_ms} ms")
            if self._pongs_received < wanted:
                raise NatsError(f"the connection closed: {self._closed}")

    def close(self) -> None:
        self._finish("closed by this client")
        try:
            self._socket.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self._socket.close()

    @property
    def closed(self) -> Optional[str]:
        return self._closed

    def _send(self, data: bytes) -> None:
        if self._closed is not None:
            raise NatsError(f"the NATS connection is closed: {self._closed}")
        with self._write_lock:
            try:
                self._socket.sendall(data)
            except OSError as error:
                self._finish(f"writing failed: {error}")
                raise NatsError(f"writing to NATS failed: {error}") from error

    # ---- reading --------------------------------------------------------------------------

    def _read(self) -> None:
        reason = "the server closed the connection"
        try:
            for operation in self._early:
                self._dispatch(operation)
            while True:
                chunk = self._socket.recv(_READ_BYTES)
                if not chunk:
                    break
                for operation in self._parser.feed(chunk):
                    self._dispatch(operation)
        except NatsProtocolError as error:
            reason = f"the server broke the protocol: {error}"
        except OSError as error:
            reason = f"reading failed: {error}"
        if self.last_error is not None:
            reason = f"{reason} (after -ERR '{self.last_error}')"
        self._finish(reason)

    def _dispatch(self, operation: object) -> None:
        if isinstance(operation, Message):
            handler = self._handlers.get(operation.sid)
            if handler is not None:
                handler(operation)
        elif isinstance(operation, Ping):
            try:
                self._send(PONG_COMMAND)
            except NatsError:
                pass
        elif isinstance(operation, Pong):
            with self._state:
                self._pongs_received += 1
                self._state.notify_all()
        elif isinstance(operation, ServerError):
            # Most -ERRs are followed by the server closing the connection; a permission violation
            # is not, and the frames it concerns are lost (the peers' frame_seq shows the gap).
            self.last_error = operation.message
        elif isinstance(operation, Info):
            self.info = {**self.info, **operation.fields}  # async INFO: cluster changes
        elif isinstance(operation, Ok):
            pass

    def _finish(self, reason: str) -> None:
        with self._state:
            if self._closed is not None:
                return
            self._closed = reason
            self._state.notify_all()
        self._on_close(reason)


def _expect(sock: socket.socket, parser: NatsParser, kind: type, what: str) -> Tuple[object, List[object]]:
    """Reads during the handshake until an operation of `kind`; -ERR or end of stream fail it.
    Returns it and the operations that came after it in the same read."""
    while True:
        chunk = sock.recv(_READ_BYTES)
        if not chunk:
            raise NatsError(f"the server closed the connection before {what}")
        operations = parser.feed(chunk)
        for index, operation in enumerate(operations):
            if isinstance(operation, ServerError):
                raise NatsError(f"the server refused the connection: -ERR '{operation.message}'")
            if isinstance(operation, Ping):
                sock.sendall(PONG_COMMAND)
            elif isinstance(operation, kind):
                return operation, list(operations[index + 1 :])
