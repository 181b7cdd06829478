"""Example Local Hub skill in Python: the conformance suite's tools (echo, slow_echo, big, ask, crash, publish, seen).

Run by the hub as `python3 manifests/examples/python-skill/echo_skill.py` with PYTHONPATH=python
(see manifests/examples/python-skill.yaml); stdlib only.
"""

import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "python"))

from localhub_skill import Skill, StreamedResult  # noqa: E402

skill = Skill("skill.python.echo", name="Python echo")
TEXT = {"type": "object", "properties": {"text": {"type": "string"}}, "required": ["text"], "additionalProperties": False}
seen_guids = []


@skill.tool("echo", name="Echo", input_schema=TEXT)
def echo(arguments, context):
    """Returns the text it was given."""
    return {"text": arguments["text"]}


@skill.tool(
    "slow_echo",
    name="Slow echo",
    input_schema={
        "type": "object",
        "properties": {"text": {"type": "string"}, "delay_ms": {"type": "integer", "minimum": 0, "maximum": 600000}},
        "required": ["text", "delay_ms"],
        "additionalProperties": False,
    },
)
def slow_echo(arguments, context):
    """Returns the text after waiting delay_ms milliseconds."""
    time.sleep(arguments["delay_ms"] / 1000)
    return {"text": arguments["text"]}


@skill.tool(
    "big",
    name="Big result",
    input_schema={"type": "object", "properties": {"bytes": {"type": "integer", "minimum": 0, "maximum": 1073741824}}, "required": ["bytes"], "additionalProperties": False},
)
def big(arguments, context):
    """Returns a string of that many "x", always sent as payload frames."""
    return StreamedResult("x" * arguments["bytes"])


@skill.tool(
    "ask",
    name="Ask permission",
    primitive="send",
    input_schema={"type": "object", "properties": {"description": {"type": "string", "minLength": 1}}, "required": ["description"], "additionalProperties": False},
)
def ask(arguments, context):
    """Asks the user for permission through the hub's approvals and returns the decision."""
    return {"decision": context.request_permission(arguments["description"], risk_level="medium")}


@skill.tool("crash", name="Crash", input_schema={"type": "object", "additionalProperties": False})
def crash(arguments, context):
    """Ends the process with exit code 1 in the middle of the call (to test crash handling)."""
    os._exit(1)


@skill.tool(
    "publish",
    name="Publish",
    primitive="send",
    input_schema={"type": "object", "properties": {"type": {"type": "string", "minLength": 1}, "payload": {"type": "object"}}, "required": ["type", "payload"], "additionalProperties": False},
)
def publish(arguments, context):
    """Publishes an event as this skill and returns its event_guid."""
    return {"event_guid": context.publish(arguments["type"], arguments["payload"])}


@skill.tool("seen", name="Seen events", input_schema={"type": "object", "additionalProperties": False})
def seen(arguments, context):
    """The event_guids of every notification_push this host has received, in order."""
    return {"event_guids": list(context.host.seen_event_guids)}


if __name__ == "__main__":
    skill.run()
