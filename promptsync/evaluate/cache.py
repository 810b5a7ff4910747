"""The model-response cache: `.promptsync/cache/responses/<k[:2]>/<key>.json`, one small file per
answer, keyed by everything that decides it (`ModelRequest.key`: the endpoint, provider, model,
parameters, rendered messages, tools and output schema — never a key). Pushing again to a pull
request pays only for what changed; the baseline is almost always a hit.

Only answers are kept, never errors. Each file is written whole or not at all (an interrupted
run leaves no half-written entry), and an entry that cannot be read is a miss.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

from promptsync.evaluate.checks import Answer
from promptsync.repo.files import cache_directory, write_atomically

FORMAT = 1


class ResponseCache:
    def __init__(self, directory: Path | None) -> None:
        """`directory` None: no cache (every request is a call)."""
        self.directory = directory

    def _path(self, key: str) -> Path:
        assert self.directory is not None
        return self.directory / key[:2] / f"{key}.json"

    def get(self, key: str) -> Answer | None:
        if self.directory is None:
            return None
        try:
            data = json.loads(self._path(key).read_bytes())
        except (OSError, ValueError):
            return None
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            return None
        try:
            return Answer(
                text=str(data["text"]),
                tool_calls=tuple(str(t) for t in data.get("tool_calls", [])),
                input_tokens=int(data.get("input_tokens", 0)),
                output_tokens=int(data.get("output_tokens", 0)),
            )
        except (KeyError, TypeError, ValueError):
            return None

    def put(self, key: str, answer: Answer) -> None:
        if self.directory is None:
            return
        path = self._path(key)
        assert self.directory is not None
        cache_directory(self.directory.parent)  # .promptsync/cache: ignored by git
        path.parent.mkdir(parents=True, exist_ok=True)
        data = {"format": FORMAT, **asdict(answer), "tool_calls": list(answer.tool_calls)}
        write_atomically(path, json.dumps(data, ensure_ascii=False))
