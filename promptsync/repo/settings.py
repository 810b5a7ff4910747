"""Where the config is, what it says once the environment is applied, and the API key."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from promptsync.errors import PromptsyncError
from promptsync.repo.config_load import parse_config
from promptsync.repo.credentials import ApiKey, require_api_key
from promptsync.repo.discovery import display_path
from promptsync.repo.registries import REGISTRIES, Registry
from promptsync.repo.rules import check_api_url, check_project_id

if TYPE_CHECKING:
    from promptsync.repo.config import Config

CONFIG_NAMES = ("promptsync.yaml", "promptsync.yml")


@dataclass(frozen=True)
class Settings:
    config_path: Path | None
    config: Config
    prompts_dir: Path
    project_id: str | None
    api_url: str

    @property
    def registry(self) -> Registry:
        return REGISTRIES[self.config.backend]

    def api_key(self, environ: Mapping[str, str], key_file: str | None) -> ApiKey:
        return require_api_key(environ, key_file, self.registry.key_variable)

    @property
    def root(self) -> Path:
        return self.config_path.parent if self.config_path else Path.cwd()

    @property
    def datasets_dir(self) -> Path:
        return self.root / self.config.datasets_dir

    def require_project_id(self) -> str:
        if not self.project_id:
            raise PromptsyncError(
                f"no project_id: set it in promptsync.yaml or in {self.registry.project_variable}"
            )
        return self.project_id


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
        from promptsync.repo.config import Config

        config = Config()
    else:
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise PromptsyncError(f"{display_path(path)}: cannot read: {exc.strerror}") from None
        config = parse_config(raw, display_path(path))
    root = path.parent if path else cwd
    registry = REGISTRIES[config.backend]
    # The environment overrides the file so CI can point one config at a rehearsal emulator.
    project_variable = registry.project_variable
    env_project = _from_env(environ, project_variable) if project_variable else None
    env_url = _from_env(environ, registry.url_variable)
    project_id = env_project or config.project_id
    api_url = env_url or config.api_url or registry.default_url
    _check(check_project_id, project_id, (env_project and project_variable) or "project_id")
    _check(check_api_url, api_url, registry.url_variable if env_url else "api_url")
    return Settings(path, config, root / config.prompts_dir, project_id, api_url)
