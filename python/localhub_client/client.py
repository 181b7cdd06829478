"""A client of a Local Hub's HTTP and WebSocket API on the standard library (docs/clients.md).

HTTP goes through urllib; the live tail through the minimal RFC 6455 client in websocket.py.
Events come back as dicts in the stored form (what the log and the live tail carry); validate
them with localhub_events.payload_model(type, version, stored=True).
"""

import json
import time
import urllib.error
import urllib.request
from typing import Any, Dict, Iterator, List, Optional
from urllib.parse import quote, urlencode, urlsplit

from . import websocket

# How long one HTTP request may take, in seconds (chat streams wait between parts as long as this).
DEFAULT_REQUEST_TIMEOUT_S = 30.0
# Wait between two attempts to reconnect the live tail, in seconds.
DEFAULT_TAIL_RETRY_DELAY_S = 0.25
# Failed reconnects in a row after which the live tail gives up.
DEFAULT_TAIL_MAX_RETRIES = 40
# Events GET /events returns per page when replaying (the hub allows up to 10,000).
DEFAULT_REPLAY_PAGE_SIZE = 1000
# Longest streamed line accepted, in bytes: the hub's envelopes are at most 1 MiB.
MAX_LINE_BYTES = 16 * 1024 * 1024


def _lines(response) -> Iterator[bytes]:
    """The answer's lines, refusing one longer than MAX_LINE_BYTES instead of buffering it."""
    while True:
        line = response.readline(MAX_LINE_BYTES + 1)
        if not line:
            return
        if len(line) > MAX_LINE_BYTES:
            raise HubClientError("E_RESOURCE_LIMIT", f"a streamed line is longer than {MAX_LINE_BYTES} bytes")
        yield line


class HubClientError(Exception):
    """A refusal from the hub (its error envelope and HTTP status) or a failure to reach it (status 0)."""

    def __init__(self, code: str, message: str, status: int = 0, details: Optional[Dict[str, Any]] = None):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status
        self.details = details


def _error_from_answer(status: int, body: bytes) -> HubClientError:
    try:
        answer = json.loads(body.decode("utf-8"))
        error = answer["error"]
        return HubClientError(str(error["code"]), str(error["message"]), status, error.get("details"))
    except (ValueError, KeyError, TypeError, AttributeError):
        return HubClientError("E_UNKNOWN", f"the hub answered HTTP {status} without an error envelope", status)


def _query(parameters: Dict[str, Any]) -> str:
    present = {key: str(value) for key, value in parameters.items() if value is not None}
    return f"?{urlencode(present)}" if present else ""


def _chunk_text(data: Any) -> Optional[str]:
    if isinstance(data, dict):
        inner = data.get("data")
        text = inner.get("text") if isinstance(inner, dict) else data.get("text")
        if isinstance(text, str):
            return text
    return None


