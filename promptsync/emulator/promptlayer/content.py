"""Message content blocks, written from PromptLayer's OpenAPI schemas (`TextContent` and kin).

Validated like PromptLayer's FastAPI server does: lax types, unknown keys dropped, defaults
filled in, the `type` discriminator required.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field


class WebAnnotation(BaseModel):
    type: Literal["url_citation"]
    title: str
    url: str
    start_index: int
    end_index: int
    cited_text: str | None = None
    encrypted_index: str | None = None


class FileAnnotation(BaseModel):
    type: Literal["file_citation"]
    index: int
    file_id: str
    filename: str


class MapAnnotation(BaseModel):
    type: Literal["map_citation"]
    title: str
    url: str
    place_id: str | None = None
    start_index: int
    end_index: int
    cited_text: str | None = None


class ContainerFileAnnotation(BaseModel):
    type: Literal["container_file_citation"]
    container_id: str
    start_index: int | None = None
    end_index: int | None = None
    filename: str | None = None
    file_id: str | None = None


Annotation = Annotated[
    WebAnnotation | FileAnnotation | MapAnnotation | ContainerFileAnnotation,
    Field(discriminator="type"),
]


class TextContent(BaseModel):
    type: Literal["text"] = "text"
    text: str
    id: str | None = None
    annotations: list[Annotation] | None = None
    thought_signature: str | None = None


class ThinkingContent(BaseModel):
    signature: str | None = None
    type: Literal["thinking"] = "thinking"
    thinking: str
    id: str | None = None


class CodeContent(BaseModel):
    type: Literal["code"] = "code"
    code: str
    id: str | None = None
    container_id: str | None = None


class ImageURL(BaseModel):
    url: str
    detail: str | None = None


class ImageContent(BaseModel):
    type: Literal["image_url"] = "image_url"
    image_url: ImageURL
    image_variable: str | None = None


class Media(BaseModel):
    title: str = "media"
    type: str | None = "image/jpeg"
    url: str | None = None
    format: Literal["base64", "url", "neither"] = "neither"


class MediaContent(BaseModel):
    type: Literal["media"] = "media"
    media: Media


class MediaVariable(BaseModel):
    type: Literal["media_variable"] = "media_variable"
    name: str


class OutputMediaContent(BaseModel):
    type: Literal["output_media"] = "output_media"
    id: str | None = None
    url: str
    mime_type: str = "image/png"
    media_type: Literal["image", "video", "audio"] = "image"
    provider_metadata: dict[str, Any] | None = None


class ServerToolUseContent(BaseModel):
    type: Literal["server_tool_use"] = "server_tool_use"
    id: str
    name: str
    input: dict[str, Any] = {}


class WebSearchResult(BaseModel):
    type: Literal["web_search_result"] = "web_search_result"
    url: str = ""
    title: str = ""
    encrypted_content: str = ""
    page_age: str | None = None


class WebSearchToolResultContent(BaseModel):
    type: Literal["web_search_tool_result"] = "web_search_tool_result"
    tool_use_id: str
    content: list[WebSearchResult] = []


class CodeExecutionResultContent(BaseModel):
    type: Literal["code_execution_result"] = "code_execution_result"
    output: str
    outcome: str = "OUTCOME_OK"


class McpListToolsContent(BaseModel):
    type: Literal["mcp_list_tools"] = "mcp_list_tools"
    id: str | None = None
    server_label: str = ""
    tools: list[dict[str, Any]] = []
    error: str | dict[str, Any] | None = None


class McpCallContent(BaseModel):
    type: Literal["mcp_call"] = "mcp_call"
    id: str | None = None
    name: str = ""
    server_label: str = ""
    arguments: str = ""
    output: str | None = None
    error: str | dict[str, Any] | None = None
    approval_request_id: str | None = None


class McpApprovalRequestContent(BaseModel):
    type: Literal["mcp_approval_request"] = "mcp_approval_request"
    id: str | None = None
    name: str = ""
    arguments: str = ""
    server_label: str = ""


class McpApprovalResponseContent(BaseModel):
    type: Literal["mcp_approval_response"] = "mcp_approval_response"
    approval_request_id: str
    approve: bool


class BashCodeExecutionToolResultContent(BaseModel):
    type: Literal["bash_code_execution_tool_result"] = "bash_code_execution_tool_result"
    tool_use_id: str
    content: dict[str, Any] = {}


class TextEditorCodeExecutionToolResultContent(BaseModel):
    type: Literal["text_editor_code_execution_tool_result"] = (
        "text_editor_code_execution_tool_result"
    )
    tool_use_id: str
    content: dict[str, Any] = {}


class ShellCallContent(BaseModel):
    type: Literal["shell_call"] = "shell_call"
    id: str | None = None
    call_id: str | None = None
    action: dict[str, Any] = {}
    status: str | None = None


class ShellCallOutputContent(BaseModel):
    type: Literal["shell_call_output"] = "shell_call_output"
    id: str | None = None
    call_id: str | None = None
    output: list[dict[str, Any]] = []
    status: str | None = None


class ApplyPatchCallContent(BaseModel):
    type: Literal["apply_patch_call"] = "apply_patch_call"
    id: str | None = None
    call_id: str | None = None
    operation: dict[str, Any] = {}
    status: str | None = None


class ApplyPatchCallOutputContent(BaseModel):
    type: Literal["apply_patch_call_output"] = "apply_patch_call_output"
    id: str | None = None
    call_id: str | None = None
    output: str | None = None
    status: str | None = None


Content = Annotated[
    TextContent
    | ThinkingContent
    | CodeContent
    | ImageContent
    | MediaContent
    | MediaVariable
    | OutputMediaContent
    | ServerToolUseContent
    | WebSearchToolResultContent
    | CodeExecutionResultContent
    | McpListToolsContent
    | McpCallContent
    | McpApprovalRequestContent
    | McpApprovalResponseContent
    | BashCodeExecutionToolResultContent
    | TextEditorCodeExecutionToolResultContent
    | ShellCallContent
    | ShellCallOutputContent
    | ApplyPatchCallContent
    | ApplyPatchCallOutputContent,
    Field(discriminator="type"),
]
