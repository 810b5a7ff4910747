"""A monorepo for the `--all` tests: a git repository with several projects, each a Freeplay
project on one emulator (one key reaches them all), and one project with a broken config."""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Sequence
from pathlib import Path

KEY = "fp-MONO-MARKER-5c1e"
PROJECTS = {  # path → the Freeplay project it deploys to
    "services/alpha": str(uuid.UUID(int=0xA1)),
    "services/beta": str(uuid.UUID(int=0xB2)),
}
BROKEN = "services/broken"


def git(root: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(root), *args], capture_output=True, text=True, check=True, timeout=60
    )
    return done.stdout


def prompt(name: str, text: str, environments: Sequence[str] = ("staging", "prod")) -> str:
    envs = ", ".join(environments)
    return (
        f"name: {name}\nprovider: openai\nmodel: gpt-4o\n"
        f"messages:\n  - role: system\n    content: {text}\n"
        f"  - role: user\n    content: 'Question: {{{{question}}}}'\n"
        f"environments: [{envs}]\n"
    )


def write(root: Path, path: str, text: str) -> Path:
    target = root / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    return target


def make_monorepo(root: Path, api_url: str, *, broken: bool = True) -> Path:
    """services/alpha (2 templates), services/beta (1 template), services/broken (a config
    with a typo), an ignored .venv holding a stray config, all committed on main."""
    root.mkdir(parents=True, exist_ok=True)
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.email", "dev@example.com")
    git(root, "config", "user.name", "Dev")
    for path, project_id in PROJECTS.items():
        write(
            root,
            f"{path}/promptsync.yaml",
            f"project_id: {project_id}\napi_url: {api_url}\nenvironments: [staging, prod]\n",
        )
    write(root, "services/alpha/prompts/greeter.yaml", prompt("greeter", "Greet warmly."))
    write(root, "services/alpha/prompts/helper.yaml", prompt("helper", "Help briefly."))
    write(root, "services/beta/prompts/summarizer.yaml", prompt("summarizer", "Summarize."))
    if broken:
        write(
            root,
            f"{BROKEN}/promptsync.yaml",
            f"project_id: {uuid.UUID(int=0xC3)}\napi_url: {api_url}\nenviroments: [prod]\n",
        )
        write(root, f"{BROKEN}/prompts/x.yaml", prompt("x", "X."))
    write(root, ".gitignore", ".venv/\n")
    write(root, ".venv/lib/site/promptsync.yaml", "not: a project\n")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "prompts")
    return root


def edit_in_ui(client: object, project_id: str, name: str, text: str, envs: Sequence[str]) -> None:
    """A version created in the registry's UI (here: its API), deployed to `envs`."""
    import httpx

    assert isinstance(client, httpx.Client)
    reply = client.post(
        f"/projects/{project_id}/prompt-templates/name/{name}/versions",
        params={"create_template_if_not_exists": "true"},
        json={
            "template_messages": [
                {"role": "system", "content": text},
                {"role": "user", "content": "Question: {{question}}"},
            ],
            "provider": "openai",
            "model": "gpt-4o",
            "environments": list(envs),
        },
    )
    assert reply.status_code == 201, reply.text
