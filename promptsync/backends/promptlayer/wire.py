"""PromptLayer's JSON ↔ promptsync's neutral types. Pure: no I/O, no httpx.

A tolerant reader: unknown fields are ignored, and so are known ones that do not change what a
model is sent (block ids, annotations, `display_params`, `api_type`, the derived
`input_variables`). Each item of a list is read on its own; one promptsync cannot write back
as a prompt file (a completion template, a developer or tool message, an image block, a
built-in tool, a `strict` tool, a boolean parameter, …) becomes an `Unreadable` entry naming
what, never an error for the whole response.

A version is named by its template id and number (`"12:v3"`): the list endpoint returns the
number but not the version's own id, and labels are moved by number.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from promptsync.backends.replies import (
    ShapeError,
    Unmodellable,
    kind,
    load_json,
    optional_object,
)
from promptsync.kinds.prompts.changes import CreateVersion
from promptsync.kinds.prompts.identity import make_content, message, remote_version, tools
from promptsync.kinds.prompts.models import ChatMessage
from promptsync.kinds.prompts.remote import RemoteVersion, Unreadable
from promptsync.repo.rules import DEFAULT_TEMPLATE_FORMAT, ROLES
from promptsync.templating import formats

HISTORY = "history"  # the placeholder message promptsync's `kind: history` stands for
TEMPLATE_FORMATS = ("f-string", "jinja2")


def version_ref(template_id: str, number: int) -> str:
    """The id promptsync gives a version: its template's id and its number."""
    return f"{template_id}:v{number}"


def parse_version_ref(version_id: str) -> int:
    """The version number in a `version_ref`; raises ShapeError for anything else."""
    _template, sep, number = version_id.rpartition(":v")
    if not sep or not number.isdigit():
        raise ShapeError(f"{version_id!r} is not a PromptLayer version (<template id>:v<number>)")
    return int(number)


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise Unmodellable(f"{where} is {kind(value)}, not text")
    if not value:
        raise Unmodellable(f"{where} is empty")
    return value


def _block_text(content: Any, where: str) -> str:
    """A message's content: exactly one text block."""
    if not isinstance(content, list) or len(content) != 1:
        count = f"{len(content)} content blocks" if isinstance(content, list) else kind(content)
        raise Unmodellable(f"{where}.content is {count}, not one text block")
    block = content[0]
    if not isinstance(block, dict) or block.get("type", "text") != "text":
        block_type = block.get("type") if isinstance(block, dict) else kind(block)
        raise Unmodellable(f"{where}.content[0] is a {block_type!r} block, not text")
    text = block.get("text")
    if not isinstance(text, str):
        raise Unmodellable(f"{where}.content[0].text is {kind(text)}, not text")
    return text


def _messages(raw: Any) -> tuple[list[dict[str, Any]], str]:
    """Normalized messages and the one template format they share."""
    if not isinstance(raw, list):
        raise Unmodellable(f"prompt_template.messages is {kind(raw)}, not a list")
    out: list[dict[str, Any]] = []
    seen: list[str] = []
    for i, m in enumerate(raw):
        where = f"prompt_template.messages[{i}]"
        if not isinstance(m, dict):
            raise Unmodellable(f"{where} is {kind(m)}, not a message")
        role = m.get("role")
        if role == "placeholder":
            if m.get("name") != HISTORY:
                raise Unmodellable(
                    f"{where} is a placeholder named {m.get('name')!r}; prompt files express"
                    f" only the one named {HISTORY!r} (kind: history)"
                )
            out.append(message(None, None, HISTORY, None))
            continue
        if role not in ROLES:
            raise Unmodellable(f"{where}.role is {role!r}; prompt files have {', '.join(ROLES)}")
        for key in ("name", "tool_calls", "function_call"):
            if m.get(key) is not None:
                raise Unmodellable(f"{where}.{key} is set, which prompt files cannot express")
        fmt = m.get("template_format", DEFAULT_TEMPLATE_FORMAT)
        if fmt not in TEMPLATE_FORMATS:
            raise Unmodellable(f"{where}.template_format is {fmt!r}, not f-string or jinja2")
        seen.append(fmt)
        out.append(message(role, _block_text(m.get("content"), where), None, None))
    if len(set(seen)) > 1:
        raise Unmodellable(f"messages mix template formats ({', '.join(sorted(set(seen)))})")
    return out, seen[0] if seen else DEFAULT_TEMPLATE_FORMAT


