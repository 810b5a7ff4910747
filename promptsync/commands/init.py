"""`promptsync init`: a config, an example prompt and an example workflow for the chosen
registry; never overwrites."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from promptsync.errors import PromptsyncError
from promptsync.load import display_path

_FILES = {
    "promptsync.yaml": "promptsync.yaml",
    "prompts/example_assistant.yaml": "example.yaml",
    ".github/workflows/promptsync.yml": "workflow.yml",
}


_NEXT = {
    "freeplay": "Next: set project_id in promptsync.yaml, then run `promptsync validate`.",
    "promptlayer": "Next: set PROMPTLAYER_API_KEY, then run `promptsync validate` and"
    " `promptsync plan`.",
}


def run_init(directory: Path, backend: str = "freeplay") -> int:
    folder = "" if backend == "freeplay" else f"{backend}/"
    targets = {directory / rel: folder + source for rel, source in _FILES.items()}
    existing = [display_path(path) for path in targets if path.exists()]
    if existing:
        raise PromptsyncError(f"init: {', '.join(existing)} already exist(s); nothing was written")
    package = resources.files("promptsync") / "init_files"
    for path, source in targets.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text((package / source).read_text(encoding="utf-8"), encoding="utf-8")
        print(f"created {display_path(path)}")
    print(_NEXT[backend])
    return 0
