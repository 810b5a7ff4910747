"""`promptsync render` equals what the official freeplay SDK produces, case by case."""

from __future__ import annotations

import json
import shutil
import warnings
from typing import Any

import pytest
from freeplay import Freeplay

from promptsync.emulator import RunningEmulator, running_emulator
from tests.conftest import REPO, RunCli

PRODUCT = {"name": "Freeplay", "tags": ["a", 1, True], "nested": {"x": 1.5, "ü": "✓"}}
CASES: list[tuple[str, str | None, dict[str, Any], str | None]] = [
    ("album_bot", "prod", {"pop_star": "Prince & <The Revolution>"}, None),
    ("album_bot", "staging", {"pop_star": "Björk", "genre": "synth-pop"}, None),
    ("album_bot", "staging", {"pop_star": "Björk"}, None),  # section false: left out
    ("album_bot", "prod", {}, None),  # missing variable: empty
    ("support_agent", "prod", {"product": PRODUCT, "knowledge_base": True, "question": 3.5}, None),
    (
        "support_agent",
        "staging",
        {"product": "X", "knowledge_base": ["a", "b"], "question": "Q?"},
        "openai_chat",
    ),
    ("weather_agent", "prod", {"city": "Lisbon"}, None),
    ("weather_agent", "prod", {"city": "Lisbon"}, "anthropic_chat"),
    ("weather_agent", "prod", {"city": "Lisbon"}, "gemini_api_chat"),
    ("weather_agent", "prod", {"city": "Lisbon"}, "openai_responses"),
    ("weather_agent", "prod", {"city": "Lisbon"}, "amazon_bedrock_converse"),
    ("weather_agent", "staging", {"city": "Oslo"}, "azure_openai_chat"),
    ("invoice_extractor", "prod", {"invoice_text": "Total: 12 EUR"}, None),
    ("photo_tutor", "prod", {"subject": "algebra", "student_note": "step 3"}, None),
    ("release_notes", None, {"version": "2.4", "changes": ["Faster", "Dark mode"]}, None),
    ("release_notes", None, {"version": "2.4", "changes": []}, "llama_3_chat"),
    ("release_notes", None, {"version": "2.4", "changes": ["x"]}, "mistral_chat"),
    ("release_notes", None, {"version": "2.4", "changes": ["x"]}, "gemini_chat"),
]


@pytest.fixture(scope="module")
def applied(tmp_path_factory: pytest.TempPathFactory) -> Any:
    root = tmp_path_factory.mktemp("render")
    shutil.copytree(REPO / "prompts", root / "prompts")
    with running_emulator() as fp:
        (root / "promptsync.yaml").write_text(
            f"project_id: {fp.project_id}\napi_url: {fp.url}\nenvironments: [staging, prod]\n",
            encoding="utf-8",
        )
        yield root, fp


def sdk_formatted(
    fp: RunningEmulator, name: str, env: str | None, variables: dict[str, Any], flavor: str | None
) -> dict[str, Any]:
    client = Freeplay(freeplay_api_key=fp.api_key, api_base=f"{fp.url}/api")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "History missing for prompt that expects history"
        formatted = client.prompts.get_formatted(
            project_id=fp.project_id,
            template_name=name,
            environment=env or "latest",
            variables=variables,
            flavor_name=flavor,
        )
    return {
        "llm_prompt": getattr(formatted, "llm_prompt_text", None) or formatted.llm_prompt,
        "system_content": formatted.system_content,
        "tool_schema": formatted.tool_schema,
        "output_schema": formatted.formatted_output_schema,
        "flavor": formatted.prompt_info.flavor_name,
    }


