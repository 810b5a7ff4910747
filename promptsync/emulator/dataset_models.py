"""Dataset, test-case and test-run request bodies, written from Freeplay's OpenAPI document.

History and output messages are the document's `UserMessage`, `SystemMessage` and
`AssistantMessage`, with content blocks `TextBlock`, `ToolResultBlock`, `ToolCallBlock`,
`ImageBlock`, `AudioBlock` and `FileBlock`. Their `role` and `type` have defaults there, so a
message or block that leaves them out is read as the first shape of the union that fits, as a
pydantic server reads an `anyOf`.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, StrictBool, StrictStr, Tag

from promptsync.emulator.record_models import MediaInput, Scalar, UUIDStr

# "Maximum 100 test cases per request" (bulk create, bulk delete and the legacy upload).
MAX_PER_REQUEST = 100


class _Body(BaseModel):
    model_config = ConfigDict(strict=True, allow_inf_nan=False)


# --- messages --------------------------------------------------------------------------------


class TextBlock(_Body):
    type: Literal["text"] = "text"
    text: StrictStr


class ToolResultBlock(_Body):
    type: Literal["tool_result"] = "tool_result"
    tool_call_id: StrictStr
    content: StrictStr | list[Block]


class ToolCallBlock(_Body):
    type: Literal["tool_call"] = "tool_call"
    id: StrictStr
    name: StrictStr
    arguments: Any
    thought_signature: StrictStr | None = None


class ImageBlock(_Body):
    type: Literal["image"] = "image"
    media_id: UUIDStr


class AudioBlock(_Body):
    type: Literal["audio"] = "audio"
    media_id: UUIDStr


class FileBlock(_Body):
    type: Literal["file"] = "file"
    media_id: UUIDStr
    filename: StrictStr | None = None


_BLOCK_KEYS = (("text", "text"), ("tool_call_id", "tool_result"), ("arguments", "tool_call"))


# Union tags are <bracketed> so that error messages can leave them out of field paths.
def _block_type(value: Any) -> str:
    if not isinstance(value, dict):
        return f"<{getattr(value, 'type', 'text')}>"
    if "type" in value:
        return f"<{value['type']}>"
    found = next((kind for key, kind in _BLOCK_KEYS if key in value), "image")
    return f"<{found}>"


Block = Annotated[
    Annotated[TextBlock, Tag("<text>")]
    | Annotated[ToolResultBlock, Tag("<tool_result>")]
    | Annotated[ToolCallBlock, Tag("<tool_call>")]
    | Annotated[ImageBlock, Tag("<image>")]
    | Annotated[AudioBlock, Tag("<audio>")]
    | Annotated[FileBlock, Tag("<file>")],
    Discriminator(
        _block_type,
        custom_error_type="block_type",
        custom_error_message="type must be text, tool_result, tool_call, image, audio or file",
    ),
]
ToolResultBlock.model_rebuild()  # its content may hold blocks


class UserMessage(_Body):
    role: Literal["user"] = "user"
    content: StrictStr | list[Block]


class SystemMessage(_Body):
    role: Literal["system"]
    content: StrictStr


class AssistantMessage(_Body):
    role: Literal["assistant"]
    content: StrictStr | list[Block]


def _role(value: Any) -> str:
    role = value.get("role", "user") if isinstance(value, dict) else getattr(value, "role", "user")
    return f"<{role}>"


Message = Annotated[
    Annotated[UserMessage, Tag("<user>")]
    | Annotated[SystemMessage, Tag("<system>")]
    | Annotated[AssistantMessage, Tag("<assistant>")],
    Discriminator(
        _role,
        custom_error_type="role",
        custom_error_message="role must be 'user', 'system' or 'assistant'",
    ),
]

# --- datasets ----------------------------------------------------------------------------------


class CreatePromptDatasetRequest(_Body):
    name: StrictStr
    description: StrictStr | None = None
    input_names: list[StrictStr] | None = None
    media_input_names: list[StrictStr] | None = None
    support_history: StrictBool = False


class UpdatePromptDatasetRequest(_Body):
    """A field left out (or null) keeps its value."""

    name: StrictStr | None = None
    description: StrictStr | None = None
    input_names: list[StrictStr] | None = None
    media_input_names: list[StrictStr] | None = None
    support_history: StrictBool | None = None


# --- test cases --------------------------------------------------------------------------------

Metadata = dict[str, Scalar]


class PromptTestCase(_Body):
    inputs: dict[str, Any]
    output: StrictStr | None = None
    metadata: Metadata | None = None
    history: list[Message] | None = None
    media_inputs: dict[str, MediaInput] | None = None


class CreatePromptTestCasesRequest(_Body):
    data: list[PromptTestCase]


class UpdatePromptTestCaseRequest(_Body):
    """A field left out (or null) keeps its value."""

    inputs: dict[str, Any] | None = None
    output: StrictStr | None = None
    metadata: Metadata | None = None
    history: list[Message] | None = None
    media_inputs: dict[str, MediaInput] | None = None


class BulkDeletePromptTestCasesRequest(_Body):
    test_case_ids: list[UUIDStr]


class TestCaseUploadWithMedia(_Body):
    """The legacy upload's test case (`POST datasets/id/{id}/test-cases`)."""

    # `InputVariable`s: any JSON value but null, at any depth (routes check the nulls, to name
    # the path of one inside a value).
    inputs: dict[str, Any]
    history: list[Message] | None = None
    output: StrictStr | None = None
    metadata: dict[str, StrictStr] | None = None
    media_inputs: dict[str, MediaInput] | None = None
    output_message: Message | None = None


class TestCasesUploadRequest(_Body):
    examples: list[TestCaseUploadWithMedia]


# --- test runs ---------------------------------------------------------------------------------


class CreateTestRunInfo(_Body):
    dataset_name: StrictStr
    include_outputs: StrictBool | None = None
    test_run_name: StrictStr | None = None
    test_run_description: StrictStr | None = None
    flavor_name: StrictStr | None = None
    target_evaluation_ids: list[UUIDStr] | None = None
