"""Reading `promptsync.yaml`: every rule of the config with `path:line:column` errors, keys that
look like credentials refused where they are written, fields the configured registry cannot take.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from promptsync.errors import Issue, LoadError
from promptsync.repo.locate import describe, mark
from promptsync.repo.registries import REGISTRIES
from promptsync.repo.rules import CREDENTIAL_KEY
from promptsync.repo.shape import config_ok
from promptsync.repo.yamlread import CONFIG_FIELDS, LIBYAML, DataPath, Document, parse_document

if TYPE_CHECKING:  # pydantic is imported only when the config must be validated
    from promptsync.repo.config import Config


def _at(doc: Document, path: DataPath, message: str, *, value: bool = False) -> Issue:
    """An issue at a key (or at its value)."""
    marks = (doc.value_marks, doc.key_marks) if value else (doc.key_marks, doc.value_marks)
    line, col = marks[0].get(path) or marks[1].get(path) or (0, 0)
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


def _credential_issues(doc: Document) -> list[Issue]:
    issues = []
    for path, (line, col) in sorted(doc.key_marks.items(), key=lambda kv: kv[1]):
        name = str(path[-1])
        if name == "api_key_env" and path[:1] == ("providers",):
            continue  # the name of a variable that holds a key (checked to be one)
        if CREDENTIAL_KEY.search(name):
            issues.append(
                doc.issue(
                    line,
                    col,
                    f"{name!r} looks like a credential; API keys never go in the config:"
                    f" set {key_variable(doc)} or pass --api-key-file",
                )
            )
    return issues


def parse_config(raw: bytes, path: str) -> Config:
    from promptsync.repo.config import Config
    from promptsync.repo.model_issues import validate_model

    doc = parse_document(raw, path, CONFIG_FIELDS)
    if doc.issues:
        raise LoadError(doc.issues)
    issues = _credential_issues(doc)
    if issues:
        raise LoadError(issues)
    if type(doc.data) is not dict:
        line, col = mark(doc, ())
        raise LoadError([doc.issue(line, col, f"expected a mapping, got {describe(doc.data)}")])
    config, issues = validate_model(doc, Config, lambda _loc: (list(Config.model_fields), ""))
    if config is None:
        raise LoadError(issues)
    issues = check_config(doc, config)
    if issues:
        raise LoadError(issues)
    return config


def quick_config(raw: bytes, path: str) -> dict[str, Any] | None:
    """The config's data when it is certainly valid, read without pydantic; None when only
    `parse_config` can say what is wrong with it."""
    try:
        doc = parse_document(raw, path, CONFIG_FIELDS)
    except LoadError:
        return None
    return doc.data if LIBYAML and not doc.issues and config_ok(doc.data) else None
