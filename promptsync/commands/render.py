"""`promptsync render`: preview a local version exactly as its registry would render it."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from promptsync import console
from promptsync.errors import PromptsyncError
from promptsync.kinds.prompts.desired import PromptSource
from promptsync.kinds.prompts.load import display_path, load_prompts
from promptsync.kinds.prompts.preview import Rendered, check_variables, format_prompt
from promptsync.kinds.prompts.remote import LATEST
from promptsync.repo.settings import load_settings
from promptsync.repo.yamlread import read_document


def choose(name: str, sources: list[PromptSource], env: str | None) -> PromptSource:
    """The file claiming `env`; without --env, the env-less file (or the only file)."""

    def label(s: PromptSource) -> str:
        return ", ".join(s.prompt.environments) if s.prompt.environments else LATEST

    if env is not None:
        for source in sources:
            if env in (source.prompt.environments or [LATEST]):
                return source
        raise PromptsyncError(
            f"template {name!r} has no version for {env}"
            f" (versions: {'; '.join(label(s) for s in sources)})"
        )
    envless = [s for s in sources if s.prompt.environments is None]
    if envless:
        return envless[0]
    if len(sources) == 1:
        return sources[0]
    raise PromptsyncError(
        f"template {name!r} has several versions; choose one with --env"
        f" ({'; '.join(label(s) for s in sources)})"
    )


def read_variables(vars_file: str | None, pairs: tuple[str, ...]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if vars_file:
        try:
            raw = Path(vars_file).read_bytes()
        except OSError as exc:
            raise PromptsyncError(f"--vars-file: cannot read {vars_file}: {exc.strerror}") from None
        data = read_document(raw, display_path(Path(vars_file)), "a mapping of variables").data
        if not isinstance(data, dict):
            raise PromptsyncError(f"--vars-file {vars_file}: expected a mapping of variables")
        values.update(data)
        check_variables(values, f"--vars-file {vars_file}")
    given: set[str] = set()
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise PromptsyncError(f"--var {pair!r}: expected NAME=VALUE")
        if key in given:
            raise PromptsyncError(f"--var {key}: given twice; give each variable once")
        given.add(key)
        values[key] = value
    return values


def _text(name: str, source: PromptSource, result: Rendered) -> str:
    p = source.prompt
    how = f"flavor {result.flavor}" if result.flavor else f"PromptLayer {result.template_format}"
    lines = [f"{name} ({source.path}; {how}; {p.provider} {p.model})", ""]
    if isinstance(result.llm_prompt, str):
        return "\n".join([*lines, result.llm_prompt, ""])
    if result.system_content is not None and result.system_separate:
        lines += ["[system] (sent separately as system_content)", result.system_content, ""]
    for message in result.llm_prompt:
        text = message.get("content")
        if not isinstance(text, str):
            text = "\n".join(part.get("text", "") for part in message.get("parts") or text or [])
        lines += [f"[{message['role']}]", text, ""]
    if result.tool_schema:
        lines.append(f"tools: {json.dumps(result.tool_schema, ensure_ascii=False)}")
    return "\n".join(lines).rstrip("\n") + "\n"


def run_render(
    config: str | None,
    name: str,
    *,
    env: str | None,
    pairs: tuple[str, ...],
    vars_file: str | None,
    flavor: str | None,
    use_examples: bool,
    fmt: str,
) -> int:
    settings = load_settings(config, os.environ, Path.cwd())
    loaded = load_prompts(
        settings.prompts_dir,
        settings.config.environments,
        root=settings.root,
        backend=settings.config.backend,
    )
    sources = loaded.templates.get(name)
    if not sources:
        raise PromptsyncError(f"no template named {name!r} in {display_path(settings.prompts_dir)}")
    source = choose(name, sources, env)
    values = read_variables(vars_file, pairs)
    if use_examples:
        for key, declared in (source.prompt.variables or {}).items():
            if key not in values and declared.example is not None:
                values[key] = declared.example
        check_variables(values, f"{source.path}: variables")
    result = format_prompt(source.prompt, values, flavor)
    if result.missing_variables:
        console.err(
            f"warning: variables not given, rendered as empty:"
            f" {', '.join(result.missing_variables)}"
        )
    for note in result.notes:
        console.err(f"note: {note}")
    if fmt == "json":
        payload = {
            "template": name,
            "file": source.path,
            "flavor": result.flavor,
            "template_format": result.template_format,
            "provider": source.prompt.provider,
            "model": source.prompt.model,
            "llm_parameters": source.prompt.llm_parameters or {},
            "llm_prompt": result.llm_prompt,
            "system_content": result.system_content,
            "tool_schema": result.tool_schema,
            "output_schema": result.output_schema,
            "missing_variables": result.missing_variables,
        }
        console.out(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")
    else:
        console.out(_text(name, source, result))
    return 0