def _tools(template: Mapping[str, Any]) -> list[dict[str, Any]] | None:
    if template.get("functions"):
        raise Unmodellable("prompt_template.functions (legacy functions) cannot be expressed")
    for key in ("tool_choice", "function_call"):
        if template.get(key) is not None:
            raise Unmodellable(f"prompt_template.{key} is set, which prompt files cannot express")
    raw = template.get("tools")
    if raw is None:
        return None
    if not isinstance(raw, list):
        raise Unmodellable(f"prompt_template.tools is {kind(raw)}, not a list")
    found = []
    for i, tool in enumerate(raw):
        where = f"prompt_template.tools[{i}]"
        if not isinstance(tool, dict) or tool.get("type", "function") != "function":
            tool_type = tool.get("type") if isinstance(tool, dict) else kind(tool)
            raise Unmodellable(f"{where} is a {tool_type!r} tool; prompt files have function tools")
        function = optional_object(tool.get("function"), f"{where}.function")
        if function is None:
            raise Unmodellable(f"{where}.function is missing")
        if function.get("strict"):
            raise Unmodellable(
                f"{where}.function.strict is true, which prompt files cannot express"
            )
        description = function.get("description", "")
        parameters = function.get("parameters", {"type": "object", "properties": {}})
        if not isinstance(description, str):
            raise Unmodellable(f"{where}.function.description is {kind(description)}, not text")
        found.append(
            {
                "name": _text(function.get("name"), f"{where}.function.name"),
                "description": description,
                "parameters": optional_object(parameters, f"{where}.function.parameters"),
            }
        )
    return tools(found)


def _sent_as_written(model: Mapping[str, Any]) -> None:
    """Model settings that change the request PromptLayer makes, which the files cannot express:
    another API (`api_type`: responses, images, ...) or a base model (a fine-tune's)."""
    api_type = model.get("api_type")
    if api_type not in (None, "chat.completions"):
        raise Unmodellable(
            f"metadata.model.api_type is {api_type!r}, which prompt files cannot express"
            " (they are chat completions)"
        )
    base = model.get("base_model")
    if base is not None and base != model.get("name"):
        raise Unmodellable("metadata.model.base_model is set, which prompt files cannot express")


def _parameters(raw: Any) -> dict[str, Any]:
    params = optional_object(raw, "metadata.model.parameters") or {}
    for key, value in params.items():
        if value is None or isinstance(value, bool | list):
            raise Unmodellable(
                f"metadata.model.parameters.{key} is {kind(value)}, which llm_parameters"
                " cannot hold (strings, numbers and mappings only)"
            )
    return params


def _number(value: Any, where: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        found = kind(value) if value is not None else "missing"
        raise Unmodellable(f"{where} is {found}, not a number")
    return value


def _template_id(value: Any) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, str) and value:
        return value
    raise Unmodellable(f"id is {kind(value)}, not a template id")


def read_version(raw: Mapping[str, Any], number_key: str = "version") -> RemoteVersion:
    """One version (a list item, a get or a publish response); raises Unmodellable."""
    template = optional_object(raw.get("prompt_template"), "prompt_template") or {}
    if template.get("type", "chat") != "chat":
        raise Unmodellable(f"a {template.get('type')!r} template; prompt files are chat templates")
    messages, fmt = _messages(template.get("messages"))
    metadata = optional_object(raw.get("metadata"), "metadata") or {}
    model = optional_object(metadata.get("model"), "metadata.model")
    if model is None:
        raise Unmodellable("metadata.model is missing, so it has no provider and model")
    _sent_as_written(model)
    content = make_content(
        messages=messages,
        provider=_text(model.get("provider"), "metadata.model.provider"),
        model=_text(model.get("name"), "metadata.model.name"),
        llm_parameters=_parameters(model.get("parameters")),
        tool_schema=_tools(template),
        output_schema=None,
        template_format=fmt,
    )
    template_id = _template_id(raw.get("id"))
    number = _number(raw.get(number_key), number_key)
    commit = raw.get("commit_message")
    if commit is not None and not isinstance(commit, str):
        raise Unmodellable(f"commit_message is {kind(commit)}, not text")
    return remote_version(
        template_id=template_id,
        version_id=version_ref(template_id, number),
        name=_text(raw.get("prompt_name"), "prompt_name"),
        content=content,
        version_description=commit,
        number=number,
    )


@dataclass(frozen=True)
class Page:
    """One page of `GET /prompt-templates`."""

    versions: dict[str, RemoteVersion]
    unreadable: dict[str, Unreadable]
    has_next: bool
    pages: int | None


def read_page(raw: bytes, cache: dict[str, RemoteVersion] | None = None) -> Page:
    """The body of `GET /prompt-templates` → the versions on that page.

    `cache` (version ref → version) lets the lists of one plan share the versions they have in
    common, so each is normalized and hashed once.
    """
    data = load_json(raw)
    items = data.get("items") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise ShapeError("unexpected response shape: no list 'items'")
    assert isinstance(data, dict)
    versions: dict[str, RemoteVersion] = {}
    unreadable: dict[str, Unreadable] = {}
    for i, item in enumerate(items):
        name = item.get("prompt_name") if isinstance(item, dict) else None
        if not isinstance(name, str):
            shown = kind(name) if name is not None else "missing"
            raise ShapeError(f"unexpected response shape at items.{i}.prompt_name: {shown}")
        assert isinstance(item, dict)
        ref = _cache_key(item)
        cached = cache.get(ref) if cache is not None and ref is not None else None
        if cached is not None and cached.name == name:
            versions[name] = cached
            continue
        try:
            version = read_version(item)
        except (Unmodellable, RecursionError) as exc:
            template_id = item.get("id")
            unreadable[name] = Unreadable(
                name,
                str(exc),
                str(template_id) if isinstance(template_id, int | str) else None,
                ref,
            )
            continue
        versions[name] = version
        if cache is not None:
            cache[version.version_id] = version
    pages = data.get("pages")
    has_next = data.get("has_next")
    if not isinstance(has_next, bool):  # a looser server: fall back on the page count
        page = data.get("page")
        has_next = isinstance(page, int) and isinstance(pages, int) and page < pages
    return Page(versions, unreadable, has_next, pages if isinstance(pages, int) else None)


