"""The seed 002 frame schema, for the kinds a skill host receives (role "backend").

This is the vendored catalog/frames/ummaya-ipc-frame.schema.json without its prose, so the host
needs no file outside its package; python/tests/test_frame_rules.py fails if the two drift apart.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Dict, Tuple

_STRING = {"type": "string"}
_PRIMITIVES = ["find", "locate", "send", "check", "document"]


def _nullable(schema: Dict[str, Any]) -> Dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}]}


ENVELOPE_PROPERTIES: Dict[str, Any] = {
    "session_id": _STRING,
    "correlation_id": {"minLength": 1, "type": "string"},
    "ts": _STRING,
    "version": {"const": "1.0", "type": "string"},
    "role": {"enum": ["tui", "backend", "tool", "llm", "notification"], "type": "string"},
    "frame_seq": {"minimum": 0, "type": "integer"},
    "transaction_id": _nullable({"minLength": 1, "type": "string"}),
    "trailer": _nullable({"$ref": "#/$defs/FrameTrailer"}),
}

DEFINITIONS: Dict[str, Any] = {
    "FrameTrailer": {
        "additionalProperties": False,
        "properties": {
            "final": {"type": "boolean"},
            "transaction_id": _nullable({"minLength": 1, "type": "string"}),
            "checksum_sha256": _nullable(_STRING),
        },
        "required": ["final"],
        "type": "object",
    }
}

# kind -> (its own properties, its own required fields), in the schema's order.
KIND_FIELDS: Dict[str, Tuple[Dict[str, Any], Tuple[str, ...]]] = {
    "tool_call": (
        {"call_id": _STRING, "name": {"minLength": 1, "type": "string"}, "arguments": {"additionalProperties": True, "type": "object"}},
        ("call_id", "name", "arguments"),
    ),
    "notification_push": (
        {
            "subscription_id": _STRING,
            "adapter_id": _STRING,
            "event_guid": _STRING,
            "payload_content_type": {"enum": ["text/plain", "application/json"], "type": "string"},
            "payload": _STRING,
        },
        ("subscription_id", "adapter_id", "event_guid", "payload_content_type", "payload"),
    ),
    "session_event": (
        {
            "event": {"enum": ["save", "load", "list", "resume", "new", "exit"], "type": "string"},
            "payload": {"additionalProperties": True, "type": "object"},
        },
        ("event", "payload"),
    ),
    "permission_request": (
        {
            "request_id": _STRING,
            "worker_id": _STRING,
            "primitive_kind": {"enum": _PRIMITIVES, "type": "string"},
            "description_ko": _STRING,
            "description_en": _STRING,
            "risk_level": {"enum": ["low", "medium", "high"], "type": "string"},
            "tool_id": _nullable(_STRING),
        },
        ("request_id", "worker_id", "primitive_kind", "description_ko", "description_en", "risk_level"),
    ),
    "permission_response": (
        {
            "request_id": _STRING,
            "decision": {"enum": ["granted", "allow_once", "allow_session", "denied", "deny"], "type": "string"},
            "receipt_id": _nullable(_STRING),
            "primitive_kind": _nullable({"enum": _PRIMITIVES, "type": "string"}),
            "tool_id": _nullable(_STRING),
        },
        ("request_id", "decision"),
    ),
    "consent_revoke_response": (
        {
            "request_id": {"minLength": 1, "type": "string"},
            "ok": {"type": "boolean"},
            "revoked_at": _nullable(_STRING),
            "record_hash": _nullable(_STRING),
            "error": _nullable({"enum": ["already_revoked", "not_found", "io_error"], "type": "string"}),
        },
        ("request_id", "ok"),
    ),
    "assistant_chunk": (
        {"message_id": _STRING, "delta": _STRING, "thinking": _STRING, "done": {"type": "boolean"}},
        ("message_id", "done"),
    ),
    "coordinator_phase": (
        {"phase": {"enum": ["Research", "Synthesis", "Implementation", "Verification"], "type": "string"}},
        ("phase",),
    ),
    "worker_status": (
        {
            "worker_id": _STRING,
            "role_id": _STRING,
            "current_primitive": {"enum": _PRIMITIVES, "type": "string"},
            "status": {"enum": ["idle", "running", "waiting_permission", "error"], "type": "string"},
        },
        ("worker_id", "role_id", "current_primitive", "status"),
    ),
    "progress_event": (
        {
            "phase": {"enum": ["analysis", "tool_selection", "tool_call", "tool_result", "answer_synthesis"], "type": "string"},
            "message_ko": {"minLength": 1, "type": "string"},
            "message_en": {"minLength": 1, "type": "string"},
            "safe_to_persist": {"type": "boolean"},
            "tool_id": _nullable(_STRING),
            "call_id": _nullable(_STRING),
        },
        ("phase", "message_ko", "message_en"),
    ),
    "payload_start": (
        {
            "content_type": {"enum": ["text/markdown", "application/json", "text/plain"], "type": "string"},
            "estimated_bytes": _nullable({"minimum": 0, "type": "integer"}),
        },
        ("content_type",),
    ),
    "payload_delta": ({"delta_seq": {"minimum": 0, "type": "integer"}, "payload": _STRING}, ("delta_seq", "payload")),
    "payload_end": (
        {"delta_count": {"minimum": 0, "type": "integer"}, "status": {"enum": ["ok", "aborted"], "type": "string"}},
        ("delta_count", "status"),
    ),
    "heartbeat": (
        {"direction": {"enum": ["ping", "pong"], "type": "string"}, "peer_frame_seq": {"minimum": 0, "type": "integer"}},
        ("direction", "peer_frame_seq"),
    ),
    "backpressure": (
        {
            "signal": {"enum": ["pause", "resume", "throttle"], "type": "string"},
            "source": {"enum": ["tui_reader", "backend_writer", "upstream_429"], "type": "string"},
            "queue_depth": {"minimum": 0, "type": "integer"},
            "hwm": {"minimum": 1, "type": "integer"},
            "retry_after_ms": _nullable({"minimum": 0, "type": "integer"}),
            "hud_copy_ko": {"minLength": 1, "type": "string"},
            "hud_copy_en": {"minLength": 1, "type": "string"},
        },
        ("signal", "source", "queue_depth", "hwm", "hud_copy_ko", "hud_copy_en"),
    ),
    "resume_response": (
        {
            "resumed_from_frame_seq": {"minimum": 0, "type": "integer"},
            "replay_count": {"minimum": 0, "type": "integer"},
            "server_session_id": _STRING,
            "heartbeat_interval_ms": {"minimum": 1000, "type": "integer"},
        },
        ("resumed_from_frame_seq", "replay_count", "server_session_id", "heartbeat_interval_ms"),
    ),
    "resume_rejected": (
        {
            "reason": {
                "enum": ["ring_evicted", "session_unknown", "token_mismatch", "protocol_incompatible", "session_expired"],
                "type": "string",
            },
            "detail": _STRING,
        },
        ("reason", "detail"),
    ),
    "error": (
        {"code": _STRING, "message": _STRING, "details": {"additionalProperties": True, "type": "object"}},
        ("code", "message", "details"),
    ),
}

# Which kinds each role may send (docs/frame-protocol.md, "Kinds by sender role").
KINDS_BY_ROLE: Dict[str, frozenset] = {
    "backend": frozenset(KIND_FIELDS),
    "tool": frozenset(
        "adapter_manifest_sync tool_result notification_push progress_event worker_status permission_request "
        "consent_revoke_request payload_start payload_delta payload_end heartbeat backpressure resume_request error".split()
    ),
    "tui": frozenset(
        "user_input chat_request permission_response consent_revoke_request session_event plugin_op "
        "resume_request heartbeat backpressure error".split()
    ),
}

ALL_KINDS = frozenset(
    "user_input chat_request assistant_chunk progress_event tool_call tool_result coordinator_phase worker_status "
    "permission_request permission_response session_event error payload_start payload_delta payload_end "
    "backpressure resume_request resume_response resume_rejected heartbeat notification_push plugin_op "
    "adapter_manifest_sync consent_revoke_request consent_revoke_response".split()
)


@lru_cache(maxsize=None)
def kind_schema(kind: str) -> Dict[str, Any]:
    """The full schema of one received kind, as the vendored schema states it (prose removed).
    Cached: built once per kind; callers must not change it."""
    own, required = KIND_FIELDS[kind]
    properties = dict(ENVELOPE_PROPERTIES)
    properties["kind"] = {"const": kind, "type": "string"}
    properties.update(own)
    return {
        "additionalProperties": False,
        "properties": properties,
        "required": ["session_id", "correlation_id", "ts", "role", *required],
        "type": "object",
    }


def schema_document() -> Dict[str, Any]:
    """A document holding the definitions kind schemas refer to."""
    return {"$defs": DEFINITIONS}
