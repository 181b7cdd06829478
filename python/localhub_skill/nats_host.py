"""The skill host attached to a hub over NATS instead of stdio (docs/frame-protocol.md "Transport: NATS").

Same switches as the TypeScript SDK: `--nats nats://HOST:PORT[,...] --subject S` or
LOCALHUB_SKILL_NATS / LOCALHUB_SKILL_SUBJECT. The host names its session (a UUID unless
LOCALHUB_FRAME_SESSION gives one), subscribes to S.in.<session> and publishes every frame line to
S.out.<session>. An empty message from the hub ends the stream (exit 0); the host sends one when it ends.
"""

from __future__ import annotations

import os
import re
import sys
import threading
import uuid
from typing import Any, List, Mapping, Optional, Sequence, Tuple

from .host import FrameHost
from .nats_client import NatsClient, NatsError
from .nats_protocol import Message
from .options import EXIT_PEER_LOST, options_from_environment
from .outbox import fd_writer
from .skill import Skill

SKILL_NATS_ENV = "LOCALHUB_SKILL_NATS"
SKILL_SUBJECT_ENV = "LOCALHUB_SKILL_SUBJECT"
EXIT_CONFIG = 78  # EX_CONFIG: the NATS mode is asked for but not fully configured
# The manifest schema's transport.subject pattern, and a session id as one subject token.
_SUBJECT_PREFIX = re.compile(r"^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$")
_SESSION_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,128}$")
# How long the goodbye (the empty end-of-stream message) may take before the process ends anyway.
DEFAULT_GOODBYE_TIMEOUT_MS = 1000


def _log(message: str) -> None:
    sys.stderr.write(f"[localhub_skill] {message}\n")
    sys.stderr.flush()


def _flag(argv: Sequence[str], name: str) -> Optional[str]:
    for index, argument in enumerate(argv):
        if argument == name:
            return argv[index + 1] if index + 1 < len(argv) else None
        if argument.startswith(f"{name}="):
            return argument[len(name) + 1 :]
    return None


def nats_target_of(argv: Sequence[str], environ: Mapping[str, str]) -> Optional[Tuple[List[str], str]]:
    """(servers, subject) when --nats or LOCALHUB_SKILL_NATS names a server; None means stdio."""
    servers = _flag(argv, "--nats") or environ.get(SKILL_NATS_ENV)
    if servers is None or servers.strip() == "":
        return None
    subject = _flag(argv, "--subject") or environ.get(SKILL_SUBJECT_ENV) or ""
    return [part.strip() for part in servers.split(",") if part.strip()], subject


def frames_subjects(subject: str, session_id: str) -> Tuple[str, str]:
    """(hub -> host, host -> hub) subjects of one session."""
    return f"{subject}.in.{session_id}", f"{subject}.out.{session_id}"


class _Inbox:
    """Messages from S.in.<session> into the pipe FrameHost reads; closing it is the end of the stream."""

    def __init__(self) -> None:
        self.read_fd, self._write_fd = os.pipe()
        self._write = fd_writer(self._write_fd)
        self._lock = threading.Lock()
        self._open = True
        self.lost: Optional[str] = None

    def deliver(self, message: Message) -> None:
        if not message.payload:
            self.end()
            return
        with self._lock:
            if self._open:
                self._write(message.payload)

    def connection_closed(self, reason: str) -> None:
        if self._open:
            self.lost = reason
        self.end()

    def end(self) -> None:
        with self._lock:
            if self._open:
                self._open = False
                os.close(self._write_fd)


def run_nats(skill: Skill, target: Tuple[List[str], str], environ: Optional[Mapping[str, str]] = None, **overrides: Any) -> None:
    """Serves skill over NATS until the hub ends the session or the connection is lost; never returns."""
    environ = os.environ if environ is None else environ
    servers, subject = target
    session_id = environ.get("LOCALHUB_FRAME_SESSION") or str(uuid.uuid4())

    def leave(code: int) -> None:
        sys.stderr.flush()
        os._exit(code)

    if not _SUBJECT_PREFIX.match(subject) or not _SESSION_TOKEN.match(session_id):
        problem = f"subject must be dot-separated tokens [A-Za-z0-9_-], got {subject!r}" if not _SUBJECT_PREFIX.match(subject) else f"session id must be 1..128 characters [A-Za-z0-9_-], got {session_id!r}"
        _log(f"NATS mode needs --subject (or {SKILL_SUBJECT_ENV}) naming the manifest's transport.subject: {problem}")
        leave(EXIT_CONFIG)
    options = options_from_environment({**environ, "LOCALHUB_FRAME_SESSION": session_id}, **overrides)
    inbox = _Inbox()
    hub_to_host, host_to_hub = frames_subjects(subject, session_id)
    try:
        client = NatsClient.connect(servers, f"localhub-skill-host-{session_id}", on_close=inbox.connection_closed)
        client.subscribe(hub_to_host, inbox.deliver)
        client.flush()  # the subscription must reach the server before the manifest is answered
    except (NatsError, ValueError) as error:
        _log(f"cannot reach NATS at {','.join(servers)}: {error}")
        leave(1)
        return

    def publish(line: bytes) -> None:
        try:
            client.publish(host_to_hub, line)
        except NatsError as error:
            raise OSError(str(error)) from error  # the outbox's write-error path: the hub is gone

    def goodbye(code: int) -> None:
        if inbox.lost is not None:
            _log(f"the NATS connection was lost ({inbox.lost}); exiting")
            code = code or EXIT_PEER_LOST
        else:
            try:
                client.publish(host_to_hub, b"")  # end of stream: the hub detaches this session at once
                client.flush(DEFAULT_GOODBYE_TIMEOUT_MS)
            except (NatsError, ValueError):
                pass
        leave(code)

    _log(f"attached over NATS on {subject}.{{in,out}}.{session_id}")
    host = FrameHost(skill, options, inbox.read_fd, publish, goodbye)
    if host.start():
        host.serve()
    goodbye(0)


__all__ = ["DEFAULT_GOODBYE_TIMEOUT_MS", "EXIT_CONFIG", "SKILL_NATS_ENV", "SKILL_SUBJECT_ENV", "frames_subjects", "nats_target_of", "run_nats"]
