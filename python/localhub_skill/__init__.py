"""Write Local Hub skills in Python: a stdlib-only host of seed 002's frames over stdio or NATS.

    from localhub_skill import Skill
    skill = Skill("skill.echo")

    @skill.tool("echo", input_schema={"type": "object", "properties": {"text": {"type": "string"}}, "required": ["text"]})
    def echo(arguments, context):
        return {"text": arguments["text"]}

    skill.run()
"""

from .canonical_json import canonical_json, manifest_hash
from .context import CallContext, EventContext, ReceivedEvent
from .frame_codec import LineSplitter, decode_frame, encode_frame
from .host import FrameHost, run_stdio
from .nats_client import NatsClient, NatsError
from .nats_host import SKILL_NATS_ENV, SKILL_SUBJECT_ENV, nats_target_of, run_nats
from .options import (
    DEFAULT_HEARTBEAT_INTERVAL_MS,
    DEFAULT_HIGH_WATER_MARK,
    DEFAULT_INLINE_RESULT_MAX_BYTES,
    DEFAULT_MAX_FRAME_BYTES,
    DEFAULT_MISSED_HEARTBEATS,
    DEFAULT_PAYLOAD_CHUNK_CHARS,
    DEFAULT_RESUME_RING_FRAMES,
    EXIT_INVALID_MANIFEST,
    EXIT_PEER_LOST,
    EXIT_PROTOCOL_MISMATCH,
    HostOptions,
    options_from_environment,
)
from .skill import Skill, StreamedResult, ToolError

__all__ = [
    "CallContext",
    "DEFAULT_HEARTBEAT_INTERVAL_MS",
    "DEFAULT_HIGH_WATER_MARK",
    "DEFAULT_INLINE_RESULT_MAX_BYTES",
    "DEFAULT_MAX_FRAME_BYTES",
    "DEFAULT_MISSED_HEARTBEATS",
    "DEFAULT_PAYLOAD_CHUNK_CHARS",
    "DEFAULT_RESUME_RING_FRAMES",
    "EXIT_INVALID_MANIFEST",
    "EXIT_PEER_LOST",
    "EXIT_PROTOCOL_MISMATCH",
    "EventContext",
    "FrameHost",
    "HostOptions",
    "LineSplitter",
    "NatsClient",
    "NatsError",
    "ReceivedEvent",
    "SKILL_NATS_ENV",
    "SKILL_SUBJECT_ENV",
    "Skill",
    "StreamedResult",
    "ToolError",
    "canonical_json",
    "decode_frame",
    "encode_frame",
    "manifest_hash",
    "nats_target_of",
    "options_from_environment",
    "run_nats",
    "run_stdio",
]
