"""Files → models, with every problem reported as `path:line:column: message`."""

from __future__ import annotations

import difflib
import os
from collections.abc import Callable, Iterable
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from promptsync import dialect
from promptsync.desired import LoadedPrompts, PromptSource
from promptsync.errors import Issue, LoadError
from promptsync.models import (
    CREDENTIAL_KEY,
    ChatMessage,
    Config,
    MediaSlot,
    PromptFile,
    Tool,
    Variable,
    format_path,
)
from promptsync.templating import formats
from promptsync.yamlread import DataPath, Document, read_document

M = TypeVar("M", bound=BaseModel)


def _prompt_keys(parent_loc: tuple[int | str, ...]) -> tuple[list[str], str]:
    """Keys allowed in the mapping at a pydantic error location, and a note for the hint."""
    names = [part for part in parent_loc if isinstance(part, str)]
    if not names:
        return list(PromptFile.model_fields), ""
    if names[0] == "messages":
        if "media_slots" in names:
            return list(MediaSlot.model_fields), ""
        if "history" in names:
            return [], " (a history placeholder has only 'kind: history')"
        return list(ChatMessage.model_fields), ""
    if names[0] == "tool_schema":
        return list(Tool.model_fields), ""
    if names[0] == "variables":
        return list(Variable.model_fields), ""
    return [], ""  # pragma: no cover - every mapping of the format is listed above


def _config_keys(parent_loc: tuple[int | str, ...]) -> tuple[list[str], str]:
    return list(Config.model_fields), ""


KeyLookup = Callable[[tuple[int | str, ...]], tuple[list[str], str]]

_EXPECTED = {
    "string_type": "a string",
    "int_type": "an integer",
    "float_type": "a number",
    "bool_type": "a boolean",
    "dict_type": "a mapping",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
    "list_type": "a list",
}


def display_path(path: Path) -> str:
    """A path as users see it in messages: relative to the working directory when inside it."""
    try:
        return Path(os.path.relpath(path)).as_posix() if path.is_absolute() else path.as_posix()
    except ValueError:  # pragma: no cover - different drive on Windows
        return path.as_posix()


_KINDS: tuple[tuple[type, str], ...] = (
    (bool, "a boolean"),
    (int, "an integer"),
    (float, "a number"),
    (str, "a string"),
    (list, "a list"),
    (dict, "a mapping"),
    (date, "a date"),
)


def _describe(value: Any) -> str:
    if value is None:
        return "null"
    return next((name for kind, name in _KINDS if isinstance(value, kind)), type(value).__name__)


def _child(data: Any, part: int | str) -> tuple[bool, Any]:
    if isinstance(data, dict) and part in data:
        return True, data[part]
    if isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data):
        return True, data[part]
    return False, None


def _data_path(data: Any, loc: tuple[int | str, ...]) -> DataPath:
    """Keep the parts of a pydantic error location that are real keys/indices of the data."""
    path: list[str | int] = []
    for part in loc:
        found, child = _child(data, part)
        if found:
            data = child
            path.append(part)
    return tuple(path)


def _value_at(data: Any, path: DataPath) -> Any:
    for part in path:
        data = data[part]
    return data


