"""A small JSON Schema (draft 2020-12 subset) checker, enough for the frame schema's keywords.

It reports the first problem as data: JSON pointer path, what was expected and what was there, the
same shape the TypeScript side puts into an invalid_frame error.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Mapping, Optional



@dataclass(frozen=True)
class Issue:
    path: str
    expected: str
    got: str

    def as_details(self) -> dict:
        return {"path": self.path, "expected": self.expected, "got": self.got}


def pointer_token(key: object) -> str:
    text = str(key)
    if "~" not in text and "/" not in text:
        return text
    return text.replace("~", "~0").replace("/", "~1")


def render(value: Any, limit: int = 80) -> str:
    """A short rendering of a value for error messages (never the whole of a big value)."""
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError, RecursionError):
        text = f"a {json_type(value)} nested too deeply to show" if isinstance(value, (dict, list)) else repr(value)[:limit]
    return text if len(text) <= limit else text[: limit - 1] + "…"


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "integer" if value.is_integer() else "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


# Values from json.loads have exactly these Python types (bool is not taken for int here).
_EXACT_TYPES = {"string": str, "object": dict, "array": list, "boolean": bool}


def _type_matches(wanted: str, value: Any) -> bool:
    exact = _EXACT_TYPES.get(wanted)
    if exact is not None:
        return type(value) is exact
    actual = json_type(value)
    return actual == wanted or (wanted == "number" and actual == "integer")


def _length(text: str) -> int:
    # JSON Schema counts code points; Python strings are code points already.
    return len(text)


class SchemaChecker:
    """Checks values against schemas that may $ref into one document's $defs."""

    def __init__(self, document: Mapping[str, Any]):
        self._document = document

    def _resolve(self, reference: str) -> Mapping[str, Any]:
        if not reference.startswith("#/"):
            raise ValueError(f"only local references are supported, got {reference}")
        node: Any = self._document
        for token in reference[2:].split("/"):
            node = node[token.replace("~1", "/").replace("~0", "~")]
        return node

    def first_issue(self, schema: Mapping[str, Any], value: Any, path: str = "") -> Optional[Issue]:
        if schema is True or schema == {}:
            return None
        if schema is False:
            return Issue(path, "nothing (no such field)", render(value))
        if "$ref" in schema:
            issue = self.first_issue(self._resolve(schema["$ref"]), value, path)
            if issue:
                return issue
        if "anyOf" in schema:
            issues = [self.first_issue(option, value, path) for option in schema["anyOf"]]
            if all(issues):
                # The deepest issue is the most telling (e.g. a string that is too long, not "null").
                deepest = max(issues, key=lambda issue: (len(issue.path), issue is not issues[0]))  # type: ignore[union-attr]
                if deepest.path != path:  # type: ignore[union-attr]
                    return deepest
                return Issue(path, " or ".join(issue.expected for issue in issues), render(value))  # type: ignore[union-attr]
        if "type" in schema and not _type_matches(schema["type"], value):
            return Issue(path, schema["type"], f"{json_type(value)} {render(value)}")
        if "const" in schema and value != schema["const"]:
            return Issue(path, render(schema["const"]), render(value))
        if "enum" in schema and value not in schema["enum"]:
            return Issue(path, "one of " + ", ".join(render(option) for option in schema["enum"]), render(value))
        if isinstance(value, str):
            if "minLength" in schema and _length(value) < schema["minLength"]:
                return Issue(path, f"a string of at least {schema['minLength']} characters", render(value))
            if "maxLength" in schema and _length(value) > schema["maxLength"]:
                return Issue(path, f"a string of at most {schema['maxLength']} characters", f"{_length(value)} characters")
        if type(value) in (int, float):
            if "minimum" in schema and value < schema["minimum"]:
                return Issue(path, f"a number >= {schema['minimum']}", render(value))
            if "exclusiveMinimum" in schema and value <= schema["exclusiveMinimum"]:
                return Issue(path, f"a number > {schema['exclusiveMinimum']}", render(value))
            if "maximum" in schema and value > schema["maximum"]:
                return Issue(path, f"a number <= {schema['maximum']}", render(value))
        if isinstance(value, list):
            if "minItems" in schema and len(value) < schema["minItems"]:
                return Issue(path, f"an array of at least {schema['minItems']} items", f"{len(value)} items")
            if "maxItems" in schema and len(value) > schema["maxItems"]:
                return Issue(path, f"an array of at most {schema['maxItems']} items", f"{len(value)} items")
            if "items" in schema:
                for index, item in enumerate(value):
                    issue = self.first_issue(schema["items"], item, f"{path}/{index}")
                    if issue:
                        return issue
        if isinstance(value, dict):
            for name in schema.get("required", ()):
                if name not in value:
                    return Issue(f"{path}/{pointer_token(name)}", "a value (required)", "nothing")
            properties = schema.get("properties", {})
            for name, item in value.items():
                child = f"{path}/{pointer_token(name)}"
                if name in properties:
                    issue = self.first_issue(properties[name], item, child)
                elif "additionalProperties" in schema:
                    extra = schema["additionalProperties"]
                    if extra is False:
                        return Issue(child, "no such field (known: " + ", ".join(properties) + ")", render(item))
                    issue = self.first_issue(extra, item, child) if isinstance(extra, dict) else None
                else:
                    issue = None
                if issue:
                    return issue
        return None


