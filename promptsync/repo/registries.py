"""The registries promptsync can manage, and where each one's settings come from. Pure data."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Registry:
    """Where a registry's settings come from besides promptsync.yaml."""

    label: str  # as users read it: "Freeplay", "PromptLayer"
    key_variable: str
    url_variable: str
    project_variable: str | None  # None: a key is one workspace, there is no project
    default_url: str


REGISTRIES = {
    "freeplay": Registry(
        "Freeplay",
        "FREEPLAY_API_KEY",
        "FREEPLAY_API_URL",
        "FREEPLAY_PROJECT_ID",
        "https://app.freeplay.ai",
    ),
    "promptlayer": Registry(
        "PromptLayer",
        "PROMPTLAYER_API_KEY",
        "PROMPTLAYER_API_URL",
        None,
        "https://api.promptlayer.com",
    ),
}
