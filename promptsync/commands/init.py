"""`promptsync init`: a config, an example prompt and an example workflow for the chosen
registry; never overwrites.

GitHub reads workflows only at the repository root: in a subdirectory of a git repository the
workflow goes to the root's `.github/workflows/`, running in that subdirectory.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from promptsync import console
from promptsync.errors import PromptsyncError
from promptsync.kinds.prompts.load import display_path
from promptsync.repo.files import write_atomically

WORKFLOW = Path(".github/workflows/promptsync.yml")
_NEXT = {
    "freeplay": "Next: set project_id in promptsync.yaml; export FREEPLAY_API_KEY (and create the"
    " repository secret FREEPLAY_API_KEY for the workflow); then run `promptsync validate` and"
    " `promptsync plan` (docs/getting-started.md).",
    "promptlayer": "Next: export PROMPTLAYER_API_KEY (and create the repository secret"
    " PROMPTLAYER_API_KEY for the workflow); then run `promptsync validate` and"
    " `promptsync plan` (docs/getting-started.md).",
}


def _git_root(directory: Path) -> Path | None:
    for candidate in (directory, *directory.parents):
        if (candidate / ".git").exists():
            return candidate
    return None


def _workflow(text: str, subdirectory: str) -> str:
    if not subdirectory:
        return text
    text = text.replace(
        '"prompts/**", "datasets/**", "evals/**", "promptsync.yaml"', f'"{subdirectory}/**"'
    )
    for command in ("plan", "apply"):
        text = text.replace(
            f"          command: {command}\n",
            f"          command: {command}\n          working-directory: {subdirectory}\n",
        )
    return text


def run_init(directory: Path, backend: str = "freeplay") -> int:
    if directory.exists() and not directory.is_dir():
        raise PromptsyncError(f"init --dir {display_path(directory)}: is a file, not a directory")
    root = _git_root(directory.resolve())
    subdirectory = directory.resolve().relative_to(root).as_posix() if root else "."
    subdirectory = "" if subdirectory == "." else subdirectory
    workflow_at = (root / WORKFLOW) if root and subdirectory else directory / WORKFLOW
    folder = "" if backend == "freeplay" else f"{backend}/"
    targets = {
        directory / "promptsync.yaml": folder + "promptsync.yaml",
        directory / "prompts" / "example_assistant.yaml": folder + "example.yaml",
        workflow_at: folder + "workflow.yml",
    }
    existing = [display_path(path) for path in targets if path.exists()]
    if existing:
        raise PromptsyncError(f"init: {', '.join(existing)} already exist(s); nothing was written")
    package = resources.files("promptsync") / "init_files"
    for path, source in targets.items():
        text = (package / source).read_text(encoding="utf-8")
        if source.endswith("workflow.yml"):
            text = _workflow(text, subdirectory)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise PromptsyncError(
                f"init: cannot create {display_path(path.parent)}: {exc.strerror}"
            ) from None
        write_atomically(path, text)
        console.out(f"created {display_path(path)}\n")
    if subdirectory:
        console.out(
            f"note: GitHub reads workflows only at the repository root, so the workflow is in"
            f" {display_path(workflow_at)} and runs in {subdirectory}\n"
        )
    console.out(_NEXT[backend] + "\n")
    return 0
