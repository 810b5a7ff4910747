"""What each registry's files may say beyond the common format, as located errors. Pure.

The prompt file and the config are one format for every registry; a field only one registry
understands is an error, at its line and column, when the config names another one:
`template_format` is PromptLayer's; media slots, `output_schema` and `version_name` have no
PromptLayer field (see docs/promptlayer.md), and its commit message, which a
`version_description` becomes, holds at most 72 characters. On PromptLayer an omitted
`template_format` is filled in as `f-string` (PromptLayer's default), so that a file and the
version it describes normalize alike.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from promptsync.errors import Issue
from promptsync.repo.rules import DEFAULT_TEMPLATE_FORMAT
from promptsync.repo.yamlread import DataPath, Document
from promptsync.templating.formats import MUSTACHE

if TYPE_CHECKING:  # the models (pydantic) are imported only when a file is built
    from promptsync.kinds.prompts.models import PromptFile


COMMIT_MESSAGE_LIMIT = 72  # PromptLayer's PromptVersion.commit_message maxLength


def _at(doc: Document, path: DataPath, message: str, *, value: bool = False) -> Issue:
    """An issue at a key (or at its value)."""
    marks = (doc.value_marks, doc.key_marks) if value else (doc.key_marks, doc.value_marks)
    line, col = marks[0].get(path) or marks[1].get(path) or (0, 0)
    return doc.issue(line, col, message)


def _freeplay(doc: Document, prompt: PromptFile) -> tuple[PromptFile, list[Issue]]:
    if prompt.template_format is None:
        return prompt, []
    issue = _at(
        doc,
        ("template_format",),
        "template_format is PromptLayer's (f-string or jinja2); Freeplay templates are always"
        " mustache: remove it",
    )
    # Check the messages as what they are on Freeplay: mustache.
    return prompt.model_copy(update={"template_format": None}), [issue]


def _promptlayer(doc: Document, prompt: PromptFile) -> tuple[PromptFile, list[Issue]]:
    from promptsync.kinds.prompts.models import ChatMessage

    issues = []
    for i, message in enumerate(prompt.messages):
        if isinstance(message, ChatMessage) and message.media_slots is not None:
            issues.append(
                _at(
                    doc,
                    ("messages", i, "media_slots"),
                    f"messages[{i}].media_slots: PromptLayer cannot express media slots (its"
                    " media_variable block has a name but no media type); remove them",
                )
            )
    if prompt.output_schema is not None:
        issues.append(
            _at(
                doc,
                ("output_schema",),
                "output_schema: PromptLayer has no output-schema field; put the provider's own"
                " structured-output parameter in llm_parameters (e.g. response_format for"
                " OpenAI)",
            )
        )
    if prompt.version_name is not None:
        issues.append(
            _at(
                doc,
                ("version_name",),
                "version_name: PromptLayer versions have no name (only a number and a commit"
                " message); remove it, or use version_description (the commit message)",
            )
        )
    description = prompt.version_description
    if description is not None and len(description) > COMMIT_MESSAGE_LIMIT:
        issues.append(
            _at(
                doc,
                ("version_description",),
                f"version_description: becomes PromptLayer's commit message, which holds at"
                f" most {COMMIT_MESSAGE_LIMIT} characters; this one has {len(description)}",
                value=True,
            )
        )
    if prompt.template_format is None:
        prompt = prompt.model_copy(update={"template_format": DEFAULT_TEMPLATE_FORMAT})
    return prompt, issues


def check_prompt(doc: Document, prompt: PromptFile, backend: str) -> tuple[PromptFile, list[Issue]]:
    """The prompt as the registry reads it (defaults filled in), and the fields it cannot take."""
    if backend == "promptlayer":
        return _promptlayer(doc, prompt)
    return _freeplay(doc, prompt)


def template_language(data: dict[str, Any], prompt: PromptFile | None, backend: str) -> str:
    """The language a file's messages are written in: mustache on Freeplay; the file's
    `template_format` (default f-string) on PromptLayer — read from the raw data when the
    file is not valid enough to be a model, so its messages are still checked."""
    if backend != "promptlayer":
        return MUSTACHE
    if prompt is not None and prompt.template_format is not None:
        return prompt.template_format
    declared = data.get("template_format")
    return declared if declared in ("f-string", "jinja2") else DEFAULT_TEMPLATE_FORMAT
