"""`promptsync pull` adopts a PromptLayer workspace that the official SDK built: pull →
validate → plan says No changes."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from promptsync.emulator import running_emulator
from tests.conftest import RunCli
from tests.promptlayer import PL, sdk


def chat(*messages: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"type": "chat", "messages": list(messages), **extra}


def msg(role: str, text: str, fmt: str | None = None) -> dict[str, Any]:
    message: dict[str, Any] = {"role": role, "content": [{"type": "text", "text": text}]}
    if fmt:
        message["template_format"] = fmt
    return message


MODEL = {"model": {"provider": "openai", "name": "gpt-4o", "parameters": {"temperature": 0.3}}}


def seed(pl: PL) -> None:
    """What a team made in PromptLayer before adopting promptsync, through the SDK."""
    client = sdk(pl)
    client.templates.publish(
        {
            "prompt_name": "support",
            "prompt_template": chat(
                msg("system", "You help with {product}.\nBe brief."),
                {"role": "placeholder", "name": "history"},
                msg("user", "{question}"),
                tools=[
                    {
                        "type": "function",
                        "function": {
                            "name": "lookup",
                            "description": "Look up an order",
                            "parameters": {"type": "object", "properties": {}},
                        },
                    }
                ],
            ),
            "metadata": MODEL,
            "commit_message": "Shorter answers",
            "release_labels": ["staging", "prod"],
        }
    )
    for text, labels in (("v1 {{ x }}", ["prod"]), ("v2 {{ x }}", ["staging"]), ("v3 {{ y }}", [])):
        client.templates.publish(
            {
                "prompt_name": "notes",
                "prompt_template": chat(msg("user", text, "jinja2")),
                "metadata": {"model": {"provider": "anthropic", "name": "claude-sonnet-4"}},
                "release_labels": labels,
            }
        )
    client.templates.publish(
        {
            "prompt_name": "team/bot",
            "prompt_template": chat(msg("user", "Hi {name}")),
            "metadata": MODEL,
            "release_labels": ["prod"],
        }
    )
    client.templates.publish(  # a developer message: prompt files cannot say that
        {
            "prompt_name": "odd",
            "prompt_template": chat(msg("developer", "Rules")),
            "metadata": MODEL,
            "release_labels": ["prod"],
        }
    )


@pytest.fixture
def adopted(isolated: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    with running_emulator(backend="promptlayer") as pl:
        seed(pl)
        (isolated / "promptsync.yaml").write_text(
            f"backend: promptlayer\napi_url: {pl.url}\nenvironments: [staging, prod]\n", "utf-8"
        )
        monkeypatch.setenv("PROMPTLAYER_API_KEY", pl.api_key)
        yield isolated


def test_round_trip(adopted: Path, run_cli: RunCli) -> None:
    code, out, err = run_cli("pull")
    assert code == 0, err
    assert out.splitlines()[-1] == (
        "Pulled 3 template(s) into 5 file(s): 5 created, 0 updated, 0 removed, 0 unchanged."
    )
    assert err == (
        "warning: odd: prod, latest cannot be read (prompt_template.messages[0].role is"
        " 'developer'; prompt files have system, user, assistant); nothing written\n"
    )
    prompts = adopted / "prompts"
    assert sorted(p.relative_to(prompts).as_posix() for p in prompts.rglob("*.yaml")) == [
        "notes.latest.yaml",
        "notes.prod.yaml",
        "notes.staging.yaml",
        "support.yaml",
        f"team_bot-{hashlib.sha256(b'team/bot').hexdigest()[:8]}.yaml",
    ]
    support = (prompts / "support.yaml").read_text(encoding="utf-8")
    assert "template_format" not in support  # f-string, PromptLayer's default
    assert "- kind: history\n" in support
    assert "environments: [staging, prod]\n" in support
    assert "version_description: Shorter answers\n" in support
    assert "variables:\n  product: {}\n  question: {}\n" in support
    assert "template_format: jinja2\n" in (prompts / "notes.latest.yaml").read_text("utf-8")
    assert run_cli("validate")[0] == 0
    code, out, err = run_cli("--no-color", "plan", "--detailed-exitcode")
    assert code == 0, out + err
    assert out.endswith("No changes. Your prompts match the remote.\n")
    assert "  ? odd (version " in out  # the template pull could not write stays an orphan


def test_second_pull_writes_nothing(adopted: Path, run_cli: RunCli) -> None:
    assert run_cli("pull")[0] == 0
    code, out, _ = run_cli("pull")
    assert code == 0
    assert out.splitlines()[-1].endswith("0 created, 0 updated, 0 removed, 5 unchanged.")


def test_versions_no_prompt_file_may_hold_are_skipped_so_the_project_still_plans(
    isolated: Path, monkeypatch: pytest.MonkeyPatch, run_cli: RunCli
) -> None:
    with running_emulator(backend="promptlayer") as pl:
        client = sdk(pl)
        texts = {
            "positional": ("Hi {0} and {user.name}", None),
            "escaped": ("Hi {{name}}", None),
            "unclosed": ("Hi {{ name }", "jinja2"),
            "filter": ("Hi {{ name | shout }}", "jinja2"),
            "fine": ("Hi {{ name | upper }}", "jinja2"),
        }
        for name, (text, fmt) in texts.items():
            client.templates.publish(
                {
                    "prompt_name": name,
                    "prompt_template": chat(msg("user", text, fmt)),
                    "metadata": MODEL,
                    "release_labels": ["prod"],
                }
            )
        (isolated / "promptsync.yaml").write_text(
            f"backend: promptlayer\napi_url: {pl.url}\nenvironments: [prod]\n", "utf-8"
        )
        monkeypatch.setenv("PROMPTLAYER_API_KEY", pl.api_key)
        code, out, err = run_cli("pull")
        assert code == 0, err
        assert out.splitlines()[-1] == (
            "Pulled 1 template(s) into 1 file(s): 1 created, 0 updated, 0 removed, 0 unchanged."
        )
        assert err.splitlines() == [
            "warning: skipped escaped: its version would not be a valid prompt file"
            " (messages[0].content: {{name}} in an f-string template is an escaped literal brace"
            " (it renders as {name}), not a variable: write {name} for a variable, or set"
            " template_format: jinja2)",
            "warning: skipped filter: its version would not be a valid prompt file"
            " (messages[0].content: jinja2: No filter named 'shout'.)",
            "warning: skipped positional: its version would not be a valid prompt file"
            " (messages[0].content: positional field {0}: PromptLayer fills named fields only,"
            " and leaves the whole message unrendered otherwise)",
            "warning: skipped unclosed: its version would not be a valid prompt file"
            " (messages[0].content: jinja2: unexpected '}')",
        ]
        assert [p.name for p in (isolated / "prompts").iterdir()] == ["fine.yaml"]
        code, _, err = run_cli("validate")
        assert code == 0, err
        code, out, err = run_cli("--no-color", "plan", "--detailed-exitcode")
        assert code == 0, out + err
        for name in ("escaped", "filter", "positional", "unclosed"):
            assert f"  ? {name} (version " in out  # not adopted: orphans, as the docs say
