"""`promptsync.yaml` as a model (pydantic, strict), and what every file model shares: the strict
base, the schema address, environment names. No I/O here; the JSON Schema of the config is
generated from it (`promptsync schema config`).
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from promptsync.repo.rules import (
    ENVIRONMENT_NAME_MAX,
    LATEST,
    check_api_url,
    check_label,
    check_project_id,
)

SCHEMA_BASE = "https://promptsync.dev/schemas"
DEFAULT_DAYS = 7
DEFAULT_SAMPLE = 100
MAX_SAMPLE = 100  # one page of the search API
MAX_DAYS = 365


class StrictModel(BaseModel):
    # NaN and infinity are not JSON: no registry could be sent them.
    # defer_build: validators are built on first validation, and a valid repository is read
    # without any (see trusted_prompt); building them costs a tenth of a second.
    model_config = ConfigDict(
        extra="forbid", strict=True, frozen=True, allow_inf_nan=False, defer_build=True
    )


EnvironmentName = Annotated[
    str, Field(min_length=1, max_length=ENVIRONMENT_NAME_MAX), AfterValidator(check_label)
]


def _managed_environment(value: str) -> str:
    if value == LATEST:
        raise ValueError("'latest' is always compared and cannot be managed; remove it")
    return value


ManagedEnvironment = Annotated[EnvironmentName, AfterValidator(_managed_environment)]


def unique_environments(value: list[str] | None) -> list[str] | None:
    duplicates = sorted(env for env, count in Counter(value or []).items() if count > 1)
    if duplicates:
        raise ValueError(f"environment {duplicates[0]!r} is listed twice")
    return value


class ImpactConfig(BaseModel):
    """`impact:` in promptsync.yaml: what `plan --impact` samples (it is off without the flag)."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, defer_build=True)

    days: int = Field(
        default=DEFAULT_DAYS, ge=1, le=MAX_DAYS, description="Sample calls of the last N days."
    )
    sample: int = Field(
        default=DEFAULT_SAMPLE,
        ge=1,
        le=MAX_SAMPLE,
        description="At most this many calls (the newest) per template and environment.",
    )


ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _variable_name(value: str) -> str:
    if not ENV_NAME.fullmatch(value):
        raise ValueError(
            "names an environment variable (e.g. OPENAI_API_KEY), never the key itself"
        )
    return value


class ProviderConfig(StrictModel):
    """One model provider for evaluation: which official SDK speaks to it, where, with which
    key (read from the environment variable named here; keys never go in the config)."""

    sdk: Literal["openai", "anthropic"] | None = Field(
        default=None,
        description="openai (also OpenAI-compatible endpoints and Azure) or anthropic; default:"
        " the provider's own name when it is one of them.",
    )
    base_url: str | None = Field(default=None, description="The API's base URL.")
    api_key_env: Annotated[str, AfterValidator(_variable_name)] | None = Field(
        default=None,
        description="The environment variable holding the key (default: OPENAI_API_KEY or"
        " ANTHROPIC_API_KEY).",
    )

    @field_validator("base_url")
    @classmethod
    def _base_url(cls, value: str | None) -> str | None:
        return None if value is None else check_api_url(value)


class Config(StrictModel):
    """`promptsync.yaml`: where the prompts are and which registry they go to."""

    model_config = ConfigDict(
        title="promptsync config",
        json_schema_extra={
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": f"{SCHEMA_BASE}/config.schema.json",
        },
    )

    backend: Literal["freeplay", "promptlayer"] = Field(
        default="freeplay", description="The registry: freeplay (default) or promptlayer."
    )
    project_id: str | None = Field(
        default=None,
        description="Freeplay only: the project (or env FREEPLAY_PROJECT_ID). A PromptLayer"
        " API key is one workspace, so a PromptLayer config has no project_id.",
    )
    api_url: str | None = Field(
        default=None,
        description="Or env FREEPLAY_API_URL / PROMPTLAYER_API_URL. Freeplay: the instance"
        " root, .../api or .../api/v2 (default https://app.freeplay.ai). PromptLayer: the API"
        " root (default https://api.promptlayer.com).",
    )
    prompts_dir: str = Field(default="prompts", min_length=1)
    datasets_dir: str = Field(
        default="datasets",
        min_length=1,
        description="Where the dataset files are (docs/datasets.md); none managed when absent.",
    )
    environments: Annotated[
        list[ManagedEnvironment] | None, AfterValidator(unique_environments)
    ] = Field(
        default=None,
        min_length=1,
        description="Environments promptsync manages (PromptLayer: release labels; default:"
        " all named in prompt files).",
    )
    impact: ImpactConfig = Field(
        default_factory=ImpactConfig, description="What `plan --impact` samples."
    )
    evals_dir: str = Field(
        default="evals",
        min_length=1,
        description="Where the evaluation files are (docs/evaluation.md).",
    )
    providers: dict[str, ProviderConfig] = Field(
        default_factory=dict,
        description="How `plan --eval` calls each provider's models (default: openai and"
        " anthropic through their own SDKs, keys from OPENAI_API_KEY / ANTHROPIC_API_KEY).",
    )

    @field_validator("project_id")
    @classmethod
    def _project_id(cls, value: str | None) -> str | None:
        return None if value is None else check_project_id(value)

    @field_validator("api_url")
    @classmethod
    def _api_url(cls, value: str | None) -> str | None:
        return None if value is None else check_api_url(value)
