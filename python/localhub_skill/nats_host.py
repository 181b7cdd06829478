"""The skill host attached to a hub over NATS instead of stdio (docs/frame-protocol.md "Transport: NATS").

Same switches as the TypeScript SDK: `--nats nats://HOST:PORT[,...] --subject S` or
LOCALHUB_SKILL_NATS / LOCALHUB_SKILL_SUBJECT; `--nats-ca FILE` (or LOCALHUB_SKILL_NATS_CA) for TLS,
`--nats-user` (or LOCALHUB_SKILL_NATS_USER) with LOCALHUB_SKILL_NATS_PASSWORD, or
LOCALHUB_SKILL_NATS_TOKEN — secrets only from the environment (decision 1852). The host names its
session (a UUID unless LOCALHUB_FRAME_SESSION gives one), subscribes to S.in.<session> and publishes
every frame line to S.out.<session>. An empty message from the hub ends the stream (exit 0); the host
sends one when it ends. A lost connection is made again and the session resumed (decision 1851).
"""

from __future__ import annotations

import os
import re
import sys
import threading
import time
import uuid
from typing import Any, Callable, List, Mapping, Optional, Sequence, Tuple

from .host import FrameHost
from .nats_client import NatsAuth, NatsClient, NatsError
from .nats_protocol import Message
from .options import EXIT_PEER_LOST, options_from_environment
from .outbox import fd_writer
from .skill import Skill

SKILL_NATS_ENV = "LOCALHUB_SKILL_NATS"
SKILL_SUBJECT_ENV = "LOCALHUB_SKILL_SUBJECT"
SKILL_NATS_CA_ENV = "LOCALHUB_SKILL_NATS_CA"
SKILL_NATS_USER_ENV = "LOCALHUB_SKILL_NATS_USER"
SKILL_NATS_PASSWORD_ENV = "LOCALHUB_SKILL_NATS_PASSWORD"
SKILL_NATS_TOKEN_ENV = "LOCALHUB_SKILL_NATS_TOKEN"
# A secret on the command line is readable by every user of the machine (ps, /proc/<pid>/cmdline).
_SECRET_FLAGS = ("--nats-password", "--nats-token")
# Between attempts to reach a NATS server again after losing it (the TypeScript client's wait too):
# steady, so that a short outage is over before the hub's heartbeats give the session up.
DEFAULT_RECONNECT_WAIT_MS = 250
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


def nats_auth_of(argv: Sequence[str], environ: Mapping[str, str]) -> NatsAuth:
    """--nats-ca / --nats-user, or their variables; the password and token from the environment only.
    Raises ValueError naming a secret given on the command line."""
    for name in _SECRET_FLAGS:
        if any(argument == name or argument.startswith(f"{name}=") for argument in argv):
            variable = SKILL_NATS_PASSWORD_ENV if name == "--nats-password" else SKILL_NATS_TOKEN_ENV
            raise ValueError(f"{name} is not taken on the command line, where every user of the machine can read it; set {variable} instead")
    return NatsAuth(
        user=_flag(argv, "--nats-user") or environ.get(SKILL_NATS_USER_ENV) or None,
        password=environ.get(SKILL_NATS_PASSWORD_ENV) or None,
        token=environ.get(SKILL_NATS_TOKEN_ENV) or None,
        ca_file=_flag(argv, "--nats-ca") or environ.get(SKILL_NATS_CA_ENV) or None,
    )


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

    def deliver(self, message: Message) -> None:
        if not message.payload:
            self.end()
            return
        with self._lock:
            if self._open:
                self._write(message.payload)

    def end(self) -> None:
        with self._lock:
            if self._open:
                self._open = False
                os.close(self._write_fd)


