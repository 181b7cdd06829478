"""The decorator API: a Skill collects tools and event handlers, builds and checks its manifest."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional

from .validator import Issue, SchemaChecker, render

PRIMITIVES = ("find", "send", "check", "locate", "document")
TOOL_ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
_PATTERN_TOKEN = re.compile(r"^[^\s*>.]+$")

# AdapterManifestEntry of the vendored schema without prose (drift-tested in python/tests).
ENTRY_SCHEMA: Dict[str, Any] = {
    "additionalProperties": False,
    "properties": {
        "tool_id": {"minLength": 1, "type": "string"},
        "name": {"maxLength": 80, "minLength": 1, "type": "string"},
        "primitive": {"enum": list(PRIMITIVES), "type": "string"},
        "policy_authority_url": {"anyOf": [{"maxLength": 2048, "type": "string"}, {"type": "null"}]},
        "source_mode": {"enum": ["live", "mock", "internal"], "type": "string"},
        "search_hint": {"anyOf": [{"maxLength": 4096, "minLength": 1, "type": "string"}, {"type": "null"}]},
        "llm_description": {"anyOf": [{"maxLength": 20000, "minLength": 1, "type": "string"}, {"type": "null"}]},
        "input_schema_json": {"additionalProperties": True, "type": "object"},
        "output_schema_json": {"additionalProperties": True, "type": "object"},
    },
    "required": ["tool_id", "name", "primitive", "source_mode"],
    "type": "object",
}


class ToolError(Exception):
    """Raise from a tool to answer {ok: false, error: {code, message}} (code: a hub error code)."""

    def __init__(self, code: str, message: str, **details: Any):
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details


@dataclass(frozen=True)
class StreamedResult:
    """Return this from a tool to send the value as payload frames (with a sha256 trailer)."""

    value: Any


@dataclass(frozen=True)
class Tool:
    tool_id: str
    name: str
    primitive: str
    description: str
    input_schema: Dict[str, Any]
    handler: Callable[..., Any]

    def entry(self) -> Dict[str, Any]:
        return {
            "tool_id": self.tool_id,
            "name": self.name,
            "primitive": self.primitive,
            "source_mode": "internal",
            "llm_description": self.description,
            "input_schema_json": self.input_schema,
        }


def pattern_matches(pattern: str, event_type: str) -> bool:
    """NATS wildcard rules on dotted types: '*' is one token, '>' one or more trailing tokens."""
    wanted = pattern.split(".")
    tokens = event_type.split(".")
    for index, token in enumerate(wanted):
        if token == ">":
            return len(tokens) > index
        if index >= len(tokens) or (token != "*" and token != tokens[index]):
            return False
    return len(wanted) == len(tokens)


class Skill:
    """A skill served over frames. Register tools with @skill.tool(...), events with @skill.on(...)."""

    def __init__(self, skill_id: str, name: Optional[str] = None):
        self.skill_id = skill_id
        self.name = name or skill_id
        self.tools: Dict[str, Tool] = {}
        self.handlers: List[tuple] = []

    def tool(
        self,
        tool_id: str,
        *,
        name: Optional[str] = None,
        primitive: str = "check",
        description: Optional[str] = None,
        input_schema: Optional[Dict[str, Any]] = None,
    ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """Registers handler(arguments: dict, context: CallContext) as the tool tool_id.

        Mistakes (bad id, unknown primitive, a duplicate) are found by validate_manifest when the
        host starts, which then exits 78 as seed 002 asks, rather than here at import time.
        """

        def register(handler: Callable[..., Any]) -> Callable[..., Any]:
            doc = (handler.__doc__ or "").strip()
            key = tool_id if tool_id not in self.tools else f"{tool_id}\u0000{len(self.tools)}"
            self.tools[key] = Tool(
                tool_id=tool_id,
                name=name or tool_id,
                primitive=primitive,
                description=description or doc or tool_id,
                input_schema=input_schema if input_schema is not None else {"type": "object"},
                handler=handler,
            )
            return handler

        return register

    def on(self, pattern: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """Registers handler(event: ReceivedEvent, context: EventContext) for event types matching pattern."""

        def register(handler: Callable[..., Any]) -> Callable[..., Any]:
            self.handlers.append((pattern, handler))
            return handler

        return register

    def entries(self) -> List[Dict[str, Any]]:
        """The adapter_manifest_sync entries, sorted by tool_id (seed 002's manifest_hash order)."""
        return [tool.entry() for tool in sorted(self.tools.values(), key=lambda tool: tool.tool_id)]

    def find_tool(self, tool_id: str) -> Optional[Tool]:
        return self.tools.get(tool_id)

    def validate_manifest(self) -> Optional[Issue]:
        """The first problem of this skill's manifest (JSON pointer into the entries), or None."""
        if not isinstance(self.skill_id, str) or not self.skill_id:
            return Issue("/skill_id", "a non-empty skill id", render(self.skill_id))
        entries = self.entries()
        if not entries:
            return Issue("/entries", "at least one tool", "0 tools")
        checker = SchemaChecker({})
        seen: Dict[str, int] = {}
        for index, entry in enumerate(entries):
            issue = checker.first_issue(ENTRY_SCHEMA, entry, f"/entries/{index}")
            if issue:
                return issue
            if not TOOL_ID_PATTERN.match(entry["tool_id"]):
                return Issue(f"/entries/{index}/tool_id", "snake_case matching ^[a-z][a-z0-9_]*$", render(entry["tool_id"]))
            if entry["tool_id"] in seen:
                return Issue(f"/entries/{index}/tool_id", "a tool id used once", f"{render(entry['tool_id'])} again (also /entries/{seen[entry['tool_id']]})")
            seen[entry["tool_id"]] = index
            if entry["input_schema_json"].get("type", "object") != "object":
                return Issue(f"/entries/{index}/input_schema_json/type", '"object" (tool arguments are an object)', render(entry["input_schema_json"].get("type")))
        for index, (pattern, _) in enumerate(self.handlers):
            tokens = pattern.split(".") if isinstance(pattern, str) else [""]
            if not all(token in ("*", ">") or _PATTERN_TOKEN.match(token) for token in tokens) or ">" in tokens[:-1]:
                return Issue(f"/handlers/{index}", "an event type pattern (NATS wildcards * and >)", render(pattern))
        return None

    def run(self, **options: Any) -> None:
        """Serves the skill on this process's stdin/stdout until stdin closes, or over NATS when
        --nats / LOCALHUB_SKILL_NATS names a server (nats_host.py); never returns."""
        import os
        import sys

        from .host import run_stdio
        from .nats_host import nats_target_of, run_nats

        target = nats_target_of(sys.argv[1:], os.environ)
        if target is not None:
            run_nats(self, target, **options)
            return

        run_stdio(self, **options)