class HubClient:
    """A client of the hub at `url` (e.g. http://127.0.0.1:8787) with its token."""

    def __init__(
        self,
        url: str,
        token: str,
        request_timeout_s: float = DEFAULT_REQUEST_TIMEOUT_S,
        tail_retry_delay_s: float = DEFAULT_TAIL_RETRY_DELAY_S,
        tail_max_retries: int = DEFAULT_TAIL_MAX_RETRIES,
        replay_page_size: int = DEFAULT_REPLAY_PAGE_SIZE,
    ):
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"url must be an absolute http(s) URL, got {url!r}")
        if not isinstance(token, str) or not token.strip():
            raise ValueError("token must be the hub token (the auth-token file in its data directory)")
        for name, value in (
            ("request_timeout_s", request_timeout_s),
            ("tail_retry_delay_s", tail_retry_delay_s),
            ("tail_max_retries", tail_max_retries),
            ("replay_page_size", replay_page_size),
        ):
            if not value > 0:
                raise ValueError(f"{name} must be positive, got {value!r}")
        self.url = url.rstrip("/")
        self.token = token.strip()
        self.request_timeout_s = request_timeout_s
        self.tail_retry_delay_s = tail_retry_delay_s
        self.tail_max_retries = tail_max_retries
        self.replay_page_size = replay_page_size

    # -- HTTP ---------------------------------------------------------------------------------

    def _open(self, method: str, path: str, body: Any = None, accept: Optional[str] = None):
        headers = {"Authorization": f"Bearer {self.token}"}
        data = None
        if body is not None:
            headers["Content-Type"] = "application/json"
            data = json.dumps(body).encode("utf-8")
        if accept is not None:
            headers["Accept"] = accept
        request = urllib.request.Request(f"{self.url}{path}", data=data, method=method, headers=headers)
        try:
            return urllib.request.urlopen(request, timeout=self.request_timeout_s)
        except urllib.error.HTTPError as error:
            with error:
                raise _error_from_answer(error.code, error.read()) from None
        except (urllib.error.URLError, OSError) as error:
            reason = getattr(error, "reason", error)
            raise HubClientError(
                "E_DEPENDENCY_UNAVAILABLE", f"{method} {path}: the hub at {self.url} did not answer ({reason})"
            ) from None

    def _data(self, method: str, path: str, body: Any = None) -> Any:
        with self._open(method, path, body) as response:
            answer = json.loads(response.read().decode("utf-8"))
        if answer.get("ok") is not True:
            raise _error_from_answer(200, json.dumps(answer).encode("utf-8"))
        return answer.get("data")

    # -- chat -----------------------------------------------------------------------------------

    def chat(self, text: str, session_id: Optional[str] = None) -> Iterator[Dict[str, Any]]:
        """POST /chat as Server-Sent Events: parts {event, data, text?}; an error part raises."""
        body: Dict[str, Any] = {"text": text}
        if session_id is not None:
            body["sessionId"] = session_id
        with self._open("POST", "/chat", body, accept="text/event-stream") as response:
            event, data_lines = "", []
            for raw in _lines(response):
                line = raw.decode("utf-8").rstrip("\r\n")
                if line == "":
                    if data_lines:
                        yield self._chat_part(event or "message", "\n".join(data_lines))
                    event, data_lines = "", []
                elif line.startswith(":"):
                    continue
                else:
                    field, _, value = line.partition(":")
                    value = value[1:] if value.startswith(" ") else value
                    if field == "event":
                        event = value
                    elif field == "data":
                        data_lines.append(value)
            if data_lines:
                yield self._chat_part(event or "message", "\n".join(data_lines))

    @staticmethod
    def _chat_part(event: str, data_text: str) -> Dict[str, Any]:
        data = json.loads(data_text)
        if event == "error":
            raise _error_from_answer(200, data_text.encode("utf-8"))
        part: Dict[str, Any] = {"event": event, "data": data}
        text = _chunk_text(data) if event == "stream.chunk" else None
        if text is not None:
            part["text"] = text
        return part

    def chat_text(self, text: str, session_id: Optional[str] = None) -> str:
        """One whole chat turn: the answer's text."""
        return "".join(part.get("text", "") for part in self.chat(text, session_id))

    # -- events ---------------------------------------------------------------------------------

    def publish(self, draft: Dict[str, Any]) -> Dict[str, Any]:
        """POST /events with one canonical draft ({type, payload, ...}); returns the receipt {id, seq?}."""
        return self._data("POST", "/events", draft)

    def replay(self, limit: Optional[int] = None, **query: Any) -> Iterator[Dict[str, Any]]:
        """GET /events as NDJSON, page after page, in seq order (query: from_, to, filter, since, ...)."""
        remaining = float("inf") if limit is None else limit
        parameters = {("from" if key == "from_" else key): value for key, value in query.items()}
        while remaining > 0:
            page = int(min(remaining, self.replay_page_size))
            count, last = 0, None
            with self._open("GET", f"/events{_query({**parameters, 'limit': page})}", accept="application/x-ndjson") as response:
                for raw in _lines(response):
                    if not raw.strip():
                        continue
                    value = json.loads(raw)
                    if value.get("ok") is False:
                        raise _error_from_answer(200, raw)
                    count += 1
                    remaining -= 1
                    last = value.get("seq")
                    yield value
            if count < page or last is None:
                return
            parameters["from"] = last + 1

    def tail(
        self,
        filter: Optional[str] = None,
        from_seq: Optional[int] = None,
        session_id: Optional[str] = None,
        trace_id: Optional[str] = None,
        source: Optional[str] = None,
    ) -> "LiveTail":
        """WS /ws/events: events as published; reconnects after a drop, resuming after the last seq.

        Used in a `with` block, the tail is connected when the block is entered, so a live tail
        (no from_seq) sees every event published inside the block. Iterated without `with`, it
        connects on the first `next()`."""
        query = {"filter": filter, "sessionId": session_id, "traceId": trace_id, "source": source}
        return LiveTail(self, {key: value for key, value in query.items() if value is not None}, from_seq)

    # -- approvals ------------------------------------------------------------------------------

    def approvals(self, status: Optional[str] = None, limit: Optional[int] = None) -> List[Dict[str, Any]]:
        """GET /approvals (status: pending, approved, denied, ...)."""
        return self._data("GET", f"/approvals{_query({'status': status, 'limit': limit})}")["approvals"]

    def approve(self, approval_id: str, reason: Optional[str] = None, confirmation_token: Optional[str] = None) -> Dict[str, Any]:
        """POST /approvals/:id/approve; a destructive action answers a confirmation token to approve with again."""
        body: Dict[str, Any] = {}
        if reason is not None:
            body["reason"] = reason
        if confirmation_token is not None:
            body["confirmationToken"] = confirmation_token
        return self._data("POST", f"/approvals/{quote(approval_id, safe='')}/approve", body)

    def deny(self, approval_id: str, reason: Optional[str] = None) -> Dict[str, Any]:
        """POST /approvals/:id/deny."""
        body = {} if reason is None else {"reason": reason}
        return self._data("POST", f"/approvals/{quote(approval_id, safe='')}/deny", body)["approval"]


