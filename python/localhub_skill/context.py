"""What a tool or event handler can do while it runs: publish, ask permission, revoke consent, report progress."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Dict, Optional

from .identifiers import uuid7

if TYPE_CHECKING:
    from .host import FrameHost


class _Waiter:
    def __init__(self) -> None:
        self.event = threading.Event()
        self.frame: Optional[dict] = None


@dataclass
class ReceivedEvent:
    """An event the hub pushed (notification_push): the stored envelope, parsed from its JSON text."""

    event_guid: str
    subscription_id: str
    envelope: Dict[str, Any]

    @property
    def type(self) -> str:
        return str(self.envelope.get("type", ""))

    @property
    def payload(self) -> Any:
        return self.envelope.get("payload")

    def typed_envelope(self) -> Any:
        """The envelope as localhub_events.Envelope (needs pydantic 2; ImportError says so)."""
        return _models().Envelope.model_validate(self.envelope)

    def typed_payload(self) -> Any:
        """The payload as the generated model of its type and version (needs pydantic 2)."""
        model = _models().payload_model(self.type, self.envelope.get("version"))
        return model.model_validate(self.payload)


def _models() -> Any:
    try:
        import localhub_events  # noqa: PLC0415 - optional: only with pydantic installed
    except ImportError as error:
        raise ImportError(
            "typed events need pydantic 2 (pip install 'pydantic>=2.5'); the skill host itself runs without it"
        ) from error
    return localhub_events


@dataclass
class EventContext:
    host: "FrameHost"
    correlation_id: str = field(default_factory=uuid7)

    @property
    def skill_id(self) -> str:
        return self.host.skill_id

    def publish(self, event_type: str, payload: Dict[str, Any], session_id: Optional[str] = None, trace_id: Optional[str] = None) -> str:
        """Publishes an event as this skill (notification_push "publish"); returns its event_guid.

        There is no positive acknowledgement: a refusal comes back as an error frame, which the
        host records in host.refusals (and logs to stderr).
        """
        body: Dict[str, Any] = {"type": event_type, "payload": payload}
        if session_id is not None:
            body["sessionId"] = session_id
        if trace_id is not None:
            body["traceId"] = trace_id
        guid = uuid7()
        self.host.outbox.send(
            "notification_push",
            {
                "subscription_id": "publish",
                "adapter_id": self.host.skill_id,
                "event_guid": guid,
                "payload_content_type": "application/json",
                "payload": json.dumps(body, ensure_ascii=False, separators=(",", ":")),
            },
        )
        return guid

    def revoke_consent(self, receipt_id: str, scope: str = "once", reason: Optional[str] = None) -> Dict[str, Any]:
        """Asks the hub to revoke a grant; returns the consent_revoke_response fields (ok, record_hash...)."""
        request_id = uuid7()
        fields: Dict[str, Any] = {"request_id": request_id, "receipt_id": receipt_id, "scope": scope}
        if reason is not None:
            fields["reason"] = reason
        answer = self.host.ask("consent_revoke_request", fields, request_id, self.host.options.consent_timeout_ms)
        if answer is None:
            return {"request_id": request_id, "ok": False, "error": "timeout"}
        return {key: answer.get(key) for key in ("request_id", "ok", "revoked_at", "record_hash", "error")}


@dataclass
class CallContext(EventContext):
    call_id: str = ""
    tool_id: str = ""
    primitive: str = "check"

    def request_permission(self, description_en: str, description_ko: Optional[str] = None, risk_level: str = "medium") -> str:
        """Asks the hub (its approvals) and waits; returns the decision ("denied" on timeout)."""
        request_id = uuid7()
        fields = {
            "request_id": request_id,
            "worker_id": self.host.skill_id,
            "primitive_kind": self.primitive,
            "description_ko": description_ko or description_en,
            "description_en": description_en,
            "risk_level": risk_level,
            "tool_id": self.tool_id,
        }
        answer = self.host.ask("permission_request", fields, request_id, self.host.options.permission_timeout_ms)
        return "denied" if answer is None else str(answer["decision"])

    def progress(self, message_en: str, message_ko: Optional[str] = None, phase: str = "tool_call") -> None:
        self.host.outbox.send(
            "progress_event",
            {"phase": phase, "message_ko": message_ko or message_en, "message_en": message_en, "tool_id": self.tool_id, "call_id": self.call_id},
            self.correlation_id,
        )
