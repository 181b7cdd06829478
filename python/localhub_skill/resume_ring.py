"""The bounded ring of numbered outbound frames a side keeps so it can replay them after a resume."""

from __future__ import annotations

from collections import deque
from typing import Deque, List, Optional, Tuple


class ResumeRing:
    def __init__(self, capacity: int):
        self._frames: Deque[Tuple[int, bytes]] = deque(maxlen=capacity)

    def add(self, frame_seq: int, line: bytes) -> None:
        self._frames.append((frame_seq, line))

    def after(self, last_seen: int, newest: int) -> Optional[List[bytes]]:
        """The lines with frame_seq > last_seen, unchanged; None when some of them were evicted."""
        if last_seen >= newest:
            return []
        if not self._frames or self._frames[0][0] > last_seen + 1:
            return None
        return [line for seq, line in self._frames if seq > last_seen]

    def __len__(self) -> int:
        return len(self._frames)