class LiveTail:
    """Iterate it for events; close() it when done. After a drop it reconnects with from = last seq + 1,
    so stored events are neither lost nor repeated; ephemeral ones sent while disconnected are gone."""

    def __init__(self, client: HubClient, query: Dict[str, str], from_seq: Optional[int]):
        self._client = client
        self._query = query
        self._from = from_seq
        self._socket: Optional[websocket.WebSocket] = None
        self._closed = False
        self._connections = 0
        self.last_seq: Optional[int] = None
        self.reconnects = 0

    def _address(self) -> str:
        base = self._client.url.replace("http", "ws", 1)
        start = self._from if self.last_seq is None else self.last_seq + 1
        return f"{base}/ws/events{_query({**self._query, 'from': start})}"

    def _connect(self) -> websocket.WebSocket:
        failures = 0
        while True:
            try:
                ws = websocket.connect(
                    self._address(),
                    {"Authorization": f"Bearer {self._client.token}"},
                    timeout=self._client.request_timeout_s,
                )
                ws.settimeout(None)
                if self._connections > 0:
                    self.reconnects += 1
                self._connections += 1
                return ws
            except websocket.HandshakeRefused as refused:
                # A 4xx answer carries the hub's error envelope: final, not worth retrying.
                if 400 <= refused.status < 500:
                    raise _error_from_answer(refused.status, refused.body) from None
                reason = f"HTTP {refused.status}"
            except (OSError, websocket.WebSocketError) as error:
                reason = str(error)
            failures += 1
            if failures > self._client.tail_max_retries:
                raise HubClientError(
                    "E_DEPENDENCY_UNAVAILABLE",
                    f"the live tail of {self._client.url} could not reconnect after {failures - 1} tries ({reason})",
                )
            time.sleep(self._client.tail_retry_delay_s)

    def __iter__(self) -> "LiveTail":
        return self

    def __next__(self) -> Dict[str, Any]:
        while not self._closed:
            if self._socket is None:
                self._socket = self._connect()
            try:
                text = self._socket.recv()
            except (OSError, websocket.WebSocketError):
                text = None
            if text is None:
                if self._socket.close_code == 1008:
                    self.close()
                    raise HubClientError("E_BAD_REQUEST", "the hub closed the tail (policy)")
                self._socket = None
                continue
            event = json.loads(text)
            seq = event.get("seq")
            if isinstance(seq, int):
                if self.last_seq is not None and seq <= self.last_seq:
                    continue
                self.last_seq = seq
            return event
        raise StopIteration

    def close(self) -> None:
        self._closed = True
        if self._socket is not None:
            self._socket.close()
            self._socket = None

    def open(self) -> "LiveTail":
        """Connect now (what `with` does): a live tail delivers what is published from here on."""
        if self._socket is None and not self._closed:
            self._socket = self._connect()
        return self

    def __enter__(self) -> "LiveTail":
        return self.open()

    def __exit__(self, *exc_info: Any) -> None:
        self.close()
