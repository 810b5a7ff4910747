"""One provider → flavor table: every flavor and every provider gives the same result through
`promptsync render` (the local file) and through the emulator (the applied version, formatted by
the server with `format=true`)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from promptsync.emulator import RunningEmulator, running_emulator
from promptsync.templating.flavors import FLAVORS, PROVIDER_FLAVORS
from tests.conftest import RunCli

VARIABLES = {"city": "Lisbon", "units": ["metric", "C"]}
PROMPT = """\
name: {name}
provider: {provider}
model: some-model
llm_parameters: {{temperature: 0.1}}
messages:
  - role: system
    content: You report the weather. Units {{{{units}}}}.
  - role: user
    content: "Weather in {{{{city}}}}?"
  - role: assistant
    content: Checking.
tool_schema:
  - name: weather_of_location
    description: Get weather of a location
    parameters: {{type: object, properties: {{location: {{type: string}}}}}}
output_schema: {{type: object, properties: {{summary: {{type: string}}}}}}
environments: [prod]
"""


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, RunningEmulator]]:
    root = tmp_path_factory.mktemp("flavors")
    (root / "prompts").mkdir()
    for provider in PROVIDER_FLAVORS:
        (root / "prompts" / f"{provider}.yaml").write_text(
            PROMPT.format(name=f"weather_{provider}", provider=provider), encoding="utf-8"
        )
    with running_emulator() as fp:
        (root / "promptsync.yaml").write_text(
            f"project_id: {fp.project_id}\napi_url: {fp.url}\nenvironments: [prod]\n",
            encoding="utf-8",
        )
        yield root, fp


def _render(run_cli: RunCli, name: str, flavor: str | None) -> dict[str, Any]:
    args = ["render", name, "--env", "prod", "--format", "json"]
    # A list value: both sides must insert it as compact JSON, as Freeplay's SDK does.
    values = Path.cwd() / "vars.json"
    values.write_text(json.dumps(VARIABLES), encoding="utf-8")
    args += ["--vars-file", str(values)]
    code, out, err = run_cli(*args, *(["--flavor", flavor] if flavor else []))
    assert code == 0, err
    return dict(json.loads(out))


def _served(fp: RunningEmulator, name: str, flavor: str | None) -> dict[str, Any]:
    params = {
        "environment": "prod",
        "format": "true",
        **({"flavor_name": flavor} if flavor else {}),
    }
    with fp.client() as client:
        response = client.post(
            f"/projects/{fp.project_id}/prompt-templates/name/{name}",
            params=params,
            json=VARIABLES,
        )
    assert response.status_code == 200, response.text
    return dict(response.json())


def _compare(local: dict[str, Any], served: dict[str, Any]) -> None:
    assert local["llm_prompt"] == served["formatted_content"]
    assert local["tool_schema"] == served["formatted_tool_schema"]
    assert local["output_schema"] == served["formatted_output_schema"]
    assert local["system_content"] == served["system_content"]
    assert local["flavor"] == served["metadata"]["flavor"]


@pytest.mark.parametrize("flavor", FLAVORS)
def test_every_flavor_renders_the_same_locally_and_served(
    project: tuple[Path, RunningEmulator],
    run_cli: RunCli,
    monkeypatch: pytest.MonkeyPatch,
    flavor: str,
) -> None:
    root, fp = project
    monkeypatch.chdir(root)
    monkeypatch.setenv("FREEPLAY_API_KEY", fp.api_key)
    if run_cli("plan", "--detailed-exitcode")[0] == 2:
        assert run_cli("apply", "--auto-approve")[0] == 0
    _compare(_render(run_cli, "weather_openai", flavor), _served(fp, "weather_openai", flavor))


@pytest.mark.parametrize("provider", sorted(PROVIDER_FLAVORS))
def test_every_provider_has_the_same_default_flavor(
    project: tuple[Path, RunningEmulator],
    run_cli: RunCli,
    monkeypatch: pytest.MonkeyPatch,
    provider: str,
) -> None:
    root, fp = project
    monkeypatch.chdir(root)
    monkeypatch.setenv("FREEPLAY_API_KEY", fp.api_key)
    if run_cli("plan", "--detailed-exitcode")[0] == 2:
        assert run_cli("apply", "--auto-approve")[0] == 0
    name = f"weather_{provider}"
    local, served = _render(run_cli, name, None), _served(fp, name, None)
    assert local["flavor"] == PROVIDER_FLAVORS[provider]
    _compare(local, served)


def test_a_provider_without_a_flavor_is_refused_the_same_way(
    isolated: Path, run_cli: RunCli
) -> None:
    (isolated / "prompts").mkdir()
    (isolated / "prompts" / "x.yaml").write_text(
        PROMPT.format(name="x", provider="acme"), encoding="utf-8"
    )
    code, _, err = run_cli("render", "x", "--env", "prod")
    assert code == 1
    assert err.startswith("error: provider 'acme' has no default flavor; pass --flavor")
    with running_emulator() as fp, fp.client() as client:
        response = client.post(
            f"/projects/{fp.project_id}/prompt-templates/name/x/versions",
            params={"create_template_if_not_exists": "true"},
            json={
                "template_messages": [{"role": "user", "content": "hi"}],
                "provider": "acme",
                "model": "m",
            },
        )
    assert response.status_code == 400
    assert "unknown provider 'acme'" in response.json()["message"]