@pytest.mark.parametrize(("name", "env", "variables", "flavor"), CASES)
def test_render_equals_sdk(
    applied: Any,
    run_cli: RunCli,
    monkeypatch: pytest.MonkeyPatch,
    name: str,
    env: str | None,
    variables: dict[str, Any],
    flavor: str | None,
) -> None:
    root, fp = applied
    monkeypatch.chdir(root)
    monkeypatch.setenv("FREEPLAY_API_KEY", fp.api_key)
    if not (root / ".applied").exists():
        assert run_cli("apply", "--auto-approve")[0] == 0
        (root / ".applied").touch()
    (root / "vars.json").write_text(json.dumps(variables), encoding="utf-8")
    args = ["render", name, "--vars-file", "vars.json", "--format", "json"]
    args += ["--env", env] if env else []
    args += ["--flavor", flavor] if flavor else []
    code, out, err = run_cli(*args)
    assert code == 0, err
    ours = json.loads(out)
    theirs = sdk_formatted(fp, name, env, variables, flavor)
    assert ours["flavor"] == theirs["flavor"]
    assert ours["llm_prompt"] == theirs["llm_prompt"]
    assert ours["system_content"] == theirs["system_content"]
    if flavor != "gemini_chat":  # the SDK needs Vertex AI's library to format those tools
        assert ours["tool_schema"] == theirs["tool_schema"]
    assert ours["output_schema"] == theirs["output_schema"]


def test_missing_variables_warn(
    applied: Any, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(applied[0])
    code, out, err = run_cli("render", "album_bot", "--env", "prod")
    assert code == 0
    assert err == "warning: variables not given, rendered as empty: pop_star\n"
    assert out == (
        "album_bot (prompts/album_bot/prod.yaml; flavor openai_chat; openai gpt-4o)\n"
        "\n[system]\nYou generate album names. Respond with the name only.\n\n\n"
        "[user]\nTwo-word album name in the style of \n"
    )


def test_examples_and_var_flags(
    applied: Any, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(applied[0])
    code, out, err = run_cli(
        "render",
        "album_bot",
        "--env",
        "staging",
        "--use-examples",
        "--var",
        "pop_star=ABBA",
        "--format",
        "json",
    )
    assert (code, err) == (0, "")
    messages = json.loads(out)["llm_prompt"]
    assert messages[0]["content"].endswith("The album is synth-pop.\n")
    assert messages[1]["content"] == "Two-word album name in the style of ABBA"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nope"], "error: no template named 'nope' in prompts"),
        (
            ["album_bot"],
            "error: template 'album_bot' has several versions; choose one with --env"
            " (prod; staging)",
        ),
        (
            ["album_bot", "--env", "dev"],
            "error: template 'album_bot' has no version for dev (versions: prod; staging)",
        ),
        (
            ["album_bot", "--env", "prod", "--var", "novalue"],
            "error: --var 'novalue': expected NAME=VALUE",
        ),
        (
            ["album_bot", "--env", "prod", "--flavor", "nope"],
            "error: --flavor nope: unknown flavor (known: openai_chat, azure_openai_chat,"
            " openai_responses, anthropic_chat, gemini_chat, gemini_api_chat,"
            " amazon_bedrock_converse, llama_3_chat, mistral_chat, baseten_mistral_chat,"
            " perplexity_chat)",
        ),
        (
            ["album_bot", "--env", "prod", "--vars-file", "list.yaml"],
            "error: --vars-file list.yaml: expected a mapping of variables",
        ),
        (
            ["album_bot", "--env", "prod", "--vars-file", "null.yaml"],
            "error: --vars-file null.yaml: variable 'pop_star' must be a string, number,"
            " boolean, or a list or mapping of those",
        ),
        (
            ["album_bot", "--env", "prod", "--vars-file", "missing.yaml"],
            "error: --vars-file: cannot read missing.yaml: No such file or directory",
        ),
    ],
)
def test_render_errors(
    applied: Any, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch, args: list[str], message: str
) -> None:
    root = applied[0]
    monkeypatch.chdir(root)
    (root / "list.yaml").write_text("- a\n", encoding="utf-8")
    (root / "null.yaml").write_text("pop_star: null\n", encoding="utf-8")
    code, out, err = run_cli("render", *args)
    assert (code, out) == (1, "")
    assert err == message + "\n"


def test_null_variables_rejected_like_the_sdk(
    applied: Any, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    from freeplay.errors import FreeplayError

    root, fp = applied
    monkeypatch.chdir(root)
    (root / "nested.json").write_text('{"pop_star": {"x": null}}', encoding="utf-8")
    code, _, err = run_cli("render", "album_bot", "--env", "prod", "--vars-file", "nested.json")
    assert code == 1
    assert "variable 'pop_star' must be" in err
    with pytest.raises(FreeplayError):
        sdk_formatted(fp, "album_bot", "prod", {"pop_star": {"x": None}}, None)