def run_nats(skill: Skill, target: Tuple[List[str], str], environ: Optional[Mapping[str, str]] = None, argv: Optional[Sequence[str]] = None, **overrides: Any) -> None:
    """Serves skill over NATS until the hub ends the session or the host gives up; never returns."""
    environ = os.environ if environ is None else environ
    argv = sys.argv[1:] if argv is None else argv
    servers, subject = target
    session_id = environ.get("LOCALHUB_FRAME_SESSION") or str(uuid.uuid4())

    def leave(code: int) -> None:
        sys.stderr.flush()
        os._exit(code)

    if not _SUBJECT_PREFIX.match(subject) or not _SESSION_TOKEN.match(session_id):
        problem = f"subject must be dot-separated tokens [A-Za-z0-9_-], got {subject!r}" if not _SUBJECT_PREFIX.match(subject) else f"session id must be 1..128 characters [A-Za-z0-9_-], got {session_id!r}"
        _log(f"NATS mode needs --subject (or {SKILL_SUBJECT_ENV}) naming the manifest's transport.subject: {problem}")
        leave(EXIT_CONFIG)
    try:
        auth = nats_auth_of(argv, environ)
    except ValueError as error:
        _log(str(error))
        leave(EXIT_CONFIG)
        return
    options = options_from_environment({**environ, "LOCALHUB_FRAME_SESSION": session_id}, **overrides)
    inbox = _Inbox()
    hub_to_host, host_to_hub = frames_subjects(subject, session_id)
    link = _Link(servers, f"localhub-skill-host-{session_id}", auth, hub_to_host, inbox)
    try:
        link.open()
    except (NatsError, ValueError) as error:
        _log(f"cannot reach NATS at {','.join(servers)}: {error}")
        leave(1)
        return

    def publish(line: bytes) -> None:
        client = link.client
        if client is None:
            raise OSError("the NATS connection is down")  # the ring keeps numbered frames for the resume
        try:
            client.publish(host_to_hub, line)
        except NatsError as error:
            raise OSError(str(error)) from error

    def goodbye(code: int) -> None:
        link.stopping = True
        client = link.client
        if client is None:
            _log(f"the NATS connection was lost ({link.lost}); exiting")
            code = code or EXIT_PEER_LOST
        else:
            try:
                client.publish(host_to_hub, b"")  # end of stream: the hub detaches this session at once
                client.flush(DEFAULT_GOODBYE_TIMEOUT_MS)
            except (NatsError, ValueError):
                pass
        leave(code)

    _log(f"attached over NATS on {subject}.{{in,out}}.{session_id}")
    host = FrameHost(skill, options, inbox.read_fd, publish, goodbye, resume_on_gap=True)

    def resumed() -> None:
        _log("reconnected to NATS; resuming the session")
        host.reattach(inbox.read_fd, publish)

    link.on_reconnect = resumed
    if host.start():
        host.serve()
    goodbye(0)


class _Link:
    """The current NATS client; when it is lost, a thread connects again and subscribes."""

    def __init__(self, servers: List[str], name: str, auth: NatsAuth, subject: str, inbox: "_Inbox"):
        self._servers = servers
        self._name = name
        self._auth = auth
        self._subject = subject
        self._inbox = inbox
        self.client: Optional[NatsClient] = None
        self.lost: Optional[str] = None
        self.stopping = False
        self.on_reconnect: Callable[[], None] = lambda: None

    def open(self) -> None:
        client = NatsClient.connect(self._servers, self._name, on_close=self._closed, auth=self._auth)
        client.subscribe(self._subject, self._inbox.deliver)
        client.flush()  # the subscription must reach the server before a frame can be answered
        self.client = client

    def _closed(self, reason: str) -> None:
        self.client = None
        self.lost = reason
        if self.stopping:
            return
        _log(f"the NATS connection was lost ({reason}); connecting again")
        threading.Thread(target=self._again, name="nats-reconnect", daemon=True).start()

    def _again(self) -> None:
        while not self.stopping:
            time.sleep(DEFAULT_RECONNECT_WAIT_MS / 1000)
            try:
                self.open()
            except (NatsError, ValueError, OSError) as error:
                self.lost = str(error)
                continue
            self.on_reconnect()
            return


__all__ = ["DEFAULT_GOODBYE_TIMEOUT_MS", "EXIT_CONFIG", "SKILL_NATS_CA_ENV", "SKILL_NATS_ENV", "SKILL_NATS_PASSWORD_ENV", "SKILL_NATS_TOKEN_ENV", "SKILL_NATS_USER_ENV", "SKILL_SUBJECT_ENV", "frames_subjects", "nats_auth_of", "nats_target_of", "run_nats"]