def _cache_key(item: Mapping[str, Any]) -> str | None:
    template_id, number = item.get("id"), item.get("version")
    if isinstance(template_id, int | str) and isinstance(number, int):
        return version_ref(str(template_id), number)
    return None


def read_answer(payload: Any, number_key: str = "version") -> RemoteVersion:
    """A publish (`version_number`) or get (`version`) response → the version it holds."""
    if not isinstance(payload, dict):
        raise ShapeError("unexpected response shape: not an object")
    try:
        return read_version(payload, number_key)
    except (Unmodellable, RecursionError) as exc:
        raise ShapeError(f"unexpected response shape: {exc}") from None


@dataclass(frozen=True)
class Label:
    id: int
    number: int


def read_labels(payload: Any) -> dict[str, Label]:
    """`GET /prompt-templates/{id}/labels` → label name → (label id, version number)."""
    rows = payload.get("release_labels") if isinstance(payload, dict) else None
    if not isinstance(rows, list):
        raise ShapeError("unexpected response shape: no list 'release_labels'")
    found: dict[str, Label] = {}
    for row in rows:
        if not isinstance(row, dict):
            continue
        name, label_id = row.get("release_label"), row.get("release_label_id")
        number = row.get("prompt_version_number")
        if isinstance(name, str) and isinstance(label_id, int) and isinstance(number, int):
            found[name] = Label(label_id, number)
    return found


class Unpublishable(ValueError):
    """Content PromptLayer cannot hold (a plan made for it never has any)."""


def _chat_message(m: Any, fmt: str) -> tuple[dict[str, Any], list[str]]:
    if not isinstance(m, ChatMessage):
        return {"role": "placeholder", "name": HISTORY, "template_format": fmt}, []
    if m.media_slots:
        raise Unpublishable("PromptLayer cannot express media slots")
    try:
        used = sorted(formats.variables(m.content, fmt).required)
    except formats.TemplateError:
        used = []
    body = {
        "role": m.role,
        "content": [{"type": "text", "text": m.content}],
        "template_format": fmt,
        "input_variables": used,
    }
    return body, used


# A custom metadata field (PromptLayer's `Metadata` allows them) holding a token unique to one
# publish: after an unanswered publish, the version carrying it is this publish's own, however
# many others were published meanwhile. Not part of any version's identity.
MARKER = "promptsync_publish"


def marker_of(payload: Any) -> str | None:
    """The publish token a version (a get response) carries, if any."""
    metadata = payload.get("metadata") if isinstance(payload, dict) else None
    token = metadata.get(MARKER) if isinstance(metadata, dict) else None
    return token if isinstance(token, str) else None


def publish_body(op: CreateVersion, marker: str | None = None) -> dict[str, Any]:
    """The body of `POST /rest/prompt-templates` for a create operation (with `marker`: the
    token that finds this publish again, see MARKER)."""
    c = op.content
    if c.output_schema is not None or c.version_name is not None:
        raise Unpublishable("PromptLayer has no output schema or version name")
    fmt = c.template_format or DEFAULT_TEMPLATE_FORMAT
    messages, variables = [], set()
    for m in c.messages:
        item, used = _chat_message(m, fmt)
        messages.append(item)
        variables.update(used)
    template: dict[str, Any] = {
        "type": "chat",
        "messages": messages,
        "input_variables": sorted(variables),
    }
    if c.tool_schema:
        template["tools"] = [
            {
                "type": "function",
                "function": {
                    "name": t.name,
                    "description": t.description,
                    "parameters": t.parameters,
                },
            }
            for t in c.tool_schema
        ]
    body: dict[str, Any] = {
        "prompt_template": {"prompt_name": op.name},
        "prompt_version": {
            "prompt_template": template,
            "commit_message": c.version_description,
            "metadata": {
                "model": {
                    "provider": c.provider,
                    "name": c.model,
                    "parameters": dict(c.llm_parameters or {}),
                }
            },
        },
    }
    if marker is not None:
        body["prompt_version"]["metadata"][MARKER] = marker
    if op.environments:  # none: the new version is only the latest
        body["release_labels"] = list(op.environments)
    return body
