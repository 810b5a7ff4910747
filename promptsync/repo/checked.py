"""The checked-files cache (`.promptsync/cache/files.json`), as ruff and mypy keep one: the data
of every prompt file found valid, with no warning, keyed by a hash of its bytes (and of the
promptsync version and registry that checked it). A file whose bytes are in it is not parsed
again. Safe to delete; `PROMPTSYNC_CACHE=off` turns it off; a cache that cannot be read is
empty, and one that cannot be written is left as it was (a plan never fails for it).
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from pathlib import Path
from typing import Any

from promptsync import __version__
from promptsync.errors import PromptsyncError
from promptsync.repo.files import cache_directory, write_atomically

FORMAT = 1
MAX_ENTRIES = 100_000


class CheckedFiles:
    def __init__(self, path: Path | None, registry: str) -> None:
        self.path = None if os.environ.get("PROMPTSYNC_CACHE") == "off" else path
        self.salt = f"{FORMAT}:{__version__}:{registry}:".encode()
        self.entries: dict[str, Any] = {}
        self.used: set[str] = set()
        self.dirty = False
        self._lock = threading.Lock()
        if self.path is not None:
            try:
                data = json.loads(self.path.read_bytes())
            except (OSError, ValueError):
                data = None
            if isinstance(data, dict) and isinstance(data.get("entries"), dict):
                self.entries = data["entries"]

    def key(self, raw: bytes) -> str:
        return hashlib.sha256(self.salt + raw).hexdigest()

    def get(self, raw: bytes) -> Any | None:
        key = self.key(raw)
        found = self.entries.get(key)
        if found is not None:
            with self._lock:
                self.used.add(key)
        return found

    def add(self, raw: bytes, data: Any) -> None:
        key = self.key(raw)
        with self._lock:
            self.used.add(key)
            if key not in self.entries:
                self.entries[key] = data
                self.dirty = True

    def save(self) -> None:
        """Keep the entries this run used (so deleted files do not pile up)."""
        if self.path is None or not (self.dirty or len(self.used) < len(self.entries)):
            return
        kept = {k: v for k, v in self.entries.items() if k in self.used}
        if len(kept) > MAX_ENTRIES:
            return
        try:
            cache_directory(self.path.parent)
            write_atomically(self.path, json.dumps({"entries": kept}, separators=(",", ":")))
        except (OSError, PromptsyncError):
            pass  # a cache is an optimization: never a reason to fail
