"""Where the config is, what it says once the environment is applied, and the API key."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from promptsync.errors import PromptsyncError
from promptsync.load import display_path, parse_config
from promptsync.rules import check_api_url, check_project_id

if TYPE_CHECKING:
    from promptsync.models import Config

CONFIG_NAMES = ("promptsync.yaml", "promptsync.yml")
DEFAULT_API_URL = "https://app.freeplay.ai"


@dataclass(frozen=True)
class Settings:
    config_path: Path | None
    config: Config
    prompts_dir: Path
    project_id: str | None
    api_url: str

    @property
    def root(self) -> Path:
        return self.config_path.parent if self.config_path else Path.cwd()

    def require_project_id(self) -> str:
        if not self.project_id:
            raise PromptsyncError(
                "no project_id: set it in promptsync.yaml or in FREEPLAY_PROJECT_ID"
            )
        return self.project_id


class ApiKey:
    """The API key. Its repr and str never show the value, so it cannot leak by accident."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "ApiKey('***')"

    __str__ = __repr__


def find_config(explicit: str | None, environ: Mapping[str, str], cwd: Path) -> Path | None:
    """`--config`, then $PROMPTSYNC_CONFIG, then promptsync.yaml in cwd or any parent."""
    chosen = explicit or environ.get("PROMPTSYNC_CONFIG")
    if chosen:
        path = Path(chosen)
        if not path.is_file():
            source = "--config" if explicit else "PROMPTSYNC_CONFIG"
            raise PromptsyncError(f"{source}: config file {chosen} not found")
        return path
    for directory in (cwd, *cwd.parents):
        for name in CONFIG_NAMES:
            if (directory / name).is_file():
                return directory / name
    return None


def _from_env(environ: Mapping[str, str], name: str) -> str | None:
    value = environ.get(name, "").strip()
    return value or None


def _check(check: Callable[[str], str], value: str | None, source: str) -> None:
    try:
        if value is not None:
            check(value)
    except ValueError as exc:
        raise PromptsyncError(f"{source}: {exc}") from None


def load_settings(explicit: str | None, environ: Mapping[str, str], cwd: Path) -> Settings:
    path = find_config(explicit, environ, cwd)
    if path is None:
        from promptsync.models import Config  # pydantic: validate finds its config without it

        config = Config()
    else:
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise PromptsyncError(f"{display_path(path)}: cannot read: {exc.strerror}") from None
        config = parse_config(raw, display_path(path))
    root = path.parent if path else cwd
    # The environment overrides the file so CI can point one config at a rehearsal emulator.
    env_project = _from_env(environ, "FREEPLAY_PROJECT_ID")
    env_url = _from_env(environ, "FREEPLAY_API_URL")
    project_id = env_project or config.project_id
    api_url = env_url or config.api_url or DEFAULT_API_URL
    _check(check_project_id, project_id, "FREEPLAY_PROJECT_ID" if env_project else "project_id")
    _check(check_api_url, api_url, "FREEPLAY_API_URL" if env_url else "api_url")
    return Settings(path, config, root / config.prompts_dir, project_id, api_url)


def read_api_key(environ: Mapping[str, str], key_file: str | None) -> ApiKey | None:
    """The key from --api-key-file or FREEPLAY_API_KEY; None when neither is set."""
    if key_file:
        try:
            value = Path(key_file).read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError):
            raise PromptsyncError(f"--api-key-file: cannot read {key_file}") from None
        if not value:
            raise PromptsyncError(f"--api-key-file: {key_file} is empty")
        return ApiKey(value)
    value = environ.get("FREEPLAY_API_KEY", "").strip()
    return ApiKey(value) if value else None


def require_api_key(environ: Mapping[str, str], key_file: str | None) -> ApiKey:
    key = read_api_key(environ, key_file)
    if key is None:
        raise PromptsyncError("no API key: set FREEPLAY_API_KEY or pass --api-key-file")
    return key