def _hint(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, [c for c in choices if c != word], n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _mark(doc: Document, path: DataPath, key: bool = False) -> tuple[int, int]:
    if key and path in doc.key_marks:
        return doc.key_marks[path]
    for end in range(len(path), -1, -1):
        if path[:end] in doc.value_marks:
            return doc.value_marks[path[:end]]
    return (0, 0)


def _prefix(path: DataPath) -> str:
    return f"{format_path(path)}: " if path else ""


def _model_issues(doc: Document, exc: ValidationError, keys: KeyLookup) -> list[Issue]:
    grouped: dict[tuple[DataPath, str], list[Any]] = {}
    for err in exc.errors():
        path = _data_path(doc.data, err["loc"])
        kind = "type" if err["type"] in _EXPECTED else err["type"]
        grouped.setdefault((path, kind), []).append(err)
    issues = []
    for (path, kind), errs in grouped.items():
        err = errs[0]
        if kind == "extra_forbidden":
            parent, name = path[:-1], str(path[-1])
            allowed, note = keys(err["loc"][:-1])
            message = f"{_prefix(parent)}unknown key {name!r}{_hint(name, allowed) or note}"
            line, col = _mark(doc, path, key=True)
        elif kind == "missing":
            missing = str(err["loc"][-1])
            message = f"{_prefix(path)}missing required key {missing!r}"
            line, col = _mark(doc, path)
        else:
            message = _prefix(path) + _explain(kind, errs, _value_at(doc.data, path))
            line, col = _mark(doc, path)
        issues.append(doc.issue(line, col, message))
    return issues


def _explain(kind: str, errs: list[Any], value: Any) -> str:
    err = errs[0]
    ctx = err.get("ctx") or {}
    if kind == "type":
        wanted = sorted({_EXPECTED[e["type"]] for e in errs}, key=list(_EXPECTED.values()).index)
        if "a number" in wanted and "an integer" in wanted:
            wanted.remove("an integer")
        options = wanted[0] if len(wanted) == 1 else ", ".join(wanted[:-1]) + " or " + wanted[-1]
        return f"expected {options}, got {_describe(value)}"
    if kind == "literal_error":
        expected = ctx.get("expected", "")
        choices = [c.strip(" '") for c in expected.replace(" or ", ",").split(",") if c.strip()]
        hint = _hint(str(value), choices) if isinstance(value, str) else ""
        return f"must be one of {', '.join(choices)}; got {value!r}{hint}"
    if kind in ("too_short", "string_too_short"):
        return "must not be empty"
    if kind == "too_long":
        return f"must have at most {ctx.get('max_length')} items"
    if kind == "string_too_long":
        return f"must be at most {ctx.get('max_length')} characters"
    if kind == "value_error":
        return str(ctx.get("error", err["msg"]))
    return str(err["msg"])


def validate_model(doc: Document, model: type[M], keys: KeyLookup) -> M:
    if not isinstance(doc.data, dict):
        line, col = _mark(doc, ())
        raise LoadError([doc.issue(line, col, f"expected a mapping, got {_describe(doc.data)}")])
    try:
        return model.model_validate(doc.data)
    except ValidationError as exc:
        raise LoadError(_model_issues(doc, exc, keys)) from None


# --- prompt files -----------------------------------------------------------------------------


def _text_position(doc: Document, path: DataPath, content: str, offset: int) -> tuple[int, int]:
    """File position of `content[offset]` for a string value, for all YAML scalar styles."""
    start, end = doc.spans.get(path, (0, 0))
    tag = content[offset : offset + 2]
    nth = content.count(tag, 0, offset) if tag else 0
    index = start
    raw = doc.text
    for _ in range(nth + 1):
        index = raw.find(tag, index, end) if tag else -1
        if index < 0:
            return _mark(doc, path)
        index += 1
    return doc.position(index - 1)


def _media_slot_issues(doc: Document, i: int, message: ChatMessage) -> list[Issue]:
    slots = [slot.placeholder_name for slot in message.media_slots or []]
    issues = []
    for j, name in enumerate(slots):
        if name in slots[:j]:
            line, col = _mark(doc, ("messages", i, "media_slots", j))
            issues.append(
                doc.issue(line, col, f"messages[{i}].media_slots: {name!r} is used twice")
            )
    return issues


def _undeclared_issues(
    doc: Document,
    i: int,
    content: str,
    use: formats.VariableUse,
    declared: Iterable[str],
    fmt: str,
) -> list[Issue]:
    issues = []
    for name in sorted(use.top_level - set(declared)):
        line, col = _text_position(
            doc, ("messages", i, "content"), content, formats.first_use(content, name, fmt)
        )
        message = f"messages[{i}].content: variable {name!r} is not declared in 'variables'"
        issues.append(doc.issue(line, col, message + _hint(name, declared)))
    return issues


def _message_issues(doc: Document, prompt: PromptFile) -> tuple[list[Issue], set[str]]:
    issues: list[Issue] = []
    used: set[str] = set()
    fmt = formats.language(prompt.template_format)
    for i, message in enumerate(prompt.messages):
        if not isinstance(message, ChatMessage):
            continue
        issues.extend(_media_slot_issues(doc, i, message))
        try:
            use = formats.validated(message.content, fmt)
        except formats.TemplateError as exc:
            path: DataPath = ("messages", i, "content")
            line, col = _text_position(doc, path, message.content, exc.position)
            issues.append(doc.issue(line, col, f"messages[{i}].content: {exc}"))
            continue
        used |= use.all
        if prompt.variables is not None:
            issues.extend(_undeclared_issues(doc, i, message.content, use, prompt.variables, fmt))
    return issues, used


def _semantic_issues(doc: Document, prompt: PromptFile) -> list[Issue]:
    issues, used = _message_issues(doc, prompt)
    names = [tool.name for tool in prompt.tool_schema or []]
    for i, name in enumerate(names):
        if name in names[:i]:
            line, col = _mark(doc, ("tool_schema", i, "name"))
            issues.append(doc.issue(line, col, f"tool_schema[{i}]: tool {name!r} is defined twice"))
    for name in sorted((prompt.variables or {}).keys() - used):
        line, col = _mark(doc, ("variables", name), key=True)
        issues.append(
            doc.issue(
                line, col, f"variables: {name!r} is declared but not used in any message", "warning"
            )
        )
    return issues


def parse_prompt(
    raw: bytes, path: str, backend: str = "freeplay"
) -> tuple[PromptSource, list[Issue]]:
    """One prompt file → model. Raises LoadError; returns warnings alongside the model."""
    doc = read_document(raw, path)
    prompt = validate_model(doc, PromptFile, _prompt_keys)
    prompt, registry_issues = dialect.check_prompt(doc, prompt, backend)
    issues = [*registry_issues, *_semantic_issues(doc, prompt)]
    if any(i.severity == "error" for i in issues):
        raise LoadError(issues)
    env_marks = tuple(
        _mark(doc, ("environments", i)) for i in range(len(prompt.environments or []))
    )
    source = PromptSource(path, prompt, env_marks, _mark(doc, ("name",)))
    return source, issues


def find_prompt_files(prompts_dir: Path) -> list[Path]:
    """Every *.yaml / *.yml below the directory, in a stable order; hidden directories skipped."""
    found: list[Path] = []
    for root, dirs, files in os.walk(prompts_dir):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        found.extend(Path(root) / f for f in files if f.endswith((".yaml", ".yml")))
    return sorted(found, key=lambda p: p.as_posix())


def _cross_file_issues(sources: list[PromptSource], managed: list[str] | None) -> list[Issue]:
    issues = []
    claims: dict[tuple[str, str], str] = {}
    envless: dict[str, str] = {}
    for src in sources:
        name = src.prompt.name
        if src.prompt.environments is None:
            if name in envless:
                line, col = src.name_mark
                issues.append(
                    Issue(
                        src.path,
                        line + 1,
                        col + 1,
                        f"template {name!r} already has a version without 'environments' in"
                        f" {envless[name]}; at most one file per template may omit it",
                    )
                )
            else:
                envless[name] = src.path
            continue
        for env, (line, col) in zip(src.prompt.environments, src.env_marks, strict=True):
            if managed is not None and env not in managed:
                issues.append(
                    Issue(
                        src.path,
                        line + 1,
                        col + 1,
                        f"environment {env!r} is not managed (promptsync.yaml environments:"
                        f" {', '.join(managed)}){_hint(env, managed)}",
                    )
                )
            elif (name, env) in claims:
                issues.append(
                    Issue(
                        src.path,
                        line + 1,
                        col + 1,
                        f"environment {env!r} of template {name!r} is already claimed by"
                        f" {claims[(name, env)]}",
                    )
                )
            else:
                claims[(name, env)] = src.path
    return issues


def load_prompts(
    prompts_dir: Path, managed: list[str] | None = None, backend: str = "freeplay"
) -> LoadedPrompts:
    """Load and check every prompt file. Raises LoadError listing all errors in all files."""
    if not prompts_dir.is_dir():
        message = "prompts directory not found (set prompts_dir in promptsync.yaml)"
        raise LoadError([Issue(display_path(prompts_dir), 0, 0, message)])
    sources: list[PromptSource] = []
    issues: list[Issue] = []
    for file in find_prompt_files(prompts_dir):
        shown = display_path(file)
        try:
            source, warnings = parse_prompt(file.read_bytes(), shown, backend)
        except LoadError as exc:
            issues.extend(exc.issues)
            continue
        except OSError as exc:
            issues.append(Issue(shown, 1, 1, f"cannot read file: {exc.strerror}"))
            continue
        sources.append(source)
        issues.extend(warnings)
    issues.extend(_cross_file_issues(sources, managed))
    if any(i.severity == "error" for i in issues):
        raise LoadError(issues)
    return LoadedPrompts(tuple(sources), tuple(sorted(issues)))


# --- config -----------------------------------------------------------------------------------


def _credential_issues(doc: Document) -> list[Issue]:
    issues = []
    for path, (line, col) in sorted(doc.key_marks.items(), key=lambda kv: kv[1]):
        name = str(path[-1])
        if CREDENTIAL_KEY.search(name):
            issues.append(
                doc.issue(
                    line,
                    col,
                    f"{name!r} looks like a credential; API keys never go in the config:"
                    f" set {dialect.key_variable(doc)} or pass --api-key-file",
                )
            )
    return issues


def parse_config(raw: bytes, path: str) -> Config:
    doc = read_document(raw, path)
    issues = _credential_issues(doc)
    if issues:
        raise LoadError(issues)
    config = validate_model(doc, Config, _config_keys)
    issues = dialect.check_config(doc, config)
    if issues:
        raise LoadError(issues)
    return config
