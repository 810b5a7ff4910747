"""What each registry's files may say beyond the common format, as located errors. Pure.

The prompt file and the config are one format for every registry; a field only one registry
understands is an error, at its line and column, when the config names another one.
"""

from __future__ import annotations

from promptsync.errors import Issue
from promptsync.models import Config
from promptsync.registries import REGISTRIES
from promptsync.yamlread import DataPath, Document


def _at(doc: Document, path: DataPath, message: str) -> Issue:
    """An issue at a key (or, failing that, at its value)."""
    line, col = doc.key_marks.get(path) or doc.value_marks.get(path) or (0, 0)
    return doc.issue(line, col, message)


def check_config(doc: Document, config: Config) -> list[Issue]:
    """Config fields that do not apply to the configured registry."""
    if config.backend == "promptlayer" and config.project_id is not None:
        return [
            _at(
                doc,
                ("project_id",),
                "project_id does not apply to backend: promptlayer (a PromptLayer API key is"
                " one workspace); remove it",
            )
        ]
    return []


def key_variable(doc: Document) -> str:
    """The API key variable of the registry a config names (Freeplay's when it names none)."""
    backend = doc.data.get("backend") if isinstance(doc.data, dict) else None
    registry = REGISTRIES.get(backend if isinstance(backend, str) else "freeplay")
    return (registry or REGISTRIES["freeplay"]).key_variable
