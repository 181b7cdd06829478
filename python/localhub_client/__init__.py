"""Local Hub client for Python: HTTP on urllib, the live tail on a minimal RFC 6455 WebSocket client."""

from .client import (
    DEFAULT_REPLAY_PAGE_SIZE,
    DEFAULT_REQUEST_TIMEOUT_S,
    DEFAULT_TAIL_MAX_RETRIES,
    DEFAULT_TAIL_RETRY_DELAY_S,
    HubClient,
    HubClientError,
    LiveTail,
)

__all__ = [
    "DEFAULT_REPLAY_PAGE_SIZE",
    "DEFAULT_REQUEST_TIMEOUT_S",
    "DEFAULT_TAIL_MAX_RETRIES",
    "DEFAULT_TAIL_RETRY_DELAY_S",
    "HubClient",
    "HubClientError",
    "LiveTail",
]
